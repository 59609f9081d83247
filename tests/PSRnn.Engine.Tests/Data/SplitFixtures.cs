using System.Text.Json;

namespace PSRnn.Engine.Tests.Data;

/// <summary>Reads tests/fixtures/split/split_cases.json, written by make_fixtures.py with scikit-learn and NumPy.</summary>
internal static class SplitFixtures
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "split", "split_cases.json"))));

    /// <summary>The cases of one section (<c>split</c>, <c>onehot</c>, …).</summary>
    public static JsonElement Section(string name) => Document.Value.RootElement.GetProperty(name);

    /// <summary>One case of a section.</summary>
    public static JsonElement Case(string name, int index) => Section(name)[index];

    /// <summary>Case indices of a section, as theory data: one test per case.</summary>
    public static TheoryData<int> Indices(string name)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Section(name).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static int[]? IntsOrNull(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : Ints(value);
}
