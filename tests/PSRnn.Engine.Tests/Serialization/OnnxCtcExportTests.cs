using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Engine.Tests.Training;
using Xunit.Abstractions;
using Tensor = PSRnn.Engine.Tensors.Tensor;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// A CTC-trained model is an ordinary per-step softmax model (issue 18, point 5): exported to ONNX and run in ONNX
/// Runtime, it gives PSRnn's per-step probabilities, and PSRnn's decoders read the same strings from them.
/// </summary>
public sealed class OnnxCtcExportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void ACtcTrainedModelExportsItsPerStepProbabilitiesAndDecodesTheSame()
    {
        // The CTC training test's model: Masking → GRU (sequences) → per-step softmax over 2 symbols and the blank.
        Sequential model = CtcTrainingTests.Model(7);
        (Tensor x, LabelSequences y) = CtcTrainingTests.Toy(48, 12, 11);
        Dataset train = Dataset.CreateWithLabelSequences(x, y, model);
        Loss loss = Trainer.ResolveLoss(model, "ctc", train, new Dictionary<string, object?> { ["reduction"] = "mean" });
        Trainer.Fit(model, train, null, loss, new Adam(0.05f), new FitOptions { Epochs = 25, BatchSize = 16 });
        double errorRate = Trainer.Evaluate(model, train, loss).Metrics[CtcErrorRate.Name];
        Assert.True(errorRate < 0.1, $"the toy is learnt (error rate {errorRate})");

        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        using var session = new InferenceSession(stream.ToArray());
        int n = x.Shape[0], time = x.Shape[1], classes = 3;
        float[] input = (float[])x.Data;
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, [n, time, 3]))]);
        Microsoft.ML.OnnxRuntime.Tensors.Tensor<float> probabilities = Assert.Single(results).AsTensor<float>();
        Assert.Equal([n, time, classes], probabilities.Dimensions.ToArray());
        float[] onnx = probabilities.ToArray();

        // The per-step probabilities, padding steps included, are Predict's.
        float[] psrnn = Trainer.Predict(model, Dataset.Create(x, null, model));
        Assert.Equal(psrnn.Length, onnx.Length);
        double worst = 0;
        for (int i = 0; i < psrnn.Length; i++)
        {
            double error = Math.Abs((double)psrnn[i] - onnx[i]);
            worst = Math.Max(worst, error);
            Assert.True(error <= Tolerance + (Tolerance * Math.Abs(psrnn[i])), string.Create(CultureInfo.InvariantCulture,
                $"element {i} is {onnx[i]} in ONNX Runtime, {psrnn[i]} in PSRnn"));
        }

        // PSRnn's greedy and beam decoding of ONNX Runtime's probabilities over each sample's real steps (the Toy pads
        // with zero frames after them) give the strings Invoke-RnnPrediction -Decode gives.
        CtcHypothesis[] greedy = CtcDecoder.Decode(model, train, CtcDecoding.Greedy);
        CtcHypothesis[] beam = CtcDecoder.Decode(model, train, CtcDecoding.Beam, beamWidth: 8);
        int right = 0;
        for (int b = 0; b < n; b++)
        {
            int steps = RealSteps(input, b, time);
            double[] logP = new double[steps * classes];
            for (int i = 0; i < logP.Length; i++)
            {
                logP[i] = Math.Log(onnx[(b * time * classes) + i]);
            }

            CtcHypothesis fromOnnx = CtcDecoder.Greedy(logP, steps, classes);
            Assert.Equal(greedy[b].Labels, fromOnnx.Labels);
            Assert.Equal(greedy[b].LogProbability, fromOnnx.LogProbability, 4);
            Assert.Equal(beam[b].Labels, CtcDecoder.Beam(logP, steps, classes, 8).Labels);
            right += y[b].ToArray().SequenceEqual(fromOnnx.Labels) ? 1 : 0;
        }

        Assert.True(right > n * 3 / 4, $"{right} of {n} samples decode to their labels");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |Δ| = {worst:E2}, error rate {errorRate:P1}"));
    }

    /// <summary>The steps before the first all-zero frame (the Toy's padding follows its real steps).</summary>
    private static int RealSteps(float[] x, int sample, int time)
    {
        for (int t = 0; t < time; t++)
        {
            if (x.AsSpan(((sample * time) + t) * 3, 3).IndexOfAnyExcept(0f) < 0)
            {
                return t;
            }
        }

        return time;
    }
}
