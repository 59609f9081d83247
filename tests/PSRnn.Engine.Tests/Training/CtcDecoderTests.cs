using System.Text.Json;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>Greedy decoding against NumPy, the prefix beam search against the brute-force best label sequence.</summary>
public sealed class CtcDecoderTests
{
    public static TheoryData<string> GreedyNames => CtcFixtures.GreedyNames;

    public static TheoryData<string> BeamNames => CtcFixtures.BeamNames;

    [Theory]
    [MemberData(nameof(GreedyNames))]
    public void GreedyMatchesNumPy(string name)
    {
        JsonElement c = CtcFixtures.Greedy(name);
        int batch = c.GetProperty("batch").GetInt32(), time = c.GetProperty("time").GetInt32(), classes = c.GetProperty("classes").GetInt32();
        double[] logY = CtcFixtures.LogSoftmax(TrainingFixtures.Floats(c.GetProperty("logits")), classes);
        int[] lengths = CtcFixtures.Ints(c.GetProperty("input_lengths"));
        JsonElement[] labels = [.. c.GetProperty("labels").EnumerateArray()];
        double[] logP = TrainingFixtures.Doubles(c.GetProperty("log_probabilities"));
        for (int b = 0; b < batch; b++)
        {
            CtcHypothesis h = CtcDecoder.Greedy(logY.AsSpan(b * time * classes), lengths[b], classes);
            Assert.Equal(CtcFixtures.Ints(labels[b]), h.Labels);
            Assert.Equal(logP[b], h.LogProbability, 9);
        }
    }

    [Theory]
    [MemberData(nameof(BeamNames))]
    public void WideBeamFindsTheExactBestLabelSequence(string name)
    {
        (JsonElement c, int time, int classes, double[] logY) = ReadBeam(name);
        // Wide enough that nothing is pruned: every prefix of up to `time` labels fits.
        CtcHypothesis h = CtcDecoder.Beam(logY, time, classes, beamWidth: 100_000);
        Assert.Equal(CtcFixtures.Ints(c.GetProperty("best")), h.Labels);
        Assert.Equal(c.GetProperty("best_log_probability").GetDouble(), h.LogProbability, 9);
    }

    [Theory]
    [MemberData(nameof(BeamNames))]
    public void BeamProbabilityIsTheForwardProbabilityOfItsLabelsOrLessWhenPruned(string name)
    {
        (JsonElement c, int time, int classes, double[] logY) = ReadBeam(name);
        foreach (int width in new[] { 1, 3, 100_000 })
        {
            CtcHypothesis h = CtcDecoder.Beam(logY, time, classes, width);
            double exact = Forward(logY, time, classes, h.Labels);
            Assert.True(h.LogProbability <= exact + 1e-9, $"width {width}: beam {h.LogProbability} above the exact {exact}");
            if (width == 100_000)
            {
                Assert.Equal(exact, h.LogProbability, 9);
            }
        }
    }

    [Fact]
    public void GreedyCollapsesRepeatsAcrossStepsButNotAcrossBlanks()
    {
        // Best path 1 1 0 1 2 2 0 → 1 1 2.
        int[] best = [1, 1, 0, 1, 2, 2, 0];
        var logY = new double[best.Length * 3];
        for (int t = 0; t < best.Length; t++)
        {
            for (int k = 0; k < 3; k++)
            {
                logY[(t * 3) + k] = Math.Log(k == best[t] ? 0.8 : 0.1);
            }
        }

        CtcHypothesis h = CtcDecoder.Greedy(logY, best.Length, 3);
        Assert.Equal([1, 1, 2], h.Labels);
        Assert.Equal(best.Length * Math.Log(0.8), h.LogProbability, 12);
    }

    [Fact]
    public void BeamPrefersTheSequenceWhoseAlignmentsAddUpOverTheBestPath()
    {
        // Two steps of y(blank) = 0.6: the best path is blank-blank (0.36), but "1" has three alignments adding to 0.64.
        double[] logY = [Math.Log(0.4), Math.Log(0.6), Math.Log(0.4), Math.Log(0.6)];
        Assert.Equal([1], CtcDecoder.Greedy(logY, 2, 2).Labels);
        logY = [Math.Log(0.6), Math.Log(0.4), Math.Log(0.6), Math.Log(0.4)];
        Assert.Empty(CtcDecoder.Greedy(logY, 2, 2).Labels);
        CtcHypothesis beam = CtcDecoder.Beam(logY, 2, 2, 10);
        Assert.Equal([1], beam.Labels);
        Assert.Equal(Math.Log(0.64), beam.LogProbability, 12);
    }

    private static (JsonElement Case, int Time, int Classes, double[] LogY) ReadBeam(string name)
    {
        JsonElement c = CtcFixtures.Beam(name);
        int classes = c.GetProperty("classes").GetInt32();
        return (c, c.GetProperty("time").GetInt32(), classes, CtcFixtures.LogSoftmax(TrainingFixtures.Floats(c.GetProperty("logits")), classes));
    }

    private static double Forward(double[] logY, int steps, int classes, int[] labels)
    {
        int s = (2 * labels.Length) + 1;
        return CtcLoss.ForwardBackward(logY, steps, classes, labels, new double[steps * s], new double[steps * s], Span<double>.Empty);
    }
}
