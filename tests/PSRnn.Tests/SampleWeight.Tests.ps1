# Invoke-RnnTraining -SampleWeight / -ClassWeight / -WeightedMetric and Measure-RnnModel -SampleWeight (issue 16,
# point 2), as a user calls them. The maths is checked against PyTorch, scikit-learn and NumPy in the engine tests
# (SampleWeightTests, tests/fixtures/weights); here: the surface, Keras's names, and exactness.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 40 -Steps 6 -Features 2 -Seed 4
    $labels = [long[]] $data.Labels.ToArray()
    function New-ToyModel { New-RnnModel -InputShape 6, 2 -Seed 9 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax }
    $implied = [float[]] ($labels | ForEach-Object { if ($_ -eq 0) { 2.0 } else { 1.0 } })
}

Describe 'Invoke-RnnTraining -ClassWeight and -SampleWeight' {
    It 'trains with -ClassWeight exactly as with the sample weights it implies' {
        $byClass = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 2 -BatchSize 8 -ClassWeight @{ 0 = 2.0; 1 = 1.0 }
        $bySample = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 2 -BatchSize 8 -SampleWeight $implied
        $plain = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 2 -BatchSize 8
        Get-AllWeights $byClass | Should -Be (Get-AllWeights $bySample)
        $byClass.History[-1].Loss | Should -Be $bySample.History[-1].Loss
        Get-AllWeights $byClass | Should -Not -Be (Get-AllWeights $plain)
    }

    It 'takes one-hot targets and the ''balanced'' weights of the training samples' {
        $zeros = @($labels | Where-Object { $_ -eq 0 }).Count
        $balanced = [float[]] ($labels | ForEach-Object { 40 / (2 * $(if ($_ -eq 0) { $zeros } else { 40 - $zeros })) })
        $a = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Epochs 1 -BatchSize 8 -ClassWeight balanced
        $b = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Epochs 1 -BatchSize 8 -SampleWeight $balanced
        Get-AllWeights $a | Should -Be (Get-AllWeights $b)
    }

    It 'counts ''balanced'' over the samples left after -ValidationSplit' {
        $train = $labels[0..29]
        $zeros = @($train | Where-Object { $_ -eq 0 }).Count
        $weights = [float[]] (@($train | ForEach-Object { 30 / (2 * $(if ($_ -eq 0) { $zeros } else { 30 - $zeros })) }) + @(1.0) * 10)
        $a = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -BatchSize 8 -ValidationSplit 0.25 -ClassWeight balanced
        # Validation is not class-weighted: the held-out weights of 1 give the unweighted validation loss.
        $b = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -BatchSize 8 -ValidationSplit 0.25 -SampleWeight $weights
        Get-AllWeights $a | Should -Be (Get-AllWeights $b)
        $a.History[-1].ValidationLoss | Should -Be $b.History[-1].ValidationLoss
    }

    It 'gives a zero loss to a batch of zero weights, without NaN' {
        $m = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -SampleWeight ([float[]]::new(40))
        $m.History[-1].Loss | Should -Be 0
        Get-AllWeights $m | Should -Be (Get-AllWeights (New-ToyModel))
    }

    It 'weighs the validation data with a third -ValidationData value, and keeps the held-out weights of -ValidationSplit' {
        $w = [float[]] (1..40 | ForEach-Object { $_ % 3 })
        $m = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -ValidationData $data.X, $data.Labels, $w
        $m.History[-1].ValidationLoss | Should -Be ($m | Measure-RnnModel -X $data.X -Y $data.Labels -SampleWeight $w).Loss
        $m.History[-1].ValidationLoss | Should -Not -Be ($m | Measure-RnnModel -X $data.X -Y $data.Labels).Loss
        $s = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -ValidationSplit 0.25 -SampleWeight $w
        $flat = [float[]] ($data.X.ToArray() | ForEach-Object { $_ })
        $xv = ConvertTo-RnnTensor ([float[]] $flat[(30 * 12)..(40 * 12 - 1)]) -Shape 10, 6, 2
        $s.History[-1].ValidationLoss | Should -Be ($s | Measure-RnnModel -X $xv -Y ([long[]] $labels[30..39]) -SampleWeight ([float[]] $w[30..39])).Loss
    }

    It 'reports -WeightedMetric under Keras''s names, for training and validation' {
        $m = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -SampleWeight $implied -WeightedMetric accuracy -ValidationSplit 0.25
        $m.History[-1].Metrics.Keys | Should -Be @('accuracy', 'weighted_accuracy')
        $m.History[-1].ValidationMetrics.Keys | Should -Be @('accuracy', 'weighted_accuracy')
        $only = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -Metric sparse_categorical_accuracy -WeightedMetric accuracy -SampleWeight $implied
        $only.History[-1].Metrics.Keys | Should -Be @('sparse_categorical_accuracy', 'accuracy')
        $e = $m | Measure-RnnModel -X $data.X -Y $data.Labels -SampleWeight $implied -WeightedMetric accuracy
        $e.Weighted_Accuracy | Should -BeGreaterOrEqual 0
        $e.PSObject.Properties.Name | Should -Contain 'Accuracy'
    }

    It 'weighs per-step targets a step at a time' {
        $steps = New-ToyData -Count 12 -Steps 6 -Features 2 -Seed 5
        $y = ConvertTo-RnnTensor ([long[]] (0..71 | ForEach-Object { $_ % 2 })) -Shape 12, 6
        $new = { New-RnnModel -InputShape 6, 2 -Seed 2 | Add-GruLayer 3 -ReturnSequences | Add-DenseLayer 2 -Activation softmax }
        $perSample = & $new | Invoke-RnnTraining $steps.X $y -Epochs 1 -SampleWeight ([float[]] (1..12))
        $perStep = & $new | Invoke-RnnTraining $steps.X $y -Epochs 1 -SampleWeight (ConvertTo-RnnTensor ([float[]] (0..71 | ForEach-Object { [math]::Floor($_ / 6) + 1 })) -Shape 12, 6)
        Get-AllWeights $perStep | Should -Be (Get-AllWeights $perSample)
    }

    It 'weighs per-step targets window by window under -TruncatedBptt as the whole sequences do' {
        $steps = New-ToyData -Count 12 -Steps 6 -Features 2 -Seed 6
        $y = ConvertTo-RnnTensor ([long[]] (0..71 | ForEach-Object { ($_ * 7) % 3 % 2 })) -Shape 12, 6
        $w = ConvertTo-RnnTensor ([float[]] (0..71 | ForEach-Object { ($_ % 6) * 0.5 + ($_ % 5) })) -Shape 12, 6
        $m = New-RnnModel -InputShape 0, 2 -Seed 2 | Add-LstmLayer 3 -ReturnSequences | Add-DenseLayer 2 -Activation softmax |
            Invoke-RnnTraining $steps.X $y -Epochs 1 -BatchSize 5 -TruncatedBptt 4 -SampleWeight $w -ValidationData $steps.X, $y, $w
        # Validation runs in windows of 4 and 2 steps: each window must read its own steps' weights.
        $full = ($m | Measure-RnnModel -X $steps.X -Y $y -SampleWeight $w -BatchSize 5).Loss
        [math]::Abs($m.History[-1].ValidationLoss - $full) | Should -BeLessThan (1e-6 * $full)
        $unweighted = ($m | Measure-RnnModel -X $steps.X -Y $y -BatchSize 5).Loss
        [math]::Abs($unweighted - $full) | Should -BeGreaterThan 1e-3
    }

    It 'resumes a weighted run exactly, and refuses other weights on resume' {
        $straight = New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 3 -BatchSize 8 -ClassWeight @{ 0 = 3.0 }
        $stem = Join-Path $TestDrive 'weighted'
        New-ToyModel | Invoke-RnnTraining $data.X $data.Labels -Epochs 1 -BatchSize 8 -ClassWeight @{ 0 = 3.0 } -CheckpointPath $stem | Out-Null
        { Invoke-RnnTraining $data.X $data.Labels -Epochs 3 -ResumeFrom "$stem.last.safetensors" } |
            Should -Throw -ErrorId 'ResumeSampleWeightMismatch,PSRnn.Commands.InvokeRnnTrainingCommand'
        { Invoke-RnnTraining $data.X $data.Labels -Epochs 3 -ResumeFrom "$stem.last.safetensors" -ClassWeight @{ 0 = 2.0 } } |
            Should -Throw -ErrorId 'ResumeSampleWeightMismatch,PSRnn.Commands.InvokeRnnTrainingCommand'
        $resumed = Invoke-RnnTraining $data.X $data.Labels -Epochs 3 -ResumeFrom "$stem.last.safetensors" -ClassWeight @{ 0 = 3.0 }
        $resumed.History.Count | Should -Be 3
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
    }
}
