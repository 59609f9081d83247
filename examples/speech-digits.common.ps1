<#
.SYNOPSIS
    What examples/speech-digits.ps1 and tools/Measure-AccentHoldout.ps1 share: the dataset, its splits, the network,
    and one train-and-score run. Dot-source it (after importing PSRnn):  . ./examples/speech-digits.common.ps1
.DESCRIPTION
    Import-SpeechDigits        loads examples/data/speech-digits.npz and .json: features (float32), digits, the
                               held-out mask, and per row its speaker, voice, accent and accent family; then the extra
                               training speakers' rows (speech-digits-extra.npz), marked Extra.
    Get-SpeechDigitsSplit      the rows to train and test on: the held-out speakers (the dataset's own test mask), or
                               leave one accent family out (train on every other family, test on all of that one's
                               speakers); -Quick keeps every 7th row.
    New-SpeechDigitsModel      the network (one definition for the demo and the accent table).
    Invoke-SpeechDigitsRun     builds, trains and scores the network on a split: the model, the score (per digit) and
                               the accuracy per accent family and per voice.
#>

# The training settings of the demo and of the accent table (each run may override them).
$SpeechDigitsDefaults = @{ Epochs = 24; BatchSize = 64; LearningRate = 0.004; Schedule = 'Cosine'; Seed = [uint32] 42 }

function Import-SpeechDigits {
    # float16 features in a deflated npz, and a JSON beside it naming the classes, speakers and accent families. Each row
    # of x is one utterance's frames followed by zero frames up to the longest utterance; lengths holds its real frames.
    # The extra training speakers' utterances (speech-digits-extra.npz, when it is there and without -NoExtra) follow the
    # dataset's rows, every row padded to the longer of the two files (the masking layer skips the padding either way):
    # Extra marks them, and their Speaker is an index into Meta.extraSpeakers.
    param([string] $Folder = (Join-Path $PSScriptRoot 'data'), [switch] $NoExtra)
    $npz = Import-NpyData -LiteralPath (Join-Path $Folder 'speech-digits.npz') -AsHashtable
    $meta = Get-Content -LiteralPath (Join-Path $Folder 'speech-digits.json') -Raw | ConvertFrom-Json
    $x = ConvertTo-RnnTensor -InputObject $npz['x'] -DType Float32                   # the engine trains on float32
    $y = $npz['y']                                                                  # digit indexes (int8): sparse cross-entropy
    $lengths = [int[]] $npz['lengths'].ToArray()
    $speaker = [int[]] $npz['speaker'].ToArray()
    $test = [bool[]] $npz['test'].ToArray()                                         # true for the held-out speakers' utterances
    $n = $speaker.Length
    $speakers = @($meta.speakers); $dataSpeakers = $speakers.Count
    $extraFile = Join-Path $Folder 'speech-digits-extra.npz'
    if (-not $NoExtra -and (Test-Path -LiteralPath $extraFile)) {
        $extra = Import-NpyData -LiteralPath $extraFile -AsHashtable
        $xe = ConvertTo-RnnTensor -InputObject $extra['x'] -DType Float32
        $e = $xe.Shape[0]; $steps = [Math]::Max($x.Shape[1], $xe.Shape[1])
        # Each file's rows padded after the speech to the longer file's frames (pad_sequences), then one after the other.
        $x = @(foreach ($part in $x, $xe) { ConvertTo-RnnSequenceBatch -InputObject $part -MaxLength $steps -Padding Post }) | Join-RnnTensor
        $y = $y, $extra['y'] | Join-RnnTensor
        $lengths = [int[]] ($lengths + [int[]] $extra['lengths'].ToArray())
        $speaker = [int[]] ($speaker + [int[]] $extra['speaker'].ToArray())
        $test = [bool[]] ($test + [bool[]]::new($e))
        $speakers = $speakers + @($meta.extraSpeakers)
    }
    $rows = $speaker.Length
    $extraRow = [bool[]]::new($rows); $family = [string[]]::new($rows); $voice = [string[]]::new($rows)
    for ($i = 0; $i -lt $rows; $i++) {
        $isExtra = $i -ge $n; $extraRow[$i] = $isExtra
        $s = $speakers[$speaker[$i] + ($isExtra ? $dataSpeakers : 0)]
        $family[$i] = $s.family; $voice[$i] = $s.voice
    }
    [pscustomobject]@{
        X = $x; Y = $y; Test = $test; Lengths = $lengths; Extra = $extraRow
        Speaker = $speaker; Family = $family; Voice = $voice; Meta = $meta; Folder = $Folder
    }
}

function Get-SpeechDigitsSplit {
    # Row indexes to train and test on. Without -HoldOutFamily: the held-out speakers (the dataset's test mask); the
    # extra speakers only ever train. With it: leave that accent family out — train on all rows of the other families
    # (their extra speakers too), test on all of its dataset rows (every speaker), and drop its extra speakers' rows.
    param($Data, [string] $HoldOutFamily, [switch] $Quick)
    $train = [Collections.Generic.List[int]]::new(); $test = [Collections.Generic.List[int]]::new()
    for ($i = 0; $i -lt $Data.Test.Length; $i++) {
        # Every 7th utterance: rows run speaker by speaker, digit by digit, and 7 shares no factor with 10, so every digit
        # and nearly every speaker is still there, in a seventh of the time.
        if ($Quick -and $i % 7 -ne 0) { continue }
        $held = $HoldOutFamily -and $Data.Family[$i] -eq $HoldOutFamily
        if ($held -and $Data.Extra[$i]) { continue }
        $isTest = if ($HoldOutFamily) { $held } else { $Data.Test[$i] }
        if ($isTest) { $test.Add($i) } else { $train.Add($i) }
    }
    if ($test.Count -eq 0) { throw "No rows for the accent family '$HoldOutFamily' (the families are: $($Data.Meta.families -join ', '))." }
    [pscustomobject]@{ Train = $train.ToArray(); Test = $test.ToArray(); HoldOutFamily = $HoldOutFamily }
}

function New-SpeechDigitsModel {
    # Masking finds the zero padding (any number of frames: input shape 0, 13); SpecAugment masks two bands of
    # coefficients and three runs of frames of each training utterance (a no-op at prediction); two bidirectional GRUs
    # (each direction reads the whole word before the softmax sees it); softmax over the digits.
    param([uint32] $Seed = 42)
    New-RnnModel -InputShape 0, 13 -Name speech_digits -Seed $Seed |
        Add-MaskingLayer -MaskValue 0 |
        Add-SpecAugmentLayer -FrequencyMasks 2 -FrequencyMaskWidth 4 -TimeMasks 3 -TimeMaskWidth 12 -TimeMaskProportion 0.3 |
        Add-GruLayer 64 -Bidirectional -ReturnSequences |
        Add-GruLayer 64 -Bidirectional |
        Add-DenseLayer 10 -Activation softmax
}
$SpeechDigitsNetwork = 'Masking -> SpecAugment(2 bands of up to 3 coefficients, 3 runs of up to 11 frames, at most 30 % of the frames) -> Bidirectional GRU(64, return_sequences) -> Bidirectional GRU(64) -> Dense(10, softmax)'

function Invoke-SpeechDigitsRun {
    # Trains a fresh network on the split's training rows, validating on its test rows (val_loss, val_accuracy), and
    # scores it there: Model, Score (Measure-RnnModel -Detailed), Accuracy, and the accuracy per family and per voice.
    param($Data, $Split, [int] $Epochs = $SpeechDigitsDefaults.Epochs, [int] $BatchSize = $SpeechDigitsDefaults.BatchSize,
        [double] $LearningRate = $SpeechDigitsDefaults.LearningRate, [ValidateSet('Constant', 'Cosine')] [string] $Schedule = $SpeechDigitsDefaults.Schedule,
        [uint32] $Seed = $SpeechDigitsDefaults.Seed, [switch] $Quiet)
    # Select-RnnSample gives every tensor piped to it the same rows.
    $xTrain, $yTrain = $Data.X, $Data.Y | Select-RnnSample -Index $Split.Train
    $xTest, $yTest = $Data.X, $Data.Y | Select-RnnSample -Index $Split.Test
    $model = New-SpeechDigitsModel -Seed $Seed
    # Adam at a constant rate, or decaying along a cosine to a twentieth of it over the run (Keras's CosineDecay).
    $rate = if ($Schedule -eq 'Cosine') {
        @{ LearningRateSchedule = New-RnnLearningRateSchedule -Cosine -InitialRate $LearningRate -Alpha 0.05 `
                -DecaySteps ($Epochs * [Math]::Ceiling($Split.Train.Count / $BatchSize)) }
    } else { @{ LearningRate = $LearningRate } }
    $null = $model | Invoke-RnnTraining -X $xTrain -Y $yTrain -Epochs $Epochs -BatchSize $BatchSize -Optimizer adam @rate `
        -ValidationData $xTest, $yTest -Quiet:$Quiet
    $score = $model | Measure-RnnModel -X $xTest -Y $yTest -Detailed -ClassNames $Data.Meta.classes
    $predicted = ($model | Invoke-RnnPrediction -X $xTest -Class).ToArray(); $truth = $yTest.ToArray()
    $rows = for ($i = 0; $i -lt $truth.Length; $i++) {
        $r = $Split.Test[$i]
        [pscustomobject]@{ Family = $Data.Family[$r]; Voice = $Data.Voice[$r]; Right = [int]($predicted[$i] -eq $truth[$i]) }
    }
    $tally = { param($group) $group | ForEach-Object {
            [pscustomobject]@{ Name = $_.Name; Utterances = $_.Count; Accuracy = ($_.Group | Measure-Object Right -Average).Average } } }
    [pscustomobject]@{
        Model = $model; Score = $score; Accuracy = $score.Accuracy; XTest = $xTest; YTest = $yTest
        ByFamily = @(& $tally ($rows | Group-Object Family)); ByVoice = @(& $tally ($rows | Group-Object Voice))
    }
}

function Invoke-SpeechDigitsAccentHoldout {
    # Leave one accent family out, for each family in turn: train on the others, test on all of its speakers. One row a
    # family (Family, Voices, Speakers, Utterances, Accuracy, Seconds), in the dataset's order of families.
    param($Data, [string[]] $Family = $Data.Meta.families, [switch] $Quick, [int] $Epochs = $SpeechDigitsDefaults.Epochs,
        [int] $BatchSize = $SpeechDigitsDefaults.BatchSize, [uint32] $Seed = $SpeechDigitsDefaults.Seed)
    $k = 0
    foreach ($f in $Family) {
        Write-Progress -Id 1 -Activity 'Leave one accent family out' -Status "$f ($(++$k) of $($Family.Count))" -PercentComplete (100 * ($k - 1) / $Family.Count)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $split = Get-SpeechDigitsSplit $Data -HoldOutFamily $f -Quick:$Quick
        $run = Invoke-SpeechDigitsRun $Data $split -Epochs $Epochs -BatchSize $BatchSize -Seed $Seed -Quiet
        $speakers = @($Data.Meta.speakers | Where-Object family -EQ $f)
        [pscustomobject]@{
            Family = $f; Voices = (@($speakers.voice | Select-Object -Unique) -join ' '); Speakers = $speakers.Count
            Utterances = $split.Test.Count; Accuracy = $run.Accuracy; Seconds = [Math]::Round($watch.Elapsed.TotalSeconds)
        }
    }
    Write-Progress -Id 1 -Activity 'Leave one accent family out' -Completed
}

function Format-SpeechDigitsAccentTable {
    # The leave-one-accent-out rows as a Markdown table, with the mean and the worst family.
    param([object[]] $Rows)
    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('| held-out family | voices | speakers | utterances | accuracy |')
    $lines.Add('|---|---|---:|---:|---:|')
    foreach ($r in $Rows) { $lines.Add(('| {0} | {1} | {2} | {3:n0} | {4:p1} |' -f $r.Family, $r.Voices, $r.Speakers, $r.Utterances, $r.Accuracy)) }
    $worst = $Rows | Sort-Object Accuracy | Select-Object -First 1
    $lines.Add(('| **mean** | | | | **{0:p1}** |' -f ($Rows | Measure-Object Accuracy -Average).Average))
    $lines.Add(('| **worst** ({0}) | | | | **{1:p1}** |' -f $worst.Family, $worst.Accuracy))
    $lines -join [Environment]::NewLine
}
