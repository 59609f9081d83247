using System.Text;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Training.Logs;

/// <summary>
/// Keras's CSVLogger file (keras/src/callbacks/csv_logger.py): a header <c>epoch,</c> and the sorted log keys — and,
/// when the first epoch has no validation figures, a <c>val_</c> key for each, written <c>NA</c> — then a row an epoch
/// with the epoch counted from 0 within the run, as Keras's <c>on_epoch_end(epoch)</c>; separator ',', lines ending
/// "\r\n" (Python's csv excel dialect), numbers as Python's <c>str(float)</c>. Each row is one append flushed to disk, so
/// a crash keeps every finished epoch and a reader following the file (tail -f, Get-Content -Wait) sees each one.
/// </summary>
public sealed class CsvLog : IDisposable
{
    private const string NewLine = "\r\n";
    private readonly FileStream _file;
    private List<string>? _keys;

    private CsvLog(FileStream file, List<string>? keys)
    {
        _file = file;
        _keys = keys;
    }

    /// <summary>The file written.</summary>
    public string Path => _file.Name;

    /// <summary>
    /// Starts the log of a run: a fresh run replaces the file (Keras's append=False); a resumed run
    /// (<paramref name="epochsDone"/> &gt; 0) keeps the header and the rows of epochs before it, drops any later rows (an
    /// epoch logged after the checkpoint it resumes from was taken, so it is trained again), and appends (append=True,
    /// no second header).
    /// </summary>
    /// <exception cref="FileWriteException"><c>FileNotRegular</c>: the path is a FIFO, a device, a socket or a folder (a
    /// pipe without a reader would block training forever), or a dangling or looping link.</exception>
    public static CsvLog Open(string path, int epochsDone)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = AtomicFile.ResolveTarget(path);
        if (epochsDone > 0 && File.Exists(path))
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            try
            {
                var (keys, keep) = Kept(file, epochsDone);
                file.SetLength(keep);
                file.Seek(0, SeekOrigin.End);
                return new CsvLog(file, keys);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        return new CsvLog(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), null);
    }

    /// <summary>Appends the row of <paramref name="record"/>, epoch <paramref name="epochIndex"/> (from 0) of the run.</summary>
    public void Write(EpochRecord record, int epochIndex)
    {
        IReadOnlyList<KeyValuePair<string, double>> logs = KerasLogs.Epoch(record);
        var text = new StringBuilder();
        if (_keys is null)
        {
            _keys = [.. logs.Select(l => l.Key).Order(StringComparer.Ordinal)];
            if (!_keys.Any(k => k.StartsWith("val_", StringComparison.Ordinal)))
            {
                _keys.AddRange([.. _keys.Select(k => "val_" + k)]);
            }

            text.Append("epoch");
            foreach (string key in _keys)
            {
                text.Append(',').Append(CsvFields.Quote(key));
            }

            text.Append(NewLine);
        }

        text.Append(epochIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (string key in _keys)
        {
            int i = IndexOf(logs, key);
            text.Append(',').Append(i < 0 ? "NA" : KerasLogs.PythonFloat(logs[i].Value));
        }

        text.Append(NewLine);
        _file.Write(Encoding.UTF8.GetBytes(text.ToString()));
        _file.Flush(flushToDisk: true);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static int IndexOf(IReadOnlyList<KeyValuePair<string, double>> logs, string key)
    {
        for (int i = 0; i < logs.Count; i++)
        {
            if (logs[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    // The header's keys and the byte length of the header and of the rows of epochs before epochsDone.
    private static (List<string>? Keys, long Keep) Kept(FileStream file, int epochsDone)
    {
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        string text = Encoding.UTF8.GetString(bytes);
        List<string>? keys = null;
        int at = 0;
        long keep = 0;
        while (at < text.Length)
        {
            int end = text.IndexOf('\n', at);
            if (end < 0)
            {
                break; // a torn last line is dropped
            }

            string line = text[at..end].TrimEnd('\r');
            at = end + 1;
            if (keys is null)
            {
                if (!line.StartsWith("epoch,", StringComparison.Ordinal))
                {
                    throw new InvalidDataException("The file does not start with a CSVLogger header (epoch,...).");
                }

                keys = [.. line.Split(',').Skip(1)];
            }
            else
            {
                int comma = line.IndexOf(',');
                if (!int.TryParse(comma < 0 ? line : line[..comma], System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture, out int epoch) || epoch >= epochsDone)
                {
                    break;
                }
            }

            keep = Encoding.UTF8.GetByteCount(text.AsSpan(0, at));
        }

        return (keys, keep);
    }
}
