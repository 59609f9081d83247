using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Models;

/// <summary>
/// The full BPTT path: a stacked model with its loss, differentiated end to end by central differences and compared
/// with what Backward accumulates, parameter by parameter. The loss is the one training uses (fused where it fuses).
/// </summary>
public sealed class SequentialGradientTests
{
    [Fact]
    public void StackedLstmGruDenseSoftmaxWithCategoricalCrossEntropy()
    {
        var model = new Sequential(SampleShape.Sequence(5, 3), seed: 7);
        model.Add(new Lstm(4, returnSequences: true));
        model.Add(new Gru(3));
        model.Add(new Dense(2, ActivationKind.Softmax));
        Check(model, Input(4, 5, 3, 1), OneHot([0, 1, 1, 0], 2), new CategoricalCrossentropy(), fused: true);
    }

    [Fact]
    public void EmbeddingSimpleRnnPerStepDenseWithSparseCrossEntropy()
    {
        var model = new Sequential(SampleShape.Vector(6), seed: 3);
        model.Add(new Embedding(7, 4));
        model.Add(new SimpleRnn(5, returnSequences: true));
        model.Add(new Dense(7, ActivationKind.Softmax));
        var ids = new Activations(3, 1, 6, false);
        var rng = new Rng(5);
        for (int i = 0; i < ids.Length; i++)
        {
            ids.Span[i] = rng.NextInt(7);
        }

        float[] labels = Enumerable.Range(0, 18).Select(i => (float)((i * 5) % 7)).ToArray();
        Check(model, ids, labels, new SparseCategoricalCrossentropy(), fused: true);
    }

    [Fact]
    public void BidirectionalLstmSigmoidWithBinaryCrossEntropy()
    {
        var model = new Sequential(SampleShape.Sequence(4, 2), seed: 11);
        model.Add(new Bidirectional(new Lstm(3)));
        model.Add(new Dense(1, ActivationKind.Sigmoid));
        Check(model, Input(5, 4, 2, 2), [1, 0, 0, 1, 1], new BinaryCrossentropy(), fused: true);
    }

    [Fact]
    public void GruResetBeforeWithMeanSquaredErrorUnfused()
    {
        var model = new Sequential(SampleShape.Sequence(3, 2), seed: 13);
        model.Add(new Gru(4, returnSequences: true, resetAfter: false));
        model.Add(new SimpleRnn(3));
        model.Add(new Dense(2, ActivationKind.Tanh));
        Check(model, Input(3, 3, 2, 3), [0.5f, -0.2f, 0.1f, 0.9f, -0.7f, 0.3f], new MeanSquaredError(), fused: false);
    }

    private static void Check(Sequential model, Activations x, float[] targets, Loss loss, bool fused)
    {
        if (fused)
        {
            ((Dense)model.Layers[^1]).FuseActivationIntoLoss = true;
        }

        model.ZeroGradients();
        Activations output = model.Forward(x, training: false);
        var grad = new Activations();
        grad.ResizeLike(output);
        loss.Compute(output.Span, targets, output.Rows, output.Features, grad.Span, fromLogits: fused);
        model.Backward(grad);

        double Objective()
        {
            Activations y = model.Forward(x, training: false);
            return loss.Compute(y.Span, targets, y.Rows, y.Features, Span<float>.Empty, fromLogits: fused);
        }

        ParameterGradients.AssertMatchCentralDifferences(model, Objective, 40);
    }

    private static Activations Input(int batch, int time, int features, int seed)
    {
        var rng = new Rng((ulong)seed);
        var a = new Activations(batch, time, features, true);
        for (int i = 0; i < a.Length; i++)
        {
            a.Span[i] = (float)rng.Uniform(-1, 1);
        }

        return a;
    }

    private static float[] OneHot(int[] labels, int classes)
    {
        var y = new float[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++)
        {
            y[(i * classes) + labels[i]] = 1;
        }

        return y;
    }
}
