namespace PSRnn.Engine.Training.Logs;

/// <summary>
/// What Keras's TensorBoard callback writes per epoch (keras/src/callbacks/tensorboard.py), in
/// <c>&lt;dir&gt;/train</c> and <c>&lt;dir&gt;/validation</c>: in train, <c>epoch_loss</c>, <c>epoch_&lt;metric&gt;</c> and
/// <c>epoch_learning_rate</c> at step = the epoch from 0; in validation, first (as its on_test_end)
/// <c>evaluation_&lt;name&gt;_vs_iterations</c> at step = the optimizer's iterations, then <c>epoch_loss</c> and
/// <c>epoch_&lt;metric&gt;</c> of the validation figures. A run writes new event files (a resumed run too, as a new
/// Keras process would); TensorBoard reads every file of a folder.
/// </summary>
public sealed class TensorBoardLog : IDisposable
{
    private readonly string _folder;
    private EventFileWriter? _train;
    private EventFileWriter? _validation;

    /// <summary>Logs to <paramref name="folder"/>, which is made if missing (with its train and validation folders,
    /// when they are first written).</summary>
    public TensorBoardLog(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        _folder = folder;
        Directory.CreateDirectory(folder);
    }

    /// <summary>The event files written so far.</summary>
    public IEnumerable<string> Files => new[] { _train?.Path, _validation?.Path }.OfType<string>();

    /// <summary>Writes the epoch <paramref name="epochIndex"/> (from 0) of the run.</summary>
    public void Write(EpochRecord record, int epochIndex, long iterations, double wallTime)
    {
        ArgumentNullException.ThrowIfNull(record);
        IReadOnlyList<KeyValuePair<string, double>> logs = KerasLogs.Epoch(record);
        _train ??= Open("train", wallTime);
        _train.WriteScalars(logs.Where(l => !l.Key.StartsWith("val_", StringComparison.Ordinal))
            .Select(l => new KeyValuePair<string, double>("epoch_" + l.Key, l.Value)), epochIndex, wallTime);
        var validation = logs.Where(l => l.Key.StartsWith("val_", StringComparison.Ordinal))
            .Select(l => new KeyValuePair<string, double>(l.Key[4..], l.Value)).ToList();
        if (validation.Count > 0)
        {
            _validation ??= Open("validation", wallTime);
            _validation.WriteScalars(validation.Select(l => new KeyValuePair<string, double>($"evaluation_{l.Key}_vs_iterations", l.Value)),
                iterations, wallTime);
            _validation.WriteScalars(validation.Select(l => new KeyValuePair<string, double>("epoch_" + l.Key, l.Value)), epochIndex, wallTime);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _train?.Dispose();
        _validation?.Dispose();
    }

    private EventFileWriter Open(string name, double wallTime)
    {
        string folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        return new EventFileWriter(Path.Combine(folder, EventFileWriter.FileName(wallTime)), wallTime);
    }

    /// <summary>Seconds since 1970 (UTC), as an event's wall_time.</summary>
    public static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
}
