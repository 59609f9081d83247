using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// The rows of a masked sequence output that count, as Keras's losses and metrics count them: a masked step adds
/// nothing to the loss, its gradient or a metric, and the loss is the mean over the real steps (Keras's
/// sum_over_batch_size weights a valid entry by total/valid). Gathers the real rows of outputs and targets into
/// compact buffers for the loss, and scatters the loss gradient back with zeros at the masked steps.
/// </summary>
internal sealed class MaskedRows
{
    private float[] _outputs = [];
    private float[] _targets = [];
    private float[] _gradient = [];
    private int[] _rows = [];
    private int _width;
    private int _targetWidth;

    /// <summary>The real rows gathered by the last <see cref="Gather"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The outputs of the real rows (Count, width).</summary>
    public ReadOnlySpan<float> Outputs => _outputs.AsSpan(0, Count * _width);

    /// <summary>The targets of the real rows (Count, target width).</summary>
    public ReadOnlySpan<float> Targets => _targets.AsSpan(0, Count * _targetWidth);

    /// <summary>The loss gradient of the real rows (Count, width), for the loss to fill.</summary>
    public Span<float> Gradient => _gradient.AsSpan(0, Count * _width);

    /// <summary>
    /// Gathers the real rows when <paramref name="output"/> is a sequence that carries a mask masking something;
    /// returns false (nothing gathered: use the whole output) otherwise.
    /// </summary>
    public bool Gather(Activations output, ReadOnlySpan<float> targets)
    {
        ArgumentNullException.ThrowIfNull(output);
        SequenceMask? mask = output.Mask;
        if (!output.IsSequence || mask is null || mask.AllReal || mask.Batch != output.Batch || mask.Time != output.Time)
        {
            return false;
        }

        int rows = output.Rows, width = output.Features, targetWidth = targets.Length / rows;
        _width = width;
        _targetWidth = targetWidth;
        Grow(ref _outputs, rows * width);
        Grow(ref _gradient, rows * width);
        Grow(ref _targets, rows * targetWidth);
        if (_rows.Length < rows)
        {
            _rows = new int[rows];
        }

        ReadOnlySpan<bool> real = mask.Values;
        ReadOnlySpan<float> y = output.Span;
        int n = 0;
        for (int r = 0; r < rows; r++)
        {
            if (!real[r])
            {
                continue;
            }

            _rows[n] = r;
            y.Slice(r * width, width).CopyTo(_outputs.AsSpan(n * width, width));
            targets.Slice(r * targetWidth, targetWidth).CopyTo(_targets.AsSpan(n * targetWidth, targetWidth));
            n++;
        }

        Count = n;
        return true;
    }

    /// <summary>The gathered rows' gradient into <paramref name="full"/> (rows, width), zeros at the masked steps.</summary>
    public void ScatterGradient(Span<float> full)
    {
        full.Clear();
        for (int i = 0; i < Count; i++)
        {
            _gradient.AsSpan(i * _width, _width).CopyTo(full.Slice(_rows[i] * _width, _width));
        }
    }

    /// <summary>The entries of <paramref name="full"/> (one per row) at the rows the last <see cref="Gather"/> kept.</summary>
    public void GatherRowValues(ReadOnlySpan<float> full, Span<float> dest)
    {
        for (int i = 0; i < Count; i++)
        {
            dest[i] = full[_rows[i]];
        }
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
