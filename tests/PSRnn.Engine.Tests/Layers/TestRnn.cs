using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// A plain-loop Keras SimpleRNN for testing wrappers before the engine's own recurrent layers exist:
/// kernel W (F, U), recurrent_kernel U (U, U), bias b (U); h₀ = 0, h_s = tanh(x_{t(s)}·W + h_{s−1}·U + b) with
/// t(s) = s, or T − 1 − s with go_backwards. Output: every h_s in processing order (return_sequences) or h_{T−1}.
/// Dropout as Keras's SimpleRNNCell: x·m_in before W, h·m_rec before U.
/// </summary>
internal sealed class TestRnn : RecurrentLayer
{
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private float[] _p = [];
    private float[] _h = [];
    private float[] _inMask = [];
    private float[] _recMask = [];
    private double[] _dh = [];
    private double[] _dz = [];
    private Activations? _input;

    public TestRnn(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0,
        float recurrentDropout = 0, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
    }

    public override string KerasClassName => "SimpleRNN";

    public override RecurrentLayer CreateTwin(bool goBackwards, string name) =>
        new TestRnn(Units, ReturnSequences, goBackwards, Dropout, RecurrentDropout, name);

    protected override void CreateParameters(int inputFeatures)
    {
        AddParameter("kernel", inputFeatures, Units);
        AddParameter("recurrent_kernel", Units, Units);
        AddParameter("bias", Units);
    }

    protected override void InitializeWeights(Rng rng)
    {
        Initializers.Initialize(KernelInitializer, Parameters[0].Value, Parameters[0].Shape, rng);
        Initializers.Initialize(RecurrentInitializer, Parameters[1].Value, Parameters[1].Shape, rng);
        Initializers.Initialize(BiasInitializer, Parameters[2].Value, Parameters[2].Shape, rng);
    }

    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        _input = input;
        int batch = input.Batch, time = input.Time, f = input.Features, u = Units;
        PrepareDropout(batch, f, training);
        // Buffers only grow, so the wrapper's no-allocation tests can use this layer.
        _inMask = Grow(_inMask, InputMask.Length);
        InputMask.CopyTo(_inMask);
        _recMask = Grow(_recMask, RecurrentMask.Length);
        RecurrentMask.CopyTo(_recMask);
        _p = Grow(_p, batch * time * u);
        ProjectInputs(input, Parameters[0].Value, Parameters[2].Value, u, _p);
        _h = Grow(_h, batch * time * u);
        float[] rk = Parameters[1].Value;
        for (int b = 0; b < batch; b++)
        {
            for (int s = 0; s < time; s++)
            {
                int t = InputStep(s, time);
                for (int j = 0; j < u; j++)
                {
                    double z = _p[((b * time) + t) * u + j];
                    if (s > 0)
                    {
                        for (int k = 0; k < u; k++)
                        {
                            z += (double)Prev(b, s, k, time) * rk[(k * u) + j];
                        }
                    }

                    _h[((b * time) + s) * u + j] = (float)Math.Tanh(z);
                }
            }
        }

        if (ReturnSequences)
        {
            _y.Resize(batch, time, u, true);
            _h.AsSpan(0, batch * time * u).CopyTo(_y.Span);
        }
        else
        {
            _y.Resize(batch, 1, u, false);
            for (int b = 0; b < batch; b++)
            {
                _h.AsSpan(((b * time) + time - 1) * u, u).CopyTo(_y.Span.Slice(b * u, u));
            }
        }

        return _y;
    }

    // h_{s−1} as U sees it: with the recurrent mask applied.
    private float Prev(int b, int s, int k, int time)
    {
        float h = _h[((b * time) + s - 1) * Units + k];
        return RecurrentMask.Length == 0 ? h : h * _recMask[(b * Units) + k];
    }

    private static T[] Grow<T>(T[] buffer, int length) => buffer.Length >= length ? buffer : new T[length];

    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        Activations input = _input!;
        int batch = input.Batch, time = input.Time, f = input.Features, u = Units;
        float[] w = Parameters[0].Value, rk = Parameters[1].Value;
        float[] dw = Parameters[0].Gradient, du = Parameters[1].Gradient, db = Parameters[2].Gradient;
        ReadOnlySpan<float> x = DroppedInput(input);
        ReadOnlySpan<float> dy = outputGradient.Span;
        _dx.ResizeLike(input);
        Span<float> dx = _dx.Span;
        dx.Clear();
        _dh = Grow(_dh, u);
        _dz = Grow(_dz, u);
        double[] dh = _dh, dz = _dz;
        for (int b = 0; b < batch; b++)
        {
            Array.Clear(dh, 0, u);
            for (int s = time - 1; s >= 0; s--)
            {
                int t = InputStep(s, time);
                for (int j = 0; j < u; j++)
                {
                    if (ReturnSequences)
                    {
                        dh[j] += dy[((b * time) + s) * u + j];
                    }
                    else if (s == time - 1)
                    {
                        dh[j] += dy[(b * u) + j];
                    }

                    float h = _h[((b * time) + s) * u + j];
                    dz[j] = dh[j] * (1 - ((double)h * h));
                }

                for (int j = 0; j < u; j++)
                {
                    db[j] += (float)dz[j];
                    for (int i = 0; i < f; i++)
                    {
                        dw[(i * u) + j] += (float)(x[((b * time) + t) * f + i] * dz[j]);
                    }

                    if (s > 0)
                    {
                        for (int k = 0; k < u; k++)
                        {
                            du[(k * u) + j] += (float)(Prev(b, s, k, time) * dz[j]);
                        }
                    }
                }

                for (int i = 0; i < f; i++)
                {
                    double sum = 0;
                    for (int j = 0; j < u; j++)
                    {
                        sum += dz[j] * w[(i * u) + j];
                    }

                    dx[((b * time) + t) * f + i] = (float)(InputMask.Length == 0 ? sum : sum * _inMask[(b * f) + i]);
                }

                for (int k = 0; k < u; k++)
                {
                    double sum = 0;
                    if (s > 0)
                    {
                        for (int j = 0; j < u; j++)
                        {
                            sum += dz[j] * rk[(k * u) + j];
                        }

                        if (RecurrentMask.Length != 0)
                        {
                            sum *= _recMask[(b * u) + k];
                        }
                    }

                    dh[k] = sum;
                }
            }
        }

        return computeInputGradient ? _dx : null;
    }
}
