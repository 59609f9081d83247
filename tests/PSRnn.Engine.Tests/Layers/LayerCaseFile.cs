using System.Collections.Concurrent;
using System.Text.Json;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The layer fixture files of tests/fixtures/layers written by their make_*_fixtures.py scripts (PyTorch float64): a
/// "cases" array of named cases, each with the arrays <see cref="WrapperFixtures"/> reads.
/// </summary>
internal static class LayerCaseFile
{
    private static readonly ConcurrentDictionary<string, JsonDocument> Documents = new();

    private static JsonDocument Document(string file) => Documents.GetOrAdd(file, f =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "layers", f))));

    /// <summary>The case names of <paramref name="file"/>, for a theory.</summary>
    public static TheoryData<string> Names(string file) =>
        new(Document(file).RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));

    /// <summary>The case of that name.</summary>
    public static JsonElement Case(string file, string name) =>
        Document(file).RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>The case's "mask" (B, T) of real steps.</summary>
    public static SequenceMask Mask(JsonElement testCase, int batch, int time) => new(batch, time,
        testCase.GetProperty("mask").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetBoolean())).ToArray());

    /// <summary>Asserts the gradient of every parameter of <paramref name="layer"/> against the case's "gradients".</summary>
    public static void AssertParameterGradients(Layer layer, JsonElement testCase)
    {
        JsonElement gradients = testCase.GetProperty("gradients");
        for (int p = 0; p < layer.Parameters.Count; p++)
        {
            WrapperFixtures.AssertClose(gradients.GetProperty(layer.ParameterNames[p]), layer.Parameters[p].Gradient, layer.ParameterNames[p]);
        }
    }
}
