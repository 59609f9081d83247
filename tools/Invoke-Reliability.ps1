#Requires -Version 7.4
<#
.SYNOPSIS
    The long versions of the reliability tests (README "Reliability"): kills during writes, a soak of many epochs,
    very long sequences, oversized inputs and determinism across processes and instruction sets.
.DESCRIPTION
    Build first (./build.ps1 -Task Build). Each part prints its figures; -Part picks some. Run it niced on a shared machine:
        nice -n 19 dotnet pwsh ./tools/Invoke-Reliability.ps1 -Kills 100 -SoakEpochs 2000
    The test suite runs reduced versions of the same probes (tests/PSRnn.Tests/Reliability.Tests.ps1, and the xunit
    Reliability tests).
.PARAMETER Kills
    Kills of a writing child process per writer (Export-RnnModel, Export-NpyData, checkpoints).
.PARAMETER SoakEpochs
    Epochs of the soak, each one Invoke-RnnTraining call in this process, as a long-running script would make them.
.PARAMETER Steps
    The length of the long-sequence run.
#>
[CmdletBinding()]
param(
    [ValidateSet('Kill', 'Soak', 'LongSequence', 'Oversized', 'Determinism')]
    [string[]] $Part = @('Kill', 'Soak', 'LongSequence', 'Oversized', 'Determinism'),
    [int] $Kills = 100,
    [int] $SoakEpochs = 2000,
    [int] $Steps = 100000,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath
. (Join-Path $PSScriptRoot '../tests/PSRnn.Tests/ReliabilityProbes.ps1')
$work = Join-Path ([IO.Path]::GetTempPath()) "psrnn-reliability-$PID"
$null = New-Item -ItemType Directory -Path $work -Force

function New-ToySeries {
    param([int] $Count, [int] $Steps, [int] $Features, [int] $Seed = 1)
    $random = [Random]::new($Seed)
    $x = [float[]]::new($Count * $Steps * $Features)
    for ($i = 0; $i -lt $x.Length; $i++) { $x[$i] = $random.NextDouble() * 2 - 1 }
    $labels = [long[]]::new($Count)
    for ($n = 0; $n -lt $Count; $n++) { $labels[$n] = [long]($x[$n * $Steps * $Features] -gt 0) }
    [pscustomobject]@{ X = ConvertTo-RnnTensor -InputObject $x -Shape $Count, $Steps, $Features; Y = ConvertTo-RnnTensor -InputObject $labels }
}

try {
    if ('Kill' -in $Part) {
        foreach ($kind in 'Model', 'Npy', 'Checkpoint') {
            $folder = Join-Path $work "kill-$kind"
            $null = New-Item -ItemType Directory -Path $folder -Force
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $results = @(Invoke-KillDuringWrite -Kind $kind -Folder $folder -ModulePath $ModulePath -Times $Kills -Seed 1)
            $contents = $results | Group-Object { $_.Content -replace '^epochs \d+', 'a whole checkpoint' } |
                ForEach-Object { "$($_.Name): $($_.Count)" }
            '{0,-10} {1} kills in {2:N0} s: target read as {3}; {4} kills landed inside a write (left a temp file), {5} leftovers not removed by the next write' -f `
                $kind, $results.Count, $clock.Elapsed.TotalSeconds, ($contents -join ', '),
            @($results | Where-Object LeftTempFile).Count, @($results | Where-Object { -not $_.TempFileRemoved }).Count
        }
    }

    if ('Soak' -in $Part) {
        $data = New-ToySeries -Count 256 -Steps 20 -Features 8
        $model = New-RnnModel -InputShape 20, 8 -Seed 4 | Add-GruLayer 32 -ReturnSequences | Add-LstmLayer 32 | Add-DenseLayer 2 -Activation softmax
        $process = [Diagnostics.Process]::GetCurrentProcess()
        $samples = [Collections.Generic.List[object]]::new()
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $gen2Start = 0; $heapStart = 0
        for ($epoch = 1; $epoch -le $SoakEpochs; $epoch++) {
            $model | Invoke-RnnTraining -X $data.X -Y $data.Y -Epochs 1 -BatchSize 32 | Out-Null
            if ($epoch -eq 50) { $heapStart = [GC]::GetTotalMemory($true); $gen2Start = [GC]::CollectionCount(2); $clock.Restart() }
            if ($epoch -gt 50 -and $epoch % 250 -eq 0) {
                $process.Refresh()
                $samples.Add([pscustomobject]@{
                        Epoch          = $epoch
                        HeapMiB        = [Math]::Round([GC]::GetTotalMemory($false) / 1MB, 2)
                        WorkingSetMiB  = [Math]::Round($process.WorkingSet64 / 1MB, 1)
                        Gen2           = [GC]::CollectionCount(2) - $gen2Start
                        SecondsPerEpoch = [Math]::Round($clock.Elapsed.TotalSeconds / ($epoch - 50), 4)
                    })
            }
        }
        $heapEnd = [GC]::GetTotalMemory($true)
        $samples | Format-Table | Out-String | Write-Output
        $epochTimes = $model.History | Select-Object -Skip 50 | ForEach-Object { $_.Duration.TotalMilliseconds } | Sort-Object
        'Soak: {0} epochs of GRU(32)→LSTM(32)→Dense on 256×20×8; heap after a full collection {1:N2} MiB at epoch 50, {2:N2} MiB at the end ({3:+0.00;-0.00} MiB, of which the {4} history records are ~{5:N2} MiB); {6} gen2 collections after epoch 50 (the two forced ones included); epoch time median {7:N1} ms, 95th percentile {8:N1} ms, first-to-last-quarter median {9:N1} → {10:N1} ms' -f `
            $SoakEpochs, ($heapStart / 1MB), ($heapEnd / 1MB), (($heapEnd - $heapStart) / 1MB), $model.History.Count,
            ($model.History.Count * 400 / 1MB), ([GC]::CollectionCount(2) - $gen2Start),
            $epochTimes[[int]($epochTimes.Count / 2)], $epochTimes[[int]($epochTimes.Count * 0.95)],
            (($model.History | Select-Object -Skip 50 -First 200).Duration.TotalMilliseconds | Sort-Object)[100],
            (($model.History | Select-Object -Last 200).Duration.TotalMilliseconds | Sort-Object)[100]
    }

    if ('LongSequence' -in $Part) {
        $data = New-ToySeries -Count 2 -Steps $Steps -Features 2
        foreach ($layer in 'SimpleRnn', 'Lstm', 'Gru') {
            $model = New-RnnModel -InputShape $Steps, 2 -Seed 3
            $model = switch ($layer) { 'SimpleRnn' { $model | Add-SimpleRnnLayer 8 } 'Lstm' { $model | Add-LstmLayer 8 } 'Gru' { $model | Add-GruLayer 8 } }
            $model = $model | Add-DenseLayer 2 -Activation softmax
            [GC]::Collect()
            $before = [GC]::GetTotalAllocatedBytes($true)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $model | Invoke-RnnTraining -X $data.X -Y $data.Y -Epochs 2 -BatchSize 2 | Out-Null
            '{0,-9} 2 samples × {1:N0} steps × 8 units, 2 epochs: {2:N1} s, loss {3:N4} → {4:N4}, {5:N1} MiB allocated' -f `
                $layer, $Steps, $clock.Elapsed.TotalSeconds, $model.History[0].Loss, $model.History[1].Loss,
            (([GC]::GetTotalAllocatedBytes($true) - $before) / 1MB)
        }
    }

    if ('Oversized' -in $Part) {
        $header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }"
        $header = $header.PadRight(117) + "`n"
        $bytes = [byte[]](0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, $header.Length, 0) + [Text.Encoding]::ASCII.GetBytes($header)
        $file = Join-Path $work 'huge.npy'
        [IO.File]::WriteAllBytes($file, $bytes)
        try { Import-NpyData -LiteralPath $file -ErrorAction Stop } catch { "Import-NpyData of a header claiming 10^12 float32: $($_.FullyQualifiedErrorId): $_" }
        $data = New-ToySeries -Count 32 -Steps 70000 -Features 1
        $model = New-RnnModel -InputShape 70000, 1 -Seed 1 | Add-LstmLayer 256 | Add-DenseLayer 2 -Activation softmax
        try { $model | Invoke-RnnTraining -X $data.X -Y $data.Y -ErrorAction Stop | Out-Null } catch { "Invoke-RnnTraining of 32 × 70,000 steps through LSTM(256): $($_.FullyQualifiedErrorId): $_" }
    }

    if ('Determinism' -in $Part) {
        $folder = Join-Path $work 'determinism'
        $null = New-Item -ItemType Directory -Path $folder -Force
        $reference = Invoke-TrainingInChild -Folder $folder -ModulePath $ModulePath -Name reference -Epochs 10
        $runs = @(
            @{ Name = 'second process'; Environment = @{} }
            @{ Name = 'one thread'; Environment = @{ DOTNET_PROCESSOR_COUNT = '1' } }
            @{ Name = 'no AVX-512'; Environment = @{ DOTNET_EnableAVX512 = '0'; DOTNET_EnableAVX512F = '0' } }
            @{ Name = 'no AVX2'; Environment = @{ DOTNET_EnableAVX2 = '0' } }
            @{ Name = 'no SIMD'; Environment = @{ DOTNET_EnableHWIntrinsic = '0' } }
        )
        foreach ($run in $runs) {
            $other = Invoke-TrainingInChild -Folder $folder -ModulePath $ModulePath -Name ($run.Name -replace '\W', '') -Environment $run.Environment -Epochs 10
            $worst = 0.0; $differ = 0
            for ($i = 0; $i -lt $reference.Weights.Count; $i++) {
                $d = [Math]::Abs($reference.Weights[$i] - $other.Weights[$i])
                if ($d -gt 0) { $differ++ }
                $worst = [Math]::Max($worst, $d)
            }
            'Determinism, 10 epochs, {0,-15}: {1} of {2} weights differ, largest difference {3:G3}, loss {4:R} vs {5:R}' -f `
                $run.Name, $differ, $reference.Weights.Count, $worst, $reference.Loss, $other.Loss
        }
    }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
