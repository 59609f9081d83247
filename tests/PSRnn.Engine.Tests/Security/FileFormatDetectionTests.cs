using PSRnn.Engine.Data;
using PSRnn.Engine.Serialization;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, item 13: an HDF5 file with a user block (h5py.File(..., userblock_size=512)) has its superblock signature at
/// 512, 1024, 2048, … and must be detected as HDF5, not fall through to safetensors.
/// </summary>
public sealed class FileFormatDetectionTests : IDisposable
{
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    private readonly string _folder = Directory.CreateTempSubdirectory("psrnn-detect-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(512)]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(1 << 20)]
    public void FindsTheSuperblockAfterAUserBlock(int userBlock)
    {
        // The user block is zeros (as h5py writes it), or text a program put there.
        byte[] file = new byte[userBlock + 96];
        Signature.CopyTo(file, userBlock);
        Assert.Equal(ModelFormat.Hdf5, Detect(file, "model.safetensors"));
        if (userBlock > 0)
        {
            "{\"not\": \"safetensors\"}"u8.CopyTo(file.AsSpan(8));
            Assert.Equal(ModelFormat.Hdf5, Detect(file, "model.h5"));
        }
    }

    [Theory]
    [InlineData(511)]
    [InlineData(513)]
    [InlineData(768)]
    [InlineData(1536)]
    public void IgnoresTheSignatureWhereHdf5NeverPutsIt(int offset)
    {
        byte[] file = new byte[4096];
        Signature.CopyTo(file, offset);
        Assert.Equal(ModelFormat.Safetensors, Detect(file, "model.safetensors"));
    }

    [Fact]
    public void StillTellsSafetensorsAndOnnxApart()
    {
        byte[] safetensors = [2, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}'];
        Assert.Equal(ModelFormat.Safetensors, Detect(safetensors, "x.onnx"));
        Assert.Equal(ModelFormat.Onnx, Detect([0x08, 0x07, 0x12, 0x00], "x.safetensors"));
        Assert.Equal(ModelFormat.Onnx, Detect([], "x.onnx"));
    }

    [Theory]
    [InlineData("notes.txt", "just some text, not data", "it is not a safetensors, ONNX or Keras HDF5 model file")]
    [InlineData("notes.safetensors", "just some text, not data", "it is not a safetensors, ONNX or Keras HDF5 model file")]
    [InlineData("x.npy", "\u0093NUMPY\u0001\u0000v\u0000{'descr': '<f4'}", "it is a NumPy .npy file, not a safetensors, ONNX or Keras HDF5 model file. Read it with Import-NpyData.")]
    [InlineData("x.npz", "PK\u0003\u0004\u0014\u0000\u0000\u0000\u0008\u0000 x.npy", "it is a zip archive (NumPy's .npz is one), not a safetensors")]
    [InlineData("a.wav", "RIFF\u0024\u0000\u0000\u0000WAVEfmt ", "it is a WAV file, not a safetensors, ONNX or Keras HDF5 model file. Read it with Import-RnnAudio.")]
    public void NamesContentThatIsNoModel(string name, string content, string message)
    {
        // Latin-1: each char one byte, as the files' own bytes.
        var e = Assert.Throws<DataFormatException>(() => Detect(System.Text.Encoding.Latin1.GetBytes(content), name));
        Assert.Equal("ModelFormatUnknown", e.ErrorId);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeavesTheStreamWhereItWas()
    {
        byte[] file = new byte[2000];
        Signature.CopyTo(file, 1024);
        using var stream = new MemoryStream(file);
        stream.Position = 0;
        Assert.Equal(ModelFormat.Hdf5, ModelFormats.Detect(stream, null));
        Assert.Equal(0, stream.Position);
    }

    private ModelFormat Detect(byte[] content, string name)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return ModelFormats.Detect(path);
    }
}
