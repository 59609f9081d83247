using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;

namespace PSRnn.Engine.Tests.Audio;

public sealed class LabelTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("psrnn-labels-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FindsFilesByRelativePathAndByUniqueName()
    {
        string csv = Write("id,label,file\n1,yes,a/one.wav\n2,\"no, really\",b/two.wav\n3,maybe,c/two.wav\n");
        LabelTable table = LabelTable.Read(csv);
        Assert.Equal(3, table.Count);
        Assert.Equal("yes", table.Find(Path.Combine(_dir, "a", "one.wav")));
        Assert.Equal("no, really", table.Find(Path.Combine(_dir, "b", "two.wav")));
        Assert.Equal("yes", table.Find("/elsewhere/one.wav"));   // a unique name
        Assert.Null(table.Find("/elsewhere/two.wav"));            // two rows share the name
    }

    [Theory]
    [InlineData("")]
    [InlineData("path,class\na.wav,x\n")]
    [InlineData("file,label\na.wav\n")]
    public void RefusesCsvWithoutFileAndLabel(string text)
    {
        var e = Assert.Throws<DataFormatException>(() => LabelTable.Read(Write(text)));
        Assert.Equal("AudioLabelCsvInvalid", e.ErrorId);
    }

    private string Write(string text)
    {
        string path = Path.Combine(_dir, "labels.csv");
        File.WriteAllText(path, text);
        return path;
    }
}
