<#
.SYNOPSIS
    The cmdlet's share of a streaming step: the time of one `Invoke-RnnPrediction -Stream` call on the W5 model
    (LSTM(128) → Dense(10, softmax), 40 features, a stream of batch 1) fed a chunk of one step, against the same
    model without a stream, a trivial binary cmdlet (Write-Output) and an empty script block (the loop's own cost),
    each call timed alone with Stopwatch timestamps; median over -Calls after a warm-up, several passes.
.DESCRIPTION
    The stream call binds the stream and the chunk, reads the chunk in place, advances the state (the engine's
    batch-1 step, ~5 µs) and wraps the output as a Tensor; the one without a stream builds a Dataset and runs
    Trainer.Predict from zero state. The difference between the stream call and the engine's step (the runner's
    `--stream`) is the cmdlet's overhead. Run after `dotnet pwsh ./build.ps1 -Task Build`:

        dotnet pwsh ./bench/stream/cmdlet_overhead.ps1 [-Calls 5000] [-Passes 5]
#>
param([int] $Calls = 5000, [int] $Passes = 5, [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1'))
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$model = New-RnnModel -InputShape 0, 40 -Seed 1 | Add-LstmLayer 128 | Add-DenseLayer 10 -Activation Softmax
$random = [Random]::new(7)
$values = [float[]]::new(40)
for ($i = 0; $i -lt 40; $i++) { $values[$i] = $random.NextDouble() * 4 - 2 }
$x = ConvertTo-RnnTensor -InputObject $values -Shape 1, 1, 40
$stream = $model | New-RnnStream
$ticks = 1e9 / [Diagnostics.Stopwatch]::Frequency

function Measure-Calls([scriptblock] $Call, [int] $Count) {
    $times = [double[]]::new($Count)
    for ($i = 0; $i -lt $Count; $i++) {
        $t0 = [Diagnostics.Stopwatch]::GetTimestamp()
        $null = & $Call
        $t1 = [Diagnostics.Stopwatch]::GetTimestamp()
        $times[$i] = ($t1 - $t0) * $ticks
    }
    [Array]::Sort($times)
    $times[[int]($Count / 2)]
}

$cases = [ordered]@{
    'Invoke-RnnPrediction -Stream (W5, 1 × 1 × 40)' = { Invoke-RnnPrediction -Stream $stream -X $x }
    'Invoke-RnnPrediction -Model (no stream)' = { Invoke-RnnPrediction -Model $model -X $x }
    'Write-Output (trivial binary cmdlet)'  = { Write-Output -InputObject $x }
    'empty script block'                    = { }
}
foreach ($name in $cases.Keys) {
    $null = Measure-Calls $cases[$name] ([Math]::Max(5000, $Calls))   # warm-up (PowerShell compiles a loop after enough runs)
    $medians = foreach ($p in 1..$Passes) { Measure-Calls $cases[$name] $Calls }
    $sorted = $medians | Sort-Object
    '{0,-46} median of {1} pass medians {2,8:F1} µs/call (pass medians {3})' -f $name, $Passes,
        ($sorted[[int]($Passes / 2)] / 1e3), (($medians | ForEach-Object { ($_ / 1e3).ToString('F1') }) -join ' ')
}
