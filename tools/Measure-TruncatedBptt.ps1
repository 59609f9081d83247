#Requires -Version 7.4
<#
.SYNOPSIS
    Measures the memory of training with truncated BPTT on very long sequences (README "Truncated BPTT").
.DESCRIPTION
    Build first (./build.ps1 -Task Build). Trains LSTM(32, return sequences) -> Dense(1) on -Count sequences of -Steps
    steps and 4 features (per-step targets: half the first feature, one step late) with -TruncatedBptt K, one epoch, in
    this process, and prints the process's peak working set (Process.PeakWorkingSet64, which includes PowerShell, the
    module and the data: X and Y as PowerShell arrays, tensors and the engine's float32 copies) and the managed bytes
    allocated during the training call (GC.GetTotalAllocatedBytes). Run it in a fresh process, niced on a shared machine:
        nice -n 19 dotnet pwsh ./tools/Measure-TruncatedBptt.ps1
.PARAMETER Steps
    Steps per sequence (default 1,000,000).
.PARAMETER Count
    Sequences (default 2; also the batch size).
.PARAMETER Window
    K, the truncated BPTT window (default 200).
#>
[CmdletBinding()]
param(
    [int] $Steps = 1000000,
    [int] $Count = 2,
    [int] $Window = 200,
    [int] $Units = 32,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Resolve-Path $ModulePath).Path
$features = 4
$random = [Random]::new(1)
$x = [float[]]::new($Count * $Steps * $features)
for ($i = 0; $i -lt $x.Length; $i++) { $x[$i] = $random.NextDouble() * 2 - 1 }
$y = [float[]]::new($Count * $Steps)
for ($n = 0; $n -lt $Count; $n++) {
    for ($t = 1; $t -lt $Steps; $t++) { $y[$n * $Steps + $t] = 0.5 * $x[($n * $Steps + $t - 1) * $features] }
}
$xt = ConvertTo-RnnTensor -InputObject $x -Shape $Count, $Steps, $features
$yt = ConvertTo-RnnTensor -InputObject $y -Shape $Count, $Steps, 1
$model = New-RnnModel -InputShape 0, $features -Seed 1 | Add-LstmLayer $Units -ReturnSequences | Add-DenseLayer 1

[GC]::Collect()
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$before = $process.PeakWorkingSet64
$allocated = [GC]::GetTotalAllocatedBytes($true)
$clock = [Diagnostics.Stopwatch]::StartNew()
$model = $model | Invoke-RnnTraining -X $xt -Y $yt -Epochs 1 -BatchSize $Count -TruncatedBptt $Window -Shuffle:$false -ProgressAction SilentlyContinue
$clock.Stop()
$allocatedDuring = [GC]::GetTotalAllocatedBytes($true) - $allocated
$process.Refresh()
$peak = $process.PeakWorkingSet64
$windows = [Math]::Ceiling($Steps / $Window)
[pscustomobject]@{
    Sequences             = $Count
    Steps                 = $Steps
    Features              = $features
    Units                 = $Units
    TruncatedBptt         = $Window
    WindowsPerEpoch       = $windows
    DataMiB               = [Math]::Round($Count * $Steps * ($features + 1) * 4 / 1MB, 1)
    PeakWorkingSetMiB     = [Math]::Round($peak / 1MB, 1)
    PeakBeforeTrainingMiB = [Math]::Round($before / 1MB, 1)
    AllocatedInFitMiB     = [Math]::Round($allocatedDuring / 1MB, 1)
    Seconds               = [Math]::Round($clock.Elapsed.TotalSeconds, 1)
    StepsPerSecond        = [Math]::Round($Count * $Steps / $clock.Elapsed.TotalSeconds)
    Loss                  = $model.History[-1].Loss
}
