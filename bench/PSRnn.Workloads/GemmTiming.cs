using System.Diagnostics;
using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Workloads;

/// <summary>
/// <c>--gemm</c>: the engine's Gemm.Multiply at the shapes bench/gemm/gemm_peer.py times OpenBLAS at, measured the same
/// way (best of many short repetitions, C = A·B overwritten), so the two lines compare directly.
/// </summary>
internal static class GemmTiming
{
    public const string DefaultShapes = "32x512x128,16x512x128,32x128x512,64x1024x256,32x2048x512,3200x512x40,32x512x22050,2048x2048x2048";

    public static void Run(string shapes, int threads, int reps)
    {
        using ComputeThreads.Scope scope = ComputeThreads.Use(threads);
        foreach (string s in shapes.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int[] d = s.Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            int m = d[0], n = d[1], k = d[2];
            var random = new Random(1);
            float[] a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] c = new float[m * n];
            double flop = 2.0 * m * n * k;
            int iters = Math.Max(1, (int)(2e8 / flop));
            for (int w = 0; w < Math.Max(3, iters / 4); w++)
            {
                Gemm.Multiply(false, false, m, n, k, 1f, a, b, 0f, c);
            }

            double best = double.MaxValue;
            for (int rep = 0; rep < reps; rep++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < iters; i++)
                {
                    Gemm.Multiply(false, false, m, n, k, 1f, a, b, 0f, c);
                }

                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds / iters);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s,-20} T{threads} {best * 1e6,10:F1} us  {flop / best / 1e9,7:F1} GF/s"));
        }
    }
}
