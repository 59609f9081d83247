using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class BidirectionalTests
{
    [Theory]
    [InlineData("bidirectional_simplernn_sequences", true)]
    [InlineData("bidirectional_simplernn_last", false)]
    public void MatchesPyTorchOverKerasSimpleRnn(string name, bool returnSequences) =>
        WrapperFixtures.AssertParity(Built(new Bidirectional(new TestRnn(4, returnSequences), "bidirectional"), 5, 3),
            WrapperFixtures.Case(name));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GradientsMatchCentralDifferences(bool returnSequences)
    {
        Bidirectional layer = Built(new Bidirectional(new TestRnn(3, returnSequences), "bidirectional"), 6, 4);
        GradientCheck.Check(layer, GradientCheck.RandomInput(2, 6, 4, true, 21));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OutputIsForwardConcatenatedWithTheReversedBackwardRunOnReversedInput(bool returnSequences)
    {
        const int batch = 2, time = 5, features = 3, units = 4;
        Bidirectional layer = Built(new Bidirectional(new TestRnn(units, returnSequences), "bidirectional"), time, features);
        Activations x = GradientCheck.RandomInput(batch, time, features, true, 3);
        float[] y = layer.Forward(x, false).Span.ToArray();

        // By hand, with two plain forward-going layers holding the two directions' weights:
        // y = [fwd(x), reverse_t(bwd(reverse_t x))], or the two last states.
        TestRnn fwd = Copy(layer.ForwardLayer, returnSequences, features);
        TestRnn bwd = Copy(layer.BackwardLayer, returnSequences, features);
        float[] yf = fwd.Forward(x, false).Span.ToArray();
        float[] yb = bwd.Forward(ReverseTime(x), false).Span.ToArray();
        int steps = returnSequences ? time : 1;
        Assert.Equal(batch * steps * 2 * units, y.Length);
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                int row = (b * steps) + t, flipped = (b * steps) + (steps - 1 - t);
                for (int j = 0; j < units; j++)
                {
                    Assert.Equal(yf[(row * units) + j], y[(row * 2 * units) + j], 6);
                    Assert.Equal(yb[(flipped * units) + j], y[(row * 2 * units) + units + j], 6);
                }
            }
        }
    }

    [Fact]
    public void ParametersAreForwardThenBackwardWithPrefixedNames()
    {
        var inner = new TestRnn(8, returnSequences: true);
        var layer = new Bidirectional(inner, "bidirectional");
        layer.Build(SampleShape.Sequence(null, 5));
        layer.Initialize(new Rng(1));
        Assert.Equal(
            ["forward.kernel", "forward.recurrent_kernel", "forward.bias", "backward.kernel", "backward.recurrent_kernel", "backward.bias"],
            layer.ParameterNames);
        Assert.Equal(layer.ForwardLayer.Parameters.Concat(layer.BackwardLayer.Parameters), layer.Parameters);
        Assert.Same(inner, layer.ForwardLayer);
        Assert.True(layer.BackwardLayer.GoBackwards);
        Assert.False(layer.ForwardLayer.GoBackwards);
        Assert.Equal([5, 8], layer.Parameters[3].Shape);
        Assert.Equal(2 * ((5 * 8) + (8 * 8) + 8), layer.ParameterCount);
        Assert.Equal(SampleShape.Sequence(null, 16), layer.OutputShape);
        // Keras's names for the directions: forward_<inner>, backward_<inner>.
        Assert.Equal("forward_simple_rnn", layer.ForwardLayer.Name);
        Assert.Equal("backward_simple_rnn", layer.BackwardLayer.Name);
        Assert.Equal("backward_rnn", new Bidirectional(new TestRnn(2, name: "rnn")).BackwardLayer.Name);
        // The two directions start from different weights of the one stream.
        Assert.NotEqual(layer.Parameters[0].Value, layer.Parameters[3].Value);
    }

    [Fact]
    public void VectorOutputWithoutReturnSequences()
    {
        Bidirectional layer = Built(new Bidirectional(new TestRnn(6), "bidirectional"), 4, 2);
        Assert.Equal(SampleShape.Vector(12), layer.OutputShape);
    }

    [Fact]
    public void KerasConfig()
    {
        Bidirectional layer = Built(new Bidirectional(new TestRnn(6, true, name: "rnn"), "bidirectional"), 4, 2);
        IReadOnlyDictionary<string, object?> config = layer.GetConfig();
        Assert.Equal("Bidirectional", layer.KerasClassName);
        Assert.Equal("concat", config["merge_mode"]);
        var inner = (IReadOnlyDictionary<string, object?>)config["layer"]!;
        Assert.Equal("SimpleRNN", inner["class_name"]);
        var innerConfig = (IReadOnlyDictionary<string, object?>)inner["config"]!;
        Assert.Equal("forward_rnn", innerConfig["name"]);
        Assert.Equal(6, innerConfig["units"]);
        Assert.Equal(true, innerConfig["return_sequences"]);
        Assert.Equal(false, innerConfig["go_backwards"]);
        var backward = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)config["backward_layer"]!)["config"]!;
        Assert.Equal(true, backward["go_backwards"]);
    }

    [Fact]
    public void RejectsAnOutputGradientOfTheWrongSize()
    {
        Bidirectional layer = Built(new Bidirectional(new TestRnn(3, true), "bidirectional"), 4, 5);
        layer.Forward(GradientCheck.RandomInput(2, 4, 5, true, 2), false);
        Assert.Throws<ArgumentException>(() => layer.Backward(new Activations(2, 4, 3, true), true));
    }

    [Fact]
    public void RejectsALayerThatGoesBackwards() =>
        Assert.Throws<ArgumentException>(() => new Bidirectional(new TestRnn(3, goBackwards: true)));

    [Fact]
    public void NeedsSequenceInput() =>
        Assert.Equal("LayerNeedsSequence",
            Assert.Throws<ModelException>(() => new Bidirectional(new TestRnn(3)).Build(SampleShape.Vector(4))).ErrorId);

    [Fact]
    public void DropoutInTrainingReachesBothDirections()
    {
        Bidirectional layer = Built(new Bidirectional(new TestRnn(3, true, dropout: 0.5f), "bidirectional"), 4, 5);
        Activations x = GradientCheck.RandomInput(3, 4, 5, true, 2);
        float[] inference = layer.Forward(x, false).Span.ToArray();
        float[] training = layer.Forward(x, true).Span.ToArray();
        Assert.NotEqual(inference, training);
    }

    [Fact]
    public void AllocatesNothingAfterTheFirstBatch()
    {
        Bidirectional layer = Built(new Bidirectional(new TestRnn(3, true), "bidirectional"), 4, 5);
        Activations x = GradientCheck.RandomInput(3, 4, 5, true, 2);
        Activations dy = GradientCheck.RandomInput(3, 4, 6, true, 3);
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

    private static Bidirectional Built(Bidirectional layer, int time, int features)
    {
        layer.Build(SampleShape.Sequence(time, features));
        layer.Initialize(new Rng(11));
        return layer;
    }

    private static TestRnn Copy(RecurrentLayer source, bool returnSequences, int features)
    {
        var copy = new TestRnn(source.Units, returnSequences, goBackwards: false, name: "copy");
        copy.Build(SampleShape.Sequence(null, features));
        for (int p = 0; p < source.Parameters.Count; p++)
        {
            source.Parameters[p].Value.CopyTo(copy.Parameters[p].Value, 0);
        }

        return copy;
    }

    private static Activations ReverseTime(Activations x)
    {
        var r = new Activations(x.Batch, x.Time, x.Features, true);
        for (int b = 0; b < x.Batch; b++)
        {
            for (int t = 0; t < x.Time; t++)
            {
                x.Span.Slice(((b * x.Time) + t) * x.Features, x.Features)
                    .CopyTo(r.Span.Slice(((b * x.Time) + x.Time - 1 - t) * x.Features, x.Features));
            }
        }

        return r;
    }
}
