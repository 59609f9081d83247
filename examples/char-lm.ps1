<#
.SYNOPSIS
    A character-level language model: learns to write like the opening of Alice's Adventures in Wonderland.
.DESCRIPTION
    Reads a small public-domain text (examples/data/alice-chapter1-opening.txt: Lewis Carroll, 1865), lower-cases it,
    maps each character to an id, and cuts the ids into windows of 40 characters with ConvertTo-RnnWindow. The target
    of every step is the next character, so the targets are the same windows shifted by one (per-step sparse labels).
    The model is Embedding -> LSTM(return sequences) -> Dense(vocabulary, softmax) on every step, trained with sparse
    categorical cross-entropy. It then writes text from a seed string: at each step it predicts the distribution of the
    next character and samples it with Invoke-RnnPrediction -Sample -Temperature (lower is safer, higher is wilder).
    Run it after a build with: dotnet pwsh ./examples/char-lm.ps1   (-Quick for a smoke run of a few seconds)
#>
[CmdletBinding()]
param(
    # Training epochs.
    [ValidateRange(1, 1000)] [int] $Epochs = 12,
    # How many characters to write.
    [ValidateRange(1, 100000)] [int] $Length = 240,
    # The sampling temperature: 0 always takes the most probable character; 1 samples the model's distribution.
    [ValidateRange(0.0, 10.0)] [double] $Temperature = 0.8,
    # The text the sample starts from.
    [string] $SeedText = 'the white rabbit ',
    # The text to learn.
    [string] $TextPath = (Join-Path $PSScriptRoot 'data/alice-chapter1-opening.txt'),
    # A smoke run: a smaller model, fewer epochs, a shorter sample.
    [switch] $Quick,
    [int] $Seed = 3
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
# Use the module already loaded (as the smoke tests do), else this checkout's build, else an installed one.
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
$steps = 40; $units = 128; $stride = 1
if ($Quick) { $Epochs = 3; $Length = 60; $units = 32; $stride = 4 }
$watch = [Diagnostics.Stopwatch]::StartNew()

# 1. The text and its vocabulary: every distinct character gets an id (sorted, so ids are stable).
$text = ((Get-Content -LiteralPath $TextPath -Raw) -replace '\s+', ' ').Trim().ToLowerInvariant()
$vocabulary = [char[]] ($text.ToCharArray() | Sort-Object -Unique -CaseSensitive)
$id = @{}
for ($i = 0; $i -lt $vocabulary.Length; $i++) { $id[$vocabulary[$i]] = $i }
$ids = [int[]]::new($text.Length)
for ($i = 0; $i -lt $text.Length; $i++) { $ids[$i] = $id[$text[$i]] }
Write-Host ("text: {0} characters, vocabulary of {1}" -f $text.Length, $vocabulary.Length)

# 2. Windows of token ids. The inputs are windows over ids[0 .. T-2] and the per-step targets the same windows over
#    ids[1 .. T-1]: step t's label is the character after step t. ConvertTo-RnnWindow gives (N, steps, 1); the
#    Embedding takes (N, steps).
$inputs = ConvertTo-RnnWindow -InputObject $ids[0..($ids.Length - 2)] -Lookback $steps -Stride $stride
$targets = ConvertTo-RnnWindow -InputObject $ids[1..($ids.Length - 1)] -Lookback $steps -Stride $stride
$x = $inputs.X.Reshape($inputs.Count, $steps)
$y = $targets.X.Reshape($targets.Count, $steps)
Write-Host ("{0} windows of {1} characters" -f $inputs.Count, $steps)

# 3. Embedding -> LSTM (every step) -> Dense(vocabulary, softmax) on every step; sparse labels pick the loss.
$model = New-RnnModel -InputShape $steps -Name charlm -Seed $Seed |
    Add-EmbeddingLayer $vocabulary.Length 16 |
    Add-LstmLayer $units -ReturnSequences |
    Add-DenseLayer $vocabulary.Length -Activation softmax
$null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs $Epochs -BatchSize 32 -LearningRate 0.01 -GlobalClipNorm 1 -Seed $Seed
$last = $model.History[-1]
Write-Host ("trained {0} epochs: loss {1:F3}, accuracy {2:P1}" -f $model.History.Count, $last.Loss, $last.Metrics['accuracy'])

# 4. Write: feed the last $steps characters, sample the character after the last step, append it, repeat.
#    Each step gets its own seed, so the draws differ step to step but the whole sample repeats for a given -Seed.
$context = [System.Collections.Generic.List[int]]::new()
foreach ($c in $SeedText.ToLowerInvariant().PadLeft($steps).ToCharArray()) { $context.Add($(if ($id.ContainsKey($c)) { $id[$c] } else { $id[[char]' '] })) }
$written = [System.Text.StringBuilder]::new()
$window = [float[]]::new($steps)
for ($i = 0; $i -lt $Length; $i++) {
    for ($t = 0; $t -lt $steps; $t++) { $window[$t] = $context[$context.Count - $steps + $t] }
    $next = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $window -Shape 1, $steps) `
        -Sample -Temperature $Temperature -Seed ($Seed * 100000 + $i)
    $char = [int] $next.GetValue(0, $steps - 1)
    $context.Add($char)
    $null = $written.Append($vocabulary[$char])
}
Write-Host ("sample (temperature {0}):" -f $Temperature)
Write-Host ($SeedText.ToLowerInvariant() + $written.ToString())
Write-Host ("done in {0:F1} s" -f $watch.Elapsed.TotalSeconds)
[pscustomobject]@{ Loss = $last.Loss; Sample = $written.ToString(); Seconds = $watch.Elapsed.TotalSeconds }
