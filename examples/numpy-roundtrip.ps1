<#
.SYNOPSIS
    NumPy data in and out of PowerShell: the first half of the seed's Keras script.
.DESCRIPTION
    Makes a small synthetic "speech feature" dataset (N utterances x 60 frames x 13 coefficients) and integer
    labels, saves them the way a Python user would (a deflated .npz), reads them back, one-hot encodes the labels
    (Keras to_categorical), and splits them as scikit-learn's train_test_split(..., stratify=y) would.
    Run it with: dotnet pwsh ./build.ps1 -Task Demo
#>
[CmdletBinding()]
param(
    [int] $Utterances = 200,
    [string] $OutFolder = (Join-Path ([IO.Path]::GetTempPath()) 'psrnn-demo')
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
if (Test-Path -LiteralPath $built) { Import-Module $built -Force } else { Import-Module PSRnn }

# 1. Make data: each class is a sine pattern at its own frequency, plus noise.
$random = [Random]::new(7)
$frames = 60; $coefficients = 13; $classes = 10
$features = [float[]]::new($Utterances * $frames * $coefficients)
$labels = [long[]]::new($Utterances)
for ($n = 0; $n -lt $Utterances; $n++) {
    $labels[$n] = $n % $classes
    for ($t = 0; $t -lt $frames; $t++) {
        for ($c = 0; $c -lt $coefficients; $c++) {
            $features[($n * $frames + $t) * $coefficients + $c] =
                [Math]::Sin(($labels[$n] + 1) * $t / 10.0 + $c) + 0.1 * ($random.NextDouble() - 0.5)
        }
    }
}
$x = ConvertTo-RnnTensor -InputObject $features -Shape $Utterances, $frames, $coefficients
$y = ConvertTo-RnnTensor -InputObject $labels

# 2. Save and load as NumPy would (np.savez_compressed / np.load).
$null = New-Item -ItemType Directory -Path $OutFolder -Force
$file = Join-Path $OutFolder 'speech.npz'
Export-NpyData -Path $file -InputObject ([ordered]@{ x = $x; y = $y }) -Compress -Force
$data = Import-NpyData -Path $file -AsHashtable
Write-Host "Wrote and read back $file ($((Get-Item $file).Length) bytes):"
$data['x'] | Out-Host
$same = [Linq.Enumerable]::SequenceEqual([float[]] $data['x'].Data, $features)
Write-Host "Features identical after the round trip: $same"

# 3. to_categorical and a stratified train/test split.
$oneHot = $data['y'] | ConvertTo-RnnOneHot -NumClasses $classes
$split = Split-RnnDataset -X $data['x'] -Y $oneHot -TestFraction 0.2 -Seed 42 -Stratify
$split | Out-Host
$perClass = $split.TestIndex | Group-Object { $labels[$_] } | Sort-Object { [int] $_.Name }
Write-Host "Held-out utterances per class: $(($perClass | ForEach-Object Count) -join ' ')"
if (-not $same) { throw 'The NumPy round trip changed the data.' }
