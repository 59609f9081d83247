using System.Text;
using System.Text.Json;
using PSRnn.Engine.Training;
using PSRnn.Engine.Training.Logs;

namespace PSRnn.Engine.Tests.Training;

/// <summary>The training logs against files written independently (tests/fixtures/logs/make_fixtures.py: Google's
/// protobuf runtime and crcmod for the event file, Keras's CSVLogger code and Python's csv module for the CSV).</summary>
public sealed class LogTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "logs");
    private readonly string _dir = Directory.CreateTempSubdirectory("psrnn-logs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Cases(string section) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "cases.json"))).RootElement.GetProperty(section);

    // RFC 3720 appendix B.4, and the usual check value of "123456789".
    [Theory]
    [InlineData("zeros", 0x8A9136AAu)]
    [InlineData("ones", 0x62A8AB43u)]
    [InlineData("ascending", 0x46DD794Eu)]
    [InlineData("descending", 0x113FDB5Cu)]
    [InlineData("123456789", 0xE3069283u)]
    public void Crc32CMatchesPublishedVectors(string data, uint expected)
    {
        byte[] bytes = data switch
        {
            "zeros" => new byte[32],
            "ones" => Enumerable.Repeat((byte)0xFF, 32).ToArray(),
            "ascending" => Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
            "descending" => Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(),
            _ => Encoding.ASCII.GetBytes(data),
        };
        Assert.Equal(expected, Crc32C.Compute(bytes));
    }

    [Fact]
    public void EventFileEqualsProtobufsOwnBytes()
    {
        JsonElement events = Cases("events");
        string path = Path.Combine(_dir, "events.out.tfevents.test");
        using (var writer = new EventFileWriter(path, events.GetProperty("start").GetDouble()))
        {
            foreach (JsonElement group in events.GetProperty("writes").EnumerateArray())
            {
                var scalars = group.GetProperty("scalars").EnumerateArray()
                    .Select(s => new KeyValuePair<string, double>(s[0].GetString()!, s[1].GetDouble())).ToList();
                writer.WriteScalars(scalars, group.GetProperty("step").GetInt64(), group.GetProperty("wall_time").GetDouble());
            }
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures, "events.tfevents")), File.ReadAllBytes(path));
    }

    [Fact]
    public void EventFileNameIsTensorFlows()
    {
        string name = EventFileWriter.FileName(1764745832.9);
        Assert.StartsWith($"events.out.tfevents.1764745832.{Environment.MachineName}.{Environment.ProcessId}.", name);
        Assert.EndsWith(".v2", name);
        Assert.NotEqual(name, EventFileWriter.FileName(1764745832.9));
    }

    private static List<EpochRecord> CsvRecords() => Cases("csv").EnumerateArray().Select((logs, i) => new EpochRecord(i + 1,
        logs.GetProperty("loss").GetDouble(), new Dictionary<string, double> { ["accuracy"] = logs.GetProperty("accuracy").GetDouble() },
        null, null, TimeSpan.FromSeconds(1), (float)logs.GetProperty("learning_rate").GetDouble())).ToList();

    [Fact]
    public void CsvEqualsKerasCsvLogger()
    {
        string path = Path.Combine(_dir, "run.csv");
        List<EpochRecord> records = CsvRecords();
        using (CsvLog log = CsvLog.Open(path, 0))
        {
            for (int i = 0; i < records.Count; i++)
            {
                log.Write(records[i], i);
            }
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures, "run.csv")), File.ReadAllBytes(path));
    }

    [Fact]
    public void ResumedCsvKeepsEarlierEpochsDropsLaterOnesAndHasOneHeader()
    {
        string path = Path.Combine(_dir, "run.csv");
        List<EpochRecord> records = CsvRecords();
        using (CsvLog log = CsvLog.Open(path, 0))
        {
            // As if epoch 1 was logged and the run died before its checkpoint: the resume is from epoch 1's start.
            log.Write(records[0], 0);
            log.Write(records[0], 1);
        }

        using (CsvLog log = CsvLog.Open(path, 1))
        {
            log.Write(records[1], 1);
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures, "run.csv")), File.ReadAllBytes(path));
    }

    [Fact]
    public void FreshRunReplacesTheCsv()
    {
        string path = Path.Combine(_dir, "run.csv");
        File.WriteAllText(path, "old");
        using (CsvLog log = CsvLog.Open(path, 0))
        {
            log.Write(CsvRecords()[0], 0);
        }

        Assert.StartsWith("epoch,accuracy,", File.ReadAllText(path));
    }

    [Fact]
    public void NumbersAreWrittenAsPythonWritesThem()
    {
        foreach (JsonElement pair in JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "floats.json"))).RootElement.EnumerateArray())
        {
            double value = FromHex(pair[0].GetString()!);
            Assert.Equal(pair[1].GetString(), KerasLogs.PythonFloat(value));
        }
    }

    // Python's float.hex: [-]0x<0|1>.<13 hex digits>p<exponent>.
    private static double FromHex(string hex)
    {
        bool negative = hex.StartsWith('-');
        string body = hex.TrimStart('-')[2..];
        int p = body.IndexOf('p');
        string[] parts = body[..p].Split('.');
        int exponent = int.Parse(body[(p + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        double mantissa = Convert.ToInt64(parts[0], 16);
        string fraction = parts.Length > 1 ? parts[1] : "";
        for (int i = 0; i < fraction.Length; i++)
        {
            mantissa += Convert.ToInt32(fraction[i].ToString(), 16) * Math.Pow(16, -(i + 1));
        }

        // Scale in two steps so that subnormals (p-1022 with a 0. mantissa) stay exact.
        double value = mantissa * Math.Pow(2, exponent / 2) * Math.Pow(2, exponent - (exponent / 2));
        return negative ? -value : value;
    }

    [Fact]
    public void TensorBoardLogWritesKerasTagsInTrainAndValidation()
    {
        var record = new EpochRecord(1, 0.5, new Dictionary<string, double> { ["accuracy"] = 0.75 }, 0.25,
            new Dictionary<string, double> { ["accuracy"] = 1.0 }, TimeSpan.Zero, 0.001f);
        using (var log = new TensorBoardLog(_dir))
        {
            log.Write(record, 0, 4, 1.5);
        }

        string train = Assert.Single(Directory.GetFiles(Path.Combine(_dir, "train")));
        string validation = Assert.Single(Directory.GetFiles(Path.Combine(_dir, "validation")));
        Assert.Equal(["epoch_loss", "epoch_accuracy", "epoch_learning_rate"], Tags(train));
        Assert.Equal(["evaluation_loss_vs_iterations", "evaluation_accuracy_vs_iterations", "epoch_loss", "epoch_accuracy"], Tags(validation));
    }

    // The tags in file order (the bytes themselves are checked against protobuf above).
    private static List<string> Tags(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var tags = new List<string>();
        for (int at = 0; at < bytes.Length;)
        {
            int length = (int)BitConverter.ToUInt64(bytes, at);
            string data = Encoding.Latin1.GetString(bytes, at + 12, length);
            int tag = data.IndexOf("epoch_", StringComparison.Ordinal) is int e and >= 0 ? e : data.IndexOf("evaluation_", StringComparison.Ordinal);
            if (tag >= 0)
            {
                tags.Add(data.Substring(tag, bytes[at + 12 + tag - 1]));
            }

            at += 12 + length + 4;
        }

        return tags;
    }
}
