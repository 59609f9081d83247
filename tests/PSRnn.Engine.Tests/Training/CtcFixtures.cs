using System.Text.Json;

namespace PSRnn.Engine.Tests.Training;

/// <summary>tests/fixtures/ctc18/ctc_cases.json (make_ctc.py: torch.nn.CTCLoss in float64, NumPy greedy decoding, brute-force best label sequences).</summary>
internal static class CtcFixtures
{
    private static readonly FixtureCases Losses = new("ctc18", "ctc_cases.json", "losses");
    private static readonly FixtureCases GreedyCases = new("ctc18", "ctc_cases.json", "greedy");
    private static readonly FixtureCases BeamCases = new("ctc18", "ctc_cases.json", "beam");

    public static TheoryData<string> LossNames => Losses.Names;

    public static TheoryData<string> GreedyNames => GreedyCases.Names;

    public static TheoryData<string> BeamNames => BeamCases.Names;

    public static JsonElement Loss(string name) => Losses[name];

    public static JsonElement Greedy(string name) => GreedyCases[name];

    public static JsonElement Beam(string name) => BeamCases[name];

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Row-major logits (rows × classes) as log-softmax rows in double, as the engine reads them.</summary>
    public static double[] LogSoftmax(float[] logits, int classes)
    {
        var logY = new double[logits.Length];
        for (int r = 0; r < logits.Length / classes; r++)
        {
            Engine.Training.CtcLoss.LogRow(logits.AsSpan(r * classes, classes), fromLogits: true, logY.AsSpan(r * classes, classes));
        }

        return logY;
    }
}
