using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;

namespace PSRnn.Infrastructure;

/// <summary>What a trial gave back: its result hashtable (figures, machine, seconds, the model or its bytes, or its error).</summary>
internal sealed record SweepOutcome(SweepTrialPlan Plan, Hashtable? Result, string? ErrorId, string? Error, bool Broken)
{
    /// <summary>The warnings the trial wrote (Invoke-RnnTraining's about unscaled data, say), for the caller to show.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Where Invoke-RnnSweep runs trials: the caller's runspace (one at a time), a RunspacePool of this process (with PSRnn
/// imported), or a PSSession. Every trial runs <see cref="TrialScript"/> there: the model script is re-created from its
/// text (a script block belongs to the runspace that made it), New-RnnModel's seed and Invoke-RnnTraining's are the
/// trial's, and the result comes back as a hashtable of plain values, so that it crosses remoting intact; from a
/// PSSession the model comes back as safetensors bytes, as the data went there as .npy bytes (Tensors do not survive
/// remoting's serialization).
/// </summary>
internal sealed class SweepWorker
{
    private readonly Runspace? _runspace;
    private readonly RunspacePool? _pool;
    private readonly bool _current;
    private PowerShell? _running;

    private SweepWorker(string name, Runspace? runspace, RunspacePool? pool, bool current)
    {
        Name = name;
        _runspace = runspace;
        _pool = pool;
        _current = current;
    }

    /// <summary>The worker's name in messages: "this runspace", "runspace pool", or the session's computer name.</summary>
    public string Name { get; }

    /// <summary>Whether trials run in another process, so data and models travel as bytes.</summary>
    public bool Remote => _runspace is not null;

    /// <summary>Set when the session broke (its process died, the connection dropped): it takes no more trials.</summary>
    public bool Broken { get; private set; }

    public static SweepWorker Current() => new("this runspace", null, null, current: true);

    public static SweepWorker Pool(RunspacePool pool) => new("runspace pool", null, pool, current: false);

    public static SweepWorker Session(PSSession session) => new(session.ComputerName, session.Runspace, null, current: false);

    /// <summary>
    /// Imports PSRnn in the session and leaves the data there (global PSRnnSweepData), sent once for all its trials.
    /// Returns null, or the error that makes the session unusable.
    /// </summary>
    public (string Id, string Message)? Setup(Hashtable dataBytes)
    {
        try
        {
            Collection<PSObject> output = Invoke(SetupScript, dataBytes, null);
            return output.Count > 0 && output[^1].BaseObject is Hashtable { Count: > 0 } failure
                ? ((string)failure["ErrorId"]!, (string)failure["Message"]!)
                : null;
        }
        catch (Exception e) when (e is RuntimeException or PSRemotingTransportException or InvalidOperationException)
        {
            Broken = true;
            return ("SweepSessionBroken", $"The session to {Name} cannot take trials: {Errors.Describe(e)}");
        }
    }

    /// <summary>Removes the data left in the session (best effort: a broken session has lost it anyway).</summary>
    public void Cleanup()
    {
        if (Remote && !Broken)
        {
            try
            {
                Invoke("Remove-Variable -Name PSRnnSweepData -Scope Global -ErrorAction Ignore", null, null);
            }
            catch (Exception e) when (e is RuntimeException or PSRemotingTransportException or InvalidOperationException)
            {
                // The session went away after its last trial: nothing is left to remove.
            }
        }
    }

    /// <summary>Runs one trial; a failure of the trial is an outcome, a failure of the session marks the worker broken.</summary>
    public SweepOutcome Run(SweepTrialPlan plan, Hashtable trial, Hashtable? data)
    {
        try
        {
            Collection<PSObject> output = Invoke(TrialScript, trial, data);
            if (output.Count == 0 || output[^1]?.BaseObject is not Hashtable result)
            {
                return new SweepOutcome(plan, null, "SweepTrialFailed", "The trial returned no result.", false);
            }

            return result["ErrorId"] is string id
                ? new SweepOutcome(plan, result, id, result["Message"] as string ?? id, false) { Warnings = Warnings(result) }
                : new SweepOutcome(plan, result, null, null, false) { Warnings = Warnings(result) };
        }
        catch (Exception e) when (e is RuntimeException or PSRemotingTransportException or InvalidOperationException)
        {
            if (e is PipelineStoppedException)
            {
                throw;
            }

            // Only a remote session can break under a trial (its process killed, the connection lost); in this process a
            // script's error comes back as a result.
            Broken = Remote && _runspace!.RunspaceStateInfo.State != RunspaceState.Opened || e is PSRemotingTransportException;
            string message = Broken ? $"The session to {Name} broke during the trial: {Errors.Describe(e)}" : Errors.Describe(e);
            return new SweepOutcome(plan, null, Broken ? "SweepSessionBroken" : "SweepTrialFailed", message, Broken);
        }
    }

    private static string[] Warnings(Hashtable result) =>
        TensorArgument.Unwrap(result["Warnings"]) is IEnumerable warnings ? [.. warnings.Cast<object>().Select(w => $"{w}")] : [];

    /// <summary>Stops the trial running now, if any (Ctrl+C).</summary>
    public void Stop()
    {
        try
        {
            _running?.Stop();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or PSRemotingTransportException)
        {
            // The trial ended meanwhile.
        }
    }

    private Collection<PSObject> Invoke(string script, object? first, object? second)
    {
        using PowerShell ps = _current ? PowerShell.Create(RunspaceMode.CurrentRunspace) : PowerShell.Create();
        if (_pool is not null)
        {
            ps.RunspacePool = _pool;
        }
        else if (_runspace is not null)
        {
            ps.Runspace = _runspace;
        }

        ps.AddScript(script, useLocalScope: true).AddArgument(first).AddArgument(second);
        _running = ps;
        try
        {
            return ps.Invoke();
        }
        finally
        {
            _running = null;
        }
    }

    /// <summary>Run once in each session: PSRnn imported, the .npy bytes made Tensors again and kept for the trials.</summary>
    private const string SetupScript = """
        param($Data)
        $ErrorActionPreference = 'Stop'
        try {
            if (-not (Get-Module -Name PSRnn)) { Import-Module -Name PSRnn }
        } catch {
            return @{ ErrorId = 'SweepSessionModuleMissing'; Message = "PSRnn cannot be imported on $([Environment]::MachineName): $($_.Exception.Message) Install it there (Install-PSResource PSRnn), or put it on that machine's PSModulePath." }
        }
        $folder = Join-Path ([IO.Path]::GetTempPath()) ('psrnn-sweep-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $folder
        try {
            $tensors = @{}
            foreach ($name in @($Data.Keys)) {
                $file = Join-Path $folder "$name.npy"
                [IO.File]::WriteAllBytes($file, [byte[]] $Data[$name])
                $tensors[$name] = Import-NpyData -LiteralPath $file
            }
            $global:PSRnnSweepData = $tensors
        } finally {
            Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction Ignore
        }
        @{}
        """;

    /// <summary>
    /// One trial where it runs. Every failure comes back as ErrorId and Message: a PSRnn cmdlet's own ID, or
    /// SweepModelScriptNoModel, or SweepTrialFailed for a script's own error (whose ID is its message).
    /// </summary>
    private const string TrialScript = """
        param($Trial, $Data)
        $ErrorActionPreference = 'Stop'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $result = @{ Machine = [Environment]::MachineName }
        try {
            if ($null -eq $Data) { $Data = $global:PSRnnSweepData }
            # The trial's seed for New-RnnModel without changing the caller's defaults: a copy in this scope.
            $defaults = @{}
            if ($null -ne $global:PSDefaultParameterValues) {
                foreach ($entry in $global:PSDefaultParameterValues.GetEnumerator()) { $defaults[$entry.Key] = $entry.Value }
            }
            $defaults['New-RnnModel:Seed'] = $Trial.Seed
            $PSDefaultParameterValues = $defaults
            # Warnings come back with the result, for the caller to show under the trial's name (a nested pipeline's would
            # go to this runspace's host or nowhere).
            $warnings = [Collections.Generic.List[string]]::new()
            $made = @(& ([scriptblock]::Create($Trial.ModelScript)) $Trial.Parameters $Trial.Seed 3>&1 | Where-Object {
                    if ($_ -is [System.Management.Automation.WarningRecord]) { $warnings.Add($_.Message); $false } else { $true } })
            $models = @($made | Where-Object { $null -ne $_ -and $_.GetType().FullName -eq 'PSRnn.Engine.Models.Sequential' })
            if ($models.Count -ne 1) {
                $result.ErrorId = 'SweepModelScriptNoModel'
                $result.Message = "-ModelScript returned $($made.Count) object(s), $($models.Count) of them models; it must return one model (New-RnnModel ... | Add-LstmLayer ... | Add-DenseLayer ...)."
            } else {
                $model = $models[0]
                $training = $Trial.Training
                $training['X'] = $Data['X']
                $training['Y'] = $Data['Y']
                if ($Data.ContainsKey('XVal')) { $training['ValidationData'] = $Data['XVal'], $Data['YVal'] }
                $model | Invoke-RnnTraining @training -Seed $Trial.Seed -Quiet 3>&1 | ForEach-Object {
                    if ($_ -is [System.Management.Automation.WarningRecord]) { $warnings.Add($_.Message) } }
                $last = $model.History[$model.History.Count - 1]
                $result.Epochs = $model.History.Count
                $result.Loss = $last.Loss
                $result.ValLoss = $last.ValidationLoss
                $result.MetricNames = [string[]] @($last.Metrics.Keys)
                $result.MetricValues = [double[]] @($last.Metrics.Values)
                if ($null -ne $last.ValidationMetrics) {
                    $result.ValMetricNames = [string[]] @($last.ValidationMetrics.Keys)
                    $result.ValMetricValues = [double[]] @($last.ValidationMetrics.Values)
                }
                if ($Trial.Remote) {
                    $file = Join-Path ([IO.Path]::GetTempPath()) ('psrnn-sweep-' + [guid]::NewGuid().ToString('N') + '.safetensors')
                    try {
                        $model | Export-RnnModel -LiteralPath $file
                        $result.ModelBytes = [IO.File]::ReadAllBytes($file)
                    } finally {
                        Remove-Item -LiteralPath $file -Force -ErrorAction Ignore
                    }
                } else {
                    $result.Model = $model
                }
            }
        } catch {
            $id = $_.FullyQualifiedErrorId
            $result.ErrorId = if ($id -match '^(\w+),PSRnn\.') { $Matches[1] } else { 'SweepTrialFailed' }
            $result.Message = $_.Exception.Message
        } finally {
            $result.Seconds = $clock.Elapsed.TotalSeconds
            if ($null -ne $warnings) { $result.Warnings = [string[]] $warnings }
        }
        $result
        """;
}
