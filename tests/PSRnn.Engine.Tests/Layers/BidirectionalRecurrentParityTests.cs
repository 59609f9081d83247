using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>Bidirectional over the engine's own SimpleRNN, LSTM and GRU against PyTorch's bidirectional modules.</summary>
public sealed class BidirectionalRecurrentParityTests
{
    [Theory]
    [InlineData("bidirectional_simplernn_sequences")]
    [InlineData("bidirectional_simplernn_last")]
    [InlineData("bidirectional_lstm_sequences")]
    [InlineData("bidirectional_lstm_last")]
    [InlineData("bidirectional_gru_sequences")]
    [InlineData("bidirectional_gru_last")]
    [InlineData("bidirectional_simplernn_sequences_sum")]
    [InlineData("bidirectional_simplernn_last_sum")]
    [InlineData("bidirectional_lstm_sequences_sum")]
    [InlineData("bidirectional_lstm_last_sum")]
    [InlineData("bidirectional_gru_sequences_sum")]
    [InlineData("bidirectional_gru_last_sum")]
    [InlineData("bidirectional_simplernn_sequences_mul")]
    [InlineData("bidirectional_simplernn_last_mul")]
    [InlineData("bidirectional_lstm_sequences_mul")]
    [InlineData("bidirectional_lstm_last_mul")]
    [InlineData("bidirectional_gru_sequences_mul")]
    [InlineData("bidirectional_gru_last_mul")]
    [InlineData("bidirectional_simplernn_sequences_ave")]
    [InlineData("bidirectional_simplernn_last_ave")]
    [InlineData("bidirectional_lstm_sequences_ave")]
    [InlineData("bidirectional_lstm_last_ave")]
    [InlineData("bidirectional_gru_sequences_ave")]
    [InlineData("bidirectional_gru_last_ave")]
    public void MatchesPyTorch(string name)
    {
        var testCase = WrapperFixtures.Case(name);
        Activations input = WrapperFixtures.Input(testCase);
        var layer = new Bidirectional(Inner(testCase), "bidirectional", Merge(testCase));
        layer.Build(SampleShape.Sequence(input.Time, input.Features));
        layer.Initialize(new Rng(1));
        WrapperFixtures.AssertParity(layer, testCase);
    }

    [Theory]
    [InlineData("SimpleRNN", true)]
    [InlineData("SimpleRNN", false)]
    [InlineData("LSTM", true)]
    [InlineData("LSTM", false)]
    [InlineData("GRU", true)]
    [InlineData("GRU", false)]
    public void GradientsMatchCentralDifferences(string kind, bool returnSequences)
    {
        foreach (BidirectionalMerge merge in Enum.GetValues<BidirectionalMerge>())
        {
            var layer = new Bidirectional(Create(kind, 3, returnSequences), "bidirectional", merge);
            layer.Build(SampleShape.Sequence(5, 4));
            layer.Initialize(new Rng(2));
            GradientCheck.Check(layer, GradientCheck.RandomInput(2, 5, 4, true, 7));
        }
    }

    [Fact]
    public void AMergeOtherThanConcatKeepsTheUnitsAndItsNameInTheConfig()
    {
        var layer = new Bidirectional(new Lstm(5, returnSequences: true), "bidirectional", BidirectionalMerge.Ave);
        layer.Build(SampleShape.Sequence(6, 3));
        Assert.Equal(5, layer.OutputShape.Features);
        Assert.Equal("ave", layer.GetConfig()["merge_mode"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Bidirectional(new Lstm(2), null, (BidirectionalMerge)9));
    }

    internal static BidirectionalMerge Merge(System.Text.Json.JsonElement testCase) =>
        testCase.GetProperty("config").GetProperty("merge_mode").GetString() switch
        {
            "concat" => BidirectionalMerge.Concat,
            "sum" => BidirectionalMerge.Sum,
            "mul" => BidirectionalMerge.Mul,
            "ave" => BidirectionalMerge.Ave,
            string other => throw new InvalidDataException($"merge_mode {other}"),
            null => throw new InvalidDataException("merge_mode missing"),
        };

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void AllocatesNothingAfterTheFirstBatch(string kind)
    {
        var layer = new Bidirectional(Create(kind, 8, returnSequences: true), "bidirectional");
        layer.Build(SampleShape.Sequence(12, 5));
        layer.Initialize(new Rng(3));
        Activations x = GradientCheck.RandomInput(4, 12, 5, true, 2);
        Activations dy = GradientCheck.RandomInput(4, 12, 16, true, 3);
        layer.Forward(x, true);
        layer.Backward(dy, true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            layer.Forward(x, true);
            layer.Backward(dy, true);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void TheBackwardTwinHasTheSameConfigurationButGoesBackwards(string kind)
    {
        var layer = new Bidirectional(Create(kind, 5, returnSequences: true), "bidirectional");
        layer.Build(SampleShape.Sequence(6, 3));
        var forward = new Dictionary<string, object?>(layer.ForwardLayer.GetConfig());
        var backward = new Dictionary<string, object?>(layer.BackwardLayer.GetConfig());
        Assert.Equal(false, forward["go_backwards"]);
        Assert.Equal(true, backward["go_backwards"]);
        foreach (string key in new[] { "go_backwards", "name" })
        {
            forward.Remove(key);
            backward.Remove(key);
        }

        Assert.Equal(forward.OrderBy(p => p.Key), backward.OrderBy(p => p.Key));
        Assert.Equal(layer.ForwardLayer.GetType(), layer.BackwardLayer.GetType());
    }

    [Fact]
    public void GruNamesItsParametersForTheModelFile()
    {
        var layer = new Bidirectional(new Gru(4, true), "bidirectional");
        layer.Build(SampleShape.Sequence(6, 3));
        Assert.Equal(
            ["forward.kernel", "forward.recurrent_kernel", "forward.bias", "backward.kernel", "backward.recurrent_kernel", "backward.bias"],
            layer.ParameterNames);
        Assert.Equal([2, 12], layer.Parameters[5].Shape);
        Assert.Equal("forward_gru", layer.ForwardLayer.Name);
        Assert.Equal("backward_gru", layer.BackwardLayer.Name);
    }

    internal static RecurrentLayer Inner(System.Text.Json.JsonElement testCase)
    {
        System.Text.Json.JsonElement config = testCase.GetProperty("config");
        int units = config.GetProperty("units").GetInt32();
        bool returnSequences = config.GetProperty("return_sequences").GetBoolean();
        return Create(config.GetProperty("layer").GetString()!, units, returnSequences);
    }

    private static RecurrentLayer Create(string kind, int units, bool returnSequences) => kind switch
    {
        "SimpleRNN" => new SimpleRnn(units, returnSequences),
        "LSTM" => new Lstm(units, returnSequences),
        "GRU" => new Gru(units, returnSequences, resetAfter: true),
        _ => throw new ArgumentException("Unknown inner layer " + kind, nameof(kind)),
    };
}
