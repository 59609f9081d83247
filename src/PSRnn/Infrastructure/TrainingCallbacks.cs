using System.Management.Automation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;
using PSRnn.Engine.Training.Logs;
using PSRnn.Models;

namespace PSRnn.Infrastructure;

/// <summary>
/// Invoke-RnnTraining's callbacks and logs: -OnEpochEnd and -OnBatchEnd script blocks, -LogPath (Keras's CSVLogger)
/// and -TensorBoardPath (Keras's TensorBoard). The trainer runs on the pipeline thread and calls back between batches,
/// so the script blocks run there, in the caller's session state: Write-Host, Export-RnnModel and the caller's
/// variables work inside. Their output is discarded, as Measure-Command discards its script's: Keras's callbacks
/// return nothing, and Invoke-RnnTraining's output is the model.
/// </summary>
internal sealed class TrainingCallbacks : IDisposable
{
    private readonly PSCmdlet _cmdlet;
    private readonly Sequential _model;
    private readonly ScriptBlock? _onEpochEnd;
    private readonly ScriptBlock? _onBatchEnd;
    private readonly string? _logPath;
    private readonly string? _tensorBoardPath;
    private static readonly ScriptBlock Runner = ScriptBlock.Create("param($callback, $argument, $model) & $callback $argument $model 2>&1");
    private CsvLog? _csv;
    private TensorBoardLog? _tensorBoard;
    private Exception? _raised;

    private TrainingCallbacks(PSCmdlet cmdlet, Sequential model, ScriptBlock? onEpochEnd, ScriptBlock? onBatchEnd, string? logPath, string? tensorBoardPath)
    {
        _cmdlet = cmdlet;
        _model = model;
        _onEpochEnd = onEpochEnd;
        _onBatchEnd = onBatchEnd;
        _logPath = logPath;
        _tensorBoardPath = tensorBoardPath;
    }

    /// <summary>Whether a callback set StopTraining.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>
    /// Opens the logs before training starts (a fresh run replaces the CSV; a resumed one, <paramref name="epochsDone"/>
    /// &gt; 0, continues it), so that a bad path fails before any work: LogFolderNotFound, LogPathIsFolder,
    /// TensorBoardPathIsFile, LogWriteFailed.
    /// </summary>
    public static TrainingCallbacks Open(PSCmdlet cmdlet, Sequential model, ScriptBlock? onEpochEnd, ScriptBlock? onBatchEnd,
        string? logPath, string? tensorBoardPath, int epochsDone)
    {
        var callbacks = new TrainingCallbacks(cmdlet, model, onEpochEnd, onBatchEnd, logPath, tensorBoardPath);
        try
        {
            if (logPath is not null)
            {
                string file = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(logPath);
                string? folder = Path.GetDirectoryName(file);
                if (Directory.Exists(file))
                {
                    Fail(cmdlet, "LogPathIsFolder", ErrorCategory.InvalidArgument, logPath,
                        $"-LogPath '{logPath}' is a folder; give the CSV file to write, such as '{Path.Combine(logPath, "training.csv")}'.");
                }

                if (folder is not null && !Directory.Exists(folder))
                {
                    Fail(cmdlet, "LogFolderNotFound", ErrorCategory.ObjectNotFound, logPath,
                        $"Cannot write the training log '{logPath}': the folder '{folder}' does not exist{(FileOnPath(folder) is { } blocker ? $" ('{blocker}' is a file)" : "")}.");
                }

                callbacks._csv = Opened(cmdlet, "LogWriteFailed", logPath, () => CsvLog.Open(file, epochsDone));
            }

            if (tensorBoardPath is not null)
            {
                string folder = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(tensorBoardPath);
                if (File.Exists(folder))
                {
                    Fail(cmdlet, "TensorBoardPathIsFile", ErrorCategory.InvalidArgument, tensorBoardPath,
                        $"-TensorBoardPath '{tensorBoardPath}' is a file; give a folder (made if missing), which gets train and validation folders of event files.");
                }

                // A file further up would fail the folder's creation with .NET's "Could not find a part of the path".
                if (FileOnPath(folder) is { } blocker)
                {
                    Fail(cmdlet, "TensorBoardPathIsFile", ErrorCategory.InvalidArgument, tensorBoardPath,
                        $"-TensorBoardPath '{tensorBoardPath}' cannot be made: '{blocker}' is a file, not a folder; give a folder (made if missing), which gets train and validation folders of event files.");
                }

                callbacks._tensorBoard = Opened(cmdlet, "LogWriteFailed", tensorBoardPath, () => new TensorBoardLog(folder));
            }
        }
        catch
        {
            callbacks.Dispose();
            throw;
        }

        return callbacks;
    }

    /// <summary>Whether <paramref name="e"/> is the error a callback script raised (to be reported as it is).</summary>
    public bool Raised(Exception e) => ReferenceEquals(e, _raised);

    /// <summary>Writes the epoch to the logs; the epoch within the run, from 0, is Keras's.</summary>
    public void Log(EpochRecord record, FitState state)
    {
        int epochIndex = state.EpochsDone - 1;
        if (_csv is { } csv)
        {
            Written(_logPath!, () => csv.Write(record, epochIndex));
        }

        if (_tensorBoard is { } tensorBoard)
        {
            Written(_tensorBoardPath!, () => tensorBoard.Write(record, epochIndex, _model.Optimizer?.Iterations ?? 0, TensorBoardLog.Now()));
        }
    }

    /// <summary>Runs -OnEpochEnd with the epoch and the model; notes StopTraining.</summary>
    public void EpochEnd(EpochRecord record)
    {
        if (_onEpochEnd is null)
        {
            return;
        }

        var epoch = new RnnEpochEnd(record);
        PSObject wrapped = PSObject.AsPSObject(epoch);
        MetricProperties.AddTo(wrapped, record);
        Invoke(_onEpochEnd, wrapped);
        StopRequested |= epoch.StopTraining;
    }

    /// <summary>Runs -OnBatchEnd once a batch is done (with truncated BPTT, after its last window).</summary>
    public void BatchEnd(TrainingProgress progress)
    {
        if (_onBatchEnd is not null && progress.Window == progress.Windows)
        {
            var batch = new RnnBatchEnd(_model.History.Count + 1, progress);
            Invoke(_onBatchEnd, batch);
            StopRequested |= batch.StopTraining;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _csv?.Dispose();
        _tensorBoard?.Dispose();
    }

    private void Invoke(ScriptBlock callback, object argument)
    {
        try
        {
            // Its output is dropped (see the class remarks); its non-terminating errors would go to the host, past
            // -ErrorVariable and 2>, so they are merged into the output and written as this cmdlet's.
            foreach (PSObject item in _cmdlet.InvokeCommand.InvokeScript(true, Runner, null, callback, argument, _model))
            {
                if (item?.BaseObject is ErrorRecord error)
                {
                    _cmdlet.WriteError(error);
                }
            }
        }
        catch (RuntimeException e) when (e is not PipelineStoppedException)
        {
            _raised = e;
            throw;
        }
    }

    private static T Opened<T>(PSCmdlet cmdlet, string errorId, string path, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            string message = $"Cannot write the training log '{path}': {Errors.Describe(e)}";
            // A FileWriteException (a FIFO or device, a dangling link) keeps its own ID, as other writers report it.
            cmdlet.ThrowTerminatingError(e is FileWriteException ? Errors.WriteFailed(errorId, path, message, e)
                : Errors.Create(errorId, e is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, path, message, e));
            throw; // not reached
        }
    }

    private static void Written(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingLogException(Errors.Create("LogWriteFailed", ErrorCategory.WriteError, path,
                $"Cannot write the training log '{path}': {Errors.Describe(e)} Training stopped with the weights of the last epoch written.", e));
        }
    }

    /// <summary>The nearest existing item above (or at) <paramref name="path"/> when it is a file, which no folder can be made in.</summary>
    private static string? FileOnPath(string path)
    {
        for (string? p = path; !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
        {
            if (File.Exists(p))
            {
                return p;
            }

            if (Directory.Exists(p))
            {
                return null;
            }
        }

        return null;
    }

    private static void Fail(PSCmdlet cmdlet, string errorId, ErrorCategory category, string path, string message, Exception? inner = null) =>
        cmdlet.ThrowTerminatingError(Errors.Create(errorId, category, path, message, inner));
}
