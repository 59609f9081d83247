using System.IO.Compression;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12's hostile Keras HDF5 files (fixtures/keras/hostile, made by make_hostile.py with h5py): each ends in its
/// stable error ID, through Load and LoadWeightsInto, within the denial-of-service bound (at most 256 MB allocated and
/// 5 s, for files of at most 1 MB); the valid ones (big-endian, user block, HDF5 1.8 format, soft and hard links, gzip'ed
/// chunks) load the values h5py reads.
/// </summary>
public sealed class Hdf5HostileFileTests(ITestOutputHelper output)
{
    internal static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "keras", "hostile");

    public static TheoryData<string, string> Refused() => new()
    {
        { "external-storage-target.h5", "KerasUnsafeExternalStorage" },
        { "external-storage-absolute.h5", "KerasUnsafeExternalStorage" },
        { "external-storage-passwd.h5", "KerasUnsafeExternalStorage" },
        { "external-link-relative.h5", "KerasUnsafeExternalLink" },
        { "external-link-absolute.h5", "KerasUnsafeExternalLink" },
        { "external-link-self.h5", "KerasUnsafeExternalLink" },
        { "external-link-unreached.h5", "KerasUnsafeExternalLink" },
        { "virtual-dataset.h5", "KerasUnsafeVirtualDataset" },
        { "softlink-loop-self.h5", "KerasCorrupt" },
        { "softlink-loop-pair.h5", "KerasCorrupt" },
        { "softlink-loop-dataset.h5", "KerasCorrupt" },
        { "softlink-loop-model-weights.h5", "KerasCorrupt" },
        { "softlink-dangling.h5", "KerasCorrupt" },
        { "softlink-chain-17.h5", "KerasCorrupt" },
        { "chunk-bomb.h5", "KerasUnsafeChunk" },
        { "layer-names-repeated.h5", "KerasCorrupt" },
        { "no-input-shape.h5", "KerasBadConfig" },
    };

    public static TheoryData<string> Loaded() =>
        new("big-endian.h5", "user-block.h5", "latest-format.h5", "chunked-gzip.h5", "softlink-good.h5", "hardlink-cycle.h5", "softlink-chain-16.h5");

    [Theory]
    [MemberData(nameof(Refused))]
    public void AHostileModelFileIsRefusedWithinTheBound(string name, string errorId)
    {
        string path = Path.Combine(Dir, name);
        Assert.True(new FileInfo(path).Length <= 1 << 20, "the issue's bound is for files of at most 1 MB");
        DataFormatException e = AssertRefusedWithinBound(() => KerasHdf5File.Load(path), name);
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(path, e.FileName);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void AHostileWeightsFileIsRefusedByIntoAndLeavesTheModelUnchanged(string name, string errorId)
    {
        if (name == "no-input-shape.h5")
        {
            return; // -Into reads no model_config: that file's weights are sound.
        }

        // Every refusal comes before the model's shapes are compared, so one model serves all.
        Sequential model = Dense(3, 16);
        float[] before = model.SnapshotWeights();
        DataFormatException e = AssertRefusedWithinBound(() => KerasHdf5File.LoadWeightsInto(Path.Combine(Dir, name), model), name);
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(before, model.SnapshotWeights());
    }

    [Theory]
    [MemberData(nameof(Loaded))]
    public void AValidFileLoadsTheValuesH5pyReads(string name)
    {
        // make_hostile.py wrote what h5py reads from each file (as float32) beside it.
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, name + ".json")));
        float[] kernel = [.. expected.RootElement.GetProperty("kernel:0").EnumerateArray().Select(v => (float)v.GetDouble())];
        float[] bias = [.. expected.RootElement.GetProperty("bias:0").EnumerateArray().Select(v => (float)v.GetDouble())];

        Sequential model = KerasHdf5File.Load(Path.Combine(Dir, name));
        var dense = Assert.IsType<Dense>(Assert.Single(model.Layers));
        Assert.Equal(kernel, dense.Parameters[0].Value);
        Assert.Equal(bias, dense.Parameters[1].Value);

        Sequential into = Dense(3, 16);
        KerasHdf5File.LoadWeightsInto(Path.Combine(Dir, name), into);
        Assert.Equal(kernel, into.Layers[0].Parameters[0].Value);
    }

    [Fact]
    public void TheBigEndianFixtureReallyIsBigEndianAndItsValuesAreNotByteSwapped()
    {
        // The datatype message of both weights is an IEEE float32 with the big-endian bit set (class bits 0x21, not 0x20):
        // version 1 class 1, bits 0x21 0x1F 0x00, size 4. Both the conversion and the fixture are what they claim.
        string hex = Convert.ToHexString(File.ReadAllBytes(Path.Combine(Dir, "big-endian.h5")));
        Assert.Contains("11211F0004000000", hex, StringComparison.Ordinal);
        Assert.DoesNotContain("11201F0004000000", hex, StringComparison.Ordinal);
        float[] kernel = KerasHdf5File.Load(Path.Combine(Dir, "big-endian.h5")).Layers[0].Parameters[0].Value;
        Assert.All(kernel, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void AModelConfigOfTenMillionLayersIsRefusedBeforeAnyLayerIsBuilt()
    {
        // 10^7 "{}" layers (30 MB, committed gzip'ed): refused by a streaming count against KerasHdf5File.MaxLayers.
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-ten-million-{Guid.NewGuid():N}.h5");
        using (FileStream packed = File.OpenRead(Path.Combine(Dir, "ten-million-layers.h5.gz")))
        using (var gzip = new GZipStream(packed, CompressionMode.Decompress))
        using (FileStream file = File.Create(path))
        {
            gzip.CopyTo(file);
        }

        try
        {
            long size = new FileInfo(path).Length;
            DataFormatException e = AssertRefusedWithinBound(() => KerasHdf5File.Load(path), "ten-million-layers.h5", maxAllocated: Hdf5Bound.MaxAllocated + 2 * size);
            Assert.Equal("KerasBadConfig", e.ErrorId);
            Assert.Contains("10,000", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ALayerNamesListLongerThanTheGroupIsCorruptAtOnce()
    {
        var e = Assert.Throws<DataFormatException>(() => KerasHdf5File.Load(Path.Combine(Dir, "layer-names-repeated.h5")));
        Assert.Contains("10000 layers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUserBlockFileReallyHasItsSuperblockAt512()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Dir, "user-block.h5"));
        Assert.Equal(0x89, bytes[512]);
        Assert.NotEqual(0x89, bytes[0]);
    }

    internal DataFormatException AssertRefusedWithinBound(Action load, string name, long maxAllocated = Hdf5Bound.MaxAllocated)
    {
        DataFormatException e = Hdf5Bound.Within(() => Assert.Throws<DataFormatException>(load), name, output, maxAllocated);
        output.WriteLine($"{name}: {e.ErrorId}: {e.Message}");
        return e;
    }

    private static Sequential Dense(int features, int units)
    {
        var model = new Sequential(SampleShape.Vector(features), seed: 1);
        model.Add(new Dense(units));
        return model;
    }
}
