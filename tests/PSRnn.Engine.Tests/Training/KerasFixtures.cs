using System.Text.Json;

namespace PSRnn.Engine.Tests.Training;

/// <summary>Reads tests/fixtures/losses16/losses16_cases.json, written by make_fixtures.py beside it.</summary>
internal static class KerasFixtures
{
    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "fixtures", "losses16", "losses16_cases.json"))));

    /// <summary>The case names of a section (<c>losses</c> or <c>metrics</c>), as theory data.</summary>
    public static TheoryData<string> Names(string section)
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Document.Value.RootElement.GetProperty(section).EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    public static JsonElement Case(string section, string name) => Document.Value.RootElement.GetProperty(section).EnumerateArray()
        .Single(c => c.GetProperty("name").GetString() == name);
}
