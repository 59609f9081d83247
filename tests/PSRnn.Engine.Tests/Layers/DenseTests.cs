using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class DenseTests
{
    [Theory]
    [InlineData(ActivationKind.Linear)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Softmax)]
    [InlineData(ActivationKind.Elu)]
    [InlineData(ActivationKind.Selu)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Softsign)]
    [InlineData(ActivationKind.Swish)]
    public void GradientsMatchCentralDifferencesOnVectors(ActivationKind activation)
    {
        var dense = new Dense(5, activation, name: "dense");
        dense.Build(SampleShape.Vector(7));
        dense.Initialize(new Rng(3));
        GradientCheck.Check(dense, GradientCheck.RandomInput(4, 1, 7, false, 11));
    }

    [Fact]
    public void AppliesToEveryStepOfASequence()
    {
        var dense = new Dense(3, ActivationKind.Tanh, name: "dense");
        Assert.Equal(SampleShape.Sequence(6, 3), Build(dense, SampleShape.Sequence(6, 4)));
        Activations x = GradientCheck.RandomInput(2, 6, 4, true, 5);
        Activations y = dense.Forward(x, false);
        Assert.Equal((2, 6, 3, true), (y.Batch, y.Time, y.Features, y.IsSequence));

        // Step (1, 4) of the sequence equals the layer on that one vector.
        float[] row = x.Span.Slice(((1 * 6) + 4) * 4, 4).ToArray();
        var single = new Activations(1, 1, 4, false);
        row.CopyTo(single.Span);
        var vectorDense = new Dense(3, ActivationKind.Tanh, name: "v");
        vectorDense.Build(SampleShape.Vector(4));
        dense.Parameters[0].Value.CopyTo(vectorDense.Parameters[0].Value, 0);
        dense.Parameters[1].Value.CopyTo(vectorDense.Parameters[1].Value, 0);
        float[] expected = vectorDense.Forward(single, false).Span.ToArray();
        float[] actual = dense.Forward(x, false).Span.Slice(((1 * 6) + 4) * 3, 3).ToArray();
        // Equal to rounding: the matrix product may sum in another order for 1 row than for 12.
        Assert.All(Enumerable.Range(0, 3), j => Assert.Equal(expected[j], actual[j], 1e-6f));

        GradientCheck.Check(dense, x);
    }

    [Fact]
    public void ComputesXWPlusB()
    {
        var dense = new Dense(2, name: "d");
        dense.Build(SampleShape.Vector(3));
        float[] w = [1, 2, 3, 4, 5, 6]; // (3, 2)
        w.CopyTo(dense.Parameters[0].Value, 0);
        new float[] { 0.5f, -1 }.CopyTo(dense.Parameters[1].Value, 0);
        var x = new Activations(1, 1, 3, false);
        new float[] { 1, 1, 2 }.CopyTo(x.Span);
        // [1 1 2]·W = [1+3+10, 2+4+12] = [14, 18]; + b
        Assert.Equal(new[] { 14.5f, 17f }, dense.Forward(x, false).Span.ToArray());
    }

    [Fact]
    public void KerasShapesAndNames()
    {
        var dense = new Dense(10, ActivationKind.Softmax, name: "dense");
        dense.Build(SampleShape.Vector(128));
        Assert.Equal(["kernel", "bias"], dense.Parameters.Select(p => p.Name));
        Assert.Equal([128, 10], dense.Parameters[0].Shape);
        Assert.Equal(1290, dense.ParameterCount);
    }

    private static SampleShape Build(Layer layer, SampleShape input)
    {
        layer.Build(input);
        layer.Initialize(new Rng(1));
        return layer.OutputShape;
    }
}
