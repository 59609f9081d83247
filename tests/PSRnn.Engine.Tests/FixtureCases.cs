using System.Text.Json;

namespace PSRnn.Engine.Tests;

/// <summary>A fixture file of named cases (<c>{"&lt;section&gt;": [{"name": …}, …]}</c>) under the test output's fixtures folder.</summary>
internal sealed class FixtureCases(string folder, string file, string section)
{
    private readonly Lazy<JsonDocument> _document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", folder, file))));

    /// <summary>Every case.</summary>
    public IEnumerable<JsonElement> All => _document.Value.RootElement.GetProperty(section).EnumerateArray();

    /// <summary>The case names, as theory data.</summary>
    public TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (JsonElement c in All)
            {
                data.Add(c.GetProperty("name").GetString()!);
            }

            return data;
        }
    }

    /// <summary>The case named <paramref name="name"/>.</summary>
    public JsonElement this[string name] => All.Single(c => c.GetProperty("name").GetString() == name);
}
