using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Audio;

/// <summary>The WAV fixtures in fixtures/audio, their manifest, and the NumPy/SciPy references (see make_fixtures.py).</summary>
internal static class AudioFixtures
{
    public static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "audio");

    private static readonly Lazy<JsonElement> LazyManifest = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "manifest.json"))).RootElement);

    private static readonly Lazy<Dictionary<string, Tensor>> LazyExpected = new(() => Load("expected_samples.npz"));

    private static readonly Lazy<Dictionary<string, Tensor>> LazyReference = new(() => Load("reference.npz"));

    public static JsonElement Manifest => LazyManifest.Value;

    /// <summary>Decoded samples (frames, channels) float32 by file stem, as libsndfile reads them.</summary>
    public static Dictionary<string, Tensor> Expected => LazyExpected.Value;

    /// <summary>Reference resampled signals and features, float64, by key.</summary>
    public static Dictionary<string, Tensor> Reference => LazyReference.Value;

    public static TheoryData<string> Names(string section, string property = "file")
    {
        var data = new TheoryData<string>();
        foreach (JsonElement entry in Manifest.GetProperty(section).EnumerateArray())
        {
            data.Add(entry.GetProperty(property).GetString()!);
        }

        return data;
    }

    public static JsonElement Entry(string section, string property, string value) =>
        Manifest.GetProperty(section).EnumerateArray().Single(e => e.GetProperty(property).GetString() == value);

    public static double[] AsDoubles(Tensor tensor) => tensor.Data switch
    {
        double[] d => d,
        float[] f => Array.ConvertAll(f, v => (double)v),
        _ => throw new InvalidOperationException($"Unexpected dtype {tensor.DType}."),
    };

    private static Dictionary<string, Tensor> Load(string file) =>
        NumpyFile.Load(Path.Combine(Dir, file)).ToDictionary(t => t.Name!, t => t);
}
