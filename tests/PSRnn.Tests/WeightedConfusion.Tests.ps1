# -WeightedMetric precision, recall, auc and pr_auc (issue 16, point 2): Keras adds each sample's weight into the
# confusion counts, as a user calls them. The maths is checked against a NumPy transcription of Keras in the engine tests
# (WeightedConfusionMetricTests, tests/fixtures/weights/make_weighted_confusion.py); here the figures are recomputed
# from Invoke-RnnPrediction's outputs by the definitions, independently of the engine's counting.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 48 -Steps 6 -Features 2 -Seed 1
    $labels = [long[]] @(for ($i = 0; $i -lt 48; $i++) { $data.Labels.GetValue($i) })
    $binary = ConvertTo-RnnTensor ([float[]] $labels) -Shape 48, 1
    $w = [float[]] @(for ($i = 0; $i -lt 48; $i++) { (($i * 7) % 5) * 0.5 })
    function New-BinaryModel { New-RnnModel -InputShape 6, 2 -Seed 4 | Add-LstmLayer 6 | Add-DenseLayer 1 -Activation sigmoid }

    # Weighted TP, FP and FN at 0.5 over flattened elements; $Weights has one weight per $Width elements.
    function Get-WeightedCounts([float[]] $Outputs, [float[]] $Targets, [float[]] $Weights, [int] $Width) {
        $tp = $fp = $fn = 0.0
        for ($i = 0; $i -lt $Outputs.Length; $i++) {
            $weight = [double] $Weights[[math]::Floor($i / $Width)]
            if ($Outputs[$i] -gt 0.5) { if ($Targets[$i] -ne 0) { $tp += $weight } else { $fp += $weight } }
            elseif ($Targets[$i] -ne 0) { $fn += $weight }
        }
        [pscustomobject]@{ Precision = $tp / ($tp + $fp); Recall = $tp / ($tp + $fn) }
    }

    # The exact weighted ROC area (the weighted Mann-Whitney statistic, ties half), which Keras's 200 thresholds
    # approximate within one bucket.
    function Get-WeightedRocArea([float[]] $Outputs, [float[]] $Targets, [float[]] $Weights) {
        $area = $positive = $negative = 0.0
        for ($i = 0; $i -lt $Outputs.Length; $i++) {
            if ($Targets[$i] -eq 0) { $negative += $Weights[$i]; continue }
            $positive += $Weights[$i]
            for ($j = 0; $j -lt $Outputs.Length; $j++) {
                if ($Targets[$j] -ne 0) { continue }
                $above = if ($Outputs[$i] -gt $Outputs[$j]) { 1.0 } elseif ($Outputs[$i] -eq $Outputs[$j]) { 0.5 } else { 0.0 }
                $area += $Weights[$i] * $Weights[$j] * $above
            }
        }
        $area / ($positive * $negative)
    }
}

Describe 'Invoke-RnnTraining -WeightedMetric precision, auc (issue 16)' {
    BeforeAll {
        $model = New-BinaryModel | Invoke-RnnTraining -X $data.X -Y $binary -Epochs 2 -LearningRate 0.03 -SampleWeight $w `
            -Metric precision -WeightedMetric precision, auc -ValidationData $data.X, $binary, $w -Quiet
        $outputs = [float[]] ($model | Invoke-RnnPrediction -X $data.X).Data
    }

    It 'reports them under Keras''s names, weighted_precision beside the unweighted precision' {
        $model.History[-1].Metrics.Keys | Should -Be @('precision', 'weighted_precision', 'auc')
        $model.History[-1].ValidationMetrics.Keys | Should -Be @('precision', 'weighted_precision', 'auc')
    }

    It 'gives the ratio of weighted counts for the validation data, not a weighted mean of rows' {
        $expected = Get-WeightedCounts $outputs ([float[]] $labels) $w 1
        $actual = $model.History[-1].ValidationMetrics['weighted_precision']
        [math]::Abs($actual - $expected.Precision) | Should -BeLessOrEqual (1e-12 * $expected.Precision)
        $actual | Should -Not -Be $model.History[-1].ValidationMetrics['precision']
        $roc = Get-WeightedRocArea $outputs ([float[]] $labels) $w
        [math]::Abs($model.History[-1].ValidationMetrics['auc'] - $roc) | Should -BeLessOrEqual (1 / 199)
    }

    It 'measures the same figures with Measure-RnnModel -SampleWeight, whatever the batch size' {
        $all = $model | Measure-RnnModel -X $data.X -Y $binary -SampleWeight $w -WeightedMetric precision, recall, auc, pr_auc -BatchSize 48
        $batched = $model | Measure-RnnModel -X $data.X -Y $binary -SampleWeight $w -WeightedMetric precision, recall, auc, pr_auc -BatchSize 7
        $expected = Get-WeightedCounts $outputs ([float[]] $labels) $w 1
        [math]::Abs($all.Recall - $expected.Recall) | Should -BeLessOrEqual (1e-12 * $expected.Recall)
        foreach ($name in 'Precision', 'Recall', 'AUC', 'PR_AUC') {
            [math]::Abs($batched.$name - $all.$name) | Should -BeLessOrEqual (1e-12 * $all.$name)
        }
        $all.AUC | Should -Be $model.History[-1].ValidationMetrics['auc']
    }

    It 'equals the unweighted metric exactly with weights of one, and gives 0 with weights of zero' {
        $ones = [float[]] @(1) * 48
        $e = $model | Measure-RnnModel -X $data.X -Y $binary -SampleWeight $ones -Metric precision, recall, auc, pr_auc -WeightedMetric precision, recall, auc, pr_auc
        foreach ($name in 'Precision', 'Recall', 'AUC', 'PR_AUC') { $e."Weighted_$name" | Should -Be $e.$name }
        $zero = $model | Measure-RnnModel -X $data.X -Y $binary -SampleWeight ([float[]]::new(48)) -WeightedMetric precision, recall, auc, pr_auc
        foreach ($name in 'Precision', 'Recall', 'AUC', 'PR_AUC') { $zero.$name | Should -Be 0 }
    }

    It 'weighs per-step targets a step at a time, each step''s weight on each of its outputs' {
        $y = ConvertTo-RnnTensor ([float[]] (0..575 | ForEach-Object { ($_ * 7) % 3 % 2 })) -Shape 48, 6, 2
        $stepWeights = [float[]] (0..287 | ForEach-Object { ($_ % 6) * 0.5 + ($_ % 5) })
        $ws = ConvertTo-RnnTensor $stepWeights -Shape 48, 6
        $steps = New-RnnModel -InputShape 6, 2 -Seed 2 | Add-GruLayer 3 -ReturnSequences | Add-DenseLayer 2 -Activation sigmoid |
            Invoke-RnnTraining $data.X $y -Epochs 1 -LearningRate 0.05 -SampleWeight $ws -WeightedMetric precision, recall -Quiet
        $e = $steps | Measure-RnnModel -X $data.X -Y $y -SampleWeight $ws -WeightedMetric precision, recall -BatchSize 5
        $expected = Get-WeightedCounts ([float[]] ($steps | Invoke-RnnPrediction -X $data.X).Data) ([float[]] $y.Data) $stepWeights 2
        [math]::Abs($e.Precision - $expected.Precision) | Should -BeLessOrEqual (1e-12 * $expected.Precision)
        [math]::Abs($e.Recall - $expected.Recall) | Should -BeLessOrEqual (1e-12 * $expected.Recall)
    }

    It 'resumes a run with weighted confusion metrics exactly' {
        $train = @{ X = $data.X; Y = $binary; SampleWeight = $w; WeightedMetric = 'precision', 'pr_auc'; BatchSize = 10; Quiet = $true }
        $straight = New-BinaryModel | Invoke-RnnTraining @train -Epochs 3
        $stem = Join-Path $TestDrive 'weighted-confusion'
        New-BinaryModel | Invoke-RnnTraining @train -Epochs 1 -CheckpointPath $stem | Out-Null
        $resumed = Invoke-RnnTraining @train -Epochs 3 -ResumeFrom "$stem.last.safetensors"
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
        $resumed.History.Loss | Should -Be $straight.History.Loss
        foreach ($key in 'precision', 'pr_auc') {
            @($resumed.History | ForEach-Object { $_.Metrics[$key] }) | Should -Be @($straight.History | ForEach-Object { $_.Metrics[$key] })
        }
    }
}
