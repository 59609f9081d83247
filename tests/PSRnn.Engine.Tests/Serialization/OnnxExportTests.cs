using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;
using Tensor = PSRnn.Engine.Tensors.Tensor;
using PSRnn.Engine.Tests.Layers;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// Every exportable layer and option, exported and run in ONNX Runtime against <see cref="Trainer.Predict"/> at two batch
/// sizes and two sequence lengths (the symbolic axes), within 1e-5 absolute plus 1e-5 relative.
/// </summary>
public sealed class OnnxExportTests
{
    private const double Tolerance = 1e-5;
    private const int Features = 3;
    private static readonly int[] Batches = [1, 5];
    private static readonly int[] Times = [4, 9];

    /// <summary>The sequence models by case name: each adds layers to a (variable time, 3 features) model.</summary>
    internal static readonly Dictionary<string, Action<Sequential>> SequenceCases = new()
    {
        ["dense_per_step_linear"] = m => m.Add(new Dense(4)),
        ["dense_per_step_tanh_softmax"] = m => { m.Add(new Dense(5, ActivationKind.Tanh)); m.Add(new Dense(3, ActivationKind.Softmax)); },
        ["simple_rnn_last"] = m => m.Add(new SimpleRnn(5)),
        ["simple_rnn_sequences"] = m => m.Add(new SimpleRnn(5, returnSequences: true)),
        ["simple_rnn_backwards_sequences"] = m => m.Add(new SimpleRnn(5, returnSequences: true, goBackwards: true)),
        ["simple_rnn_backwards_last"] = m => m.Add(new SimpleRnn(5, goBackwards: true)),
        ["simple_rnn_relu"] = m => m.Add(new SimpleRnn(4, returnSequences: true) { Activation = ActivationKind.Relu }),
        ["simple_rnn_linear"] = m => m.Add(new SimpleRnn(4, returnSequences: true) { Activation = ActivationKind.Linear }),
        ["simple_rnn_sigmoid"] = m => m.Add(new SimpleRnn(4) { Activation = ActivationKind.Sigmoid }),
        ["simple_rnn_elu"] = m => m.Add(new SimpleRnn(4, returnSequences: true) { Activation = ActivationKind.Elu }),
        ["simple_rnn_softsign"] = m => m.Add(new SimpleRnn(4) { Activation = ActivationKind.Softsign }),
        ["simple_rnn_softplus"] = m => m.Add(new SimpleRnn(4) { Activation = ActivationKind.Softplus }),
        ["simple_rnn_hard_sigmoid"] = m => m.Add(new SimpleRnn(4) { Activation = ActivationKind.HardSigmoid }),
        ["simple_rnn_no_bias"] = m => m.Add(new SimpleRnn(4) { UseBias = false }),
        ["indrnn_relu_sequences"] = m => m.Add(new IndRnn(5, returnSequences: true) { Activation = ActivationKind.Relu, RecurrentMax = 1.2f }),
        ["indrnn_tanh_backwards_last"] = m => m.Add(new IndRnn(4, goBackwards: true)),
        ["indrnn_no_bias"] = m => m.Add(new IndRnn(4, returnSequences: true) { UseBias = false }),
        ["bidirectional_indrnn_sequences"] = m => m.Add(new Bidirectional(new IndRnn(4, returnSequences: true) { Activation = ActivationKind.Relu })),
        ["lstm_last"] = m => m.Add(new Lstm(6)),
        ["lstm_sequences"] = m => m.Add(new Lstm(6, returnSequences: true)),
        ["lstm_backwards_sequences"] = m => m.Add(new Lstm(6, returnSequences: true, goBackwards: true)),
        ["lstm_backwards_last"] = m => m.Add(new Lstm(6, goBackwards: true)),
        ["lstm_hard_sigmoid"] = m => m.Add(new Lstm(5, returnSequences: true) { RecurrentActivation = ActivationKind.HardSigmoid }),
        ["lstm_relu"] = m => m.Add(new Lstm(5) { Activation = ActivationKind.Relu }),
        ["lstm_hard_sigmoid_elu"] = m => m.Add(new Lstm(5, returnSequences: true)
        {
            RecurrentActivation = ActivationKind.HardSigmoid,
            Activation = ActivationKind.Elu,
        }),
        ["lstm_no_bias"] = m => m.Add(new Lstm(5) { UseBias = false }),
        ["gru_reset_after_last"] = m => m.Add(new Gru(6)),
        ["gru_reset_after_sequences"] = m => m.Add(new Gru(6, returnSequences: true)),
        ["gru_reset_after_backwards"] = m => m.Add(new Gru(6, returnSequences: true, goBackwards: true)),
        ["gru_reset_before_last"] = m => m.Add(new Gru(6, resetAfter: false)),
        ["gru_reset_before_sequences"] = m => m.Add(new Gru(6, returnSequences: true, resetAfter: false)),
        ["gru_reset_before_backwards_last"] = m => m.Add(new Gru(6, goBackwards: true, resetAfter: false)),
        ["gru_hard_sigmoid_relu"] = m => m.Add(new Gru(5, returnSequences: true)
        {
            RecurrentActivation = ActivationKind.HardSigmoid,
            Activation = ActivationKind.Relu,
        }),
        ["gru_linear_softsign"] = m => m.Add(new Gru(5, resetAfter: false)
        {
            RecurrentActivation = ActivationKind.Softsign,
            Activation = ActivationKind.Linear,
        }),
        ["gru_reset_after_no_bias"] = m => m.Add(new Gru(5) { UseBias = false }),
        ["gru_reset_before_no_bias"] = m => m.Add(new Gru(5, resetAfter: false) { UseBias = false }),
        ["bidirectional_simple_rnn_sequences"] = m => m.Add(new Bidirectional(new SimpleRnn(4, returnSequences: true))),
        ["bidirectional_simple_rnn_last"] = m => m.Add(new Bidirectional(new SimpleRnn(4))),
        ["bidirectional_lstm_sequences"] = m => m.Add(new Bidirectional(new Lstm(5, returnSequences: true))),
        ["bidirectional_lstm_last"] = m => m.Add(new Bidirectional(new Lstm(5))),
        ["bidirectional_lstm_hard_sigmoid"] = m => m.Add(new Bidirectional(
            new Lstm(5, returnSequences: true) { RecurrentActivation = ActivationKind.HardSigmoid })),
        ["bidirectional_gru_reset_after"] = m => m.Add(new Bidirectional(new Gru(5, returnSequences: true))),
        ["bidirectional_gru_reset_before_last"] = m => m.Add(new Bidirectional(new Gru(5, resetAfter: false))),
        ["bidirectional_lstm_sequences_sum"] = m => m.Add(new Bidirectional(new Lstm(5, returnSequences: true), mergeMode: BidirectionalMerge.Sum)),
        ["bidirectional_simple_rnn_last_sum"] = m => m.Add(new Bidirectional(new SimpleRnn(4), mergeMode: BidirectionalMerge.Sum)),
        ["bidirectional_gru_sequences_mul"] = m => m.Add(new Bidirectional(new Gru(5, returnSequences: true), mergeMode: BidirectionalMerge.Mul)),
        ["bidirectional_lstm_last_mul"] = m => m.Add(new Bidirectional(new Lstm(5), mergeMode: BidirectionalMerge.Mul)),
        ["bidirectional_simple_rnn_sequences_ave"] = m => m.Add(new Bidirectional(new SimpleRnn(4, returnSequences: true), mergeMode: BidirectionalMerge.Ave)),
        ["bidirectional_gru_last_ave"] = m => m.Add(new Bidirectional(new Gru(5), mergeMode: BidirectionalMerge.Ave)),
        ["lstm_average_pooling_softmax"] = m =>
        {
            m.Add(new Lstm(5, returnSequences: true));
            m.Add(new GlobalPooling1D(GlobalPoolingMode.Average));
            m.Add(new Dense(3, ActivationKind.Softmax));
        },
        ["lstm_layer_normalization_dense"] = m =>
        {
            m.Add(new Lstm(5, returnSequences: true));
            m.Add(new LayerNormalization());
            m.Add(new Dense(3, ActivationKind.Softmax));
        },
        ["layer_normalization_no_scale_gru"] = m => { m.Add(new LayerNormalization(1e-5f, scale: false)); m.Add(new Gru(4)); },
        ["layer_normalization_no_center_last"] = m => { m.Add(new SimpleRnn(4)); m.Add(new LayerNormalization(center: false)); },
        ["conv1d_causal_lstm"] = m => { m.Add(new Conv1D(4, 3, padding: Conv1DPadding.Causal, dilationRate: 2, activation: ActivationKind.Relu)); m.Add(new Lstm(3)); },
        ["conv1d_same_stride_gru_sequences"] = m => { m.Add(new Conv1D(5, 4, strides: 2, padding: Conv1DPadding.Same)); m.Add(new Gru(3, returnSequences: true)); },
        ["conv1d_valid_no_bias_tanh"] = m => m.Add(new Conv1D(3, 2, activation: ActivationKind.Tanh, useBias: false)),
        ["lstm_self_attention_pooling"] = m =>
        {
            m.Add(new Lstm(4, returnSequences: true));
            m.Add(new SelfAttention(useScale: true));
            m.Add(new GlobalPooling1D(GlobalPoolingMode.Average));
        },
        ["causal_self_attention_gru"] = m => { m.Add(new SelfAttention(causal: true)); m.Add(new Gru(3, returnSequences: true)); },
        ["lstm_multi_head_attention_pooling"] = m =>
        {
            m.Add(new Lstm(4, returnSequences: true));
            m.Add(new MultiHeadAttention(2, 3, valueDim: 2, outputSize: 5));
            m.Add(new GlobalPooling1D(GlobalPoolingMode.Average));
        },
        ["causal_multi_head_attention_no_bias_gru"] = m => { m.Add(new MultiHeadAttention(3, 2, useBias: false, causal: true)); m.Add(new Gru(3, returnSequences: true)); },
        ["gru_max_pooling"] = m => { m.Add(new Gru(4, returnSequences: true)); m.Add(new GlobalPooling1D(GlobalPoolingMode.Max)); },
        ["stacked_bidirectional_merges"] = m =>
        {
            m.Add(new Bidirectional(new Gru(4, returnSequences: true), mergeMode: BidirectionalMerge.Ave));
            m.Add(new Bidirectional(new Lstm(3), mergeMode: BidirectionalMerge.Sum));
            m.Add(new Dense(2, ActivationKind.Softmax));
        },
        ["stacked_lstm_gru_rnn_softmax"] = m =>
        {
            m.Add(new Lstm(6, returnSequences: true));
            m.Add(new Gru(5, returnSequences: true));
            m.Add(new SimpleRnn(4));
            m.Add(new Dense(3, ActivationKind.Softmax));
        },
        ["stacked_bidirectional_sigmoid_per_step"] = m =>
        {
            m.Add(new Bidirectional(new Gru(4, returnSequences: true)));
            m.Add(new Bidirectional(new Lstm(3, returnSequences: true)));
            m.Add(new Dense(1, ActivationKind.Sigmoid));
        },
        ["dropout_between_layers"] = m =>
        {
            m.Add(new Lstm(6, returnSequences: true, dropout: 0.3f, recurrentDropout: 0.2f));
            m.Add(new DropoutLayer(0.5f));
            m.Add(new Gru(4, dropout: 0.1f));
            m.Add(new DropoutLayer(0.25f));
            m.Add(new Dense(2, ActivationKind.Sigmoid));
        },
        ["dropout_last"] = m => { m.Add(new SimpleRnn(4)); m.Add(new Dense(3)); m.Add(new DropoutLayer(0.5f)); },
        ["dropout_only"] = m => m.Add(new DropoutLayer(0.5f)),
        ["linear_output"] = m => { m.Add(new Lstm(4)); m.Add(new Dense(2)); },
        ["dense_no_bias"] = m => { m.Add(new Gru(4)); m.Add(new Dense(2, ActivationKind.Tanh, useBias: false)); },
    };

    public static TheoryData<string> SequenceCaseNames() => new(SequenceCases.Keys);

    public static TheoryData<ActivationKind> DenseActivations() => new(Enum.GetValues<ActivationKind>());

    [Theory]
    [MemberData(nameof(SequenceCaseNames))]
    public void SequenceModelMatchesPredict(string name)
    {
        Sequential model = Randomized(SampleShape.Sequence(null, Features), SequenceCases[name], 17);
        AssertMatches(model, ExportToSession(model));
    }

    [Theory]
    [MemberData(nameof(DenseActivations))]
    public void DenseActivationMatchesPredict(ActivationKind activation)
    {
        // Both a vector model (batch, features) and Dense per step on sequences.
        Sequential vector = Randomized(SampleShape.Vector(5), m => m.Add(new Dense(4, activation)), 3);
        using (InferenceSession session = ExportToSession(vector))
        {
            foreach (int batch in Batches)
            {
                float[] x = RandomValues(batch * 5, batch);
                float[] expected = Trainer.Predict(vector, Dataset.Create(new Tensor(x, batch, 5), null, vector));
                (float[] actual, int[] shape) = Run(session, new DenseTensor<float>(x, [batch, 5]));
                Assert.Equal([batch, 4], shape);
                AssertClose(expected, actual, $"{activation}, batch {batch}");
            }
        }

        Sequential sequence = Randomized(SampleShape.Sequence(null, Features), m => m.Add(new Dense(4, activation)), 4);
        using InferenceSession sequenceSession = ExportToSession(sequence);
        AssertMatches(sequence, sequenceSession);
    }

    [Fact]
    public void VectorModelOfDenseLayersMatchesPredict()
    {
        Sequential model = Randomized(SampleShape.Vector(6), m =>
        {
            m.Add(new Dense(8, ActivationKind.Relu));
            m.Add(new DropoutLayer(0.5f));
            m.Add(new Dense(3, ActivationKind.Softmax));
        }, 8);
        using InferenceSession session = ExportToSession(model);
        foreach (int batch in Batches)
        {
            float[] x = RandomValues(batch * 6, batch + 1);
            float[] expected = Trainer.Predict(model, Dataset.Create(new Tensor(x, batch, 6), null, model));
            (float[] actual, int[] shape) = Run(session, new DenseTensor<float>(x, [batch, 6]));
            Assert.Equal([batch, 3], shape);
            AssertClose(expected, actual, $"batch {batch}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmbeddingModelTakesInt64TokenIds(bool returnSequences)
    {
        // (batch, time) ids: the model's time is fixed, so the second length is checked against a twin with the same weights.
        const int vocabulary = 11;
        void Layers(Sequential m)
        {
            m.Add(new Embedding(vocabulary, 4));
            m.Add(new Lstm(5, returnSequences: returnSequences));
            m.Add(new Dense(3, ActivationKind.Softmax));
        }

        Sequential model = Randomized(SampleShape.Vector(Times[0]), Layers, 21);
        using InferenceSession session = ExportToSession(model);
        foreach (int time in Times)
        {
            Sequential twin = new(SampleShape.Vector(time), seed: 1);
            Layers(twin);
            twin.RestoreWeights(model.SnapshotWeights());
            foreach (int batch in Batches)
            {
                long[] ids = RandomIds(batch * time, vocabulary, batch + time);
                float[] expected = Trainer.Predict(twin, Dataset.Create(new Tensor(ids.Select(i => (float)i).ToArray(), batch, time), null, twin));
                (float[] actual, int[] shape) = Run(session, new DenseTensor<long>(ids, [batch, time]));
                Assert.Equal(returnSequences ? [batch, time, 3] : [batch, 3], shape);
                AssertClose(expected, actual, $"batch {batch}, time {time}");
            }
        }
    }

    [Fact]
    public void EmbeddingModelWithVariableLengthTakesIdsOfShapeBatchTimeOne()
    {
        const int vocabulary = 9;
        Sequential model = Randomized(SampleShape.Sequence(null, 1), m =>
        {
            m.Add(new Embedding(vocabulary, 3));
            m.Add(new Bidirectional(new Gru(4, returnSequences: true)));
            m.Add(new Dense(2, ActivationKind.Sigmoid));
        }, 5);
        using InferenceSession session = ExportToSession(model);
        Assert.Equal(TensorElementType.Int64, session.InputMetadata["input"].ElementDataType);
        foreach (int time in Times)
        {
            foreach (int batch in Batches)
            {
                long[] ids = RandomIds(batch * time, vocabulary, (batch * 7) + time);
                float[] expected = Trainer.Predict(model, Dataset.Create(new Tensor(ids.Select(i => (float)i).ToArray(), batch, time, 1), null, model));
                (float[] actual, int[] shape) = Run(session, new DenseTensor<long>(ids, [batch, time, 1]));
                Assert.Equal([batch, time, 2], shape);
                AssertClose(expected, actual, $"batch {batch}, time {time}");
            }
        }
    }

    [Fact]
    public void TrainedModelMatchesPredict()
    {
        // Weights after real training steps (not only random draws), with Predict's fused-activation switch exercised.
        Sequential model = new(SampleShape.Sequence(null, Features), seed: 12);
        model.Add(new Lstm(6, returnSequences: true));
        model.Add(new Gru(4));
        model.Add(new Dense(2, ActivationKind.Softmax));
        float[] x = RandomValues(32 * 5 * Features, 9);
        var y = new long[32];
        for (int n = 0; n < y.Length; n++)
        {
            y[n] = x[n * 5 * Features] > 0 ? 1 : 0;
        }

        Dataset data = Dataset.Create(new Tensor(x, 32, 5, Features), new Tensor(y, 32), model);
        Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(0.01f), new FitOptions { Epochs = 2, BatchSize = 8 });
        using InferenceSession session = ExportToSession(model);
        AssertMatches(model, session);
    }

    [Fact]
    public void GraphDeclaresNamesTypesAndSymbolicAxes()
    {
        Sequential model = Randomized(SampleShape.Sequence(null, Features), m => m.Add(new Lstm(4, returnSequences: true)), 1);
        using InferenceSession session = ExportToSession(model);
        NodeMetadata input = Assert.Single(session.InputMetadata).Value;
        Assert.Equal("input", Assert.Single(session.InputMetadata).Key);
        Assert.Equal(TensorElementType.Float, input.ElementDataType);
        Assert.Equal([-1, -1, Features], input.Dimensions);
        Assert.Equal(["batch", "time", ""], input.SymbolicDimensions);
        NodeMetadata output = Assert.Single(session.OutputMetadata).Value;
        Assert.Equal("output", Assert.Single(session.OutputMetadata).Key);
        Assert.Equal([-1, -1, 4], output.Dimensions);
        Assert.Equal(["batch", "time", ""], output.SymbolicDimensions);
        Assert.Equal("PSRnn", session.ModelMetadata.ProducerName);
        Assert.Equal(model.Name, session.ModelMetadata.GraphName);
    }

    [Fact]
    public void FixedTimeIsKeptWhenDynamicTimeIsOff()
    {
        Sequential model = Randomized(SampleShape.Sequence(7, Features), m => m.Add(new Gru(3, returnSequences: true)), 1);
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream, new OnnxExportOptions { DynamicTime = false, DocString = "A test model." });
        using var session = new InferenceSession(stream.ToArray());
        Assert.Equal([-1, 7, Features], session.InputMetadata["input"].Dimensions);
        Assert.Equal([-1, 7, 3], session.OutputMetadata["output"].Dimensions);
        Assert.Contains("A test model.", session.ModelMetadata.Description, StringComparison.Ordinal);

        // The default keeps the time axis symbolic even for a fixed-length model.
        using InferenceSession dynamic = ExportToSession(model);
        Assert.Equal([-1, -1, Features], dynamic.InputMetadata["input"].Dimensions);
    }

    [Fact]
    public void ExportsToAFileAtomicallyAndRefusesToOverwriteUnlessAsked()
    {
        Sequential model = Randomized(SampleShape.Sequence(null, Features), m => m.Add(new SimpleRnn(3)), 2);
        string folder = Path.Combine(Path.GetTempPath(), "psrnn-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "model.onnx");
            OnnxExporter.Export(model, path, overwrite: false);
            using (var session = new InferenceSession(path))
            {
                AssertMatches(model, session);
            }

            byte[] before = File.ReadAllBytes(path);
            Sequential other = Randomized(SampleShape.Sequence(null, Features), m => m.Add(new Lstm(3)), 3);
            Assert.Throws<IOException>(() => OnnxExporter.Export(other, path, overwrite: false));
            Assert.Equal(before, File.ReadAllBytes(path));

            OnnxExporter.Export(other, path, overwrite: true);
            using (var session = new InferenceSession(path))
            {
                AssertMatches(other, session);
            }

            // A model that cannot be exported leaves the file as it was, and no temporary file behind.
            Sequential bad = new(SampleShape.Sequence(null, Features), seed: 1);
            bad.Add(new SimpleRnn(3) { Activation = ActivationKind.Selu });
            byte[] good = File.ReadAllBytes(path);
            Assert.Equal("OnnxUnsupported", Assert.Throws<ModelException>(() => OnnxExporter.Export(bad, path, overwrite: true)).ErrorId);
            Assert.Equal(good, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static TheoryData<string> UnsupportedCaseNames() => new(UnsupportedCases.Keys);

    private static readonly Dictionary<string, Action<Sequential>> UnsupportedCases = new()
    {
        ["simple_rnn_selu"] = m => m.Add(new SimpleRnn(3) { Activation = ActivationKind.Selu }),
        ["simple_rnn_swish"] = m => m.Add(new SimpleRnn(3) { Activation = ActivationKind.Swish }),
        ["lstm_selu"] = m => m.Add(new Lstm(3) { Activation = ActivationKind.Selu }),
        ["gru_selu_recurrent"] = m => m.Add(new Gru(3) { RecurrentActivation = ActivationKind.Selu }),
        ["bidirectional_lstm_swish"] = m => m.Add(new Bidirectional(new Lstm(3) { Activation = ActivationKind.Swish })),
        ["custom_recurrent_layer"] = m => m.Add(new TestRnn(3)),
        ["bidirectional_custom_recurrent_layer"] = m => m.Add(new Bidirectional(new TestRnn(3))),
    };

    [Theory]
    [MemberData(nameof(UnsupportedCaseNames))]
    public void UnsupportedConfigurationsFailWithTheStableErrorIdAndWriteNothing(string name)
    {
        var model = new Sequential(SampleShape.Sequence(null, Features), seed: 1);
        UnsupportedCases[name](model);
        using var stream = new MemoryStream();
        ModelException error = Assert.Throws<ModelException>(() => OnnxExporter.Export(model, stream));
        Assert.Equal(OnnxExporter.UnsupportedErrorId, error.ErrorId);
        Assert.Contains(model.Layers[0].Name, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void EmptyModelFailsWithModelEmpty()
    {
        var model = new Sequential(SampleShape.Sequence(null, Features), seed: 1);
        using var stream = new MemoryStream();
        Assert.Equal("ModelEmpty", Assert.Throws<ModelException>(() => OnnxExporter.Export(model, stream)).ErrorId);
    }

    [Fact]
    public void ExportIsDeterministic()
    {
        Sequential model = Randomized(SampleShape.Sequence(null, Features), SequenceCases["stacked_lstm_gru_rnn_softmax"], 6);
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        OnnxExporter.Export(model, first);
        OnnxExporter.Export(model, second);
        Assert.Equal(first.ToArray(), second.ToArray());
    }

    /// <summary>A seeded model whose every weight (biases too) is drawn from U(−0.6, 0.6), so each weight's placement matters.</summary>
    internal static Sequential Randomized(SampleShape input, Action<Sequential> addLayers, ulong seed)
    {
        var model = new Sequential(input, seed: seed);
        addLayers(model);
        var rng = new Rng(seed + 1000);
        foreach (Parameter p in model.Parameters)
        {
            for (int i = 0; i < p.Length; i++)
            {
                p.Value[i] = (float)rng.Uniform(-0.6, 0.6);
            }
        }

        return model;
    }

    private static InferenceSession ExportToSession(Sequential model)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        return new InferenceSession(stream.ToArray());
    }

    /// <summary>Runs a float sequence model at every batch size and length and compares with Predict.</summary>
    private static void AssertMatches(Sequential model, InferenceSession session)
    {
        foreach (int time in Times)
        {
            foreach (int batch in Batches)
            {
                float[] x = RandomValues(batch * time * Features, (batch * 31) + time);
                float[] expected = Trainer.Predict(model, Dataset.Create(new Tensor(x, batch, time, Features), null, model));
                (float[] actual, int[] shape) = Run(session, new DenseTensor<float>(x, [batch, time, Features]));
                SampleShape output = model.OutputShape;
                // A strided or valid convolution changes the steps; Predict's output says how many.
                Assert.Equal(output.IsSequence ? [batch, expected.Length / (batch * output.Features), output.Features] : [batch, output.Features], shape);
                AssertClose(expected, actual, string.Create(CultureInfo.InvariantCulture, $"batch {batch}, time {time}"));
            }
        }
    }

    private static (float[] Values, int[] Shape) Run<T>(InferenceSession session, DenseTensor<T> input)
    {
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        DisposableNamedOnnxValue output = Assert.Single(results);
        Assert.Equal("output", output.Name);
        Microsoft.ML.OnnxRuntime.Tensors.Tensor<float> tensor = output.AsTensor<float>();
        return (tensor.ToArray(), tensor.Dimensions.ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(error <= Tolerance + (Tolerance * Math.Abs(expected[i])),
                string.Create(CultureInfo.InvariantCulture, $"{where}: element {i} is {actual[i]} in ONNX Runtime, {expected[i]} in PSRnn (error {error:E2})."));
        }
    }

    internal static float[] RandomValues(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)rng.Uniform(-2, 2);
        }

        return values;
    }

    private static long[] RandomIds(int count, int vocabulary, int seed)
    {
        var rng = new Rng((ulong)seed);
        var ids = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = rng.NextInt(vocabulary);
        }

        return ids;
    }
}
