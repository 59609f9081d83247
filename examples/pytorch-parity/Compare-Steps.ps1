<#
.SYNOPSIS
    Batch-by-batch check of a parity run: PSRnn's loss at every training step against PyTorch's.
.DESCRIPTION
    Invoke-Parity.ps1 compares per-epoch figures. This replays the same training in PSRnn one batch per
    Invoke-RnnTraining call (the optimizer state carries over between calls), from the initial weights the parity
    run exported, and lists each step's loss beside PyTorch's (the batch_losses in the run's results JSON), so the
    first step at which the two part can be seen. Run Invoke-Parity.ps1 first (with -NoiseFloor to also list
    PyTorch's drift from itself, float32 with a 1e-7 perturbation of the initial weights).
.PARAMETER Folder
    The -OutFolder of the Invoke-Parity.ps1 run.
.PARAMETER Size
    The -Size of that run.
.PARAMETER Steps
    How many steps to replay (default: all of the run's).
.EXAMPLE
    dotnet pwsh ./examples/pytorch-parity/Invoke-Parity.ps1 -Size Small -Epochs 5 -OutFolder /tmp/par-small -NoiseFloor
    dotnet pwsh -c "./examples/pytorch-parity/Compare-Steps.ps1 -Folder /tmp/par-small -Size Small | Format-Table"
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Folder,
    [ValidateSet('Full', 'Small')] [string] $Size = 'Full',
    [int] $Steps = 0
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1'
if (Test-Path -LiteralPath $built) { Import-Module $built -Force } else { Import-Module PSRnn }

$results = Get-Content -Raw -LiteralPath (Join-Path $Folder "results-$($Size.ToLowerInvariant()).json") | ConvertFrom-Json -AsHashtable
$config = Get-Content -Raw -LiteralPath (Join-Path $Folder 'config.json') | ConvertFrom-Json
$torchLosses = $results.pytorch.batch_losses
$perturbed = if ($results.noise_floor -and $results.noise_floor['pytorch_perturbed_1e-7']) { $results.noise_floor['pytorch_perturbed_1e-7'].batch_losses }
if ($Steps -le 0) { $Steps = $torchLosses.Count }

$data = Import-NpyData -LiteralPath (Join-Path $Folder 'data.npz') -AsHashtable
$weights = Import-NpyData -LiteralPath (Join-Path $Folder 'initial_weights.npz') -AsHashtable
$n, $frames, $features = $data['x_train'].Shape
$model = New-RnnModel -InputShape $frames, $features |
    Add-LstmLayer -Units $config.units -ReturnSequences |
    Add-LstmLayer -Units $config.units |
    Add-DenseLayer -Units $config.classes -Activation softmax
foreach ($key in $weights.Keys) {
    $layer, $name = $key -split '/'
    Set-RnnLayerWeight -Model $model -Layer $layer -Name $name -Value $weights[$key]
}

$x = [float[]] $data['x_train'].Data; $y = [long[]] $data['y_train'].Data
$batch = $config.batch_size; $perBatch = $frames * $features
$batches = [Math]::Ceiling($n / $batch)
for ($s = 0; $s -lt $Steps; $s++) {
    $start = ($s % $batches) * $batch; $rows = [Math]::Min($batch, $n - $start)
    $xb = [float[]]::new($rows * $perBatch); [Array]::Copy($x, $start * $perBatch, $xb, 0, $rows * $perBatch)
    $yb = [long[]]::new($rows); [Array]::Copy($y, $start, $yb, 0, $rows)
    $xt = ConvertTo-RnnTensor -InputObject $xb -Shape $rows, $frames, $features
    $yt = $yb | ConvertTo-RnnOneHot -NumClasses $config.classes
    # The first call sets up Adam; later calls keep its state (moments and step count).
    $optimizer = if ($s -eq 0) { @{ Optimizer = 'adam'; LearningRate = $config.learning_rate } } else { @{} }
    $null = $model | Invoke-RnnTraining -X $xt -Y $yt -Epochs 1 -BatchSize $batch -Shuffle:$false @optimizer
    $loss = $model.History[-1].Loss
    [pscustomobject]@{
        Step                 = $s + 1
        PSRnn                = '{0:F7}' -f $loss
        PyTorch              = '{0:F7}' -f $torchLosses[$s]
        'PSRnn-PyTorch'      = '{0:+0.00E+0;-0.00E+0}' -f ($loss - $torchLosses[$s])
        'PyTorch drift (1e-7 init)' = if ($perturbed) { '{0:+0.00E+0;-0.00E+0}' -f ($perturbed[$s] - $torchLosses[$s]) }
    }
}
