using System.Globalization;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;

namespace PSRnn.Engine.Training;

/// <summary>
/// The memory a forward (and backward) pass of one batch needs for the layers' workspaces, computed from the shapes
/// before anything is allocated, so that a batch far beyond memory is refused with the figure it needs.
/// </summary>
/// <remarks>
/// The per-row counts follow the recurrent driver's workspace (<see cref="RecurrentWorkspace"/>) as the layer's cell
/// declares it (<see cref="RecurrentCellInfo"/>): per batch row and step the gates (g·u), what the cell saves, the
/// previous state, the states and the gathered real rows of a masked batch; training adds the gate gradients (g·u, twice when the cell keeps a recurrent side
/// apart) and the input gradient. Per-sample buffers are a few state vectors more, which the estimate covers with one
/// spare state per step: it errs high, never low by a whole buffer.
/// </remarks>
internal static class WorkspaceEstimate
{
    /// <summary>The bytes one batch of <paramref name="batch"/> samples of <paramref name="time"/> steps needs.</summary>
    public static long Bytes(Sequential model, int batch, int time, bool training, out long largestArray)
    {
        largestArray = 0;
        long floats = 0;
        int features = model.InputShape.Features;
        foreach (Layer layer in model.Layers)
        {
            long rows = (long)batch * (layer.InputShape.IsSequence ? layer.InputShape.Time ?? time : 1);
            long perRow = layer switch
            {
                Bidirectional b => 2 * Recurrent(b.ForwardLayer, features, training, rows, ref largestArray),
                RecurrentLayer r => Recurrent(r, features, training, rows, ref largestArray),
                // P and dP (g·U), the saved gate values, the states and the output, the input gradient.
                MinRecurrentLayer m => Track(rows, m.WorkspacePerRow(features, training), ref largestArray, rows * m.GateCount * m.Units),
                Dense d => Track(rows, ((training ? 3L : 2L) * d.Units) + (training ? features : 0), ref largestArray, rows * d.Units),
                // The tap rows X̃ and their gradient (K·F each), the output and its pre-activation.
                Conv1D c => Track(rows, (2L * c.KernelSize * features) + (2L * c.Filters), ref largestArray, rows * c.KernelSize * features),
                // R and A, (B, T, T): T floats of each per row, and the output and input gradient.
                SelfAttention a => Track(rows, (2L * (rows / batch)) + (2L * features), ref largestArray, rows * (rows / batch)),
                // Q, K, V, O and the output, A (B, H, T, T): H·T floats per row; training adds dQ, dK, dV, dO, dX.
                MultiHeadAttention a => Track(rows, MultiHeadAttentionPerRow(a, features, rows / batch, training), ref largestArray, rows * a.Heads * (rows / batch)),
                Embedding e => Track(rows, (long)e.InputShape.Features * e.OutputDim, ref largestArray),
                _ => Track(rows, 2L * layer.OutputShape.Features, ref largestArray), // dropout: mask and output
            };
            floats += rows * perRow;
            features = layer.OutputShape.Features;
        }

        return floats * sizeof(float);
    }

    /// <summary>Refuses a batch whose workspaces exceed memory or one .NET array.</summary>
    /// <exception cref="ModelException"><c>InsufficientMemory</c>.</exception>
    public static void Ensure(Sequential model, int batch, int time, bool training)
    {
        long bytes = Bytes(model, batch, time, training, out long largestArray);
        string what = string.Create(CultureInfo.InvariantCulture,
            $"{(training ? "Training" : "Running")} the model on batches of {batch} × {time} steps");
        if (largestArray > Array.MaxLength)
        {
            throw new ModelException("InsufficientMemory", string.Create(CultureInfo.InvariantCulture,
                $"{what} needs a workspace of {largestArray:N0} values, more than one .NET array holds ({Array.MaxLength:N0}); " +
                $"in all it {MemoryBudget.Shortfall(bytes)}. Use a smaller -BatchSize, shorter sequences or fewer units."));
        }

        if (!MemoryBudget.Fits(bytes))
        {
            throw new ModelException("InsufficientMemory",
                $"{what} {MemoryBudget.Shortfall(bytes)} for the layers' workspaces. Use a smaller -BatchSize, " +
                "shorter sequences or fewer units.");
        }
    }

    private static long MultiHeadAttentionPerRow(MultiHeadAttention a, int features, long steps, bool training)
    {
        long projections = (2L * a.Heads * a.KeyDim) + (2L * a.Heads * a.ValueDim);
        return projections + a.OutputShape.Features + (a.Heads * steps) + (training ? projections + features + steps : 0);
    }

    private static long Recurrent(RecurrentLayer r, int features, bool training, long rows, ref long largestArray)
    {
        long u = r.Units;
        // A layer off the driver: sized as a one-gate cell with a saved gate row (errs high for such test layers).
        RecurrentCellInfo cell = r.CellInfo ?? new RecurrentCellInfo(1, 1, (int)u, false, "RNN", [0]);
        long g = cell.Gates * u;
        // Forward: gates, saved values, previous state, the states, one spare state (per-sample and gather buffers), and
        // the real rows of a masked batch gathered for the whole-batch products (max(F, u)).
        // Training: gate gradients (two when the cell keeps the recurrent side apart), input gradient.
        long forward = g + cell.SavedWidth + u + (cell.States * u) + u + Math.Max(features, u);
        long backward = training ? (cell.SeparateRecurrentGradient ? 2 * g : g) + features : 0;
        return Track(rows, forward + backward, ref largestArray, rows * g);
    }

    private static long Track(long rows, long perRow, ref long largestArray, long? largest = null)
    {
        largestArray = Math.Max(largestArray, largest ?? rows * perRow);
        return perRow;
    }
}
