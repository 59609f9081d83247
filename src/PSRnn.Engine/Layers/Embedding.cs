using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Embedding: maps each token id to a learned row of <c>embeddings</c>.
/// <para>Shapes: ids (B, T) as Keras's input (None, T) — here <see cref="SampleShape.Vector"/>(T) — or (B, T, 1);
/// E <c>embeddings</c> (input_dim, output_dim); y (B, T, output_dim).</para>
/// <para>Forward:  y[b, t, :] = E[id[b, t], :].</para>
/// <para>Backward: dE[id[b, t], :] += dy[b, t, :], accumulated in (b, t) order so the sums are deterministic. Ids are not
/// differentiable: there is no input gradient, so Embedding must be the first layer.</para>
/// Ids are carried as float values; each must be a whole number in [0, input_dim).
/// </summary>
public sealed class Embedding : Layer
{
    private readonly Activations _y = new();
    private int[] _ids = [];
    private int _tokens = -1; // ids cached by the last Forward; −1 before the first
    private Parameter? _embeddings;
    private readonly SequenceMask _mask = new();

    /// <summary>Creates the layer.</summary>
    /// <param name="inputDim">The vocabulary size: ids run from 0 to inputDim − 1.</param>
    /// <param name="outputDim">The length of each embedding vector.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public Embedding(int inputDim, int outputDim, string? name = null)
        : base(name)
    {
        RequirePositive(inputDim);
        RequirePositive(outputDim);
        InputDim = inputDim;
        OutputDim = outputDim;
    }

    /// <inheritdoc />
    public override string KerasClassName => "Embedding";

    /// <summary>Keras's input_dim: the vocabulary size.</summary>
    public int InputDim { get; }

    /// <summary>Keras's output_dim: the embedding length.</summary>
    public int OutputDim { get; }

    /// <summary>Keras's embeddings_initializer (Keras's default "uniform" is U(−0.05, 0.05), here "random_uniform").</summary>
    public string EmbeddingsInitializer { get; init; } = "random_uniform";

    /// <summary>
    /// Keras's mask_zero: token id 0 is padding. The output still holds row 0 of the table there (as in Keras), and the
    /// mask tells the layers after it to skip those steps; the vocabulary is then ids 1 … input_dim − 1.
    /// </summary>
    public bool MaskZero { get; init; }

    /// <inheritdoc />
    public override void Initialize(Rng rng) =>
        Initializers.Initialize(EmbeddingsInitializer, _embeddings!.Value, _embeddings.Shape, rng);

    /// <inheritdoc />
    /// <exception cref="ModelException">An id is not a whole number in [0, input_dim) (EmbeddingIndexOutOfRange).</exception>
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int batch = input.Batch;
        int time = input.IsSequence ? input.Time : input.Features;
        int tokens = batch * time;
        _tokens = -1;
        if (_ids.Length < tokens)
        {
            _ids = new int[tokens];
        }

        // Validate every id before touching the output, so a bad batch leaves nothing half-done.
        ReadOnlySpan<float> x = input.Span;
        for (int i = 0; i < tokens; i++)
        {
            float v = x[i];
            if (!(v >= 0f && v < InputDim) || v != MathF.Floor(v))
            {
                CultureInfo c = CultureInfo.InvariantCulture;
                throw new ModelException("EmbeddingIndexOutOfRange",
                    $"Layer '{Name}' (Embedding) got token id {v.ToString(c)} at sample {(i / time).ToString(c)}, step " +
                    $"{(i % time).ToString(c)}; ids must be whole numbers from 0 to {(InputDim - 1).ToString(c)} " +
                    $"(input_dim {InputDim.ToString(c)}). Map the tokens into the vocabulary, or build the layer with a larger input dimension.");
            }

            _ids[i] = (int)v;
        }

        _tokens = tokens;
        if (MaskZero)
        {
            _mask.Resize(batch, time);
            Span<bool> real = _mask.Values;
            for (int i = 0; i < tokens; i++)
            {
                real[i] = _ids[i] != 0;
            }

            _mask.Update();
        }

        _y.Resize(batch, time, OutputDim, isSequence: true);
        Span<float> y = _y.Span;
        ReadOnlySpan<float> e = _embeddings!.Value;
        for (int i = 0; i < tokens; i++)
        {
            // y[i, :] = E[id_i, :]
            e.Slice(_ids[i] * OutputDim, OutputDim).CopyTo(y.Slice(i * OutputDim, OutputDim));
        }

        return _y;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><paramref name="computeInputGradient"/> is true: ids have no gradient.</exception>
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (computeInputGradient)
        {
            throw new InvalidOperationException(
                $"Layer '{Name}' (Embedding) has no input gradient: token ids are not differentiable. Embedding must be the first layer of the model.");
        }

        if (_tokens < 0)
        {
            throw new InvalidOperationException("Backward needs a Forward first.");
        }

        ReadOnlySpan<float> dy = outputGradient.Span;
        Span<float> de = _embeddings!.Gradient;
        for (int i = 0; i < _tokens; i++)
        {
            // dE[id_i, :] += dy[i, :]  — in token order, so repeated ids sum the same way every time.
            Span<float> row = de.Slice(_ids[i] * OutputDim, OutputDim);
            System.Numerics.Tensors.TensorPrimitives.Add(row, dy.Slice(i * OutputDim, OutputDim), row);
        }

        return null;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["input_dim"] = InputDim,
            ["output_dim"] = OutputDim,
            ["embeddings_initializer"] = EmbeddingsInitializer,
            ["mask_zero"] = MaskZero,
        };
        AddRegularizerConfig(config);
        return config;
    }

    /// <inheritdoc />
    internal override SequenceMask? ComputeMask(Activations input) => MaskZero ? _mask : null;

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        if (input.IsSequence && input.Features != 1)
        {
            throw new ModelException("EmbeddingInputShape",
                $"Layer '{Name}' (Embedding) takes token ids of shape (batch, time) or (batch, time, 1), but its input is {input}.");
        }

        _embeddings = AddParameter("embeddings", InputDim, OutputDim);
        return SampleShape.Sequence(input.IsSequence ? input.Time : input.Features, OutputDim);
    }
}
