BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'New-RnnModel and the Add-*Layer cmdlets' {
    It 'creates an empty model with a shape, a name and a seed' {
        $m = New-RnnModel -InputShape 10, 3 -Name speech -Seed 7
        $m.Name | Should -Be 'speech'
        $m.Seed | Should -Be 7
        $m.InputShape.ToString() | Should -Be '(None, 10, 3)'
        $m.Layers.Count | Should -Be 0
    }

    It 'allows a variable number of time steps' {
        (New-RnnModel -InputShape 0, 13).InputShape.ToString() | Should -Be '(None, None, 13)'
    }

    It 'stacks layers through the pipeline with Keras names, shapes and parameter counts' {
        $m = New-RnnModel -InputShape 10, 3 -Seed 1 |
            Add-LstmLayer 8 -ReturnSequences |
            Add-GruLayer 4 |
            Add-DenseLayer 3 -Activation softmax
        $m.Layers.Name | Should -Be @('lstm', 'gru', 'dense')
        $m.Layers.KerasClassName | Should -Be @('LSTM', 'GRU', 'Dense')
        $m.Layers[0].OutputShape.ToString() | Should -Be '(None, 10, 8)'
        $m.Layers[1].OutputShape.ToString() | Should -Be '(None, 4)'
        # Keras: LSTM 4·8·(3+8+1) = 384; GRU (reset_after) 3·4·(8+4+2) = 168; Dense 4·3+3 = 15.
        $m.Layers | ForEach-Object ParameterCount | Should -Be @(384, 168, 15)
        $m.ParameterCount | Should -Be 567
    }

    It 'prints as Keras''s model summary' {
        $m = New-RnnModel -InputShape 10, 3 | Add-SimpleRnnLayer 5 | Add-DenseLayer 2
        $text = $m | Out-String
        $text | Should -Match 'Model: "sequential"'
        $text | Should -Match 'simple_rnn \(SimpleRNN\)\s+\(None, 5\)\s+45'
        $text | Should -Match 'Total params: 57'
    }

    It 'names layers uniquely and takes -Name' {
        $m = New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 -ReturnSequences | Add-LstmLayer 3 -Name encoder
        $m.Layers.Name | Should -Be @('lstm', 'encoder')
        $m = New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 -ReturnSequences | Add-LstmLayer 3
        $m.Layers.Name | Should -Be @('lstm', 'lstm_1')
    }

    It 'wraps a recurrent layer in Bidirectional' {
        $m = New-RnnModel -InputShape 5, 2 | Add-GruLayer 4 -Bidirectional -ResetAfter $false
        $m.Layers[0].KerasClassName | Should -Be 'Bidirectional'
        $m.Layers[0].OutputShape.ToString() | Should -Be '(None, 8)'
        (Get-RnnLayerWeight -Model $m -Layer 0).Name | Should -Be @('forward.kernel', 'forward.recurrent_kernel', 'forward.bias', 'backward.kernel', 'backward.recurrent_kernel', 'backward.bias')
        (Get-RnnLayerWeight -Model $m -Layer 0 -Name forward.bias).Shape | Should -Be @(12)
    }

    It 'projects an LSTM''s h with -ProjectionSize (PyTorch''s proj_size), through a file and a stream' {
        $m = New-RnnModel -InputShape 0, 3 -Seed 2 | Add-LstmLayer 6 -ProjectionSize 2 -ReturnSequences | Add-LstmLayer 5 -ProjectionSize 3 -Bidirectional | Add-DenseLayer 2
        $m.Layers[0].OutputShape.ToString() | Should -Be '(None, None, 2)'
        $m.Layers[1].OutputShape.ToString() | Should -Be '(None, 6)'
        (Get-RnnLayerWeight -Model $m -Layer 0).Name | Should -Be @('kernel', 'recurrent_kernel', 'bias', 'weight_hr')
        (Get-RnnLayerWeight -Model $m -Layer 0 -Name recurrent_kernel).Shape | Should -Be @(2, 24)
        (Get-RnnLayerWeight -Model $m -Layer 0 -Name weight_hr).Shape | Should -Be @(6, 2)
        $x = ConvertTo-RnnTensor ([float[]](1..24 | ForEach-Object { [math]::Sin($_) })) -Shape 2, 4, 3
        $path = Join-Path $TestDrive 'proj.safetensors'
        $m | Export-RnnModel $path
        $read = Import-RnnModel $path
        (Invoke-RnnPrediction -Model $read -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $m -X $x).ToArray()
    }

    It 'adds an IndRNN with its bound, through a file' {
        $m = New-RnnModel -InputShape 0, 3 -Seed 2 | Add-IndRnnLayer 6 -Activation relu -RecurrentMax 0.5 -ReturnSequences | Add-IndRnnLayer 4 -Bidirectional | Add-DenseLayer 2
        $m.Layers[0].KerasClassName | Should -Be 'IndRNN'
        $m.Layers[0].Name | Should -Be 'ind_rnn'
        $m.Layers[1].OutputShape.ToString() | Should -Be '(None, 8)'
        (Get-RnnLayerWeight -Model $m -Layer 0 -Name recurrent_kernel).Shape | Should -Be @(6)
        (Get-RnnLayerWeight -Model $m -Layer 0 -Name recurrent_kernel).ToArray() | ForEach-Object { $_ | Should -BeLessOrEqual 0.5 }
        $x = ConvertTo-RnnTensor ([float[]](1..24 | ForEach-Object { [math]::Sin($_) })) -Shape 2, 4, 3
        $path = Join-Path $TestDrive 'ind.safetensors'
        $m | Export-RnnModel $path
        $read = Import-RnnModel $path
        $read.Layers[0].RecurrentMax | Should -Be 0.5
        (Invoke-RnnPrediction -Model $read -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $m -X $x).ToArray()
    }

    It 'adds Embedding, Dropout and per-step Dense layers' {
        $m = New-RnnModel -InputShape 20 | Add-EmbeddingLayer 30 8 | Add-LstmLayer 16 -ReturnSequences | Add-DropoutLayer 0.2 | Add-DenseLayer 30 -Activation softmax
        $m.Layers.KerasClassName | Should -Be @('Embedding', 'LSTM', 'Dropout', 'Dense')
        $m.OutputShape.ToString() | Should -Be '(None, 20, 30)'
    }

    It 'gives the same initial weights for the same seed, and others for another' {
        $a = New-RnnModel -InputShape 4, 3 -Seed 42 | Add-LstmLayer 5 | Add-DenseLayer 2
        $b = New-RnnModel -InputShape 4, 3 -Seed 42 | Add-LstmLayer 5 | Add-DenseLayer 2
        $c = New-RnnModel -InputShape 4, 3 -Seed 43 | Add-LstmLayer 5 | Add-DenseLayer 2
        Get-AllWeights $a | Should -Be (Get-AllWeights $b)
        (Get-AllWeights $a) -join ',' | Should -Not -Be ((Get-AllWeights $c) -join ',')
    }

    It 'starts the LSTM forget-gate bias at 1 (unit_forget_bias)' {
        $m = New-RnnModel -InputShape 4, 3 | Add-LstmLayer 2
        (Get-RnnLayerWeight -Model $m -Layer lstm -Name bias).Data | Should -Be @(0, 0, 1, 1, 0, 0, 0, 0)
    }

    Context 'bad definitions' {
        It 'refuses a recurrent layer after one that returns vectors' {
            { New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 | Add-LstmLayer 3 -ErrorAction Stop } |
                Should -Throw -ErrorId 'LayerNeedsSequence,PSRnn.Commands.AddLstmLayerCommand'
        }

        It 'refuses an Embedding that is not first' {
            { New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 -ReturnSequences | Add-EmbeddingLayer 10 4 -ErrorAction Stop } |
                Should -Throw -ErrorId 'EmbeddingNotFirst,PSRnn.Commands.AddEmbeddingLayerCommand'
        }

        It 'refuses an unknown activation' {
            { New-RnnModel -InputShape 5, 2 | Add-DenseLayer 3 -Activation squiggle -ErrorAction Stop } |
                Should -Throw -ErrorId 'ActivationUnknown,PSRnn.Commands.AddDenseLayerCommand'
        }

        It 'refuses a duplicate layer name' {
            { New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 -ReturnSequences -Name a | Add-LstmLayer 3 -Name a -ErrorAction Stop } |
                Should -Throw -ErrorId 'LayerNameTaken,PSRnn.Commands.AddLstmLayerCommand'
        }

        It 'refuses a non-positive input shape' {
            { New-RnnModel -InputShape 5, 0 -ErrorAction Stop } |
                Should -Throw -ErrorId 'ModelBadInputShape,PSRnn.Commands.NewRnnModelCommand'
        }
    }
}
