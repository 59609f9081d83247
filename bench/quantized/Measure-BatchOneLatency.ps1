<#
.SYNOPSIS
    Batch-1 prediction latency at Float32, Int8 and BFloat16 for an LSTM of -Units units over -Steps steps, through
    Invoke-RnnPrediction: where the recurrent kernel U (Units × 4·Units floats) stops fitting the core's L2 cache, the
    lower precisions read a quarter or half of its bytes each step.
.DESCRIPTION
    The model is untrained (the weights' values do not change the time): Input (Steps, 40) -> LSTM(Units) -> Dense(10,
    softmax), as W5_latency with more units. The precisions alternate, -Calls calls each a round, -Rounds rounds; the
    figure is the best round's mean milliseconds per call.
#>
[CmdletBinding()]
param(
    [int[]] $Units = @(128, 512),
    [int] $Steps = 50,
    [int] $Calls = 20,
    [int] $Rounds = 7,
    [int] $ThreadCount = 1
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module PSRnn)) { Import-Module (Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1') }
$precisions = 'Float32', 'Int8', 'BFloat16'
foreach ($u in $Units) {
    $model = New-RnnModel -InputShape $Steps, 40 -Seed 1 | Add-LstmLayer $u | Add-DenseLayer 10 -Activation softmax
    $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..($Steps * 40) | ForEach-Object { [Math]::Sin($_ * 0.1) })) -Shape 1, $Steps, 40
    $best = @{}
    foreach ($p in $precisions) { $null = $model | Invoke-RnnPrediction -X $x -Precision $p -ThreadCount $ThreadCount; $best[$p] = [double]::MaxValue }
    for ($r = 0; $r -lt $Rounds; $r++) {
        foreach ($p in $precisions) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            for ($i = 0; $i -lt $Calls; $i++) { $null = $model | Invoke-RnnPrediction -X $x -Precision $p -ThreadCount $ThreadCount }
            $best[$p] = [Math]::Min($best[$p], $watch.Elapsed.TotalMilliseconds / $Calls)
        }
    }
    [pscustomobject]@{
        Units = $u; UKiB = $u * 4 * $u * 4 / 1KB
        Float32Ms = [Math]::Round($best.Float32, 3); Int8Ms = [Math]::Round($best.Int8, 3); BFloat16Ms = [Math]::Round($best.BFloat16, 3)
        Int8Speedup = [Math]::Round($best.Float32 / $best.Int8, 2); BFloat16Speedup = [Math]::Round($best.Float32 / $best.BFloat16, 2)
    }
}
