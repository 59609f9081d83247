<#
.SYNOPSIS
    Times one sweep of 4 trials (LSTM 32 and 64 units x 2 learning rates, 256 sequences of 40 steps, 8 epochs) run
    one at a time in this runspace, with -ThrottleLimit 2, and (given -HostName) through two SSH sessions; checks the
    trials' losses are the same bits every way. Never part of the test run.
.EXAMPLE
    dotnet pwsh bench/sweep/sweep_modes.ps1 -ModulePath ./out/PSRnn/PSRnn.psd1
.EXAMPLE
    dotnet pwsh bench/sweep/sweep_modes.ps1 -HostName 127.0.0.1 -Port 42223 -KeyFilePath ./client_key
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1'),
    [string] $HostName,
    [int] $Port = 22,
    [string] $KeyFilePath,
    [int] $Repeat = 2
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$random = [Random]::new(1)
$x = ConvertTo-RnnTensor -InputObject ([float[]] (1..(256 * 40 * 4) | ForEach-Object { $random.NextDouble() * 2 - 1 })) -Shape 256, 40, 4
$y = [long[]] (0..255 | ForEach-Object { [long] ($x.GetValue($_, 0, 0) + $x.GetValue($_, 39, 1) -gt 0) })
$sweep = @{
    X = $x; Y = $y; Epochs = 8; BatchSize = 32; ValidationSplit = 0.25
    Parameters = [ordered]@{ Units = 32, 64; LearningRate = 1e-3, 3e-3 }
    ModelScript = { param($p) New-RnnModel -InputShape 40, 4 | Add-LstmLayer $p.Units | Add-DenseLayer 2 -Activation softmax }
}
$modes = [ordered]@{ 'this runspace, one at a time' = @{}; '-ThrottleLimit 2' = @{ ThrottleLimit = 2 } }
if ($HostName) {
    $options = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $sessions = 1..2 | ForEach-Object { New-PSSession -HostName $HostName -Port $Port -KeyFilePath $KeyFilePath -Options $options }
    "opening 2 SSH sessions: $([math]::Round($clock.Elapsed.TotalSeconds, 1)) s"
    $modes['-Session (2 SSH sessions)'] = @{ Session = $sessions }
}
$reference = $null
foreach ($mode in $modes.Keys) {
    $times = foreach ($i in 1..$Repeat) {
        $settings = $modes[$mode]
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $trials = @(Invoke-RnnSweep @sweep @settings) | Sort-Object Trial
        $clock.Elapsed.TotalSeconds
        $losses = $trials.ValLoss -join ','
        if ($null -eq $reference) { $reference = $losses } elseif ($losses -ne $reference) { throw "$mode gave other losses: $losses" }
        $trialSeconds = ($trials.Duration.TotalSeconds | Measure-Object -Sum).Sum
    }
    '{0}: {1} s (best of {2}; trials'' own time summed {3:0.0} s)' -f $mode, [math]::Round(($times | Measure-Object -Minimum).Minimum, 1), $Repeat, $trialSeconds
}
if ($HostName) { $sessions | Remove-PSSession }
"validation losses, the same bits every way: $reference"
