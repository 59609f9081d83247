using System.IO.Compression;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12 item 13 for the HDF5 layouts h5py writes with documented options (fixtures/keras/hostile, made by
/// make_formats.py): dense link and attribute storage (fractal heaps, B-tree v2 name indexes, huge objects), HDF5 1.10's
/// chunk indexes (fixed and extensible arrays, B-tree v2, implicit, single chunk), HDF5 1.4's layout messages (versions
/// 1 and 2), committed datatypes and LZF load exactly what h5py reads, through Load and LoadWeightsInto; each corrupt
/// variant (one structure patched, its checksum recomputed) is KerasCorrupt. Both within the denial-of-service bound: at
/// most 256 MB allocated and 5 s.
/// </summary>
public sealed class Hdf5FormatTests(ITestOutputHelper output)
{
    public static TheoryData<string> Valid() => new(
        "dense-links.h5", "dense-links-small.h5", "dense-attributes.h5", "track-order.h5", "chunk-fixed-array.h5", "chunk-fixed-array-paged.h5",
        "chunk-extensible-array.h5", "chunk-extensible-swizzled.h5", "chunk-extensible-paged.h5", "chunk-sparse-grid.h5", "chunk-btree2.h5", "chunk-btree2-filtered.h5",
        "chunk-implicit.h5", "committed-datatype.h5", "committed-datatype-latest.h5", "lzf.h5", "layout-v1-v2.h5");

    /// <summary>Each corrupt file, the valid file it was patched from, and whether -Into reads the corrupt structure.</summary>
    public static TheoryData<string, string, bool> Corrupt() => new()
    {
        { "dense-links-btree-cycle.h5", "dense-links.h5", true },
        { "dense-links-btree-count.h5", "dense-links.h5", true },
        { "dense-links-btree-nrec.h5", "dense-links.h5", true },
        { "dense-links-heap-cycle.h5", "dense-links.h5", true },
        { "dense-links-heap-offset.h5", "dense-links.h5", true },
        { "dense-attributes-huge-length.h5", "dense-attributes.h5", false },
        { "chunk-fixed-array-entries.h5", "chunk-fixed-array.h5", true },
        { "chunk-fixed-array-wrong-header.h5", "chunk-fixed-array-paged.h5", true },
        { "chunk-extensible-array-cycle.h5", "chunk-extensible-array.h5", true },
        { "chunk-btree2-offset.h5", "chunk-btree2.h5", true },
        { "chunk-btree2-address.h5", "chunk-btree2.h5", true },
        { "committed-datatype-self.h5", "committed-datatype.h5", true },
        { "lzf-corrupt.h5", "lzf.h5", true },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void AValidFileLoadsEveryWeightH5pyReads(string name)
    {
        string path = Path.Combine(Hdf5HostileFileTests.Dir, name);
        Assert.True(new FileInfo(path).Length <= 1 << 20);
        (float[] Kernel, float[] Bias)[] expected = Expected(name);

        Sequential model = WithinBound(() => KerasHdf5File.Load(path), name);
        Dense[] layers = [.. model.Layers.Cast<Dense>()];
        Assert.Equal(expected.Length, layers.Length);
        for (int i = 0; i < layers.Length; i++)
        {
            Assert.Equal(expected[i].Kernel, layers[i].Parameters[0].Value);
            Assert.Equal(expected[i].Bias, layers[i].Parameters[1].Value);
        }

        // The same weights into a model built by hand.
        var into = new Sequential(SampleShape.Vector(expected[0].Kernel.Length / expected[0].Bias.Length), seed: 5);
        foreach ((float[] _, float[] bias) in expected)
        {
            into.Add(new Dense(bias.Length));
        }

        WithinBound(() => KerasHdf5File.LoadWeightsInto(path, into), name);
        Assert.Equal(model.SnapshotWeights(), into.SnapshotWeights());
    }

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void ACorruptStructureIsKerasCorruptWithinTheBound(string name, string source, bool intoReadsIt)
    {
        string path = Path.Combine(Hdf5HostileFileTests.Dir, name);
        Assert.True(new FileInfo(path).Length <= 1 << 20);
        DataFormatException e = WithinBound(() => Assert.Throws<DataFormatException>(() => KerasHdf5File.Load(path)), name);
        output.WriteLine($"{name}: {e.ErrorId}: {e.Message}");
        Assert.Equal("KerasCorrupt", e.ErrorId);
        // The reader's own check, not the last guard's (a raw exception turned into KerasCorrupt).
        Assert.Equal("Hdf5Exception", e.InnerException?.GetType().Name);

        // -Into with a model the file's weights would fit: refused, and the model is unchanged. (The root's attributes,
        // model_config's among them, are no part of what -Into reads, like HDF5's own readers, which read an attribute
        // when it is asked for.)
        Sequential model = KerasHdf5File.Load(Path.Combine(Hdf5HostileFileTests.Dir, source));
        float[] before = model.SnapshotWeights();
        if (intoReadsIt)
        {
            var into = Assert.Throws<DataFormatException>(() => KerasHdf5File.LoadWeightsInto(path, model));
            Assert.Equal("KerasCorrupt", into.ErrorId);
            Assert.Equal(before, model.SnapshotWeights());
        }
        else
        {
            KerasHdf5File.LoadWeightsInto(path, model);
            Assert.Equal(before, model.SnapshotWeights());
        }
    }

    [Fact]
    public void TheValidFixturesUseTheLayoutsTheyAreNamedFor()
    {
        // make_formats.py checks these on the files as it writes them; this keeps the committed fixtures honest.
        static bool Has(string name, string signature) =>
            Convert.ToHexString(File.ReadAllBytes(Path.Combine(Hdf5HostileFileTests.Dir, name))).Contains(
                Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(signature)), StringComparison.Ordinal);

        Assert.True(Has("dense-links.h5", "FHIB") && Has("dense-links.h5", "BTIN"));
        Assert.True(Has("dense-attributes.h5", "FRHP") && Has("dense-attributes.h5", "BTLF"));
        Assert.True(Has("track-order.h5", "FRHP") && !Has("track-order.h5", "TREE"));
        Assert.True(Has("chunk-fixed-array.h5", "FAHD") && Has("chunk-fixed-array-paged.h5", "FADB"));
        Assert.True(Has("chunk-extensible-array.h5", "EASB") && Has("chunk-extensible-swizzled.h5", "EASB") && Has("chunk-extensible-paged.h5", "EASB"));
        Assert.True(Has("chunk-btree2.h5", "BTIN") && Has("chunk-btree2-filtered.h5", "BTIN"));
        Assert.False(Has("chunk-implicit.h5", "FAHD") || Has("chunk-implicit.h5", "BTHD") || Has("chunk-implicit.h5", "TREE"));
    }

    private static (float[] Kernel, float[] Bias)[] Expected(string name)
    {
        // make_formats.py gzips the larger references.
        string path = Path.Combine(Hdf5HostileFileTests.Dir, name + ".json");
        using Stream stream = File.Exists(path) ? File.OpenRead(path) : new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress);
        using JsonDocument json = JsonDocument.Parse(stream);
        return [.. json.RootElement.GetProperty("layers").EnumerateArray().Select(layer => (Floats(layer.GetProperty("kernel")), Floats(layer.GetProperty("bias"))))];

        static float[] Floats(JsonElement values) => [.. values.EnumerateArray().Select(v => (float)v.GetDouble())];
    }

    private T WithinBound<T>(Func<T> action, string name) => Hdf5Bound.Within(action, name, output);

    private void WithinBound(Action action, string name) => WithinBound(() =>
    {
        action();
        return 0;
    }, name);
}
