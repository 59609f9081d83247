using System.Text.Json;
using PSRnn.Fuzz;

namespace PSRnn.Engine.Tests.Reliability;

/// <summary>
/// Replays the fuzzers' findings (fixtures/fuzz/&lt;target&gt;/, listed with their expected error in manifest.json) through
/// <see cref="FuzzTargets.Run"/>, the entry point the AFL++ driver calls: each must now give its documented error,
/// never another exception. CI runs this corpus; fuzz/Invoke-Fuzz.sh runs the fuzzers.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "fuzz");

    private static Dictionary<string, string> Expected()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "manifest.json")));
        return doc.RootElement.GetProperty("inputs").EnumerateArray()
            .ToDictionary(e => e.GetProperty("file").GetString()!, e => e.GetProperty("error").GetString()!);
    }

    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (string target in FuzzTargets.Names.Where(t => Directory.Exists(Path.Combine(Dir, t))))
        {
            foreach (string file in Directory.GetFiles(Path.Combine(Dir, target)).Order(StringComparer.Ordinal))
            {
                data.Add($"{target}/{Path.GetFileName(file)}");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EachFindingGivesItsDocumentedError(string input)
    {
        Assert.True(Expected().TryGetValue(input, out string? error), $"{input} is not listed in fixtures/fuzz/manifest.json.");
        string target = input[..input.IndexOf('/', StringComparison.Ordinal)];
        string scratch = Path.Combine(Path.GetTempPath(), $"psrnn-fuzz-replay-{Guid.NewGuid():N}.bin");
        try
        {
            Assert.Equal(error, FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(Dir, input)), scratch));
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    [Fact]
    public void EveryListedFindingIsInTheCorpus()
    {
        foreach (string file in Expected().Keys)
        {
            Assert.True(File.Exists(Path.Combine(Dir, file)), $"manifest.json lists {file}, which is missing.");
        }
    }

    [Fact]
    public void TheTargetsAcceptTheirSeeds()
    {
        // The driver reaches each parser: a valid fixture of every format parses without error through the same entry point.
        string fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");
        var seeds = new Dictionary<string, string>
        {
            ["npy"] = "npy/good/float32_3d_f.npy",
            ["npz"] = "npy/good/deflated.npz",
            ["wav"] = "audio/good/u8_mono_8k.wav",
            ["model"] = "models/psrnn_made.safetensors",
            ["onnx"] = "onnx/lstm_h.onnx",
            ["keras"] = "keras/lstm_gru_dense.h5",
        };
        Assert.Equal(FuzzTargets.Names.Order(), seeds.Keys.Order());
        string scratch = Path.Combine(Path.GetTempPath(), $"psrnn-fuzz-seed-{Guid.NewGuid():N}.bin");
        try
        {
            foreach ((string target, string file) in seeds)
            {
                Assert.Null(FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(fixtures, file)), scratch));
            }
        }
        finally
        {
            File.Delete(scratch);
        }

        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("gif", [], scratch));
    }
}
