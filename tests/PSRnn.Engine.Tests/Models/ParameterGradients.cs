using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;

namespace PSRnn.Engine.Tests.Models;

/// <summary>Checks what Backward accumulated in every parameter against central differences of an objective.</summary>
internal static class ParameterGradients
{
    /// <summary>
    /// Compares each layer's parameter gradients (already accumulated) with (f(w + h) − f(w − h)) / 2h at about
    /// <paramref name="perParameter"/> entries of each parameter; returns how many entries were checked.
    /// </summary>
    public static int AssertMatchCentralDifferences(Sequential model, Func<double> objective, int perParameter)
    {
        const float h = 1e-2f;
        int checkedCount = 0;
        foreach (Layer layer in model.Layers)
        {
            for (int p = 0; p < layer.Parameters.Count; p++)
            {
                Parameter parameter = layer.Parameters[p];
                float[] analytic = (float[])parameter.Gradient.Clone();
                int step = Math.Max(1, parameter.Length / perParameter);
                for (int i = 0; i < parameter.Length; i += step)
                {
                    float saved = parameter.Value[i];
                    parameter.Value[i] = saved + h;
                    double plus = objective();
                    parameter.Value[i] = saved - h;
                    double minus = objective();
                    parameter.Value[i] = saved;
                    double numeric = (plus - minus) / (2 * h);
                    Assert.True(Math.Abs(numeric - analytic[i]) <= (2e-3 * Math.Max(1, Math.Abs(numeric))) + 2e-4,
                        $"{layer.Name}.{layer.ParameterNames[p]}[{i}]: numeric {numeric:G6}, backward {analytic[i]:G6}");
                    checkedCount++;
                }
            }
        }

        return checkedCount;
    }
}
