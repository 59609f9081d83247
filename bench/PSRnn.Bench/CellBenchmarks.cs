using BenchmarkDotNet.Attributes;
using PSRnn.Engine.Layers;

namespace PSRnn.Bench;

/// <summary>
/// The LSTM's fused element-wise pass of one time step over a whole batch chunk (sigmoid/tanh gates, cell update,
/// h = o⊙tanh(c), and the matching backward pass), at the shapes of the reference workloads: B×U = 32×128 (W2),
/// 64×256 (W3), 32×512 (W4). Reported per step; the GEMM of the same step is in <see cref="GemmBenchmarks"/>.
/// </summary>
public class CellBenchmarks
{
    private float[] _z = [];
    private float[] _a = [];
    private float[] _cPrev = [];
    private float[] _c = [];
    private float[] _tc = [];
    private float[] _h = [];
    private float[] _dh = [];
    private float[] _dz = [];
    private float[] _carry = [];

    /// <summary>Batch rows × units.</summary>
    [Params("32x128", "64x256", "32x512")]
    public string Shape { get; set; } = "";

    private int Rows => int.Parse(Shape.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);

    private int Units => int.Parse(Shape.Split('x')[1], System.Globalization.CultureInfo.InvariantCulture);

    [GlobalSetup]
    public void Setup()
    {
        int b = Rows, u = Units;
        var random = new Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        _z = Fill(b * 4 * u);
        _a = new float[b * 4 * u];
        _cPrev = Fill(b * u);
        _c = new float[b * u];
        _tc = new float[b * u];
        _h = new float[b * u];
        _dh = Fill(b * u);
        _dz = new float[b * 4 * u];
        _carry = Fill(b * u);
        LstmForward();
    }

    /// <summary>Forward pass of one step, every row of the chunk.</summary>
    [Benchmark]
    public void LstmForward()
    {
        int u = Units;
        for (int r = 0; r < Rows; r++)
        {
            LstmKernels.Forward(_z.AsSpan(r * 4 * u, 4 * u), _a.AsSpan(r * 4 * u, 4 * u), _cPrev.AsSpan(r * u, u),
                _c.AsSpan(r * u, u), _tc.AsSpan(r * u, u), _h.AsSpan(r * u, u), u);
        }
    }

    /// <summary>Backward pass of one step, every row of the chunk.</summary>
    [Benchmark]
    public void LstmBackward()
    {
        int u = Units;
        for (int r = 0; r < Rows; r++)
        {
            LstmKernels.Backward(_a.AsSpan(r * 4 * u, 4 * u), _cPrev.AsSpan(r * u, u), _tc.AsSpan(r * u, u),
                _dh.AsSpan(r * u, u), _dz.AsSpan(r * 4 * u, 4 * u), _carry.AsSpan(r * u, u), u);
        }
    }
}
