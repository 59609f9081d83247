<#
.SYNOPSIS
    The main job: a spoken-digit recognizer that is tested on voices it never heard.
.DESCRIPTION
    Loads PSRnn's embedded dataset (examples/data/speech-digits.npz: 2,400 utterances of "zero" … "nine" by 120
    synthetic speakers — 10 accents × 12 voice variants of espeak-ng, at many speeds and pitches, with background
    noise — as 13 MFCCs per 10 ms frame, each utterance its own length, zero-padded after the speech; made by
    tools/make-speech-digits.ps1), splits it by speaker (the 20 test speakers never appear in training), trains the
    seed's network behind a masking layer

        Masking -> LSTM(128, return_sequences) -> LSTM(128) -> Dense(10, softmax), Adam, cross-entropy

    (the masking layer finds the padding, all-zero frames, and the LSTMs skip it: each utterance is learnt from its own
    frames, however long, with nothing cut or padded in front of it)

    with a progress bar (or, with its output redirected, Keras's line an epoch: loss and accuracy, and on the unseen
    speakers val_loss and val_accuracy), prints the accuracy on the unseen speakers, and saves the trained model
    (speech-digits.safetensors), a PNG of the training curves (speech-digits-training.png) and one of the held-out
    confusion matrix (speech-digits-confusion.png) in -OutputFolder.
    About a minute on a 2-core machine.

    Run it after a build with: dotnet pwsh ./examples/speech-digits.ps1   (-Quick for a smoke run of a few seconds)
    To see Import-RnnAudio make the same features from WAV files, try it on the sample files:
        Get-ChildItem examples/data/speech-digits-wav -Recurse -Filter *.wav |
            Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Stack
#>
[CmdletBinding()]
param(
    # Training epochs.
    [ValidateRange(1, 1000)] [int] $Epochs = 15,
    # Samples per batch.
    [ValidateRange(1, 4096)] [int] $BatchSize = 64,
    # Where the model and the PNG go (out/speech-digits under the repository by default; created if missing).
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../out/speech-digits'),
    # A smoke run: a subset of the data and two epochs.
    [switch] $Quick,
    # Also return the trained model and the held-out data (Model, XTest, YTest, Classes, Score), for a session to go on with.
    [switch] $PassThru,
    [uint32] $Seed = 42
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
# Use the module already loaded (as the smoke tests do), else this checkout's build, else an installed one.
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
if ($Quick) { $Epochs = 2 }
$watch = [Diagnostics.Stopwatch]::StartNew()

# 1. The dataset: float16 features in a deflated npz, and a JSON beside it naming the classes and speakers. Each row of x
#    is one utterance's frames followed by zero frames up to the longest utterance; lengths holds its real frames.
$dataFolder = Join-Path $PSScriptRoot 'data'
$data = Import-NpyData -LiteralPath (Join-Path $dataFolder 'speech-digits.npz') -AsHashtable
$meta = Get-Content -LiteralPath (Join-Path $dataFolder 'speech-digits.json') -Raw | ConvertFrom-Json
$x = ConvertTo-RnnTensor -InputObject $data['x'] -DType Float32     # the engine trains on float32
$y = $data['y']                                                     # digit indexes (int8): sparse cross-entropy
$test = $data['test'].ToArray()                                     # true for the held-out speakers' utterances
$frames = $data['lengths'].ToArray() | Measure-Object -Minimum -Maximum -Average

# 2. Speaker-disjoint split: the test mask comes with the data, so the same voices are always held out.
function Select-Row {
    # Rows of a tensor by index (a copy), keeping its dtype.
    param($Tensor, [int[]] $Index)
    $shape = $Tensor.Shape
    $rowLength = [int]($Tensor.Length / $shape[0])
    $source = $Tensor.Data
    $rows = [Array]::CreateInstance($source.GetType().GetElementType(), $Index.Count * $rowLength)
    for ($i = 0; $i -lt $Index.Count; $i++) { [Array]::Copy($source, $Index[$i] * $rowLength, $rows, $i * $rowLength, $rowLength) }
    $shape[0] = $Index.Count
    ConvertTo-RnnTensor -InputObject $rows -Shape $shape
}
$trainIndex = [Collections.Generic.List[int]]::new(); $testIndex = [Collections.Generic.List[int]]::new()
for ($i = 0; $i -lt $test.Length; $i++) { if ($test[$i]) { $testIndex.Add($i) } else { $trainIndex.Add($i) } }
if ($Quick) {
    # Every 8th utterance: all speakers and digits still appear, in an eighth of the time.
    $trainIndex = @($trainIndex | Where-Object { $_ % 8 -eq 0 }); $testIndex = @($testIndex | Where-Object { $_ % 8 -eq 0 })
}
$xTrain = Select-Row $x $trainIndex; $yTrain = Select-Row $y $trainIndex
$xTest = Select-Row $x $testIndex; $yTest = Select-Row $y $testIndex
$testSpeakers = @($meta.speakers | Where-Object test)
Write-Host ("{0} utterances of {1} speakers ({2} accents): {3} to train; {4} to test, by {5} speakers never heard in training" -f
    $x.Shape[0], $meta.counts.speakers, $meta.counts.accents, $trainIndex.Count, $testIndex.Count, $testSpeakers.Count)
Write-Host ("13 MFCCs per 10 ms frame; utterances of {0}-{1} frames (mean {2:n0}), zero-padded after the speech to {3}" -f
    $frames.Minimum, $frames.Maximum, $frames.Average, $x.Shape[1])

# 3. The seed's network, behind a masking layer: any number of frames (0), and the all-zero padding frames are skipped.
$model = New-RnnModel -InputShape 0, 13 -Name speech_digits -Seed $Seed |
    Add-MaskingLayer -MaskValue 0 |
    Add-LstmLayer 128 -ReturnSequences |
    Add-LstmLayer 128 |
    Add-DenseLayer 10 -Activation softmax
Write-Host ("Masking -> LSTM(128, return_sequences) -> LSTM(128) -> Dense(10, softmax): {0:n0} weights; {1} epochs of batches of {2}" -f
    $model.ParameterCount, $Epochs, $BatchSize)

# 4. Train, validating on the unseen speakers (val_loss, val_accuracy): a progress bar at a terminal, Keras's line an
#    epoch in a log.
$null = $model | Invoke-RnnTraining -X $xTrain -Y $yTrain -Epochs $Epochs -BatchSize $BatchSize -Optimizer adam `
    -ValidationData $xTest, $yTest

# 5. The held-out accuracy, per digit (precision, recall, F1) and per accent too.
$score = $model | Measure-RnnModel -X $xTest -Y $yTest -Detailed -ClassNames $meta.classes
Write-Host ("Held-out accuracy (speakers never heard in training): {0:p1} of {1} utterances (loss {2:n4})" -f
    $score.Accuracy, $score.Samples, $score.Loss)
$score.PerClass | Format-Table -AutoSize | Out-String | Write-Host
$predicted = $model | Invoke-RnnPrediction -X $xTest -Class
$predictedArray = $predicted.ToArray(); $truth = $yTest.ToArray(); $speakerOf = (Select-Row $data['speaker'] $testIndex).ToArray()
$byAccent = for ($i = 0; $i -lt $truth.Length; $i++) {
    [pscustomobject]@{ Accent = $meta.speakers[$speakerOf[$i]].accent; Right = [int]($predictedArray[$i] -eq $truth[$i]) }
}
$byAccent | Group-Object Accent | ForEach-Object {
    [pscustomobject]@{ Accent = $_.Name; Utterances = $_.Count; Accuracy = '{0:p1}' -f (($_.Group | Measure-Object Right -Average).Average) }
} | Format-Table -AutoSize | Out-String | Write-Host

# 6. The recipe travels with the model: the dataset's features were made by Import-RnnAudio with these settings
#    (tools/make-speech-digits.ps1), so the model records them, and WAV files go to it by path. The sample files are
#    utterances of held-out speakers.
$samples = @(Get-ChildItem -LiteralPath (Join-Path $dataFolder 'speech-digits-wav') -Recurse -Filter *.wav)
$model | Set-RnnAudioRecipe -Dataset ($samples |
    Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack)
$byPath = @(Invoke-RnnPrediction -Model $model -LiteralPath $samples.FullName)
$right = @($byPath | Where-Object { $_.Class -eq (Split-Path -Leaf (Split-Path -Parent $_.Path)) }).Count
Write-Host ("The {0} sample WAV files, read through the model's recipe (Invoke-RnnPrediction -Path): {1} of {0} right" -f
    $byPath.Count, $right)

# 7. Save the model (with its recipe), the training curves and the confusion matrix.
$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$modelFile = $model | Export-RnnModel -LiteralPath (Join-Path $OutputFolder 'speech-digits.safetensors') -Force -PassThru
$plotFile = $model | Export-RnnTrainingPlot -LiteralPath (Join-Path $OutputFolder 'speech-digits-training.png') -Force -PassThru
Write-Host "Saved the model to $($modelFile.FullName)"
$matrixFile = $score | Export-RnnConfusionMatrix -LiteralPath (Join-Path $OutputFolder 'speech-digits-confusion.png') -Force -PassThru `
    -Title 'spoken digits, unseen speakers'
Write-Host "Saved the training curves to $($plotFile.FullName)"
Write-Host "Saved the confusion matrix to $($matrixFile.FullName)"
Write-Host ("done in {0:n0} s" -f $watch.Elapsed.TotalSeconds)
if ($PassThru) { [pscustomobject]@{ Model = $model; XTest = $xTest; YTest = $yTest; Classes = $meta.classes; Score = $score } }
