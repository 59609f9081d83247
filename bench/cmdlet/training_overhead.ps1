<#
.SYNOPSIS
    Issue 19, point 2: what Invoke-RnnTraining adds over the engine's Trainer.Fit, as a script calls it (-Epochs 1 in a
    loop, as the speech demo's callers do): the same model, data and settings, one epoch a call, timed alternately.
.DESCRIPTION
    For W2 (LSTM(128) × 2) and W6 (SimpleRNN(128)) of ../../shared/bench/WORKLOADS.md — 28 × 28 inputs, batch 32, Adam,
    sparse cross-entropy, float32 data of -Samples samples — each pass times -Calls calls of
        Invoke-RnnTraining -Model $m -X $x -Y $y -Epochs 1 -BatchSize 32 -Optimizer adam -Quiet
    and -Calls calls of the engine's Trainer.Fit on a Dataset made once from the same tensors, alternating, and reports
    the median over passes of samples/s on each side and their ratio (engine time / cmdlet time; the target is at least
    0.90); then the same for Measure-RnnModel against Trainer.Evaluate and Invoke-RnnPrediction against Trainer.Predict.
    Run after `dotnet pwsh ./build.ps1 -Task Build`:

        dotnet pwsh ./bench/cmdlet/training_overhead.ps1 [-Samples 1024] [-Calls 5] [-Passes 6] [-ThreadCount 2] [-WarmUpSeconds 3]
#>
param([int] $Samples = 1024, [int] $Calls = 5, [int] $Passes = 6, [int] $ThreadCount = 2, [double] $WarmUpSeconds = 3,
    [string[]] $Workload = @('W2_seqmnist', 'W6_simple'),
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1'))
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

function New-Workload([string] $Name) {
    $model = New-RnnModel -InputShape 28, 28 -Name $Name -Seed 1
    $model = switch ($Name) {
        'W2_seqmnist' { $model | Add-LstmLayer 128 -ReturnSequences | Add-LstmLayer 128 }
        'W6_simple' { $model | Add-SimpleRnnLayer 128 }
        default { throw "Unknown workload '$Name'." }
    }
    $model | Add-DenseLayer 10 -Activation softmax
}

$random = [Random]::new(20261203)
$values = [float[]]::new($Samples * 28 * 28)
for ($i = 0; $i -lt $values.Length; $i++) { $values[$i] = [float]($random.NextDouble() * 2 - 1) }
$labels = [long[]]::new($Samples)
for ($i = 0; $i -lt $Samples; $i++) { $labels[$i] = $random.Next(10) }
$x = ConvertTo-RnnTensor -InputObject $values -Shape $Samples, 28, 28
$y = ConvertTo-RnnTensor -InputObject $labels -Shape $Samples

foreach ($name in $Workload) {
    $cmdletModel = New-Workload $name
    $engineModel = New-Workload $name
    # The engine loads in the module's own load context: its types are reached through the model's assembly.
    $engineAssembly = $engineModel.GetType().Assembly
    $type = { param($n) $engineAssembly.GetType("PSRnn.Engine.Training.$n", $true) }
    $data = (& $type Dataset)::Create($x, $y, $engineModel, 'X')
    $loss = (& $type Trainer)::ResolveLoss($engineModel, 'sparse_categorical_crossentropy', $data, $null)
    $adam = (& $type Adam)::new(0.001)
    $options = (& $type FitOptions)::new()
    $options.Epochs = 1; $options.BatchSize = 32; $options.ThreadCount = $ThreadCount; $options.Seed = 3
    $trainer = & $type Trainer
    $cmdlet = { $null = Invoke-RnnTraining -Model $cmdletModel -X $x -Y $y -Epochs 1 -BatchSize 32 -Optimizer adam -ThreadCount $ThreadCount -Quiet }
    $engine = { $null = $trainer::Fit($engineModel, $data, $null, $loss, $adam, $options) }
    $pairs = [ordered]@{
        'Invoke-RnnTraining -Epochs 1' = $cmdlet, $engine
        'Measure-RnnModel' = { $null = Measure-RnnModel -Model $cmdletModel -X $x -Y $y -ThreadCount $ThreadCount },
            { $null = $trainer::Evaluate($engineModel, $data, $loss, 32, $ThreadCount, $null) }
        'Invoke-RnnPrediction' = { $null = Invoke-RnnPrediction -Model $cmdletModel -X $x -ThreadCount $ThreadCount },
            { $null = $trainer::Predict($engineModel, $data, 32, $ThreadCount) }
    }
    foreach ($case in $pairs.Keys) {
        $cmdletCall, $engineCall = $pairs[$case]
        # Warm-up by time, both sides in turn: the JIT's tier-1 code arrives after its back-off (one call each, as this
        # script did until 2026-12-05, timed W6's Measure-RnnModel partly on tier-0 code: a median of 0.86), buffers.
        $warm = [Diagnostics.Stopwatch]::StartNew()
        while ($warm.Elapsed.TotalSeconds -lt $WarmUpSeconds) { & $cmdletCall; & $engineCall }
        $rates = foreach ($p in 1..$Passes) {
            # Which side goes first alternates pass by pass: the second pays for the first one's garbage.
            $sides = if ($p % 2) { $cmdletCall, $engineCall } else { $engineCall, $cmdletCall }
            $seconds = foreach ($side in $sides) {
                $t = [Diagnostics.Stopwatch]::StartNew(); for ($c = 0; $c -lt $Calls; $c++) { & $side }; $t.Elapsed.TotalSeconds
            }
            $cmdletSeconds, $engineSeconds = if ($p % 2) { $seconds[0], $seconds[1] } else { $seconds[1], $seconds[0] }
            [pscustomobject]@{ Cmdlet = $Samples * $Calls / $cmdletSeconds; Engine = $Samples * $Calls / $engineSeconds; Ratio = $engineSeconds / $cmdletSeconds }
        }
        $median = { param($v) $s = @($v | Sort-Object); $s[[int](($s.Count - 1) / 2)] }
        '{0,-12} {1,-29} cmdlet {2,8:F0} samples/s, engine {3,8:F0}; engine time / cmdlet time, median {4:F3} (passes {5})' -f $name, $case,
            (& $median $rates.Cmdlet), (& $median $rates.Engine), (& $median $rates.Ratio), (($rates.Ratio | ForEach-Object { $_.ToString('F2') }) -join ' ')
    }
}
