using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Interpretation;

/// <summary>
/// Runs many input rows (samples, interpolation points, occluded copies) through a model in batches of a fixed size:
/// forward for the target outputs, or forward and backward for ∂y[target]/∂x of each row. Rows are independent, so the
/// batch of one backward pass holds several rows at once and seeding dy = Σ_rows e_target gives each row its own
/// gradient.
/// </summary>
internal sealed class Rows(Sequential model, int sample, int time, int features)
{
    private readonly Activations _batch = new();
    private readonly Activations _seed = new();

    /// <summary>Writes row <paramref name="row"/>'s input (T·F values).</summary>
    public delegate void Fill(int row, Span<float> values);

    /// <summary>Receives row <paramref name="row"/>'s input gradient (T·F values).</summary>
    public delegate void Use(int row, ReadOnlySpan<float> gradient);

    /// <summary>
    /// y[target] per row of <paramref name="data"/> (<paramref name="count"/> rows of T·F values); with
    /// <paramref name="targets"/> null every output is returned in <paramref name="all"/> (count·C) and the result is zeros.
    /// </summary>
    public double[] Outputs(float[] data, int count, long[]? targets, int rowsPerBatch, out float[] all)
    {
        int width = model.OutputShape.Features;
        var result = new double[count];
        all = targets is null ? new float[count * width] : [];
        WorkspaceEstimate.Ensure(model, Math.Min(rowsPerBatch, count), time, training: false);
        for (int start = 0; start < count; start += rowsPerBatch)
        {
            int size = Math.Min(rowsPerBatch, count - start);
            _batch.Resize(size, time, features, isSequence: true);
            data.AsSpan(start * sample, size * sample).CopyTo(_batch.Span);
            Activations y = model.Forward(_batch, training: false);
            ReadOnlySpan<float> values = y.Span;
            if (targets is null)
            {
                values.CopyTo(all.AsSpan(start * width, size * width));
                continue;
            }

            for (int r = 0; r < size; r++)
            {
                result[start + r] = values[(r * width) + (int)targets[start + r]];
            }
        }

        return result;
    }

    /// <summary>∂y[target]/∂x of <paramref name="count"/> rows made by <paramref name="fill"/>, handed to <paramref name="use"/>.</summary>
    public void Gradients(int count, long[] targets, int rowsPerBatch, Fill fill, Use use)
    {
        int width = model.OutputShape.Features;
        WorkspaceEstimate.Ensure(model, Math.Min(Math.Max(rowsPerBatch, 1), count), time, training: true);
        for (int start = 0; start < count; start += rowsPerBatch)
        {
            int size = Math.Min(rowsPerBatch, count - start);
            _batch.Resize(size, time, features, isSequence: true);
            Span<float> x = _batch.Span;
            for (int r = 0; r < size; r++)
            {
                fill(start + r, x.Slice(r * sample, sample));
            }

            Activations y = model.Forward(_batch, training: false);
            _seed.ResizeLike(y);
            Span<float> dy = _seed.Span;
            dy.Clear();
            for (int r = 0; r < size; r++)
            {
                dy[(r * width) + (int)targets[start + r]] = 1f;
            }

            ReadOnlySpan<float> dx = model.BackwardToInput(_seed).Span;
            for (int r = 0; r < size; r++)
            {
                use(start + r, dx.Slice(r * sample, sample));
            }
        }
    }
}
