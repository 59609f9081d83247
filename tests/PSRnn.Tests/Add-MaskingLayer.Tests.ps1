BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Add-MaskingLayer' {
    It 'adds Keras''s Masking (mask_value 0 by default) and passes the model on' {
        $model = New-RnnModel -InputShape 5, 3 | Add-MaskingLayer | Add-LstmLayer 4
        $model.Layers.KerasClassName | Should -Be @('Masking', 'LSTM')
        $masking = $model.Layers[0]
        $masking.Name | Should -Be 'masking'
        $masking.MaskValue | Should -Be 0
        $masking.ParameterCount | Should -Be 0
        $masking.GetConfig()['mask_value'] | Should -Be 0
        $masking.OutputShape.ToString() | Should -Be $masking.InputShape.ToString()
    }

    It 'takes -MaskValue by name or position, and -Name' {
        $model = New-RnnModel -InputShape 0, 2 | Add-MaskingLayer -MaskValue -1.5 -Name pad
        $model.Layers[0].MaskValue | Should -Be -1.5
        $model.Layers[0].Name | Should -Be 'pad'
        (New-RnnModel -InputShape 4, 2 | Add-MaskingLayer -1).Layers[0].MaskValue | Should -Be -1
        (New-RnnModel -InputShape 4, 2 | Add-MaskingLayer ([float]::PositiveInfinity)).Layers[0].MaskValue | Should -Be ([float]::PositiveInfinity)
    }

    It 'takes the model from -Model as well as from the pipeline' {
        $model = New-RnnModel -InputShape 4, 2
        $same = Add-MaskingLayer -Model $model -MaskValue 2
        [object]::ReferenceEquals($same, $model) | Should -BeTrue
        $model.Layers.Count | Should -Be 1
    }

    It 'shows in the model summary with no parameters' {
        $text = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-MaskingLayer | Add-GruLayer 3 | Out-String
        $text | Should -Match 'masking \(Masking\)\s+\(None, 6, 2\)\s+0'
        $text | Should -Match 'Total params: 63 '
    }

    It 'survives Export-RnnModel and Import-RnnModel with its mask value' {
        $path = Join-Path $TestDrive 'masking.safetensors'
        New-RnnModel -InputShape 0, 2 -Seed 1 | Add-MaskingLayer -MaskValue -7 | Add-GruLayer 3 | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Layers.KerasClassName | Should -Be @('Masking', 'GRU')
        $back.Layers[0].MaskValue | Should -Be -7
    }

    It 'runs in a model that trains and predicts on padded sequences' {
        $x = @(@(@(0.5, 1), @(-0.5, 0.25)), @(, @(1, -1))) | ConvertTo-RnnSequenceBatch
        $model = New-RnnModel -InputShape 2, 2 -Seed 1 | Add-MaskingLayer | Add-SimpleRnnLayer 3 | Add-DenseLayer 1
        $model | Invoke-RnnTraining -X $x -Y ([float[, ]]::new(2, 1)) -Epochs 1 | Out-Null
        ($model | Invoke-RnnPrediction -X $x).Shape | Should -Be @(2, 1)
    }

    It 'skips the padding ConvertTo-RnnSequenceBatch adds: padded rows predict as the samples alone (<Padding>)' -ForEach @(
        @{ Padding = 'Pre' }, @{ Padding = 'Post' }
    ) {
        $model = New-RnnModel -InputShape 0, 2 -Seed 3 | Add-MaskingLayer -MaskValue -1 | Add-LstmLayer 4 | Add-DenseLayer 1
        $samples = @(@(@(0.5, 1), @(-0.5, 0.25), @(1, 1)), @(, @(1, -0.75)))
        $batch = $samples | ConvertTo-RnnSequenceBatch -MaxLength 5 -Padding $Padding -Value -1
        $padded = $model | Invoke-RnnPrediction -X $batch
        for ($n = 0; $n -lt 2; $n++) {
            $alone = $model | Invoke-RnnPrediction -X (, $samples[$n] | ConvertTo-RnnSequenceBatch)
            [math]::Abs($padded.GetValue($n, 0) - $alone.GetValue(0, 0)) | Should -BeLessThan 1e-6
        }
    }

    Context 'errors' {
        It 'refuses a NaN mask value, adding nothing' {
            $model = New-RnnModel -InputShape 4, 2
            $err = { $model | Add-MaskingLayer -MaskValue ([float]::NaN) -ErrorAction Stop } |
                Should -Throw -ErrorId 'MaskValueNaN,PSRnn.Commands.AddMaskingLayerCommand' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -Match 'NaN equals nothing'
            $model.Layers.Count | Should -Be 0
        }

        It 'refuses a Masking layer that is not first' {
            $model = New-RnnModel -InputShape 4, 2 | Add-LstmLayer 3 -ReturnSequences
            { $model | Add-MaskingLayer -ErrorAction Stop } | Should -Throw -ErrorId 'MaskingNotFirst,PSRnn.Commands.AddMaskingLayerCommand'
            $model.Layers.Count | Should -Be 1
        }

        It 'refuses a Masking layer after an Embedding, pointing to -MaskZero' {
            $err = { New-RnnModel -InputShape 4 | Add-EmbeddingLayer 10 3 | Add-MaskingLayer -ErrorAction Stop } |
                Should -Throw -ErrorId 'MaskingAfterEmbedding,PSRnn.Commands.AddMaskingLayerCommand' -PassThru
            $err.Exception.Message | Should -Match '-MaskZero'
        }

        It 'refuses input that is not a sequence' {
            { New-RnnModel -InputShape 4 | Add-MaskingLayer -ErrorAction Stop } |
                Should -Throw -ErrorId 'LayerNeedsSequence,PSRnn.Commands.AddMaskingLayerCommand'
        }
    }
}

Describe 'Add-EmbeddingLayer -MaskZero' {
    It 'sets Keras''s mask_zero, which is off by default' {
        $masked = (New-RnnModel -InputShape 6 | Add-EmbeddingLayer 20 4 -MaskZero).Layers[0]
        $masked.MaskZero | Should -BeTrue
        $masked.GetConfig()['mask_zero'] | Should -BeTrue
        $plain = (New-RnnModel -InputShape 6 | Add-EmbeddingLayer 20 4).Layers[0]
        $plain.MaskZero | Should -BeFalse
        $plain.GetConfig()['mask_zero'] | Should -BeFalse
        (New-RnnModel -InputShape 6 | Add-EmbeddingLayer 20 4 -MaskZero:$false).Layers[0].MaskZero | Should -BeFalse
    }

    It 'keeps the embeddings'' shape: id 0 stays a row of the table' {
        $model = New-RnnModel -InputShape 6 -Seed 1 | Add-EmbeddingLayer 20 4 -MaskZero
        (Get-RnnLayerWeight -Model $model -Layer 0 -Name embeddings).Shape | Should -Be @(20, 4)
    }

    It 'survives Export-RnnModel and Import-RnnModel' {
        $path = Join-Path $TestDrive 'embedding.safetensors'
        New-RnnModel -InputShape 6 -Seed 1 | Add-EmbeddingLayer 20 4 -MaskZero | Add-LstmLayer 3 | Export-RnnModel $path
        (Import-RnnModel $path).Layers[0].MaskZero | Should -BeTrue
    }

    It 'skips the ids 0 that ConvertTo-RnnSequenceBatch pads with: padded rows predict as the samples alone' {
        $model = New-RnnModel -InputShape 0, 1 -Seed 2 | Add-EmbeddingLayer 30 4 -MaskZero | Add-GruLayer 3 | Add-DenseLayer 1
        $samples = @(@(5, 9, 2, 7), @(11), @(3, 3))
        $padded = $model | Invoke-RnnPrediction -X ($samples | ConvertTo-RnnSequenceBatch -MaxLength 6)
        for ($n = 0; $n -lt 3; $n++) {
            $alone = $model | Invoke-RnnPrediction -X (, $samples[$n] | ConvertTo-RnnSequenceBatch)
            [math]::Abs($padded.GetValue($n, 0) - $alone.GetValue(0, 0)) | Should -BeLessThan 1e-6
        }
    }

    It 'reads token ids padded with 0 by ConvertTo-RnnSequenceBatch' {
        $ids = ConvertTo-RnnSequenceBatch -InputObject @(@(4, 8, 15), @(16, 23), @(42)) -MaxLength 3
        $model = New-RnnModel -InputShape 3, 1 -Seed 1 | Add-EmbeddingLayer 50 8 -MaskZero | Add-LstmLayer 8 | Add-DenseLayer 1
        $model | Invoke-RnnTraining -X $ids -Y ([float[, ]]::new(3, 1)) -Epochs 1 | Out-Null
        ($model | Invoke-RnnPrediction -X $ids).Shape | Should -Be @(3, 1)
    }
}
