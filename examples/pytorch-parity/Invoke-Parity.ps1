<#
.SYNOPSIS
    Trains the seed's model in PSRnn and in PyTorch from the same initial weights on the same batches, and compares
    per-epoch loss and final test accuracy.
.DESCRIPTION
    1. Makes a learnable sequence task: 10 classes of 60-frame x 13-feature sequences. Class c oscillates at its own
       frequency with its own per-feature amplitudes and phase offsets; every sequence starts at a random phase, has
       a random loudness and Gaussian noise, so the model must read the temporal pattern, not fixed positions.
       1,000 training and 300 test sequences, labels in random order.
    2. Builds the seed architecture, LSTM(U, return_sequences) -> LSTM(U) -> Dense(10, softmax), U = 128 (-Size Full)
       or 32 (-Size Small), with -Seed, and exports the data (data.npz) and the model's initial weights
       (initial_weights.npz, Keras names and layout) before any training.
    3. Trains with PSRnn: Adam with Keras's defaults, batch 32, -Shuffle:$false (so the batches are the same in both
       frameworks), -Epochs; records per-epoch train loss and test loss/accuracy, and the final Measure-RnnModel.
    4. Runs train_torch.py with /usr/bin/python3 (Debian's python3-torch), which loads the same data and initial
       weights into nn.LSTM x 2 + nn.Linear, trains in float32 with Keras's Adam written out, same batches, same
       epochs, and prints the same figures as JSON (plus the largest difference between its final weights and
       PSRnn's).
    5. Prints both side by side and writes results.json in -OutFolder.
.PARAMETER Size
    Full: 128 units (the seed's model). Small: 32 units (a quicker check).
.PARAMETER Epochs
    Training epochs in both frameworks (default 10).
.PARAMETER Seed
    Seeds the data and PSRnn's initial weights.
.PARAMETER OutFolder
    Where data, weights and results are written (default: psrnn-parity in the temp folder).
.PARAMETER NoiseFloor
    Also trains PyTorch twice more, in float64 and in float32 from initial weights perturbed by 1e-7 (relative), to
    show how far PyTorch drifts from itself: the floor against which the PSRnn - PyTorch differences are judged.
.PARAMETER Python
    The Python that has torch: Debian's /usr/bin/python3 (the python3 first on PATH may have none).
.EXAMPLE
    dotnet pwsh ./examples/pytorch-parity/Invoke-Parity.ps1
.EXAMPLE
    dotnet pwsh ./examples/pytorch-parity/Invoke-Parity.ps1 -Size Small -Epochs 5
#>
[CmdletBinding()]
param(
    [ValidateSet('Full', 'Small')] [string] $Size = 'Full',
    [ValidateRange(1, 1000)] [int] $Epochs = 10,
    [ulong] $Seed = 42,
    [string] $OutFolder = (Join-Path ([IO.Path]::GetTempPath()) 'psrnn-parity'),
    [switch] $NoiseFloor,
    [string] $Python = '/usr/bin/python3'
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1'
if (Test-Path -LiteralPath $built) { Import-Module $built -Force } else { Import-Module PSRnn }

$units = if ($Size -eq 'Full') { 128 } else { 32 }
$classes = 10; $frames = 60; $features = 13; $trainCount = 1000; $testCount = 300; $batchSize = 32
$learningRate = 0.001
$null = New-Item -ItemType Directory -Path $OutFolder -Force

# 1. The task. 1,300 x 60 x 13 values are many for a PowerShell loop: a few lines of C# make them.
if (-not ('PSRnnExamples.SequenceTask' -as [type])) {
    Add-Type -TypeDefinition @'
namespace PSRnnExamples
{
    public static class SequenceTask
    {
        public static float[] Make(int count, int classes, int frames, int features, int seed, out long[] labels)
        {
            // The class patterns come from a fixed generator so the train and test calls share them.
            var patterns = new System.Random(12345);
            var freq = new double[classes];
            var amp = new double[classes, features];
            var phase = new double[classes, features];
            for (int c = 0; c < classes; c++)
            {
                freq[c] = 0.20 + 0.06 * c;                           // radians per frame: 2 to 6 cycles in 60 frames
                for (int f = 0; f < features; f++)
                {
                    amp[c, f] = 0.5 + patterns.NextDouble();
                    phase[c, f] = 2 * System.Math.PI * patterns.NextDouble();
                }
            }
            var random = new System.Random(seed);
            var x = new float[count * frames * features];
            labels = new long[count];
            for (int n = 0; n < count; n++)
            {
                int c = random.Next(classes);
                labels[n] = c;
                double start = 2 * System.Math.PI * random.NextDouble();  // a random starting phase
                double loud = 0.6 + 0.8 * random.NextDouble();
                for (int t = 0; t < frames; t++)
                    for (int f = 0; f < features; f++)
                    {
                        double g = System.Math.Sqrt(-2 * System.Math.Log(1 - random.NextDouble()))
                                 * System.Math.Cos(2 * System.Math.PI * random.NextDouble());
                        x[(n * frames + t) * features + f] =
                            (float)(loud * amp[c, f] * System.Math.Sin(freq[c] * t + phase[c, f] + start) + 1.0 * g);
                    }
            }
            return x;
        }
    }
}
'@
}
$yTrainLabels = $null; $yTestLabels = $null
$xTrainValues = [PSRnnExamples.SequenceTask]::Make($trainCount, $classes, $frames, $features, [int] $Seed, [ref] $yTrainLabels)
$xTestValues = [PSRnnExamples.SequenceTask]::Make($testCount, $classes, $frames, $features, [int] $Seed + 1, [ref] $yTestLabels)
$xTrain = ConvertTo-RnnTensor -InputObject $xTrainValues -Shape $trainCount, $frames, $features -DType Float32
$xTest = ConvertTo-RnnTensor -InputObject $xTestValues -Shape $testCount, $frames, $features -DType Float32
$yTrain = ConvertTo-RnnTensor -InputObject $yTrainLabels -DType Int64
$yTest = ConvertTo-RnnTensor -InputObject $yTestLabels -DType Int64
Export-NpyData -LiteralPath (Join-Path $OutFolder 'data.npz') -Force -InputObject (
    [ordered]@{ x_train = $xTrain; y_train = $yTrain; x_test = $xTest; y_test = $yTest })

# 2. The seed's model, and its initial weights (Keras names and layout) for PyTorch.
$model = New-RnnModel -InputShape $frames, $features -Seed $Seed |
    Add-LstmLayer -Units $units -ReturnSequences |
    Add-LstmLayer -Units $units |
    Add-DenseLayer -Units $classes -Activation softmax
function Export-Weights([object] $Model, [string] $File) {
    $all = [ordered]@{}
    Get-RnnLayerWeight -Model $Model | ForEach-Object { $all[$_.Name] = $_ }   # lstm/kernel, lstm/bias, ...
    Export-NpyData -LiteralPath $File -InputObject $all -Force
}
Export-Weights $model (Join-Path $OutFolder 'initial_weights.npz')
@{ units = $units; classes = $classes; epochs = $Epochs; batch_size = $batchSize; learning_rate = $learningRate
   threads = [Environment]::ProcessorCount } | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $OutFolder 'config.json')

# 3. PSRnn: the seed's to_categorical targets, Adam (Keras defaults), batch 32, batches in file order.
$yTrainOneHot = $yTrain | ConvertTo-RnnOneHot -NumClasses $classes
$yTestOneHot = $yTest | ConvertTo-RnnOneHot -NumClasses $classes
$initial = $model | Measure-RnnModel -X $xTest -Y $yTestOneHot
Write-Host "PSRnn: training LSTM($units) -> LSTM($units) -> Dense($classes) for $Epochs epochs on $trainCount sequences..."
$clock = [Diagnostics.Stopwatch]::StartNew()
$null = $model | Invoke-RnnTraining -X $xTrain -Y $yTrainOneHot -Epochs $Epochs -BatchSize $batchSize `
    -Optimizer adam -LearningRate $learningRate -Shuffle:$false -ValidationData $xTest, $yTestOneHot
$clock.Stop()
$final = $model | Measure-RnnModel -X $xTest -Y $yTestOneHot
Export-Weights $model (Join-Path $OutFolder 'psrnn_final_weights.npz')
$psrnn = [ordered]@{
    framework             = "PSRnn $((Get-Module PSRnn).Version) on .NET $([Environment]::Version), $([Environment]::ProcessorCount) threads"
    initial_test_loss     = $initial.Loss
    initial_test_accuracy = $initial.Accuracy
    epochs                = @($model.History | ForEach-Object {
        [ordered]@{ epoch = $_.Epoch; loss = $_.Loss; accuracy = $_.Metrics['accuracy']
                    test_loss = $_.ValidationLoss; test_accuracy = $_.ValidationMetrics['accuracy']
                    seconds = $_.Duration.TotalSeconds } })
    test_loss             = $final.Loss
    test_accuracy         = $final.Accuracy
    train_seconds         = $clock.Elapsed.TotalSeconds
}

# 4. PyTorch, from the same initial weights on the same batches.
Write-Host "PyTorch: the same model, weights, batches and epochs ($Python train_torch.py)..."
$json = & $Python (Join-Path $PSScriptRoot 'train_torch.py') $OutFolder
if ($LASTEXITCODE -ne 0) { throw "train_torch.py failed (exit code $LASTEXITCODE); it needs Debian's python3-torch for $Python." }
$torch = $json | Out-String | ConvertFrom-Json -AsHashtable
$floor = [ordered]@{}
if ($NoiseFloor) {
    foreach ($variant in @{ name = 'pytorch_float64'; args = '--dtype', 'float64' }, @{ name = 'pytorch_perturbed_1e-7'; args = '--perturb', '1e-7' }) {
        Write-Host "PyTorch noise floor: $($variant.args -join ' ')..."
        $json = & $Python (Join-Path $PSScriptRoot 'train_torch.py') $OutFolder @($variant.args) --no-compare
        if ($LASTEXITCODE -ne 0) { throw "train_torch.py $($variant.args) failed (exit code $LASTEXITCODE)." }
        $floor[$variant.name] = $json | Out-String | ConvertFrom-Json -AsHashtable
    }
}

# 5. Side by side.
$rows = for ($e = 0; $e -lt $Epochs; $e++) {
    $p = $psrnn.epochs[$e]; $t = $torch.epochs[$e]
    [pscustomobject]@{
        Epoch             = $e + 1
        'PSRnn loss'      = '{0:F6}' -f $p.loss
        'PyTorch loss'    = '{0:F6}' -f $t.loss
        'Δ loss'          = '{0:+0.0E+0;-0.0E+0}' -f ($p.loss - $t.loss)
        'PSRnn test acc'  = '{0:P2}' -f $p.test_accuracy
        'PyTorch test acc' = '{0:P2}' -f $t.test_accuracy
        'PSRnn s'         = '{0:N1}' -f $p.seconds
        'PyTorch s'       = '{0:N1}' -f $t.seconds
    }
}
$rows | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
$summary = [ordered]@{
    task       = "$classes classes, $frames x $features sequences, $trainCount train / $testCount test"
    model      = "LSTM($units, return_sequences) -> LSTM($units) -> Dense($classes, softmax)"
    training   = "Keras Adam lr $learningRate, batch $batchSize, no shuffle, $Epochs epochs, seed $Seed"
    date       = (Get-Date).ToString('yyyy-MM-dd HH:mm K')
    machine    = "$([Runtime.InteropServices.RuntimeInformation]::OSDescription), $([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture), $([Environment]::ProcessorCount) cores"
    psrnn      = $psrnn
    pytorch    = $torch
    noise_floor = $floor
}
$resultsFile = Join-Path $OutFolder "results-$($Size.ToLowerInvariant()).json"
$summary | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $resultsFile
Write-Host ("Final test accuracy: PSRnn {0:P2} (loss {1:N5}), PyTorch {2:P2} (loss {3:N5}); before training {4:P2} / {5:P2}" -f
    $psrnn.test_accuracy, $psrnn.test_loss, $torch.test_accuracy, $torch.test_loss,
    $psrnn.initial_test_accuracy, $torch.initial_test_accuracy)
Write-Host ("Training time: PSRnn {0:N1} s, PyTorch {1:N1} s; test predictions that differ: {2}; largest final weight difference: {3:E2}" -f
    $psrnn.train_seconds, $torch.train_seconds, $torch.test_predictions_differing,
    ($torch.final_weight_max_abs_diff.Values | Measure-Object -Maximum).Maximum)
foreach ($name in $floor.Keys) {
    $f = $floor[$name]
    $drift = for ($e = 0; $e -lt $Epochs; $e++) { [Math]::Abs($f.epochs[$e].loss - $torch.epochs[$e].loss) }
    Write-Host ("Noise floor {0}: test accuracy {1:P2} (loss {2:N5}); |Δ epoch loss| vs PyTorch float32 up to {3:E1}" -f
        $name, $f.test_accuracy, $f.test_loss, ($drift | Measure-Object -Maximum).Maximum)
}
Write-Host "Results: $resultsFile"
