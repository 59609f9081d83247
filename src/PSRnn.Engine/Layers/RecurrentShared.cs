using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>Small helpers the recurrent layers share: workspaces that only grow, bias sums, the input-mask backward.</summary>
internal static class RecurrentShared
{
    /// <summary>Grows <paramref name="buffer"/> to at least <paramref name="length"/> elements (never shrinks, contents not kept).</summary>
    public static void Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }

    /// <summary>
    /// dst = srcᵀ: <paramref name="src"/> (rows, cols) row-major into <paramref name="dst"/> (cols, rows). The backward
    /// loops multiply by the stored transpose of the recurrent kernel, which the matrix product reads in place, instead
    /// of asking it for op(B) = Bᵀ, which it would repack at every step (and in every batch chunk).
    /// </summary>
    public static void Transpose(ReadOnlySpan<float> src, int rows, int cols, Span<float> dst)
    {
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> row = src.Slice(i * cols, cols);
            for (int j = 0; j < cols; j++)
            {
                dst[(j * rows) + i] = row[j];
            }
        }
    }

    /// <summary>db += Σ over rows of the (rows, width) block <paramref name="rows"/>.</summary>
    public static void AddColumnSums(ReadOnlySpan<float> rows, int width, Span<float> db)
    {
        for (int r = 0; r + width <= rows.Length; r += width)
        {
            TensorPrimitives.Add(db, rows.Slice(r, width), db);
        }
    }

    /// <summary>dx ⊙= input mask, the mask of sample b (F) applied to each of its T steps; nothing when the mask is empty.</summary>
    public static void ApplyInputMask(Span<float> dx, ReadOnlySpan<float> mask, int batch, int time, int features)
    {
        if (mask.IsEmpty)
        {
            return;
        }

        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> m = mask.Slice(b * features, features);
            for (int t = 0; t < time; t++)
            {
                Span<float> row = dx.Slice(((b * time) + t) * features, features);
                TensorPrimitives.Multiply(row, m, row);
            }
        }
    }

    /// <summary>
    /// dU += H̃ᵀ·dG and db += Σ dG over every step (B·T rows), for cells whose recurrent product reads all G columns of
    /// h⊙m and whose bias is one G row added to every gate (SimpleRNN, LSTM).
    /// </summary>
    public static void AddStandardGradients(RecurrentWorkspace work, Parameter recurrent, Parameter? bias)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(recurrent);
        int g = work.GateWidth, u = work.StateWidth;
        ReadOnlySpan<float> dGates = work.DGates.AsSpan(0, work.ProductRows * g);
        work.AddTransposedProduct(u, g, work.PreviousH, u, dGates, g, recurrent.Gradient, g, aCompacted: true);
        if (bias is not null)
        {
            AddColumnSums(dGates, g, bias.Gradient);
        }
    }

    /// <summary>Rejects an activation a recurrent cell cannot use (softmax: it would normalize across units).</summary>
    public static void CheckActivation(RecurrentLayer layer)
    {
        if (layer.Activation == ActivationKind.Softmax)
        {
            throw new ModelException("UnsupportedRecurrentActivation",
                $"Layer '{layer.Name}' ({layer.KerasClassName}) cannot use the softmax activation. " +
                "Use tanh (the default), relu, sigmoid or another element-wise activation.");
        }
    }
}
