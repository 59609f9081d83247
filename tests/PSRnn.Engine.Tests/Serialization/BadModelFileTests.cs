using System.Buffers.Binary;
using System.Text;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;

namespace PSRnn.Engine.Tests.Serialization;

public sealed class BadModelFileTests
{
    private static Sequential Model()
    {
        var model = new Sequential(SampleShape.Sequence(5, 3), "bad", 4);
        model.Add(new SimpleRnn(2));
        model.Add(new Dense(1));
        return model;
    }

    private static byte[] Bytes(SafetensorsFile file)
    {
        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    private static byte[] Raw(string header, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private static string LoadError(byte[] bytes)
    {
        DataFormatException e = Assert.Throws<DataFormatException>(() =>
            ModelFile.FromSafetensors(SafetensorsFile.Read(new MemoryStream(bytes), "bad.safetensors"), "bad.safetensors"));
        Assert.StartsWith("bad.safetensors: ", e.Message, StringComparison.Ordinal);
        return e.ErrorId;
    }

    private static SafetensorsFile Good() => ModelFile.ToSafetensors(Model(), false);

    private static SafetensorsFile WithMetadata(string key, string? value)
    {
        SafetensorsFile good = Good();
        var metadata = good.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        if (value is null)
        {
            metadata.Remove(key);
        }
        else
        {
            metadata[key] = value;
        }

        return new SafetensorsFile(good.Tensors, metadata);
    }

    private static SafetensorsFile WithTensors(Func<IEnumerable<SafetensorsTensor>, IEnumerable<SafetensorsTensor>> change)
    {
        SafetensorsFile good = Good();
        return new SafetensorsFile(change(good.Tensors), good.Metadata);
    }

    [Fact]
    public void TheGoodFileLoads() => Assert.Equal(Model().SnapshotWeights(), ModelFile.FromSafetensors(SafetensorsFile.Read(new MemoryStream(Bytes(Good())), null), null).Model.SnapshotWeights());

    [Fact]
    public void TooShortForTheLengthIsTruncated() => Assert.Equal("SafetensorsTruncated", LoadError([1, 0, 0]));

    [Fact]
    public void CutInTheDataIsOutOfRange() => Assert.Equal("SafetensorsOffsetOutOfRange", LoadError(Bytes(Good())[..^3]));

    [Fact]
    public void HeaderLengthBeyondTheFile()
    {
        byte[] bytes = Bytes(Good());
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        Assert.Equal("SafetensorsHeaderBeyondFile", LoadError(bytes));
    }

    [Fact]
    public void HugeHeaderLengthIsBeyondTheFile()
    {
        byte[] bytes = Bytes(Good());
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Assert.Equal("SafetensorsHeaderBeyondFile", LoadError(bytes));
    }

    [Fact]
    public void ContentOfAnotherKindIsNotRecognized()
    {
        // A header length past the end and no '{' after it: not a damaged safetensors file, but text or NumPy data.
        Assert.Equal("SafetensorsNotRecognized", LoadError("just some text, not data"u8.ToArray()));
        byte[] npy = [0x93, .. "NUMPY"u8, 1, 0, 0x76, 0, .. "{'descr': '<f4'}"u8];
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(new MemoryStream(npy), "x.npy"));
        Assert.Equal("x.npy: it is a NumPy .npy file, not a safetensors file. Read it with Import-NpyData.", e.Message);
    }

    [Theory]
    [InlineData("{not json", "SafetensorsBadHeader")]
    [InlineData("[1, 2]", "SafetensorsBadHeader")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", "SafetensorsBadHeader")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "SafetensorsBadHeader")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "SafetensorsBadHeader")]
    [InlineData("{\"a\": {\"dtype\": \"Q7\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "SafetensorsUnknownDtype")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", "SafetensorsShapeMismatch")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "SafetensorsOffsetsOverlap")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "SafetensorsDataNotCovered")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "SafetensorsDataNotCovered")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", "SafetensorsOffsetOutOfRange")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", "SafetensorsOffsetOutOfRange")]
    [InlineData("{\"__metadata__\": {\"format_version\": 1}, \"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "SafetensorsBadMetadata")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "ModelNotPsrnn")]
    public void HeaderProblemsHaveTheirErrorIds(string header, string errorId) => Assert.Equal(errorId, LoadError(Raw(header, 8)));

    [Fact]
    public void UnknownFormatVersion() => Assert.Equal("ModelUnknownFormatVersion", LoadError(Bytes(WithMetadata("format_version", "99"))));

    [Fact]
    public void BadConfigJson() => Assert.Equal("ModelBadConfig", LoadError(Bytes(WithMetadata("model_config", "{\"class_name\": \"Sequential\", "))));

    [Fact]
    public void BadTrainingConfigJson() => Assert.Equal("ModelBadConfig", LoadError(Bytes(WithMetadata("training_config", "{\"history\": 3}"))));

    [Fact]
    public void UnknownLayerType()
    {
        string config = Good().Metadata["model_config"].Replace("\"SimpleRNN\"", "\"ConvLSTM2D\"", StringComparison.Ordinal);
        Assert.Equal("ModelUnknownLayer", LoadError(Bytes(WithMetadata("model_config", config))));
    }

    [Fact]
    public void LayerThatDoesNotFit()
    {
        string config = Good().Metadata["model_config"].Replace("\"units\":2", "\"units\":-2", StringComparison.Ordinal);
        Assert.Equal("ModelBadConfig", LoadError(Bytes(WithMetadata("model_config", config))));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"max\"")]
    public void BidirectionalMergeModeOutsideKerasFour(string mode)
    {
        var model = new Sequential(SampleShape.Sequence(5, 3), "bad", 4);
        model.Add(new Bidirectional(new SimpleRnn(2), mergeMode: BidirectionalMerge.Sum));
        SafetensorsFile good = ModelFile.ToSafetensors(model, false);
        Assert.Contains("\"merge_mode\":\"sum\"", good.Metadata["model_config"], StringComparison.Ordinal);
        var metadata = good.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        metadata["model_config"] = metadata["model_config"].Replace("\"merge_mode\":\"sum\"", "\"merge_mode\":" + mode, StringComparison.Ordinal);
        Assert.Equal("ModelBadConfig", LoadError(Bytes(new SafetensorsFile(good.Tensors, metadata))));
    }

    [Fact]
    public void MissingTensor() =>
        Assert.Equal("ModelTensorMissing", LoadError(Bytes(WithTensors(ts => ts.Where(t => t.Name != "layers.0.recurrent_kernel")))));

    [Fact]
    public void TensorOfTheWrongShape() =>
        Assert.Equal("ModelTensorShapeMismatch", LoadError(Bytes(WithTensors(ts => ts.Select(t =>
            t.Name == "layers.0.kernel" ? new SafetensorsTensor(t.Name, "F32", [2, 3], t.Data) : t)))));

    [Fact]
    public void TensorOfAnIntegerDtype() =>
        Assert.Equal("ModelTensorDtypeUnsupported", LoadError(Bytes(WithTensors(ts => ts.Select(t =>
            t.Name == "layers.1.bias" ? new SafetensorsTensor(t.Name, "I32", t.Shape, t.Data) : t)))));

    [Fact]
    public void TensorTheModelDoesNotUse() =>
        Assert.Equal("ModelUnexpectedTensor", LoadError(Bytes(WithTensors(ts => ts.Append(SafetensorsTensor.FromSingle("layers.9.kernel", [1], [1f]))))));

    [Fact]
    public void OptimizerStateWithoutItsSlots()
    {
        Sequential model = Model();
        model.Optimizer = new PSRnn.Engine.Training.Adam();
        SafetensorsFile file = ModelFile.ToSafetensors(model, true);
        var trimmed = new SafetensorsFile(file.Tensors.Where(t => t.Name != "optimizer.layers.1.bias.velocity"), file.Metadata);
        Assert.Equal("ModelTensorMissing", LoadError(Bytes(trimmed)));
    }
}
