<#
.SYNOPSIS
    What -Precision Int8 and BFloat16 change on the speech demo's model: held-out accuracy and loss, the predictions that
    differ from float32's, the largest change in a probability, and the time of Invoke-RnnPrediction over the held-out set.
.DESCRIPTION
    Reads the model examples/speech-digits.ps1 saved (out/speech-digits/speech-digits.safetensors; run
    `dotnet pwsh ./build.ps1 -Task Demo` first) and the demo's held-out speakers (speech-digits.common.ps1's split), then
    measures at Float32, Int8 and BFloat16. The timings alternate the precisions, -Rounds rounds, best of each.
#>
[CmdletBinding()]
param(
    [string] $ModelPath = (Join-Path $PSScriptRoot '../../out/speech-digits/speech-digits.safetensors'),
    [ValidateRange(1, 100)] [int] $Rounds = 5,
    [int] $ThreadCount = [Environment]::ProcessorCount
)
$ErrorActionPreference = 'Stop'
$examples = Join-Path $PSScriptRoot '../../examples'
if (-not (Get-Module PSRnn)) { Import-Module (Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1') }
. (Join-Path $examples 'speech-digits.common.ps1')
$data = Import-SpeechDigits -Folder (Join-Path $examples 'data')
$split = Get-SpeechDigitsSplit $data
$xTest, $yTest = $data.X, $data.Y | Select-RnnSample -Index $split.Test
$model = Import-RnnModel -LiteralPath $ModelPath
$precisions = 'Float32', 'Int8', 'BFloat16'

$outputs = @{}
$rows = foreach ($p in $precisions) {
    $score = $model | Measure-RnnModel -X $xTest -Y $yTest -Precision $p -ThreadCount $ThreadCount
    $outputs[$p] = $model | Invoke-RnnPrediction -X $xTest -Precision $p -ThreadCount $ThreadCount
    [pscustomobject]@{ Precision = $p; Accuracy = $score.Accuracy; Loss = $score.Loss }
}

$n = $outputs.Float32.Shape[0]; $classes = $outputs.Float32.Shape[1]
$reference = $outputs.Float32.Data
foreach ($row in $rows) {
    $o = $outputs[$row.Precision].Data
    $changed = 0; $largest = 0.0
    for ($i = 0; $i -lt $n; $i++) {
        $a = 0; $b = 0
        for ($c = 0; $c -lt $classes; $c++) {
            $at = $i * $classes + $c
            $largest = [Math]::Max($largest, [Math]::Abs($o[$at] - $reference[$at]))
            if ($reference[$at] -gt $reference[$i * $classes + $a]) { $a = $c }
            if ($o[$at] -gt $o[$i * $classes + $b]) { $b = $c }
        }
        if ($a -ne $b) { $changed++ }
    }
    $row | Add-Member PredictionsChanged $changed
    $row | Add-Member LargestProbabilityChange $largest
}

# Timings: the precisions in turn, best of -Rounds (the quantized copies already exist from the scores above).
$best = @{}
foreach ($p in $precisions) { $best[$p] = [double]::MaxValue }
for ($r = 0; $r -lt $Rounds; $r++) {
    foreach ($p in $precisions) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = $model | Invoke-RnnPrediction -X $xTest -Precision $p -ThreadCount $ThreadCount
        $best[$p] = [Math]::Min($best[$p], $watch.Elapsed.TotalMilliseconds)
    }
}
foreach ($row in $rows) { $row | Add-Member PredictMs ([Math]::Round($best[$row.Precision], 1)) }
"{0} held-out utterances, {1} threads, best of {2} rounds" -f $n, $ThreadCount, $Rounds
$rows | Format-Table Precision, @{ n = 'Accuracy'; e = { '{0:P2}' -f $_.Accuracy } }, @{ n = 'Loss'; e = { '{0:F5}' -f $_.Loss } },
    PredictionsChanged, @{ n = 'LargestProbabilityChange'; e = { '{0:E2}' -f $_.LargestProbabilityChange } }, PredictMs -AutoSize |
    Out-String -Width 200
