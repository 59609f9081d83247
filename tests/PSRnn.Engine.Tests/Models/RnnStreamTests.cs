using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Tests.Layers;

namespace PSRnn.Engine.Tests.Models;

/// <summary>
/// Streams (Keras's stateful layers, PyTorch's hx): a sequence fed chunk by chunk through <see cref="RnnStream"/> gives
/// the outputs of the whole sequence, bit for bit, for every cell, stacks with Dense, with and without a mask; states read
/// and written by name; the bad inputs' error IDs.
/// </summary>
public sealed class RnnStreamTests
{
    public static TheoryData<string, bool> Models()
    {
        var data = new TheoryData<string, bool>();
        foreach (string cell in new[] { "simple", "lstm", "gru", "gru_before", "stack" })
        {
            data.Add(cell, true);
            data.Add(cell, false);
        }

        return data;
    }

    private static Sequential Build(string cell, bool sequences, bool masking = false)
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), "m", 5);
        if (masking)
        {
            model.Add(new Masking());
        }

        if (cell == "stack")
        {
            model.Add(new Lstm(6, returnSequences: true, name: "lstm"));
            model.Add(new Gru(5, returnSequences: sequences, name: "gru"));
        }
        else
        {
            model.Add(MaskingTests.Create(cell, 5, sequences, false, cell));
        }

        model.Add(new Dense(4, ActivationKind.Tanh, name: "out"));
        return model;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ChunkByChunkEqualsTheWholeSequenceBitForBit(string cell, bool sequences)
    {
        const int batch = 3, time = 11;
        Sequential model = Build(cell, sequences);
        Activations x = GradientCheck.RandomInput(batch, time, 3, true, 2);
        float[] whole = model.Forward(x, false).Span.ToArray();

        var stream = new RnnStream(model, batch);
        var outputs = new List<float[]>();
        int[] chunks = [1, 4, 2, 3, 1];
        int start = 0;
        foreach (int t in chunks)
        {
            float[] chunk = Slice(x, start, t);
            outputs.Add(stream.Predict(chunk, t).Span.ToArray());
            start += t;
        }

        Assert.Equal(time, stream.Steps);
        if (!sequences)
        {
            Assert.Equal(whole, outputs[^1]);
            return;
        }

        // Per step: chunk k holds steps [start, start + t) of every sequence.
        start = 0;
        for (int k = 0; k < chunks.Length; k++)
        {
            for (int b = 0; b < batch; b++)
            {
                Assert.Equal(whole.AsSpan(((b * time) + start) * 4, chunks[k] * 4).ToArray(),
                    outputs[k].AsSpan(b * chunks[k] * 4, chunks[k] * 4).ToArray());
            }

            start += chunks[k];
        }
    }

    [Fact]
    public void MaskedStepsLeaveTheStreamStateAlone()
    {
        // Sequence 0 gets a chunk of padding in the middle: its state must be as if the chunk never came.
        Sequential model = Build("lstm", false, masking: true);
        Activations x = GradientCheck.RandomInput(2, 6, 3, true, 4);
        var stream = new RnnStream(model, 2);
        stream.Predict(Slice(x, 0, 3), 3);
        float[] before = stream.GetStates()["lstm.c"];
        float[] padding = Slice(x, 3, 2);
        Array.Clear(padding, 0, 2 * 3);
        stream.Predict(padding, 2);
        float[] after = stream.GetStates()["lstm.c"];
        Assert.Equal(before.AsSpan(0, 5).ToArray(), after.AsSpan(0, 5).ToArray());
        Assert.NotEqual(before.AsSpan(5, 5).ToArray(), after.AsSpan(5, 5).ToArray());
    }

    [Fact]
    public void StatesReadAndWrittenByNameContinueAStream()
    {
        Sequential model = Build("stack", true);
        Activations x = GradientCheck.RandomInput(2, 8, 3, true, 6);
        var a = new RnnStream(model, 2);
        a.Predict(Slice(x, 0, 5), 5);
        IReadOnlyDictionary<string, float[]> saved = a.GetStates();
        Assert.Equal(["lstm.h", "lstm.c", "gru.h"], saved.Keys);
        float[] expected = a.Predict(Slice(x, 5, 3), 3).Span.ToArray();

        var b = new RnnStream(model, 2);
        foreach ((string name, float[] values) in saved)
        {
            b.SetState(name, values);
        }

        Assert.Equal(expected, b.Predict(Slice(x, 5, 3), 3).Span.ToArray());
        b.Reset(1);
        Assert.All(b.GetStates()["gru.h"].AsSpan(5, 5).ToArray(), v => Assert.Equal(0f, v));
        b.Reset();
        Assert.All(b.GetStates().Values.SelectMany(v => v), v => Assert.Equal(0f, v));
        Assert.Equal(0, b.Steps);
    }

    [Fact]
    public void BadInputsHaveStableErrorIds()
    {
        Sequential model = Build("gru", false);
        var stream = new RnnStream(model, 2);
        Assert.Equal("StreamChunkShape", Assert.Throws<ModelException>(() => stream.Predict(new float[3 * 3], 3)).ErrorId);
        Assert.Equal("StreamStateUnknown", Assert.Throws<ModelException>(() => stream.SetState("gru.c", new float[10])).ErrorId);
        Assert.Equal("StreamStateShape", Assert.Throws<ModelException>(() => stream.SetState("gru.h", new float[9])).ErrorId);
        Assert.Equal("StreamIndexOutOfRange", Assert.Throws<ModelException>(() => stream.Reset(2)).ErrorId);
        model.Add(new Dense(2));
        Assert.Equal("StreamModelChanged", Assert.Throws<ModelException>(() => stream.Predict(new float[2 * 3], 1)).ErrorId);

        var bi = new Sequential(SampleShape.Sequence(null, 3), "bi", 1);
        bi.Add(new Bidirectional(new Lstm(2)));
        Assert.Equal("StreamBidirectional", Assert.Throws<ModelException>(() => new RnnStream(bi)).ErrorId);
        var back = new Sequential(SampleShape.Sequence(null, 3), "back", 1);
        back.Add(new Gru(2, goBackwards: true));
        Assert.Equal("StreamGoBackwards", Assert.Throws<ModelException>(() => new RnnStream(back)).ErrorId);
        // Layers that read across steps would see only each chunk's steps: attention, a convolution's window, pooling.
        foreach (Layer across in new Layer[] { new SelfAttention(), new MultiHeadAttention(2, 2), new Conv1D(3, 2), new GlobalPooling1D(GlobalPoolingMode.Average) })
        {
            var mixed = new Sequential(SampleShape.Sequence(null, 3), "mixed", 1);
            mixed.Add(new Lstm(3, returnSequences: true));
            mixed.Add(across);
            Assert.Equal("StreamAcrossSteps", Assert.Throws<ModelException>(() => new RnnStream(mixed)).ErrorId);
        }

        // A pointwise Conv1D (kernel 1, stride 1) reads each step alone: it streams.
        var pointwise = new Sequential(SampleShape.Sequence(null, 3), "pointwise", 1);
        pointwise.Add(new Conv1D(2, 1));
        pointwise.Add(new Gru(2));
        _ = new RnnStream(pointwise);

        var fixedTime = new Sequential(SampleShape.Sequence(4, 3), "f", 1);
        fixedTime.Add(new Lstm(2));
        Assert.Equal("StreamChunkShape", Assert.Throws<ModelException>(() => new RnnStream(fixedTime).Predict(new float[3], 1)).ErrorId);
    }

    [Fact]
    public void TwoStreamsOfOneModelAreIndependentAndLeaveTheModelStateless()
    {
        Sequential model = Build("simple", false);
        Activations x = GradientCheck.RandomInput(1, 4, 3, true, 9);
        float[] whole = model.Forward(x, false).Span.ToArray();
        var a = new RnnStream(model);
        var b = new RnnStream(model);
        a.Predict(Slice(x, 0, 2), 2);
        b.Predict(GradientCheck.RandomInput(1, 3, 3, true, 1).Span.ToArray(), 3);
        Assert.Equal(whole, a.Predict(Slice(x, 2, 2), 2).Span.ToArray());
        Assert.Equal(whole, model.Forward(x, false).Span.ToArray());
    }

    // Steps [start, start + t) of every sequence of x, (B, t, F).
    private static float[] Slice(Activations x, int start, int t)
    {
        int f = x.Features;
        var chunk = new float[x.Batch * t * f];
        for (int b = 0; b < x.Batch; b++)
        {
            x.Span.Slice(((b * x.Time) + start) * f, t * f).CopyTo(chunk.AsSpan(b * t * f, t * f));
        }

        return chunk;
    }
}
