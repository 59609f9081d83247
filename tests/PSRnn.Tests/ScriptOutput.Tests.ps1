# A script's output goes through one formatter: PowerShell shapes it by the first object's view and prints a later object
# of another type as a bare property list, unless that type's view is out of band. These tests run saved scripts in a
# child process and read what they print, where the Format tests look at one object at a time.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # The README's first model, smaller: 200 sequences of 8 steps x 2 features.
    $script:FirstModel = @'
$x = ConvertTo-RnnTensor -InputObject ([float[]] (1..3200 | ForEach-Object { [math]::Sin($_ * 1.3) })) -Shape 200, 8, 2
$y = [long[]] (0..199 | ForEach-Object { $n = $_; (0..7 | ForEach-Object { $x.GetValue($n, $_, 0) } | Measure-Object -Sum).Sum -gt 0 })
$split = Split-RnnDataset -X $x -Y $y -TestFraction 0.25 -Seed 1 -Stratify
$model = New-RnnModel -InputShape 8, 2 -Seed 1 | Add-LstmLayer 16 | Add-DenseLayer 2 -Activation softmax
$model | Invoke-RnnTraining -X $split.XTrain -Y $split.YTrain -Epochs 3 -LearningRate 0.01 -ValidationData $split.XTest, $split.YTest -Quiet | Out-Null
'@
}

Describe 'A script''s output' {
    It 'prints the History as a table and then a detailed evaluation as its report, not a property list' {
        $run = Invoke-ScriptFile $FirstModel, @'
$model.History
$model | Measure-RnnModel -X $split.XTest -Y $split.YTest -Detailed
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match '(?m)^Epoch\s+Loss\s+Metric\s+ValLoss\s+ValMetric\s+LearningRate\s+Seconds$'
        $run.Text | Should -Match '(?m)^\s+3\s+\d\.\d{4}\s+accuracy \d\.\d{4}'
        $run.Text | Should -Match '(?m)^Loss \d\.\d{4}, accuracy \d\.\d{4}, 50 samples$'
        $run.Text | Should -Match '(?m)^\s+precision\s+recall\s+f1-score\s+support$'
        $run.Text | Should -Match '(?m)^Confusion matrix \(rows: true class, columns: predicted class\):$'
        $run.Text | Should -Not -Match '(?m)^(PerClass|MacroPrecision|ConfusionMatrix)\s*:' -Because 'the report is not a property list'
    }

    It 'prints every report by its own view after a table' {
        $run = Invoke-ScriptFile $FirstModel, @'
$model.History
1..6 | ConvertTo-RnnTensor -Shape 2, 3
$model
$model | Measure-RnnModel -X $split.XTest -Y $split.YTest
$split
1..30 | ConvertTo-RnnWindow -Lookback 5
@(@(1, 2, 3), @(4)) | ConvertTo-RnnSequenceBatch -IncludeLength
($model | Measure-RnnModel -X $split.XTest -Y $split.YTest -Detailed).ConfusionMatrix
New-RnnModel -InputShape 0, 2 -Name watcher -Seed 1 | Add-LstmLayer 3 | New-RnnStream -BatchSize 2
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $text = $run.Text
        $text | Should -Match '(?m)^Epoch\s+Loss\s+Metric'
        $text | Should -Match '(?m)^Tensor \(2, 3\) int32\n\[\[1 2 3\]\n \[4 5 6\]\]$'
        $text | Should -Match 'Model: "sequential"'
        $text | Should -Match 'Trained 3 epochs: loss \d\.\d{4}, accuracy \d\.\d{4}, val_loss \d\.\d{4}'
        $text | Should -Match '(?m)^Loss\s+: \d\.\d{4}\nAccuracy : \d\.\d{4}\nSamples\s+: 50$'
        $text | Should -Match '(?m)^XTrain : \(150, 8, 2\) float32$'
        $text | Should -Match '(?m)^X\s+: \(25, 5, 1\) float32$'
        $text | Should -Match '(?m)^X\s+: \(2, 3, 1\) float32$'
        $text | Should -Match '(?m)^true\\pred\s+0\s+1$'
        $text | Should -Match '(?m)^States\s+: lstm\.h \(2, 3\), lstm\.c \(2, 3\)$'
        # What PowerShell prints for an object whose view lost to the first object's: all its properties.
        $text | Should -Not -Match '(?m)^(DType|Rank|InputShape|ParameterCount|TrainIndex|Counts)\s*:'
    }

    It 'prints a table after a report as its table, and lists every property with Format-List * -Force' {
        $run = Invoke-ScriptFile $FirstModel, @'
$model
$model.History
1..6 | ConvertTo-RnnTensor -Shape 2, 3 | Format-List * -Force
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match 'Model: "sequential"'
        $run.Text | Should -Match '(?m)^Epoch\s+Loss\s+Metric\s+ValLoss\s+ValMetric\s+LearningRate\s+Seconds$'
        $run.Text | Should -Not -Match '(?m)^Epoch\s+: 1$'
        $run.Text | Should -Match '(?m)^DType\s+: Int32$'
        $run.Text | Should -Match '(?m)^ShapeText\s+: \(2, 3\)$'
    }
}
