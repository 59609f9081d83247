using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using PSRnn.Engine.Tensors;

namespace PSRnn.Bench;

/// <summary>
/// The engine's GEMM at the shapes recurrent layers use (batch × features × gates) and at 2048³, reported in
/// GFLOP/s (2·m·n·k per call) beside the time. The AVX2+FMA peak of this 2-core Zen 3 is about 97 GFLOP/s a core.
/// </summary>
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>m×k times k×n: an LSTM step (32×128 · 128×512), the hoisted input projection, the seed's
    /// 22050-wide step, and the square peak case.</summary>
    [Params("32x512x128", "64x1024x256", "3200x512x40", "32x512x22050", "2048x2048x2048")]
    public string Shape { get; set; } = "";

    internal (int M, int N, int K) Dims
    {
        get
        {
            int[] d = Shape.Split('x').Select(int.Parse).ToArray();
            return (d[0], d[1], d[2]);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        (int m, int n, int k) = Dims;
        var random = new Random(1);
        _a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _c = new float[m * n];
    }

    [Benchmark]
    public void Multiply()
    {
        (int m, int n, int k) = Dims;
        Gemm.Multiply(false, false, m, n, k, 1f, _a, _b, 0f, _c);
    }

    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn());
    }

    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPs";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2·m·n·k floating-point operations per second, in billions";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is null)
            {
                return "-";
            }

            var bench = new GemmBenchmarks { Shape = (string)benchmarkCase.Parameters["Shape"] };
            (int m, int n, int k) = bench.Dims;
            double seconds = report.ResultStatistics.Median * 1e-9;
            return (2.0 * m * n * k / seconds / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
