using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class EmbeddingTests
{
    [Fact]
    public void MatchesPyTorchWithRepeatedIds() =>
        WrapperFixtures.AssertParity(Built(new Embedding(6, 3, "embedding"), SampleShape.Vector(4)),
            WrapperFixtures.Case("embedding_repeated_ids"));

    [Fact]
    public void GradientsMatchCentralDifferencesOnIdVectors()
    {
        Embedding layer = Built(new Embedding(5, 4, "embedding"), SampleShape.Vector(6));
        GradientCheck.Check(layer, Ids(3, 6, 5, isSequence: false), checkInput: false);
    }

    [Fact]
    public void GradientsMatchCentralDifferencesOnIdSequences()
    {
        Embedding layer = Built(new Embedding(5, 4, "embedding"), SampleShape.Sequence(6, 1));
        GradientCheck.Check(layer, Ids(3, 6, 5, isSequence: true), checkInput: false);
    }

    [Fact]
    public void GathersRowsIntoASequence()
    {
        Embedding layer = Built(new Embedding(4, 2, "e"), SampleShape.Vector(3));
        float[] e = [0, 1, 10, 11, 20, 21, 30, 31]; // row r = [10r, 10r + 1]
        e.CopyTo(layer.Parameters[0].Value, 0);
        var x = new Activations(2, 1, 3, false);
        new float[] { 3, 0, 3, 1, 1, 2 }.CopyTo(x.Span);
        Activations y = layer.Forward(x, false);
        Assert.Equal((2, 3, 2, true), (y.Batch, y.Time, y.Features, y.IsSequence));
        Assert.Equal(new float[] { 30, 31, 0, 1, 30, 31, 10, 11, 10, 11, 20, 21 }, y.Span.ToArray());
    }

    [Fact]
    public void ScatterAddsRepeatedIds()
    {
        Embedding layer = Built(new Embedding(3, 1, "e"), SampleShape.Vector(4));
        var x = new Activations(1, 1, 4, false);
        new float[] { 2, 2, 0, 2 }.CopyTo(x.Span);
        Activations y = layer.Forward(x, false);
        var dy = new Activations();
        dy.ResizeLike(y);
        new float[] { 1, 2, 3, 4 }.CopyTo(dy.Span);
        layer.Parameters[0].ZeroGradient();
        Assert.Null(layer.Backward(dy, computeInputGradient: false));
        Assert.Equal(new float[] { 3, 0, 7 }, layer.Parameters[0].Gradient);
    }

    [Theory]
    [InlineData(6f)]
    [InlineData(-1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void RejectsIdsOutsideTheVocabulary(float bad)
    {
        Embedding layer = Built(new Embedding(6, 2, "emb"), SampleShape.Vector(4));
        Activations x = Ids(2, 4, 6, isSequence: false);
        x.Span[(1 * 4) + 2] = bad;
        ModelException e = Assert.Throws<ModelException>(() => layer.Forward(x, false));
        Assert.Equal("EmbeddingIndexOutOfRange", e.ErrorId);
        Assert.Contains("sample 1, step 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("'emb'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HasNoInputGradient()
    {
        Embedding layer = Built(new Embedding(6, 2, "emb"), SampleShape.Vector(4));
        Activations y = layer.Forward(Ids(2, 4, 6, false), false);
        var dy = new Activations();
        dy.ResizeLike(y);
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => layer.Backward(dy, computeInputGradient: true));
        Assert.Contains("first layer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsSequencesWithMoreThanOneFeature()
    {
        var layer = new Embedding(6, 2, "emb");
        Assert.Equal("EmbeddingInputShape", Assert.Throws<ModelException>(() => layer.Build(SampleShape.Sequence(4, 2))).ErrorId);
    }

    [Fact]
    public void KerasShapesNamesConfigAndInitializer()
    {
        Embedding layer = Built(new Embedding(1000, 16, "embedding"), SampleShape.Vector(20));
        Assert.Equal(SampleShape.Sequence(20, 16), layer.OutputShape);
        Assert.Equal(SampleShape.Sequence(null, 16), Built(new Embedding(1000, 16), SampleShape.Sequence(null, 1)).OutputShape);
        Assert.Equal(["embeddings"], layer.ParameterNames);
        Assert.Equal([1000, 16], layer.Parameters[0].Shape);
        Assert.Equal(16000, layer.ParameterCount);
        Assert.Equal("Embedding", layer.KerasClassName);
        IReadOnlyDictionary<string, object?> config = layer.GetConfig();
        Assert.Equal(1000, config["input_dim"]);
        Assert.Equal(16, config["output_dim"]);
        Assert.Equal("random_uniform", config["embeddings_initializer"]);
        // Keras's "uniform": U(−0.05, 0.05).
        float[] e = layer.Parameters[0].Value;
        Assert.All(e, v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.True(e.Max() > 0.045f && e.Min() < -0.045f);
    }

    [Fact]
    public void AllocatesNothingAfterTheFirstBatch()
    {
        Embedding layer = Built(new Embedding(50, 8, "emb"), SampleShape.Vector(10));
        Activations x = Ids(4, 10, 50, false);
        Activations y = layer.Forward(x, true);
        var dy = new Activations();
        dy.ResizeLike(y);
        layer.Backward(dy, false);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            layer.Forward(x, true);
            layer.Backward(dy, false);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static Embedding Built(Embedding layer, SampleShape input)
    {
        layer.Build(input);
        layer.Initialize(new Rng(7));
        return layer;
    }

    private static Activations Ids(int batch, int time, int vocabulary, bool isSequence)
    {
        var rng = new Rng(3);
        Activations x = isSequence ? new Activations(batch, time, 1, true) : new Activations(batch, 1, time, false);
        for (int i = 0; i < x.Length; i++)
        {
            x.Span[i] = rng.NextInt(vocabulary);
        }

        return x;
    }
}
