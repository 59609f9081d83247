BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Add-GlobalPoolingLayer' {
    It 'adds Keras''s GlobalAveragePooling1D by default and GlobalMaxPooling1D with -Mode Max' {
        # A second pooling has no sequence left to pool.
        { New-RnnModel -InputShape 7, 3 | Add-GruLayer 4 -ReturnSequences | Add-GlobalPoolingLayer | Add-GlobalPoolingLayer -Mode Max } |
            Should -Throw -ErrorId 'LayerNeedsSequence,PSRnn.Commands.AddGlobalPoolingLayerCommand'
        $model = New-RnnModel -InputShape 7, 3 | Add-GruLayer 4 -ReturnSequences | Add-GlobalPoolingLayer
        $model.Layers[1].KerasClassName | Should -Be 'GlobalAveragePooling1D'
        $model.Layers[1].Name | Should -Be 'global_average_pooling1d'
        $model.Layers[1].OutputShape.Features | Should -Be 4
        (New-RnnModel -InputShape 7, 3 | Add-LstmLayer 2 -ReturnSequences | Add-GlobalPoolingLayer Max).Layers[1].KerasClassName | Should -Be 'GlobalMaxPooling1D'
    }

    It 'pools only the real steps: a padded sample predicts as it does alone' {
        # The average: an LSTM repeats its last real output over padding, which a mask-blind mean would count.
        $rows = 0..5 | ForEach-Object { [float](0.3 + $_ / 7) }
        $padded = ConvertTo-RnnTensor -InputObject ([float[]] ($rows[0..3] + @(0, 0, 0, 0) + $rows[0..5] + $rows[0..1])) -Shape 2, 4, 2
        $alone = ConvertTo-RnnTensor -InputObject ([float[]] $rows[0..3]) -Shape 1, 2, 2
        $model = New-RnnModel -InputShape 0, 2 -Seed 4 | Add-MaskingLayer | Add-LstmLayer 3 -ReturnSequences | Add-GlobalPoolingLayer | Add-DenseLayer 2 -Activation softmax
        $together = (Invoke-RnnPrediction -Model $model -X $padded).ToArray()
        $single = (Invoke-RnnPrediction -Model $model -X $alone).ToArray()
        # Rows of (N, 2) probabilities: the padded sample's row 0 against the sample alone.
        [Math]::Abs($together[0, 0] - $single[0, 0]) | Should -BeLessThan 1e-6
        [Math]::Abs($together[0, 1] - $single[0, 1]) | Should -BeLessThan 1e-6
        [Math]::Abs($together[0, 0] - $together[1, 0]) | Should -BeGreaterThan 1e-6   # the other sample differs
    }

    It 'trains, and keeps its mode through a model file' {
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [Math]::Sin($_ * 0.7) })) -Shape 12, 4, 2
        $y = ConvertTo-RnnTensor -InputObject ([long[]] (0..11 | ForEach-Object { $_ % 2 }))
        $model = New-RnnModel -InputShape 4, 2 -Seed 2 | Add-SimpleRnnLayer 3 -ReturnSequences | Add-GlobalPoolingLayer -Mode Max | Add-DenseLayer 2 -Activation softmax
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -Quiet
        $path = Join-Path $TestDrive 'pool.safetensors'
        $model | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Layers[1].Mode | Should -Be 'Max'
        (Invoke-RnnPrediction -Model $back -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $x).ToArray()
    }
}

Describe 'Add-LayerNormalizationLayer' {
    It 'adds Keras''s LayerNormalization (epsilon 1e-3, gamma and beta) and normalizes each step' {
        $model = New-RnnModel -InputShape 3, 4 | Add-LayerNormalizationLayer
        $layer = $model.Layers[0]
        $layer.KerasClassName | Should -Be 'LayerNormalization'
        $layer.Name | Should -Be 'layer_normalization'
        $layer.ParameterNames | Should -Be 'gamma', 'beta'
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..24 | ForEach-Object { $_ * $_ % 7 })) -Shape 2, 3, 4
        $y = (Invoke-RnnPrediction -Model $model -X $x).ToArray()
        foreach ($b in 0..1) {
            foreach ($t in 0..2) {
                $row = foreach ($f in 0..3) { $y[$b, $t, $f] }
                [Math]::Abs(($row | Measure-Object -Sum).Sum) | Should -BeLessThan 1e-5
            }
        }
        (New-RnnModel -InputShape 3, 4 | Add-LayerNormalizationLayer -Center $false -Epsilon 1e-5).Layers[0].ParameterNames | Should -Be 'gamma'
    }

    It 'trains between recurrent layers and keeps its settings through a model file' {
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [Math]::Cos($_ * 0.3) })) -Shape 12, 4, 2
        $y = ConvertTo-RnnTensor -InputObject ([long[]] (0..11 | ForEach-Object { $_ % 2 }))
        $model = New-RnnModel -InputShape 4, 2 -Seed 2 | Add-GruLayer 3 -ReturnSequences | Add-LayerNormalizationLayer -Epsilon 1e-4 |
            Add-SimpleRnnLayer 3 | Add-DenseLayer 2 -Activation softmax
        $before = $model.Layers[1].Parameters[0].Value.Clone()
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -Quiet
        $model.Layers[1].Parameters[0].Value | Should -Not -Be $before
        $path = Join-Path $TestDrive 'norm.safetensors'
        $model | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Layers[1].Epsilon | Should -Be ([float] 1e-4)
        (Invoke-RnnPrediction -Model $back -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $x).ToArray()
    }
}

Describe 'Add-Conv1DLayer' {
    It 'adds Keras''s Conv1D with its paddings, strides and dilation' {
        $model = New-RnnModel -InputShape 10, 3 | Add-Conv1DLayer 4 3 -Strides 2 -Padding Same -Activation relu
        $layer = $model.Layers[0]
        $layer.KerasClassName | Should -Be 'Conv1D'
        $layer.OutputShape.Time | Should -Be 5
        $layer.OutputShape.Features | Should -Be 4
        $layer.Parameters[0].Shape | Should -Be 3, 3, 4
        (New-RnnModel -InputShape 10, 3 | Add-Conv1DLayer 2 3).Layers[0].OutputShape.Time | Should -Be 8
        (New-RnnModel -InputShape 10, 3 | Add-Conv1DLayer 2 3 -Padding Causal -DilationRate 3).Layers[0].OutputShape.Time | Should -Be 10
    }

    It 'trains in front of a GRU on sequences of any length and keeps its settings through a model file' {
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..160 | ForEach-Object { [Math]::Sin($_ * 0.4) })) -Shape 8, 10, 2
        $y = ConvertTo-RnnTensor -InputObject ([long[]] (0..7 | ForEach-Object { $_ % 2 }))
        $model = New-RnnModel -InputShape 0, 2 -Seed 3 | Add-Conv1DLayer 3 2 -Padding Causal -DilationRate 2 | Add-GruLayer 3 | Add-DenseLayer 2 -Activation softmax
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -Quiet
        $path = Join-Path $TestDrive 'conv.safetensors'
        $model | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Layers[0].Padding | Should -Be 'Causal'
        $back.Layers[0].DilationRate | Should -Be 2
        (Invoke-RnnPrediction -Model $back -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $x).ToArray()
    }
}

Describe 'Add-MultiHeadAttentionLayer' {
    It 'adds Keras''s MultiHeadAttention as self-attention, with its weights in Keras''s shapes' {
        $model = New-RnnModel -InputShape 6, 3 | Add-LstmLayer 4 -ReturnSequences | Add-MultiHeadAttentionLayer -Heads 2 -KeyDim 3 -ValueDim 5 -Causal
        $layer = $model.Layers[1]
        $layer.KerasClassName | Should -Be 'MultiHeadAttention'
        $layer.Name | Should -Be 'multi_head_attention'
        $layer.ParameterNames | Should -Be 'query.kernel', 'query.bias', 'key.kernel', 'key.bias', 'value.kernel', 'value.bias', 'attention_output.kernel', 'attention_output.bias'
        $layer.Parameters[0].Shape | Should -Be 4, 2, 3
        $layer.Parameters[6].Shape | Should -Be 2, 5, 4
        $layer.Causal | Should -BeTrue
        $layer.OutputShape.Features | Should -Be 4
        $plain = (New-RnnModel -InputShape 6, 3 | Add-MultiHeadAttentionLayer 1 2 -UseBias $false -OutputSize 7).Layers[0]
        $plain.ParameterCount | Should -Be (3 * 3 * 2 + 2 * 7)
        $plain.OutputShape.Features | Should -Be 7
    }

    It 'trains on padded sequences and keeps its settings through a model file' {
        $rows = @(@(@(0.5, 1), @(1, 0.2), @(0.3, 0.9)), @(@(0.1, 0.4), @(0.3, 0.3)), @(@(1, 1), @(0.2, 0.6)), @(@(0.9, 0.1), @(0.4, 0.4), @(0.7, 0.8)))
        $x = ConvertTo-RnnSequenceBatch -InputObject $rows -Padding Pre
        $y = ConvertTo-RnnTensor -InputObject ([long[]] (1, 0, 0, 1))
        $model = New-RnnModel -InputShape 0, 2 -Seed 5 | Add-MaskingLayer | Add-GruLayer 4 -ReturnSequences | Add-MultiHeadAttentionLayer 2 2 -Causal |
            Add-GlobalPoolingLayer | Add-DenseLayer 2 -Activation softmax
        $before = $model.Layers[2].Parameters[0].Value.Clone()
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 3 -Quiet
        $model.Layers[2].Parameters[0].Value | Should -Not -Be $before
        $path = Join-Path $TestDrive 'mha.safetensors'
        $model | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Layers[2].Heads | Should -Be 2
        $back.Layers[2].Causal | Should -BeTrue
        (Invoke-RnnPrediction -Model $back -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $x).ToArray()
    }
}

Describe 'Add-AttentionLayer' {
    It 'adds Keras''s Attention as self-attention, with -UseScale and -Causal' {
        $model = New-RnnModel -InputShape 6, 3 | Add-LstmLayer 4 -ReturnSequences | Add-AttentionLayer -UseScale -Causal
        $layer = $model.Layers[1]
        $layer.KerasClassName | Should -Be 'Attention'
        $layer.ParameterNames | Should -Be 'scale'
        $layer.Causal | Should -BeTrue
        $layer.OutputShape.Features | Should -Be 4
        (New-RnnModel -InputShape 6, 3 | Add-AttentionLayer).Layers[0].ParameterCount | Should -Be 0
    }

    It 'trains on padded sequences and keeps its settings through a model file' {
        $rows = @(@(@(0.5, 1), @(1, 0.2), @(0.3, 0.9)), @(@(0.1, 0.4), @(0.3, 0.3)), @(@(1, 1), @(0.2, 0.6)), @(@(0.9, 0.1), @(0.4, 0.4), @(0.7, 0.8)))
        $x = ConvertTo-RnnSequenceBatch -InputObject $rows -Padding Post
        $y = ConvertTo-RnnTensor -InputObject ([long[]] (1, 0, 0, 1))
        $model = New-RnnModel -InputShape 0, 2 -Seed 5 | Add-MaskingLayer | Add-GruLayer 3 -ReturnSequences | Add-AttentionLayer -UseScale |
            Add-GlobalPoolingLayer | Add-DenseLayer 2 -Activation softmax
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 3 -Quiet
        $model.Layers[2].Parameters[0].Value[0] | Should -Not -Be 1
        $path = Join-Path $TestDrive 'attention.safetensors'
        $model | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Layers[2].UseScale | Should -BeTrue
        (Invoke-RnnPrediction -Model $back -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $x).ToArray()
    }
}

Describe 'Add-MinGruLayer and Add-MinLstmLayer' {
    It 'add minGRU (kernel F x 2U) and minLSTM (kernel F x 3U) with no recurrent kernel' {
        $model = New-RnnModel -InputShape 0, 3 | Add-MinGruLayer 4 -ReturnSequences -GoBackwards | Add-MinLstmLayer 5 -UseBias $false
        $model.Layers.KerasClassName | Should -Be 'MinGRU', 'MinLSTM'
        $model.Layers.Name | Should -Be 'min_gru', 'min_lstm'
        $model.Layers[0].ParameterNames | Should -Be 'kernel', 'bias'
        $model.Layers[0].Parameters[0].Shape | Should -Be 3, 8
        $model.Layers[1].ParameterNames | Should -Be 'kernel'
        $model.Layers[1].Parameters[0].Shape | Should -Be 4, 15
        $model.Layers[0].GoBackwards | Should -BeTrue
        $model.OutputShape.Features | Should -Be 5
    }

    It 'trains, predicts a padded sample as it does alone, and keeps its weights through a model file' {
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [Math]::Sin($_ * 0.7) })) -Shape 12, 4, 2
        $y = ConvertTo-RnnTensor -InputObject ([long[]] (0..11 | ForEach-Object { $_ % 2 }))
        $model = New-RnnModel -InputShape 0, 2 -Seed 2 | Add-MaskingLayer | Add-MinLstmLayer 4 -ReturnSequences -KernelRegularizer l2:1e-4 |
            Add-MinGruLayer 3 | Add-DenseLayer 2 -Activation softmax
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 3 -Quiet
        $padded = ConvertTo-RnnTensor -InputObject ([float[]] @(0.5, 0.25, -0.5, 1, 0, 0, 0, 0)) -Shape 1, 4, 2
        $alone = ConvertTo-RnnTensor -InputObject ([float[]] @(0.5, 0.25, -0.5, 1)) -Shape 1, 2, 2
        $p1 = (Invoke-RnnPrediction -Model $model -X $padded).ToArray()
        $p2 = (Invoke-RnnPrediction -Model $model -X $alone).ToArray()
        [Math]::Abs($p1[0, 0] - $p2[0, 0]) | Should -BeLessThan 1e-6
        $path = Join-Path $TestDrive 'min.safetensors'
        $model | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Layers[1].KerasClassName | Should -Be 'MinLSTM'
        $back.Layers[1].Regularizers['kernel'] | Should -Not -BeNullOrEmpty
        (Invoke-RnnPrediction -Model $back -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $x).ToArray()
    }

    It 'streams step by step as the whole sequence, and trains with -TruncatedBptt' {
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..48 | ForEach-Object { [Math]::Cos($_ * 0.4) })) -Shape 4, 6, 2
        $y = ConvertTo-RnnTensor -InputObject ([float[]] (1..24 | ForEach-Object { [Math]::Sin($_ * 0.4) })) -Shape 4, 6, 1
        $model = New-RnnModel -InputShape 0, 2 -Seed 3 | Add-MinGruLayer 4 -ReturnSequences | Add-DenseLayer 1
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -TruncatedBptt 2 -Loss mse -Quiet
        $whole = (Invoke-RnnPrediction -Model $model -X $x).ToArray()
        $stream = $model | New-RnnStream -BatchSize 4
        $xs = $x.ToArray()
        foreach ($t in 0..5) {
            $step = [float[,,]]::new(4, 1, 2)
            foreach ($b in 0..3) { foreach ($f in 0..1) { $step[$b, 0, $f] = $xs[$b, $t, $f] } }
            $out = ($stream | Invoke-RnnPrediction -X $step).ToArray()
            foreach ($b in 0..3) { [Math]::Abs($out[$b, 0, 0] - $whole[$b, $t, 0]) | Should -BeLessThan 1e-5 }
        }
        ($stream | Get-RnnStreamState).Keys | Should -Contain 'min_gru.h'
    }
}
