<#
.SYNOPSIS
    Forecasting a time series with an LSTM: next-hour temperature from the last 48 hours.
.DESCRIPTION
    Makes a synthetic hourly "temperature" record (a daily cycle, a slowly wandering weather front and sensor noise),
    cuts it into windows of 48 hours with ConvertTo-RnnWindow (each window's target is the next hour), splits the
    windows chronologically (the last 20% are the test set, so the model never trains on the future), trains
    Normalization -> LSTM(32) -> Dense(1) -> Normalization(invert) with MSE loss — the scaling inside the model, its
    statistics measured on the training part by Invoke-RnnAdapt, so the model takes and gives degrees — and reports the
    test mean absolute error in degrees against the naive forecast "the next hour equals the last one". It ends with a
    few forecasts next to the truth.
    Run it after a build with: dotnet pwsh ./examples/timeseries-forecast.ps1   (-Quick for a smoke run of a few seconds)
#>
[CmdletBinding()]
param(
    # Days of hourly readings to generate.
    [ValidateRange(5, 10000)] [int] $Days = 80,
    # Training epochs.
    [ValidateRange(1, 1000)] [int] $Epochs = 12,
    # A smoke run: less data, fewer epochs.
    [switch] $Quick,
    [int] $Seed = 7
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
# Use the module already loaded (as the smoke tests do), else this checkout's build, else an installed one.
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
if ($Quick) { $Days = 30; $Epochs = 6 }
$watch = [Diagnostics.Stopwatch]::StartNew()
$lookback = 48

# 1. The series: 10 °C average, a daily swing of ±6 °C peaking mid-afternoon, a weather front that wanders
#    (an AR(1) process, hours to days long) and sensor noise.
$random = [Random]::new($Seed)
function Get-Gaussian { [Math]::Sqrt(-2 * [Math]::Log(1 - $random.NextDouble())) * [Math]::Cos(2 * [Math]::PI * $random.NextDouble()) }
$hours = $Days * 24
$series = [double[]]::new($hours)
$front = 0.0
for ($t = 0; $t -lt $hours; $t++) {
    $front = 0.98 * $front + 0.5 * (Get-Gaussian)
    $series[$t] = 10 + 6 * [Math]::Sin(2 * [Math]::PI * ($t - 9) / 24) + $front + 0.6 * (Get-Gaussian)
}

# 2. Windows of the raw readings: X (N, 48, 1), Y (N, 1) = the hour after each window. Chronological split: no
#    shuffling, the last 20% of the windows are the test set.
$windows = ConvertTo-RnnWindow -InputObject $series -Lookback $lookback -Horizon 1
$split = Split-RnnDataset -X $windows.X -Y $windows.Y -TestFraction 0.2 -NoShuffle
Write-Host ("{0} hours -> {1} windows of {2} h: {3} to train, {4} to test (the last ones)" -f
    $hours, $windows.Count, $lookback, $split.XTrain.Shape[0], $split.XTest.Shape[0])

# 3. The scaling lives in the model, as Keras's Normalization layers: the input is normalized with the training
#    windows' mean and variance (Invoke-RnnAdapt, Keras's adapt()), and an inverted Normalization maps the output back
#    to degrees with the training targets' statistics, so the model takes and gives degrees and its file needs nothing
#    else at prediction time.
$targets = New-RnnModel -InputShape 1 | Add-NormalizationLayer | Invoke-RnnAdapt -X $split.YTrain
$targetStats = @($targets | Get-RnnLayerWeight -Layer 0)
$model = New-RnnModel -InputShape $lookback, 1 -Name forecaster -Seed $Seed |
    Add-NormalizationLayer |
    Add-LstmLayer 32 |
    Add-DenseLayer 1 |
    Add-NormalizationLayer -Invert -Mean ($targetStats | Where-Object Name -EQ mean).Data -Variance ($targetStats | Where-Object Name -EQ variance).Data |
    Invoke-RnnAdapt -X $split.XTrain
$inputMean = (@($model | Get-RnnLayerWeight -Layer 0) | Where-Object Name -EQ mean).Data[0]
Write-Host ("Normalization -> LSTM(32) -> Dense(1) -> Normalization(invert): input mean {0:F2} °C from the training windows" -f $inputMean)

# 4. Train with MSE loss (regression), in degrees.
$null = $model | Invoke-RnnTraining -X $split.XTrain -Y $split.YTrain -Epochs $Epochs -BatchSize 32 -Loss mse `
    -ValidationData $split.XTest, $split.YTest -Seed $Seed
$last = $model.History[-1]
Write-Host ("trained {0} epochs: loss {1:F4}, val_loss {2:F4} (°C²)" -f $model.History.Count, $last.Loss, $last.ValidationLoss)

# 5. Test MAE in degrees, against the naive forecast (the last hour of the window).
$predicted = $model | Invoke-RnnPrediction -X $split.XTest
$xTest = $split.XTest.Data; $yTest = $split.YTest.Data; $yHat = $predicted.Data
$count = $yTest.Length
$modelError = 0.0; $naiveError = 0.0
for ($i = 0; $i -lt $count; $i++) {
    $truth = $yTest[$i]
    $modelError += [Math]::Abs($yHat[$i] - $truth)
    $naiveError += [Math]::Abs($xTest[($i + 1) * $lookback - 1] - $truth)
}
$modelMae = $modelError / $count; $naiveMae = $naiveError / $count
Write-Host ("Test MAE: LSTM {0:F3} °C, naive last value {1:F3} °C ({2:P0} of the baseline's error)" -f
    $modelMae, $naiveMae, ($modelMae / $naiveMae))
if ($modelMae -lt $naiveMae) { Write-Host 'The LSTM beats the naive forecast.' }
else { Write-Warning 'The LSTM does not beat the naive forecast: train longer (-Epochs) or on more data (-Days).' }

# 6. A few forecasts from the end of the test period.
Write-Host 'hour   last  forecast  actual'
for ($i = $count - 5; $i -lt $count; $i++) {
    '{0,5}  {1,5:F1}  {2,8:F1}  {3,6:F1}' -f ($hours - $count + $i),
        $xTest[($i + 1) * $lookback - 1], $yHat[$i], $yTest[$i] |
        Write-Host
}
Write-Host ("done in {0:F1} s" -f $watch.Elapsed.TotalSeconds)
[pscustomobject]@{ ModelMae = $modelMae; NaiveMae = $naiveMae; Seconds = $watch.Elapsed.TotalSeconds }
