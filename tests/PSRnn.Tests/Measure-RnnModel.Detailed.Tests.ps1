BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    . (Join-Path $PSScriptRoot 'PngTools.ps1')
    # scikit-learn's classification_report and confusion_matrix for fixed true and predicted classes
    # (tests/fixtures/report/make_fixtures.py).
    $script:Reference = Get-Content (Join-Path $PSScriptRoot '../fixtures/report/report.json') -Raw | ConvertFrom-Json -AsHashtable

    # A model that predicts exactly the classes asked for: one step of k features through an identity SimpleRNN
    # (linear) and an identity Dense layer, so the argmax of the output is the input's hot feature. A single sigmoid
    # output for two classes: +4 or -4 through identities.
    function New-PredictingModel {
        param([long[]] $Predicted, [int] $Classes)
        $binary = $Classes -eq 2
        $units = if ($binary) { 1 } else { $Classes }
        $activation = if ($binary) { 'sigmoid' } else { 'softmax' }
        $model = New-RnnModel -InputShape 1, $units | Add-SimpleRnnLayer $units -Activation linear | Add-DenseLayer $units -Activation $activation
        $identity = [float[]]::new($units * $units)
        for ($i = 0; $i -lt $units; $i++) { $identity[$i * $units + $i] = 1 }
        foreach ($layer in 0, 1) {
            $model | Set-RnnLayerWeight $layer kernel (ConvertTo-RnnTensor -InputObject $identity -Shape $units, $units) | Out-Null
        }
        $x = [float[]]::new($Predicted.Count * $units)
        for ($n = 0; $n -lt $Predicted.Count; $n++) {
            if ($binary) { $x[$n] = if ($Predicted[$n]) { 4 } else { -4 } } else { $x[$n * $units + $Predicted[$n]] = 4 }
        }
        [pscustomobject]@{ Model = $model; X = ConvertTo-RnnTensor -InputObject $x -Shape $Predicted.Count, 1, $units }
    }
}

Describe 'Measure-RnnModel -Detailed' {
    Context 'against scikit-learn (<_>)' -ForEach 'four_classes', 'binary' {
        BeforeAll {
            $case = $Reference[$_]
            $setup = New-PredictingModel -Predicted ([long[]] $case.predicted) -Classes $case.classes
            $y = if ($case.classes -eq 2) {
                ConvertTo-RnnTensor -InputObject ([float[]] $case.actual) -Shape $case.actual.Count, 1
            }
            else { ConvertTo-RnnTensor -InputObject ([long[]] $case.actual) }
            $report = $setup.Model | Measure-RnnModel $setup.X $y -Detailed
        }

        It 'predicts the fixture''s classes (the set-up is right)' {
            $classes = Invoke-RnnPrediction -Model $setup.Model -X $setup.X -Class
            @($classes.Data) | Should -Be $case.predicted
        }

        It 'has scikit-learn''s confusion matrix' {
            $k = $case.classes
            $report.ConfusionMatrix.Counts.GetLength(0) | Should -Be $k
            for ($t = 0; $t -lt $k; $t++) {
                for ($p = 0; $p -lt $k; $p++) { $report.ConfusionMatrix.Counts[$t, $p] | Should -Be $case.confusion[$t][$p] }
            }
        }

        It 'has scikit-learn''s per-class precision, recall, F1 and support' {
            $report.PerClass | Should -HaveCount $case.classes
            foreach ($row in $report.PerClass) {
                [math]::Abs($row.Precision - $case.precision[$row.Index]) | Should -BeLessThan 1e-12
                [math]::Abs($row.Recall - $case.recall[$row.Index]) | Should -BeLessThan 1e-12
                [math]::Abs($row.F1 - $case.f1[$row.Index]) | Should -BeLessThan 1e-12
                $row.Support | Should -Be $case.support[$row.Index]
                $row.Class | Should -Be "$($row.Index)"
            }
        }

        It 'has scikit-learn''s macro and weighted averages and the accuracy' {
            [math]::Abs($report.MacroPrecision - $case.macro.precision) | Should -BeLessThan 1e-12
            [math]::Abs($report.MacroRecall - $case.macro.recall) | Should -BeLessThan 1e-12
            [math]::Abs($report.MacroF1 - $case.macro.'f1-score') | Should -BeLessThan 1e-12
            [math]::Abs($report.WeightedPrecision - $case.weighted.precision) | Should -BeLessThan 1e-12
            [math]::Abs($report.WeightedRecall - $case.weighted.recall) | Should -BeLessThan 1e-12
            [math]::Abs($report.WeightedF1 - $case.weighted.'f1-score') | Should -BeLessThan 1e-12
            [math]::Abs($report.Accuracy - $case.accuracy) | Should -BeLessThan 1e-7
            $report.Samples | Should -Be $case.actual.Count
        }
    }

    It 'reads one-hot targets as their argmax, and names the classes with -ClassNames' {
        $case = $Reference['four_classes']
        $setup = New-PredictingModel -Predicted ([long[]] $case.predicted) -Classes 4
        $oneHot = ConvertTo-RnnTensor -InputObject ([long[]] $case.actual) | ConvertTo-RnnOneHot -NumClasses 4
        $report = $setup.Model | Measure-RnnModel $setup.X $oneHot -Detailed -ClassNames zero, one, two, three
        $report.PerClass.Class | Should -Be @('zero', 'one', 'two', 'three')
        $report.ConfusionMatrix.Labels | Should -Be @('zero', 'one', 'two', 'three')
        $report.ConfusionMatrix.Counts[0, 1] | Should -Be $case.confusion[0][1]
        "$($report.ConfusionMatrix)" | Should -Match '^true\\pred\s+zero\s+one\s+two\s+three'
    }

    It 'leaves the plain result unchanged without -Detailed' {
        $setup = New-PredictingModel -Predicted ([long[]] (0, 1, 2)) -Classes 3
        $plain = $setup.Model | Measure-RnnModel $setup.X ([long[]] (0, 1, 1))
        $plain.PSObject.Properties.Name | Should -Be @('Loss', 'Accuracy', 'Samples')
        $plain.PSObject.TypeNames[0] | Should -Be 'PSRnn.Evaluation'
    }

    It 'refuses -ClassNames of the wrong count with ClassNamesCountMismatch' {
        $setup = New-PredictingModel -Predicted ([long[]] (0, 1, 2)) -Classes 3
        { $setup.Model | Measure-RnnModel $setup.X ([long[]] (0, 1, 1)) -Detailed -ClassNames a, b } |
            Should -Throw -ErrorId 'ClassNamesCountMismatch,PSRnn.Commands.MeasureRnnModelCommand'
    }

    It 'refuses a regression model with ReportNeedsClassifier' {
        $data = New-ToyData -Count 8
        $model = New-RnnModel -InputShape 6, 2 | Add-GruLayer 2 | Add-DenseLayer 1
        $y = ConvertTo-RnnTensor -InputObject ([float[]]::new(8)) -Shape 8, 1
        { $model | Measure-RnnModel $data.X $y -Detailed } | Should -Throw -ErrorId 'ReportNeedsClassifier,PSRnn.Commands.MeasureRnnModelCommand'
    }
}

Describe 'Export-RnnConfusionMatrix' {
    BeforeAll {
        $case = $Reference['four_classes']
        $setup = New-PredictingModel -Predicted ([long[]] $case.predicted) -Classes 4
        $report = $setup.Model | Measure-RnnModel $setup.X ([long[]] $case.actual) -Detailed
    }

    It 'draws the piped report''s matrix as a heat map of the default size' {
        $path = Join-Path $TestDrive 'cm.png'
        $report | Export-RnnConfusionMatrix $path | Should -BeNullOrEmpty
        $png = [PSRnnTests.PngImage]::Read($path)
        $png.Width | Should -Be 800
        $png.Height | Should -Be 700
        $png.InkedFraction() | Should -BeGreaterThan 0.4 -Because 'the heat map fills most of the picture'
        $png.DistinctColors() | Should -BeGreaterThan 20 -Because 'cells of different counts get different colours, and there is text'
    }

    It 'honours -Normalize, -Width, -Height, -Title, -LiteralPath and -PassThru' {
        $path = Join-Path $TestDrive 'normalized.png'
        $file = Export-RnnConfusionMatrix -ConfusionMatrix $report.ConfusionMatrix -LiteralPath $path -Normalize -Width 500 -Height 450 -Title 'four' -PassThru
        $file | Should -BeOfType [IO.FileInfo]
        $png = [PSRnnTests.PngImage]::Read($path)
        $png.Width | Should -Be 500
        $png.Height | Should -Be 450
        $png.InkedFraction() | Should -BeGreaterThan 0.3
    }

    It 'refuses to overwrite without -Force, and writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'exists.png'
        Set-Content -LiteralPath $path -Value 'x'
        { $report | Export-RnnConfusionMatrix $path } | Should -Throw -ErrorId 'ExportFileExists,PSRnn.Commands.ExportRnnConfusionMatrixCommand'
        Invoke-WithoutHost { param($Report, $Path) $Report | Export-RnnConfusionMatrix $Path -WhatIf } $report, (Join-Path $TestDrive 'whatif.png')
        Test-Path (Join-Path $TestDrive 'whatif.png') | Should -BeFalse
    }
}
