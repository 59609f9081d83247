using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Interpretation;

/// <summary>
/// What one layer computes for every sample, as Keras users get it with Model(inputs, layer.output): the layer's output,
/// and for a recurrent layer every step's h and its gates after their activations (LSTM i, f, g, o and the cell state c;
/// GRU z, r, n, as PyTorch names them: g is the candidate c̃, n the candidate h̃), read from the buffers the forward
/// pass fills for its backward (<see cref="RecurrentLayer.CopyStepValue"/>), so nothing is computed twice. A
/// Bidirectional layer's values are named forward_… and backward_…. Inference mode: no dropout.
/// </summary>
public static class LayerActivations
{
    /// <summary>Runs the model up to layer <paramref name="layer"/> over <paramref name="data"/> in batches.</summary>
    public static LayerActivationResult Compute(Sequential model, Dataset data, int layer, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        model.EnsureNotEmpty();
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, model.Layers.Count);
        Layer target = model.Layers[layer];
        RecurrentLayer[] directions = target switch
        {
            Bidirectional bi => [bi.ForwardLayer, bi.BackwardLayer],
            RecurrentLayer recurrent => [recurrent],
            _ => [],
        };
        string[] prefixes = directions.Length == 2 ? ["forward_", "backward_"] : [""];

        int n = data.Count, rows = Math.Max(1, Math.Min(batchSize, n));
        var x = new Activations();
        float[]? output = null;
        int[] outputShape = [];
        var names = new List<string>();
        var values = new List<float[]>();
        int time = data.Time, units = directions.Length > 0 ? directions[0].Units : 0;
        WorkspaceEstimate.Ensure(model, rows, time, training: false);
        for (int start = 0; start < n; start += rows)
        {
            int size = Math.Min(rows, n - start);
            data.Gather([.. Enumerable.Range(start, size)], x, null);
            Activations y = model.ForwardThrough(x, layer + 1, training: false);
            if (output is null)
            {
                int perSample = y.Length / size;
                output = new float[n * perSample];
                outputShape = y.IsSequence ? [n, y.Time, y.Features] : [n, y.Features];
                // The steps the recurrent layer ran (an Embedding before it makes them from the tokens).
                time = directions.Length > 0 ? directions[0].Workspace.Time : time;
                for (int d = 0; d < directions.Length; d++)
                {
                    for (int v = 0; v < directions[d].StepValueNames.Count; v++)
                    {
                        names.Add(prefixes[d] + directions[d].StepValueNames[v]);
                        values.Add(new float[n * time * Width(directions[d], v)]);
                    }
                }
            }

            y.Span.CopyTo(output.AsSpan(start * (output.Length / n)));
            int k = 0;
            foreach (RecurrentLayer direction in directions)
            {
                for (int v = 0; v < direction.StepValueNames.Count; v++, k++)
                {
                    int width = Width(direction, v);
                    direction.CopyStepValue(v, values[k].AsSpan(start * time * width, size * time * width));
                }
            }
        }

        return new LayerActivationResult(layer, target.Name, output ?? [], outputShape, n, time, units, names, values);
    }

    // Value v's width: h is the layer's state width (an LSTM's projection size), the gates and c its units.
    private static int Width(RecurrentLayer layer, int v) => v == 0 ? layer.StateWidth : layer.Units;
}
