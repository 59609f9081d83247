using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;
using PSRnn.Models;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Trains one model per point of a grid (or of random draws from it) of hyper-parameters, here, in
/// parallel runspaces, or on other machines through PSSessions, as Keras Tuner's GridSearch and RandomSearch.</para>
/// <para type="description">-Parameters names each hyper-parameter and its candidate values (a single value is a list of
/// one); the trials are every combination, the first name varying slowest, or -Random n distinct combinations drawn with
/// -Seed. For each trial -ModelScript runs with the trial's values as its first argument ($p.Units) and its seed as the
/// second, and returns the model to train; it runs from its text, in its own scope, wherever the trial runs, so pass what
/// it needs through -Parameters. The model is trained with Invoke-RnnTraining on -X and -Y with -Epochs, -BatchSize and
/// the other settings given here, and with every parameter that names one of Invoke-RnnTraining's (LearningRate,
/// Optimizer, BatchSize, Loss, ...); the others are for the model script only. Each trial has its own seed, a hash of
/// -Seed and its values: New-RnnModel takes it as its default -Seed and the training as its -Seed, so the same trial
/// gives the same weights on any machine of the same instruction set, whatever runs it and in whatever order.
/// Trials run one at a time in this runspace; -ThrottleLimit n runs n at once in a pool of runspaces of this process with
/// PSRnn imported (each with its share of the processors as Invoke-RnnTraining's -ThreadCount, which does not change
/// the results); -Session runs one at a time on each of the PSSessions (New-PSSession -HostName over SSH, or WinRM),
/// where PSRnn must be importable: the data goes to each session once as .npy bytes and each trained model comes back as
/// safetensors bytes. Each trial is written to the output as it finishes (trial, parameters, seed, epochs, last epoch's
/// loss, metrics and validation figures, duration, machine, error, model), and, with -ResultPath, to a CSV file that is
/// rewritten atomically after each trial; a rerun with the same file skips the trials it holds (same parameters and seed)
/// and runs the rest. A trial that fails, or whose session breaks, is reported as an error and a row with its error,
/// and the sweep goes on; a rerun runs it again. -BestModelPath saves the best trial's model so far (lowest -Monitor,
/// highest for accuracy, AUC, precision and recall), as it goes.</para>
/// </summary>
/// <example>
///   <code>
///     $sessions = New-PSSession -HostName gpu1, gpu2 -UserName me
///     Invoke-RnnSweep -Session $sessions -X $x -Y $y -ValidationSplit 0.2 -Epochs 20 -ResultPath ./sweep.csv -BestModelPath ./best.safetensors -Parameters @{
///         Units = 32, 64, 128; LearningRate = 1e-3, 3e-3
///     } -ModelScript {
///         param($p)
///         New-RnnModel -InputShape 50, 3 | Add-LstmLayer -Units $p.Units | Add-DenseLayer 1
///     }
///   </code>
///   <para>Six trials over two machines reached by SSH; after a lost connection the same line runs only what is missing.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..480 | ForEach-Object { [math]::Sin($_ * 0.37) })) -Shape 40, 6, 2
///     $y = [long[]] (0..39 | ForEach-Object { $x.GetValue($_, 0, 0) -gt 0 })
///     $trials = Invoke-RnnSweep -X $x -Y $y -Epochs 2 -ValidationSplit 0.25 -Parameters @{ Units = 2, 4; LearningRate = 0.01 } -ModelScript {
///         param($p)
///         New-RnnModel -InputShape 6, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax
///     }
///     $trials | Sort-Object ValLoss | Select-Object -First 1
///   </code>
///   <para>Runs as written: two small trials in this runspace; the one with the lowest validation loss prints.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "RnnSweep", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(RnnSweepTrial))]
public sealed class InvokeRnnSweepCommand : PSCmdlet, IDisposable
{
    private const string LocalSet = "Local";
    private const string RemoteSet = "Remote";

    // Invoke-RnnTraining's parameters a sweep sets itself, or that make no sense per trial.
    private static readonly HashSet<string> NotTrainingSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "Model", "X", "Y", "ValidationData", "Seed", "Quiet", "ResumeFrom", "CheckpointPath", "LogPath", "TensorBoardPath",
        "OnEpochEnd", "OnBatchEnd", "LeftoverArgument",
    };

    private static readonly HashSet<string> TrainingSettings = new(
        typeof(InvokeRnnTrainingCommand).GetProperties().Where(p => p.GetCustomAttributes<ParameterAttribute>().Any())
            .Select(p => p.Name).Where(n => !NotTrainingSettings.Contains(n)),
        StringComparer.OrdinalIgnoreCase);

    // Keras's mode='auto' reads these in a monitored name as "higher is better".
    private static readonly string[] HigherIsBetter = ["acc", "auc", "precision", "recall"];

    private readonly CancellationTokenSource _stop = new();
    private readonly List<SweepWorker> _workers = [];

    /// <summary>
    /// <para type="description">The hyper-parameters and their candidates: @{ Units = 32, 64; LearningRate = 1e-3, 3e-3 }.
    /// A single value is a list of one (Optimizer = 'adam'). Names of Invoke-RnnTraining's parameters are passed to it;
    /// all are passed to -ModelScript. An [ordered] table keeps its order for the trials' numbers and the CSV's columns; a
    /// plain one is sorted by name.</para>
    /// </summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public IDictionary Parameters { get; set; } = null!;

    /// <summary>
    /// <para type="description">Makes a trial's model: param($p, $seed) with $p the trial's values ($p.Units) and $seed its
    /// seed (New-RnnModel takes it by default); it must return one model, untrained.</para>
    /// </summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public ScriptBlock ModelScript { get; set; } = null!;

    /// <summary>
    /// <para type="description">The training samples, as Invoke-RnnTraining's -X.</para>
    /// </summary>
    [Parameter(Mandatory = true)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor X { get; set; } = null!;

    /// <summary>
    /// <para type="description">The targets, as Invoke-RnnTraining's -Y.</para>
    /// </summary>
    [Parameter(Mandatory = true)]
    [TargetTransformation]
    [ValidateNotNull]
    public Tensor Y { get; set; } = null!;

    /// <summary>
    /// <para type="description">Validation samples and targets, as two values: -ValidationData $xTest, $yTest.</para>
    /// </summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public object[]? ValidationData { get; set; }

    /// <summary>
    /// <para type="description">The fraction of the samples held out for validation from the end, as Invoke-RnnTraining's.</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.ValidationSplit)]
    public double? ValidationSplit { get; set; }

    /// <summary>
    /// <para type="description">Passes over the data in each trial (default 1, as Keras).</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.Epochs)]
    public int? Epochs { get; set; }

    /// <summary>
    /// <para type="description">Samples per gradient step in each trial (default 32).</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.BatchSize)]
    public int? BatchSize { get; set; }

    /// <summary>
    /// <para type="description">The loss for every trial, as Invoke-RnnTraining's -Loss (by default from the last layer).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(LossCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Loss { get; set; }

    /// <summary>
    /// <para type="description">The optimizer for every trial, as Invoke-RnnTraining's -Optimizer (default adam).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(OptimizerCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Optimizer { get; set; }

    /// <summary>
    /// <para type="description">The learning rate for every trial, unless -Parameters sweeps it.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, 1e6)]
    public double? LearningRate { get; set; }

    /// <summary>
    /// <para type="description">Draws this many distinct trials from the grid, with -Seed, instead of running all of it
    /// (Keras Tuner's RandomSearch over discrete choices); at least the grid's size runs the grid.</para>
    /// </summary>
    [Parameter]
    public int? Random { get; set; }

    /// <summary>
    /// <para type="description">The sweep's seed (default 0): with the trial's values it makes each trial's seed, and it
    /// draws -Random's trials.</para>
    /// </summary>
    [Parameter]
    public ulong Seed { get; set; }

    /// <summary>
    /// <para type="description">Runs this many trials at once in runspaces of this process (default: one at a time, in this
    /// runspace).</para>
    /// </summary>
    [Parameter(ParameterSetName = LocalSet)]
    public int? ThrottleLimit { get; set; }

    /// <summary>
    /// <para type="description">Runs the trials on these PSSessions, one at a time on each (open two sessions to a machine to
    /// run two there). PSRnn must be importable in each.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = RemoteSet)]
    [ValidateNotNullOrEmpty]
    public PSSession[] Session { get; set; } = [];

    /// <summary>
    /// <para type="description">The CSV file of the trials' results, rewritten atomically after each; a rerun skips the trials
    /// it holds without an error.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ResultPath { get; set; }

    /// <summary>
    /// <para type="description">Saves the best trial's model here (safetensors), replacing it whenever a trial does better.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BestModelPath { get; set; }

    /// <summary>
    /// <para type="description">The figure that ranks the trials: val_loss (default with validation data), loss (default
    /// without), or a metric by Keras name, val_ for its validation figure (val_accuracy). Lowest wins; highest for
    /// accuracy, AUC, precision and recall.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Monitor { get; set; }

    /// <summary>
    /// <para type="description">Threads each trial's matrix products use (Invoke-RnnTraining's -ThreadCount). By default
    /// all processors, shared out among -ThrottleLimit's runspaces. Results do not depend on it.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? ThreadCount { get; set; }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (Parameters.Count == 0)
        {
            ThrowTerminatingError(Errors.Create("SweepParametersEmpty", ErrorCategory.InvalidArgument, Parameters,
                "-Parameters is empty; name at least one hyper-parameter and its values, such as @{ Units = 32, 64 }."));
        }

        List<(string Name, object?[] Values)> axes = SweepPlan.Axes(Parameters);
        foreach (DictionaryEntry entry in Parameters)
        {
            if (SweepPlan.NotAList(entry.Value) is { } what)
            {
                ThrowTerminatingError(Errors.Create("SweepParameterNotList", ErrorCategory.InvalidArgument, entry.Value,
                    $"-Parameters' {entry.Key} is {what}; give its candidate values as a list, such as {entry.Key} = 32, 64 (or one value)."));
            }
        }

        if (axes.FirstOrDefault(a => a.Values.Length == 0) is { Name: { } empty })
        {
            ThrowTerminatingError(Errors.Create("SweepParameterEmpty", ErrorCategory.InvalidArgument, empty,
                $"-Parameters' {empty} has no values; give at least one."));
        }

        if (ThrottleLimit is < 1)
        {
            ThrowTerminatingError(Errors.Create("SweepThrottleLimitInvalid", ErrorCategory.InvalidArgument, ThrottleLimit,
                $"-ThrottleLimit is {ThrottleLimit}; it must be 1 or more (trials at once)."));
        }

        if (Random is < 1)
        {
            ThrowTerminatingError(Errors.Create("SweepRandomInvalid", ErrorCategory.InvalidArgument, Random,
                $"-Random is {Random}; it must be 1 or more (trials to draw)."));
        }

        long gridSize = SweepPlan.GridSize(axes);
        if (Random is null && (gridSize < 0 || gridSize > SweepPlan.MaxGrid))
        {
            ThrowTerminatingError(Errors.Create("SweepGridTooLarge", ErrorCategory.LimitsExceeded, Parameters,
                string.Create(CultureInfo.InvariantCulture,
                    $"-Parameters makes {(gridSize < 0 ? "more than 9.2e18" : gridSize.ToString(CultureInfo.InvariantCulture))} trials; at most {SweepPlan.MaxGrid} run as a grid: draw some with -Random n.")));
        }

        Hashtable fixedSettings = FixedSettings(axes);
        string monitor = Monitor ?? (ValidationData is not null || ValidationSplit is > 0
            || axes.Any(a => a.Name.Equals("ValidationSplit", StringComparison.OrdinalIgnoreCase)) ? "val_loss" : "loss");
        bool higherIsBetter = HigherIsBetter.Any(m => monitor.Contains(m, StringComparison.OrdinalIgnoreCase));
        string? resultFile = ResultPath is null ? null : OutputFile(ResultPath, "-ResultPath");
        string? bestFile = BestModelPath is null ? null : OutputFile(BestModelPath, "-BestModelPath");

        List<SweepTrialPlan> plans = SweepPlan.Trials(axes, Random, Seed);
        List<string> names = [.. axes.Select(a => a.Name)];
        var results = new List<RnnSweepTrial>();
        List<Dictionary<string, string>> kept = [];
        double? best = null;
        bool warnedMonitor = false;
        if (resultFile is not null)
        {
            List<string> header;
            List<Dictionary<string, string>> rows;
            try
            {
                (header, rows) = SweepResultFile.Read(resultFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ThrowTerminatingError(Errors.Create("SweepResultReadFailed", ErrorCategory.ReadError, resultFile,
                    $"Cannot read -ResultPath '{resultFile}' to resume: {Errors.Describe(e)}", e));
                return;
            }

            List<string> columns = SweepResultFile.ParameterNames(header);
            if (header.Count > 0 && !(columns.Count == names.Count && columns.All(c => names.Contains(c, StringComparer.OrdinalIgnoreCase))))
            {
                ThrowTerminatingError(Errors.Create("SweepResultFileMismatch", ErrorCategory.InvalidData, resultFile,
                    $"-ResultPath '{resultFile}' holds a sweep over {(columns.Count == 0 ? "no parameters" : string.Join(", ", columns))}, not {string.Join(", ", names)}: give another file, or the same parameters."));
            }

            kept = [.. rows.Where(r => !plans.Any(p => SweepResultFile.IsOf(r, p)))];
            foreach (SweepTrialPlan plan in plans)
            {
                if (rows.FirstOrDefault(r => SweepResultFile.IsOf(r, plan) && SweepResultFile.IsFinished(r)) is { } row)
                {
                    RnnSweepTrial done = SweepResultFile.ToTrial(row, plan);
                    results.Add(done);
                    best = Better(done.Figure(monitor), best, higherIsBetter) ? done.Figure(monitor) : best;
                    WriteObject(done);
                }
            }

            if (results.Count > 0)
            {
                WriteVerbose($"{results.Count} of {plans.Count} trials are in '{resultFile}' already; running the other {plans.Count - results.Count}.");
            }
        }

        var pending = new ConcurrentQueue<SweepTrialPlan>(plans.Where(p => !results.Any(r => r.Trial == p.Number)));
        if (pending.IsEmpty)
        {
            return;
        }

        Hashtable localData = LocalData();
        RunspacePool? pool = null;
        try
        {
            if (ParameterSetName == RemoteSet)
            {
                foreach (PSSession session in Session)
                {
                    if (session.Runspace.RunspaceStateInfo.State != RunspaceState.Opened || session.Runspace.RunspaceAvailability != RunspaceAvailability.Available)
                    {
                        ThrowTerminatingError(Errors.Create("SweepSessionNotAvailable", ErrorCategory.ResourceUnavailable, session,
                            $"The session to {session.ComputerName} is {session.Runspace.RunspaceStateInfo.State}, {session.Runspace.RunspaceAvailability}; give open sessions that run nothing else."));
                    }

                    _workers.Add(SweepWorker.Session(session));
                }
            }
            else if (ThrottleLimit is > 1 and var slots)
            {
                pool = OpenPool(slots);
                for (int i = 0; i < slots; i++)
                {
                    _workers.Add(SweepWorker.Pool(pool));
                }

                fixedSettings["ThreadCount"] ??= Math.Max(1, Environment.ProcessorCount / slots);
            }
            else
            {
                _workers.Add(SweepWorker.Current());
            }

            void Finished(SweepOutcome outcome)
            {
                RnnSweepTrial trial = ToTrial(outcome);
                results.Add(trial);
                foreach (string warning in outcome.Warnings)
                {
                    WriteWarning($"Trial {Label(outcome.Plan)}: {warning}");
                }

                if (trial.Error is not null)
                {
                    string label = Label(outcome.Plan);
                    WriteError(Errors.Create(outcome.ErrorId!, ErrorCategory.OperationStopped, label,
                        $"Trial {label} failed{(trial.Machine is null ? "" : " on " + trial.Machine)}: {trial.Error}"));
                    trial.Error = $"[{outcome.ErrorId}] {trial.Error}";
                }
                else if (trial.Figure(monitor) is null && !warnedMonitor)
                {
                    // Once: a name no trial reports (a typo, or val_ without validation data) would never pick a best model.
                    warnedMonitor = true;
                    WriteWarning($"Trial {Label(outcome.Plan)} has no figure '{monitor}' to rank it by (it has loss{string.Concat(trial.Metrics.Keys.Cast<string>().Select(m => ", " + m))}{(trial.ValLoss is null ? "" : ", val_loss" + string.Concat(trial.ValMetrics.Keys.Cast<string>().Select(m => ", val_" + m)))}): no trial without it can be the best.");
                }
                else if (trial.Model is not null && Better(trial.Figure(monitor), best, higherIsBetter))
                {
                    best = trial.Figure(monitor);
                    if (bestFile is not null)
                    {
                        Save(bestFile, () => ModelFile.Save(bestFile, trial.Model, includeOptimizerState: false, overwrite: true), "SweepBestModelWriteFailed");
                    }
                }

                if (resultFile is not null)
                {
                    Save(resultFile, () => SweepResultFile.Write(resultFile, names, results, kept), "SweepResultWriteFailed");
                }

                WriteObject(trial);
            }

            if (_workers.Count == 1 && _workers[0] is { Remote: false } only)
            {
                while (!_stop.IsCancellationRequested && pending.TryDequeue(out SweepTrialPlan? plan))
                {
                    Finished(only.Run(plan, TrialTable(plan, fixedSettings, remote: false), localData));
                }
            }
            else
            {
                RunParallel(pending, fixedSettings, localData, Finished);
            }
        }
        finally
        {
            foreach (SweepWorker worker in _workers)
            {
                worker.Cleanup();
            }

            pool?.Dispose();
        }
    }

    /// <inheritdoc />
    protected override void StopProcessing()
    {
        _stop.Cancel();
        foreach (SweepWorker worker in _workers)
        {
            worker.Stop();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stop.Dispose();

    /// <summary>
    /// One thread per worker takes trials from the queue until it is empty or the worker's session breaks; this thread,
    /// the pipeline's, reports each outcome as it comes (output, errors and files are written from here only).
    /// </summary>
    private void RunParallel(ConcurrentQueue<SweepTrialPlan> pending, Hashtable fixedSettings, Hashtable localData, Action<SweepOutcome> finished)
    {
        using var outcomes = new BlockingCollection<SweepOutcome?>();
        Hashtable? bytes = _workers.Any(w => w.Remote) ? RemoteData() : null;
        var threads = _workers.Select(worker => Task.Factory.StartNew(() =>
        {
            try
            {
                if (worker.Remote && worker.Setup(bytes!) is { } failure)
                {
                    outcomes.Add(new SweepOutcome(null!, null, failure.Id, failure.Message, true));
                    return;
                }

                while (!_stop.IsCancellationRequested && !worker.Broken && pending.TryDequeue(out SweepTrialPlan? plan))
                {
                    outcomes.Add(worker.Run(plan, TrialTable(plan, fixedSettings, worker.Remote), worker.Remote ? null : localData));
                }
            }
            catch (Exception e) when (e is PipelineStoppedException || _stop.IsCancellationRequested)
            {
                // Ctrl+C (or a failed write) stopped the trial: the sweep is ending.
            }
            finally
            {
                outcomes.Add(null);
            }
        }, TaskCreationOptions.LongRunning)).ToList();

        int running = threads.Count;
        try
        {
            while (running > 0)
            {
                SweepOutcome? outcome;
                try
                {
                    outcome = outcomes.Take(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (outcome is null)
                {
                    running--;
                }
                else if (outcome.Plan is null)
                {
                    WriteError(Errors.Create(outcome.ErrorId!, ErrorCategory.ResourceUnavailable, null, outcome.Error!));
                }
                else
                {
                    finished(outcome);
                }
            }
        }
        finally
        {
            if (running > 0)
            {
                // Ctrl+C, or a result that could not be written: stop the trials still running before the pool goes.
                _stop.Cancel();
                foreach (SweepWorker worker in _workers)
                {
                    worker.Stop();
                }
            }

            Task.WaitAll([.. threads]);
        }
        if (!_stop.IsCancellationRequested && !pending.IsEmpty)
        {
            WriteError(Errors.Create("SweepNoSessionLeft", ErrorCategory.ResourceUnavailable, null,
                $"Every session broke; {pending.Count} trial(s) did not run. Run the sweep again with working sessions: it resumes from -ResultPath."));
        }
    }

    /// <summary>The Invoke-RnnTraining settings every trial shares: this cmdlet's, unless -Parameters sweeps them.</summary>
    private Hashtable FixedSettings(List<(string Name, object?[] Values)> axes)
    {
        var settings = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in new (string, object?)[]
        {
            (nameof(Epochs), Epochs), (nameof(BatchSize), BatchSize), (nameof(Loss), Loss), (nameof(Optimizer), Optimizer),
            (nameof(LearningRate), LearningRate), (nameof(ValidationSplit), ValidationSplit), (nameof(ThreadCount), ThreadCount),
        })
        {
            if (value is null)
            {
                continue;
            }

            if (axes.Any(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                ThrowTerminatingError(Errors.Create("SweepParameterConflict", ErrorCategory.InvalidArgument, name,
                    $"{name} is both in -Parameters and given as -{name}; give it in one place."));
            }

            settings[name] = value;
        }

        if (ValidationData is not null && (ValidationSplit is not null || axes.Any(a => a.Name.Equals("ValidationSplit", StringComparison.OrdinalIgnoreCase))))
        {
            ThrowTerminatingError(Errors.Create("SweepValidationTwice", ErrorCategory.InvalidArgument, ValidationData,
                "Give -ValidationData or -ValidationSplit, not both."));
        }

        return settings;
    }

    /// <summary>What a trial's script receives: its values, seed, the model script's text and its training settings.</summary>
    private Hashtable TrialTable(SweepTrialPlan plan, Hashtable fixedSettings, bool remote)
    {
        var training = new Hashtable(fixedSettings, StringComparer.OrdinalIgnoreCase);
        var values = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in plan.Parameters)
        {
            values[entry.Key] = entry.Value;
            if (TrainingSettings.Contains((string)entry.Key))
            {
                training[entry.Key] = entry.Value;
            }
        }

        return new Hashtable
        {
            ["Number"] = plan.Number,
            ["Seed"] = plan.Seed,
            ["Parameters"] = values,
            ["ModelScript"] = ModelScript.ToString(),
            ["Training"] = training,
            ["Remote"] = remote,
        };
    }

    private Hashtable LocalData()
    {
        var data = new Hashtable { ["X"] = X, ["Y"] = Y };
        if (ValidationData is not null)
        {
            data["XVal"] = TensorArgument.ConvertValidation(this, ValidationData[0], "the validation samples", targets: false);
            data["YVal"] = TensorArgument.ConvertValidation(this, ValidationData[1], "the validation targets", targets: true);
        }

        return data;
    }

    /// <summary>The data as .npy bytes, for the sessions.</summary>
    private Hashtable RemoteData()
    {
        var bytes = new Hashtable();
        foreach (DictionaryEntry entry in LocalData())
        {
            using var stream = new MemoryStream();
            NpyFormat.Write(stream, (Tensor)entry.Value!);
            bytes[entry.Key] = stream.ToArray();
        }

        return bytes;
    }

    private RunspacePool OpenPool(int slots)
    {
        // The module as this runspace imported it (its manifest, so that the loader's context is set up as here).
        string module = MyInvocation.MyCommand.Module is { ModuleBase: { } folder } && File.Exists(Path.Combine(folder, "PSRnn.psd1"))
            ? Path.Combine(folder, "PSRnn.psd1")
            : "PSRnn";
        InitialSessionState state = InitialSessionState.CreateDefault2();
        state.ImportPSModule([module]);
        RunspacePool pool = RunspaceFactory.CreateRunspacePool(1, slots, state, Host);
        pool.Open();
        return pool;
    }

    private static RnnSweepTrial ToTrial(SweepOutcome outcome)
    {
        Hashtable? r = outcome.Result;
        var trial = new RnnSweepTrial(outcome.Plan.Number, outcome.Plan.Parameters, outcome.Plan.Seed)
        {
            Machine = r?["Machine"] as string ?? (outcome.Broken ? null : Environment.MachineName),
            Duration = TimeSpan.FromSeconds(r?["Seconds"] is { } s ? System.Convert.ToDouble(s, CultureInfo.InvariantCulture) : 0),
            Error = outcome.Error,
        };
        if (outcome.Error is not null || r is null)
        {
            return trial;
        }

        trial.Epochs = System.Convert.ToInt32(r["Epochs"], CultureInfo.InvariantCulture);
        trial.Loss = System.Convert.ToDouble(r["Loss"], CultureInfo.InvariantCulture);
        trial.ValLoss = r["ValLoss"] is { } v ? System.Convert.ToDouble(v, CultureInfo.InvariantCulture) : null;
        trial.Metrics = Figures(r["MetricNames"], r["MetricValues"]);
        trial.ValMetrics = Figures(r["ValMetricNames"], r["ValMetricValues"]);
        trial.Model = r["Model"] is { } model ? (Sequential)TensorArgument.Unwrap(model)!
            : r["ModelBytes"] is { } bytes ? FromBytes((byte[])TensorArgument.Unwrap(bytes)!) : null;
        return trial;
    }

    private static Sequential FromBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return ModelFile.FromSafetensors(SafetensorsFile.Read(stream, null), null).Model;
    }

    private static OrderedDictionary Figures(object? names, object? values)
    {
        var figures = new OrderedDictionary();
        if (TensorArgument.Unwrap(names) is IEnumerable n && TensorArgument.Unwrap(values) is IEnumerable v)
        {
            foreach (var (name, value) in n.Cast<object>().Zip(v.Cast<object>()))
            {
                figures[TensorArgument.Unwrap(name)!.ToString()!] = System.Convert.ToDouble(TensorArgument.Unwrap(value), CultureInfo.InvariantCulture);
            }
        }

        return figures;
    }

    private static bool Better(double? figure, double? best, bool higherIsBetter) =>
        figure is { } f && !double.IsNaN(f) && (best is not { } b || (higherIsBetter ? f > b : f < b));

    private static string Label(SweepTrialPlan plan) =>
        string.Create(CultureInfo.InvariantCulture, $"{plan.Number} (") +
        string.Join(", ", plan.Parameters.Keys.Cast<string>().Zip(plan.ValueTexts, (k, v) => k + "=" + v)) + ")";

    private string OutputFile(string path, string parameter)
    {
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        string? folder = Path.GetDirectoryName(file);
        if (Directory.Exists(file) || (folder is { Length: > 0 } && !Directory.Exists(folder)))
        {
            ThrowTerminatingError(Errors.Create("SweepOutputPathInvalid", ErrorCategory.InvalidArgument, path,
                Directory.Exists(file) ? $"{parameter} '{path}' is a folder; give the file to write." : $"{parameter} '{path}': the folder '{folder}' does not exist."));
        }

        return file;
    }

    private void Save(string file, Action write, string errorId)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.WriteFailed(errorId, file, $"Cannot write '{file}': {Errors.Describe(e)}", e));
        }
    }
}
