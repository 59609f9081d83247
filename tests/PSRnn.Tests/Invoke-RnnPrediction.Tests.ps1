BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 64 -Steps 5 -Features 2 -Seed 4
    $model = New-RnnModel -InputShape 5, 2 -Seed 2 | Add-GruLayer 6 | Add-DenseLayer 2 -Activation softmax |
        Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3
}

Describe 'Invoke-RnnPrediction' {
    It 'returns probabilities per sample' {
        $p = $model | Invoke-RnnPrediction -X $data.X
        $p.Shape | Should -Be @(64, 2)
        $p.DType | Should -Be 'Float32'
        for ($i = 0; $i -lt 64; $i++) { ($p.GetValue($i, 0) + $p.GetValue($i, 1)) | Should -BeGreaterThan 0.99999 }
    }

    It 'returns class indices with -Class, as argmax' {
        $p = Invoke-RnnPrediction -Model $model -X $data.X
        $c = Invoke-RnnPrediction -Model $model -X $data.X -Class
        $c.DType | Should -Be 'Int64'
        $c.Shape | Should -Be @(64)
        for ($i = 0; $i -lt 64; $i++) { $c.GetValue($i) | Should -Be ([long]($p.GetValue($i, 1) -gt $p.GetValue($i, 0))) }
    }

    It 'agrees with Measure-RnnModel''s accuracy' {
        $c = $model | Invoke-RnnPrediction -X $data.X -Class
        $hits = 0
        for ($i = 0; $i -lt 64; $i++) { if ($c.GetValue($i) -eq $data.Labels.GetValue($i)) { $hits++ } }
        ($model | Measure-RnnModel -X $data.X -Y $data.Labels).Accuracy | Should -Be ($hits / 64)
    }

    It 'does not depend on the batch size' {
        $a = $model | Invoke-RnnPrediction -X $data.X -BatchSize 64
        $b = $model | Invoke-RnnPrediction -X $data.X -BatchSize 7
        for ($i = 0; $i -lt $a.Length; $i++) { [Math]::Abs($a.Data[$i] - $b.Data[$i]) | Should -BeLessThan 1e-6 }
    }

    It 'gives per-step outputs for a per-step Dense' {
        $m = New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 -ReturnSequences | Add-DenseLayer 4 -Activation softmax
        ($m | Invoke-RnnPrediction -X $data.X).Shape | Should -Be @(64, 5, 4)
        ($m | Invoke-RnnPrediction -X $data.X -Class).Shape | Should -Be @(64, 5)
    }

    It 'refuses samples of the wrong shape' {
        { $model | Invoke-RnnPrediction -X ([float[, , ]]::new(2, 5, 3)) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InputShapeMismatch,PSRnn.Commands.InvokeRnnPredictionCommand'
    }
}

Describe 'Measure-RnnModel' {
    It 'returns the loss, the metric and the sample count' {
        $r = $model | Measure-RnnModel -X $data.X -Y $data.OneHot
        $r.Loss | Should -BeGreaterThan 0
        $r.Accuracy | Should -BeGreaterOrEqual 0
        $r.Samples | Should -Be 64
    }

    It 'gives the same loss for one-hot targets and class labels' {
        $a = ($model | Measure-RnnModel -X $data.X -Y $data.OneHot).Loss
        $b = ($model | Measure-RnnModel -X $data.X -Y $data.Labels).Loss
        [Math]::Abs($a - $b) | Should -BeLessThan 1e-6
    }

    It 'refuses targets of the wrong shape' {
        { $model | Measure-RnnModel -X $data.X -Y ([float[, ]]::new(64, 3)) -ErrorAction Stop } |
            Should -Throw -ErrorId 'TargetShapeMismatch,PSRnn.Commands.MeasureRnnModelCommand'
    }
}

Describe 'Get-RnnLayerWeight and Set-RnnLayerWeight' {
    It 'round-trips a weight by layer index and by name' {
        $k = Get-RnnLayerWeight -Model $model -Layer 0 -Name recurrent_kernel
        $k.Shape | Should -Be @(6, 18)
        $m2 = New-RnnModel -InputShape 5, 2 -Seed 99 | Add-GruLayer 6 | Add-DenseLayer 2 -Activation softmax
        Set-RnnLayerWeight -Model $m2 -Layer gru -Name recurrent_kernel -Value $k
        (Get-RnnLayerWeight -Model $m2 -Layer gru -Name recurrent_kernel).Data | Should -Be $k.Data
    }

    It 'copies every weight so two models predict alike' {
        $m2 = New-RnnModel -InputShape 5, 2 -Seed 98 | Add-GruLayer 6 | Add-DenseLayer 2 -Activation softmax
        foreach ($i in 0, 1) {
            foreach ($w in Get-RnnLayerWeight -Model $model -Layer $i) { $m2 | Set-RnnLayerWeight -Layer $i -Name $w.Name -Value $w }
        }
        ($m2 | Invoke-RnnPrediction -X $data.X).Data | Should -Be ($model | Invoke-RnnPrediction -X $data.X).Data
    }

    It 'takes plain arrays and passes the model on with -PassThru' {
        $m = New-RnnModel -InputShape 5, 2 | Add-DenseLayer 1 -UseBias $true
        $out = $m | Set-RnnLayerWeight -Layer -1 -Name bias -Value ([float[]](0.5)) -PassThru
        $out | Should -Be $m
        (Get-RnnLayerWeight -Model $m -Layer 0 -Name bias).Data | Should -Be @(0.5)
    }

    It 'lists every weight of the model without -Layer' {
        (Get-RnnLayerWeight -Model $model).Name | Should -Be @('gru/kernel', 'gru/recurrent_kernel', 'gru/bias', 'dense/kernel', 'dense/bias')
    }

    It 'refuses a value of the wrong shape' {
        { Set-RnnLayerWeight -Model $model -Layer 0 -Name kernel -Value ([float[, ]]::new(18, 2)) -ErrorAction Stop } |
            Should -Throw -ErrorId 'WeightShapeMismatch,PSRnn.Commands.SetRnnLayerWeightCommand'
    }

    It 'refuses an unknown weight or layer' {
        { Get-RnnLayerWeight -Model $model -Layer 0 -Name gamma -ErrorAction Stop } |
            Should -Throw -ErrorId 'WeightNotFound,PSRnn.Commands.GetRnnLayerWeightCommand'
        { Get-RnnLayerWeight -Model $model -Layer 5 -ErrorAction Stop } |
            Should -Throw -ErrorId 'LayerNotFound,PSRnn.Commands.GetRnnLayerWeightCommand'
        { Set-RnnLayerWeight -Model $model -Layer nope -Name kernel -Value @(1) -ErrorAction Stop } |
            Should -Throw -ErrorId 'LayerNotFound,PSRnn.Commands.SetRnnLayerWeightCommand'
    }

    It 'changes nothing with -WhatIf' {
        $before = (Get-RnnLayerWeight -Model $model -Layer 1 -Name bias).Data
        Invoke-WithoutHost { param($Model) Set-RnnLayerWeight -Model $Model -Layer 1 -Name bias -Value ([float[]](9, 9)) -WhatIf } $model
        (Get-RnnLayerWeight -Model $model -Layer 1 -Name bias).Data | Should -Be $before
    }
}

Describe 'Invoke-RnnPrediction -Sample' {
    It 'returns class indices shaped as -Class' {
        $s = $model | Invoke-RnnPrediction -X $data.X -Sample -Seed 1
        $s.DType | Should -Be 'Int64'
        $s.Shape | Should -Be @(64)
        $s.Data | ForEach-Object { $_ | Should -BeIn 0, 1 }
    }

    It 'gives the same draws for the same seed' {
        $a = $model | Invoke-RnnPrediction -X $data.X -Temperature 1.5 -Seed 7
        $b = $model | Invoke-RnnPrediction -X $data.X -Temperature 1.5 -Seed 7
        $a.Data | Should -Be $b.Data
    }

    It 'is argmax at temperature 0' {
        ($model | Invoke-RnnPrediction -X $data.X -Sample -Temperature 0).Data |
            Should -Be ($model | Invoke-RnnPrediction -X $data.X -Class).Data
    }

    It 'samples every step of per-step outputs, also for token ids into an Embedding' {
        $m = New-RnnModel -InputShape 5 -Seed 3 | Add-EmbeddingLayer 7 4 | Add-LstmLayer 3 -ReturnSequences |
            Add-DenseLayer 7 -Activation softmax
        $ids = ConvertTo-RnnTensor -InputObject ([long[]](0..9 | ForEach-Object { $_ % 7 })) -Shape 2, 5
        ($m | Invoke-RnnPrediction -X $ids).Shape | Should -Be @(2, 5, 7)
        ($m | Invoke-RnnPrediction -X $ids -Class).Shape | Should -Be @(2, 5)
        ($m | Invoke-RnnPrediction -X $ids -Sample -Temperature 0.7 -Seed 1).Shape | Should -Be @(2, 5)
    }

    It 'refuses a negative temperature' {
        { $model | Invoke-RnnPrediction -X $data.X -Temperature -0.5 -ErrorAction Stop } |
            Should -Throw -ErrorId 'SampleTemperatureInvalid,PSRnn.Commands.InvokeRnnPredictionCommand'
    }

    It 'refuses a model without a softmax or sigmoid output' {
        $m = New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 | Add-DenseLayer 2
        { $m | Invoke-RnnPrediction -X $data.X -Sample -ErrorAction Stop } |
            Should -Throw -ErrorId 'SampleNotProbabilities,PSRnn.Commands.InvokeRnnPredictionCommand'
    }

    It 'does not combine -Sample with -Class' {
        { $model | Invoke-RnnPrediction -X $data.X -Sample -Class -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,PSRnn.Commands.InvokeRnnPredictionCommand'
    }
}

Describe 'Invoke-RnnPrediction -Precision' {
    It 'gives float32''s outputs by default and with -Precision Float32, and nearby ones with Int8 and BFloat16' {
        $full = $model | Invoke-RnnPrediction -X $data.X
        $same = $model | Invoke-RnnPrediction -X $data.X -Precision float32
        $same.Data | Should -Be $full.Data
        foreach ($precision in 'Int8', 'BFloat16') {
            $low = $model | Invoke-RnnPrediction -X $data.X -Precision $precision
            $low.Shape | Should -Be @(64, 2)
            $change = (0..($full.Length - 1) | ForEach-Object { [Math]::Abs($full.Data[$_] - $low.Data[$_]) } | Measure-Object -Maximum).Maximum
            $change | Should -BeGreaterThan 0 -Because "$precision weights are not float32's"
            $change | Should -BeLessThan 1e-2
        }
    }

    It 'rebuilds its copy when the weights change' {
        $m = New-RnnModel -InputShape 5, 2 -Seed 3 | Add-LstmLayer 6 | Add-DenseLayer 2 -Activation softmax
        $before = $m | Invoke-RnnPrediction -X $data.X -Precision Int8
        $kernel = $m | Get-RnnLayerWeight -Layer 1 -Name kernel
        $m | Set-RnnLayerWeight -Layer 1 -Name kernel -Value (ConvertTo-RnnTensor -InputObject ([float[]] ($kernel.Data | ForEach-Object { -$_ })) -Shape 6, 2)
        $after = $m | Invoke-RnnPrediction -X $data.X -Precision Int8
        # A two-class softmax of negated logits swaps the probabilities.
        for ($i = 0; $i -lt 64; $i++) { [Math]::Abs($after.GetValue($i, 0) - $before.GetValue($i, 1)) | Should -BeLessThan 1e-5 }
    }

    It 'applies to streams and Measure-RnnModel' {
        $stream = $model | New-RnnStream -BatchSize 64
        $streamed = Invoke-RnnPrediction -Stream $stream -X $data.X -Precision Int8
        $whole = $model | Invoke-RnnPrediction -X $data.X -Precision Int8 -BatchSize 64
        $streamed.Data | Should -Be $whole.Data
        $a = ($model | Measure-RnnModel -X $data.X -Y $data.Labels).Loss
        $b = ($model | Measure-RnnModel -X $data.X -Y $data.Labels -Precision BFloat16).Loss
        $b | Should -Not -Be $a
        [Math]::Abs($a - $b) | Should -BeLessThan 1e-2
    }

    It 'refuses an unknown precision' {
        { $model | Invoke-RnnPrediction -X $data.X -Precision Int4 -ErrorAction Stop } |
            Should -Throw -ErrorId 'PrecisionUnknown,PSRnn.Commands.InvokeRnnPredictionCommand'
    }

    It 'is PSRnn''s engine''s, not ONNX Runtime''s' {
        { $model | Invoke-RnnPrediction -X $data.X -Precision BFloat16 -Engine OnnxRuntime -ErrorAction Stop } |
            Should -Throw -ErrorId 'PrecisionNeedsPSRnnEngine,PSRnn.Commands.InvokeRnnPredictionCommand'
        $a = $model | Invoke-RnnPrediction -X $data.X -Precision Float32 -Engine OnnxRuntime
        $a.Shape | Should -Be @(64, 2)
    }
}
