<#
.SYNOPSIS
    Watching an endless sensor signal with a stream: a GRU trained on short windows, then run chunk by chunk.
.DESCRIPTION
    Makes a long synthetic sensor record (100 readings a second): a baseline that drifts slowly (a slow swing and a
    wandering offset), sensor noise, and rare spike events of a few readings each. A GRU(16) -> Dense(1, sigmoid) model
    learns, per step, "a spike is happening now" from short windows (64 readings) cut from the first part of the record.
    The rest of the record is then fed to New-RnnStream chunk by chunk (50 readings, half a second, per call), as a
    monitor would get it: the stream keeps the GRU's state between chunks, so each chunk is read in the context of
    everything before it, with no window to slide and nothing computed twice. Halfway, the monitor "restarts": it saves
    the stream's state (Get-RnnStreamState), makes a new stream and continues from the saved state
    (Set-RnnStreamState). Each detection is printed with its step; at the end, the hits, misses and false alarms against
    the true events, and the real-time factor (time spent per second of signal).
    Run it after a build with: dotnet pwsh ./examples/streaming-monitor.ps1   (-Quick for a smoke run of a few seconds)
#>
[CmdletBinding()]
param(
    # Readings in the record: the first quarter trains the model, the rest is monitored as a stream.
    [ValidateRange(4000, 10000000)] [int] $Steps = 40000,
    # Readings per call to the stream.
    [ValidateRange(1, 100000)] [int] $ChunkSize = 50,
    # Training epochs.
    [ValidateRange(1, 1000)] [int] $Epochs = 20,
    # A smoke run: a shorter record and fewer epochs.
    [switch] $Quick,
    [int] $Seed = 11
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
# Use the module already loaded (as the smoke tests do), else this checkout's build, else an installed one.
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
if ($Quick) { $Steps = 12000; $Epochs = 12 }
$watch = [Diagnostics.Stopwatch]::StartNew()
$rate = 100      # readings per second
$window = 64     # training window, readings

# 1. The record. Baseline: a slow swing (period 40 s) plus an offset that wanders (AR(1), minutes long); noise ±0.25;
#    events: about one every 6 s, 4 to 8 readings of a bump of height 2 to 3 on top of whatever the baseline is.
$random = [Random]::new($Seed)
$signal = [float[]]::new($Steps)
$inEvent = [bool[]]::new($Steps)
$offset = 0.0
$t = 0
while ($t -lt $Steps) {
    if ($random.NextDouble() -lt 1.0 / (6 * $rate) -and $t -gt 10) {
        $length = $random.Next(4, 9)
        $height = 2 + $random.NextDouble()
        for ($k = 0; $k -lt $length -and $t + $k -lt $Steps; $k++) { $inEvent[$t + $k] = $true; $signal[$t + $k] = $height * [Math]::Sin([Math]::PI * ($k + 0.5) / $length) }
        $t += $length
        continue
    }
    $t++
}
for ($t = 0; $t -lt $Steps; $t++) {
    $offset = 0.999 * $offset + 0.02 * ($random.NextDouble() * 2 - 1)
    $signal[$t] += 1.5 * [Math]::Sin(2 * [Math]::PI * $t / (40 * $rate)) + $offset + 0.25 * ($random.NextDouble() * 2 - 1)
}
$trainSteps = [int]($Steps / 4)
$events = @(for ($t = 1; $t -lt $Steps; $t++) { if ($inEvent[$t] -and -not $inEvent[$t - 1]) { $t } })
Write-Host ("A record of {0:N0} readings ({1:N0} s at {2} Hz) with {3} spike events; the first {4:N0} train the model." -f
    $Steps, ($Steps / $rate), $rate, $events.Count, $trainSteps)

# 2. Training windows: N random windows of 64 readings from the training part; per-step targets, 1 during an event.
$count = [int]($trainSteps / 2)
$x = [float[]]::new($count * $window)
$y = [float[]]::new($count * $window)
for ($n = 0; $n -lt $count; $n++) {
    $start = $random.Next(0, $trainSteps - $window)
    [Array]::Copy($signal, $start, $x, $n * $window, $window)
    for ($k = 0; $k -lt $window; $k++) { if ($inEvent[$start + $k]) { $y[$n * $window + $k] = 1 } }
}
$xTrain = ConvertTo-RnnTensor -InputObject $x -Shape $count, $window, 1
$yTrain = ConvertTo-RnnTensor -InputObject $y -Shape $count, $window, 1

# 3. The model takes any number of steps (-InputShape 0, 1), so a stream can feed it chunks of any length.
$model = New-RnnModel -InputShape 0, 1 -Name monitor -Seed $Seed |
    Add-GruLayer 16 -ReturnSequences |
    Add-DenseLayer 1 -Activation sigmoid
$null = $model | Invoke-RnnTraining -X $xTrain -Y $yTrain -Epochs $Epochs -BatchSize 32 -Loss binary_crossentropy -LearningRate 0.01 -Seed $Seed
$last = $model.History[$model.History.Count - 1]
Write-Host ("Trained {0} epochs on {1} windows of {2} readings: loss {3:F4}" -f $model.History.Count, $count, $window, $last.Loss)

# 4. The monitor: the rest of the record, chunk by chunk, through a stream. One chunk tensor is reused: the script
#    writes the next readings into its Data and the stream reads them in place.
$stream = $model | New-RnnStream
$chunk = ConvertTo-RnnTensor -InputObject ([float[]]::new($ChunkSize)) -Shape $ChunkSize, 1
$buffer = $chunk.Data
$detections = [Collections.Generic.List[long]]::new()
$active = $false
$engine = [Diagnostics.Stopwatch]::new()
$restartAt = $trainSteps + [int](($Steps - $trainSteps) / 2 / $ChunkSize) * $ChunkSize
Write-Host "Monitoring readings $trainSteps to $Steps, $ChunkSize per call (detections: step, time, probability):"
for ($at = $trainSteps; $at + $ChunkSize -le $Steps; $at += $ChunkSize) {
    if ($at -eq $restartAt) {
        # A restart: the state goes to a hashtable (Export-NpyData could keep it in an .npz) and a new stream takes it.
        $saved = $stream | Get-RnnStreamState
        $stream = $model | New-RnnStream
        $stream | Set-RnnStreamState -State $saved
        Write-Host ("  (restarted at step {0:N0}: state {1} carried over)" -f $at, (@($saved.Keys) -join ', '))
    }
    [Array]::Copy($signal, $at, $buffer, 0, $ChunkSize)
    $engine.Start()
    $p = Invoke-RnnPrediction -Stream $stream -X $chunk
    $engine.Stop()
    $probabilities = [float[]] $p.Data
    for ($k = 0; $k -lt $ChunkSize; $k++) {
        if (-not $active -and $probabilities[$k] -gt 0.5) {
            $step = $at + $k
            $detections.Add($step)
            if ($detections.Count -le 12) { Write-Host ("  step {0,8:N0}  t = {1,8:F2} s  p = {2:F2}" -f $step, ($step / $rate), $probabilities[$k]) }
            $active = $true
        }
        elseif ($active -and $probabilities[$k] -lt 0.3) { $active = $false }
    }
}
if ($detections.Count -gt 12) { Write-Host "  ... and $($detections.Count - 12) more" }

# 5. Score: a detection within 10 readings of an event's start is a hit; events left over are misses.
$monitored = @($events | Where-Object { $_ -ge $trainSteps -and $_ -lt $at })
$hits = 0
$matched = [Collections.Generic.HashSet[long]]::new()
foreach ($e in $monitored) {
    $d = $detections | Where-Object { $_ -ge $e - 2 -and $_ -le $e + 10 -and -not $matched.Contains($_) } | Select-Object -First 1
    if ($null -ne $d) { $hits++; $null = $matched.Add($d) }
}
$falseAlarms = $detections.Count - $matched.Count
$streamed = $at - $trainSteps
$seconds = $streamed / $rate
Write-Host ("Events: {0} of {1} detected, {2} missed, {3} false alarms over {4:N0} s of signal." -f
    $hits, $monitored.Count, ($monitored.Count - $hits), $falseAlarms, $seconds)
Write-Host ("Real-time factor: {0:N0} readings ({1:N0} s of signal) in {2:F2} s of Invoke-RnnPrediction calls = {3:F5} s per second of signal, {4:N0} times faster than real time ({5:F1} µs a reading, {6:N0} steps in the stream since the restart)." -f
    $streamed, $seconds, $engine.Elapsed.TotalSeconds, ($engine.Elapsed.TotalSeconds / $seconds), ($seconds / $engine.Elapsed.TotalSeconds),
    ($engine.Elapsed.TotalMilliseconds * 1000 / $streamed), $stream.Steps)
Write-Host ("done in {0:F1} s" -f $watch.Elapsed.TotalSeconds)
