<#
.SYNOPSIS
    The seed's Keras speech script, ported line by line to PSRnn.
.DESCRIPTION
    The user's starting point was a Keras script that loads one second of raw audio per utterance as a single time
    step (N, 1, 22050), one-hot encodes 62 integer labels, splits 80/20 with random_state=42, and trains
    LSTM(128, return_sequences) -> LSTM(128) -> Dense(62, softmax) with Adam for 10 epochs. Below, each Python line is
    a comment followed by its PowerShell equivalent.

    No speech data ships yet, so when speech_features.npy / speech_labels.npy are absent from -DataFolder the script
    first writes a small learnable stand-in in their place: 62 classes of synthetic one-second "waveforms" at
    22,050 samples, each class a fixed mix of three tones (fixed phase per tone) with a random overall amplitude and
    Gaussian noise. With one time step the model is in effect an MLP on raw samples, so only a fixed phase makes the
    classes learnable; real audio needs features (MFCC frames), which a later issue brings.

    Run it after a build with:  dotnet pwsh ./examples/seed-port.ps1
.PARAMETER DataFolder
    Where speech_features.npy and speech_labels.npy are read from (and the stand-in is written to when they are
    absent). Default: a psrnn-seed-port folder in the temp folder.
.PARAMETER SamplesPerClass
    Utterances per class of the stand-in data (default 15, so N = 930).
.PARAMETER Seed
    Seeds the stand-in data and the model's initial weights and shuffles.
#>
[CmdletBinding()]
param(
    [string] $DataFolder = (Join-Path ([IO.Path]::GetTempPath()) 'psrnn-seed-port'),
    [ValidateRange(2, 1000)] [int] $SamplesPerClass = 15,
    [ulong] $Seed = 42
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
if (Test-Path -LiteralPath $built) { Import-Module $built -Force } else { Import-Module PSRnn }
$clock = [Diagnostics.Stopwatch]::StartNew()

# ---------------------------------------------------------------------------------------------------------------
# Stand-in data (not part of the Keras script): written only when the .npy files are absent.
# ---------------------------------------------------------------------------------------------------------------
$featuresFile = Join-Path $DataFolder 'speech_features.npy'
$labelsFile = Join-Path $DataFolder 'speech_labels.npy'
if (-not ((Test-Path -LiteralPath $featuresFile) -and (Test-Path -LiteralPath $labelsFile))) {
    # 22,050 x N samples are too many for a PowerShell loop; a few lines of C# make them in a fraction of a second.
    if (-not ('PSRnnExamples.SyntheticSpeech' -as [type])) {
        Add-Type -TypeDefinition @'
namespace PSRnnExamples
{
    public static class SyntheticSpeech
    {
        // Class c is three tones: frequencies and phases drawn once per class (fixed), so every utterance of a class
        // has the same waveform shape; each utterance gets its own loudness, tone balance and Gaussian noise.
        public static float[] Make(int classes, int perClass, int rate, int seed, out long[] labels)
        {
            var random = new System.Random(seed);
            var freq = new double[classes, 3];
            var phase = new double[classes, 3];
            for (int c = 0; c < classes; c++)
                for (int k = 0; k < 3; k++)
                {
                    freq[c, k] = 80 + random.Next(0, 1900);          // 80 Hz .. 2 kHz, whole cycles per second
                    phase[c, k] = 2 * System.Math.PI * random.NextDouble();
                }
            int n = classes * perClass;
            var x = new float[(long)n * rate];
            labels = new long[n];
            for (int i = 0; i < n; i++)
            {
                int c = i % classes;                                 // classes interleaved, as in a shuffled corpus
                labels[i] = c;
                double loud = 0.3 + 0.7 * random.NextDouble();
                double a0 = 0.5 + random.NextDouble(), a1 = 0.5 + random.NextDouble(), a2 = 0.5 + random.NextDouble();
                long row = (long)i * rate;
                for (int t = 0; t < rate; t++)
                {
                    double s = t * 2 * System.Math.PI / rate;
                    double v = a0 * System.Math.Sin(freq[c, 0] * s + phase[c, 0])
                             + a1 * System.Math.Sin(freq[c, 1] * s + phase[c, 1])
                             + a2 * System.Math.Sin(freq[c, 2] * s + phase[c, 2]);
                    // Box-Muller noise, about three times the signal's RMS.
                    double g = System.Math.Sqrt(-2 * System.Math.Log(1 - random.NextDouble()))
                             * System.Math.Cos(2 * System.Math.PI * random.NextDouble());
                    x[row + t] = (float)(loud * v / 3 + 1.0 * g);
                }
            }
            return x;
        }
    }
}
'@
    }
    $rate = 22050; $classes = 62
    $labelValues = $null
    $waves = [PSRnnExamples.SyntheticSpeech]::Make($classes, $SamplesPerClass, $rate, [int] ($Seed % [int]::MaxValue), [ref] $labelValues)
    $null = New-Item -ItemType Directory -Path $DataFolder -Force
    ConvertTo-RnnTensor -InputObject $waves -Shape ($classes * $SamplesPerClass), 1, $rate -DType Float32 |
        Export-NpyData -LiteralPath $featuresFile -Force
    ConvertTo-RnnTensor -InputObject $labelValues -DType Int64 | Export-NpyData -LiteralPath $labelsFile -Force
    Write-Host ("Wrote stand-in data to {0}: {1} utterances, {2} classes, {3:N1} s" -f
        $DataFolder, $labelValues.Length, $classes, $clock.Elapsed.TotalSeconds)
}

# ---------------------------------------------------------------------------------------------------------------
# The Keras script, line by line.
# ---------------------------------------------------------------------------------------------------------------

# import numpy as np
# from tensorflow.keras.utils import to_categorical
# from sklearn.model_selection import train_test_split
# from tensorflow.keras.models import Sequential
# from tensorflow.keras.layers import LSTM, Dense
#   -> all of these are PSRnn cmdlets, imported at the top of this script.

# X = np.load('speech_features.npy')        # (N, 1, 22050): one second of raw audio as a single step
$X = Import-NpyData -LiteralPath $featuresFile

# y = np.load('speech_labels.npy')          # (N,) integer labels, 62 classes
$y = Import-NpyData -LiteralPath $labelsFile

# y = to_categorical(y, num_classes=62)
$y = $y | ConvertTo-RnnOneHot -NumClasses 62

# X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
$split = Split-RnnDataset -X $X -Y $y -TestFraction 0.2 -Seed 42
$X_train, $X_test, $y_train, $y_test = $split.XTrain, $split.XTest, $split.YTrain, $split.YTest

# model = Sequential()
# model.add(LSTM(128, return_sequences=True, input_shape=(1, 22050)))
# model.add(LSTM(128))
# model.add(Dense(62, activation='softmax'))
$model = New-RnnModel -InputShape 1, 22050 -Seed $Seed |
    Add-LstmLayer -Units 128 -ReturnSequences |
    Add-LstmLayer -Units 128 |
    Add-DenseLayer -Units 62 -Activation softmax

# model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
#   -> Invoke-RnnTraining takes the optimizer and loss; Adam with Keras's defaults, categorical cross-entropy for a
#      softmax output and one-hot targets, and accuracy are what it chooses by itself. Named here to mirror compile().
$model | Out-Host

# model.fit(X_train, y_train, epochs=10, batch_size=32, validation_data=(X_test, y_test))
$fitClock = [Diagnostics.Stopwatch]::StartNew()
$null = $model | Invoke-RnnTraining -X $X_train -Y $y_train -Epochs 10 -BatchSize 32 `
    -Optimizer adam -Loss categorical_crossentropy -ValidationData $X_test, $y_test
$fitClock.Stop()
$model.History | Format-Table -AutoSize | Out-Host

# loss, accuracy = model.evaluate(X_test, y_test)
$loss, $accuracy = $model | Measure-RnnModel -X $X_test -Y $y_test | ForEach-Object { $_.Loss, $_.Accuracy }

# print(f'Test accuracy: {accuracy}')
Write-Host "Test accuracy: $accuracy"

Write-Host ("(test loss {0:N4}; training {1:N1} s, whole script {2:N1} s)" -f
    $loss, $fitClock.Elapsed.TotalSeconds, $clock.Elapsed.TotalSeconds)
