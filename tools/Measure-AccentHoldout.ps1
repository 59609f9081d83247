#Requires -Version 7.4
<#
.SYNOPSIS
    Leave-one-accent-out on the embedded spoken-digit dataset: for each accent family, train without it and test on all
    of its speakers; writes the table as Markdown and CSV.
.DESCRIPTION
    The dataset (examples/data/speech-digits.npz, made by tools/make-speech-digits.ps1) gives every speaker an accent
    family (British, Northern English, Scottish, American, Caribbean, Germanic-L1, Romance-L1, Celtic-L1, Slavic-L1,
    Uralic-Baltic-L1: espeak-ng's English voices, and other languages' voices reading the English words). For each
    family in turn this trains a fresh network on every utterance of the other families (held-out speakers included:
    none of them is tested here) and scores it on every utterance of the held-out family. The network, the training
    settings and the data loading are examples/speech-digits.common.ps1's, the same as the demo's
    (examples/speech-digits.ps1, whose -LeaveOneAccentOut switch runs this table too).

    Writes accent-holdout.md (the Markdown table, with the mean and the worst family, the date, the machine and the
    command) and accent-holdout.csv (one row a family) in -OutputFolder, prints the table and returns its rows.
    About a minute a family on a 2-core machine; -Quick (two families, every 7th utterance, one epoch) in seconds.
.PARAMETER Family
    The families to hold out, one run each (all of them by default).
.PARAMETER Epochs
    Training epochs a run (the demo's by default).
.PARAMETER Quick
    A smoke run: the first and last family, every 7th utterance, one epoch.
.PARAMETER OutputFolder
    Where accent-holdout.md and accent-holdout.csv go (out/speech-digits by default; created if missing).
.EXAMPLE
    dotnet pwsh ./tools/Measure-AccentHoldout.ps1
.EXAMPLE
    dotnet pwsh ./tools/Measure-AccentHoldout.ps1 -Family Scottish, Romance-L1 -OutputFolder /tmp/loao
#>
[CmdletBinding()]
param(
    [string[]] $Family,
    [ValidateRange(1, 1000)] [int] $Epochs,
    [switch] $Quick,
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../out/speech-digits')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
. (Join-Path $PSScriptRoot '../examples/speech-digits.common.ps1')
$watch = [Diagnostics.Stopwatch]::StartNew()

$data = Import-SpeechDigits -Folder (Join-Path $PSScriptRoot '../examples/data')
if (-not $Family) { $Family = if ($Quick) { @($data.Meta.families[0], $data.Meta.families[-1]) } else { @($data.Meta.families) } }
if (-not $Epochs) { $Epochs = if ($Quick) { 1 } else { $SpeechDigitsDefaults.Epochs } }
Write-Host ("Leave one accent family out: {0} families, {1} epochs each; {2}" -f $Family.Count, $Epochs, $SpeechDigitsNetwork)
$rows = @(Invoke-SpeechDigitsAccentHoldout $data -Family $Family -Quick:$Quick -Epochs $Epochs)
$table = Format-SpeechDigitsAccentTable $rows
Write-Host $table

$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$cpu = (Get-Content -LiteralPath /proc/cpuinfo -ErrorAction Ignore | Select-String -Pattern '^model name\s*:\s*(.*)$' |
        Select-Object -First 1).Matches.Groups[1].Value
$command = 'tools/Measure-AccentHoldout.ps1' + $(if ($Quick) { ' -Quick' }) + $(if ($PSBoundParameters.ContainsKey('Family')) { " -Family $($Family -join ', ')" }) +
    $(if ($PSBoundParameters.ContainsKey('Epochs')) { " -Epochs $Epochs" })
$markdown = $table + [Environment]::NewLine + [Environment]::NewLine +
    ('{0:yyyy-MM-dd}, {1} ({2} cores), `{3}`: {4} epochs a run, {5:n0} s in all.' -f (Get-Date), ($cpu ? $cpu : 'unknown CPU'),
        [Environment]::ProcessorCount, $command, $Epochs, $watch.Elapsed.TotalSeconds)
Set-Content -LiteralPath (Join-Path $OutputFolder 'accent-holdout.md') -Value $markdown -Encoding utf8NoBOM
$rows | Export-Csv -LiteralPath (Join-Path $OutputFolder 'accent-holdout.csv') -NoTypeInformation -Encoding utf8NoBOM
Write-Host ("Wrote {0} and accent-holdout.csv; done in {1:n0} s" -f (Join-Path $OutputFolder 'accent-holdout.md'), $watch.Elapsed.TotalSeconds)
$rows
