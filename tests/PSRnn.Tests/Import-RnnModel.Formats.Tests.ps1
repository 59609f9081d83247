BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:OnnxFixtures = Join-Path $PSScriptRoot '../fixtures/onnx'
    $script:KerasFixtures = Join-Path $PSScriptRoot '../fixtures/keras'
    $script:Cmd = 'PSRnn.Commands.ImportRnnModelCommand'

    # The largest absolute difference between a prediction and a fixture's expected output.
    function Get-MaxDifference {
        param($Actual, $Expected)
        $a = @($Actual.Data); $e = @($Expected.Data)
        $a.Count | Should -Be $e.Count
        $worst = 0.0
        for ($i = 0; $i -lt $a.Count; $i++) { $worst = [Math]::Max($worst, [Math]::Abs([double] $a[$i] - [double] $e[$i])) }
        $worst
    }

    function New-BadFile {
        param([string] $Name, [byte[]] $Bytes)
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllBytes($path, $Bytes)
        $path
    }
}

Describe 'Import-RnnModel of models made elsewhere' {
    Context 'ONNX' {
        It 'reads a torch.onnx.export file and predicts PyTorch''s output within 1e-5' {
            $model = Import-RnnModel (Join-Path $OnnxFixtures 'lstm_h.onnx')
            $model.Layers.KerasClassName | Should -Be 'LSTM', 'Dense'
            $x = Import-NpyData -LiteralPath (Join-Path $OnnxFixtures 'lstm_h.x.npy')
            $y = Import-NpyData -LiteralPath (Join-Path $OnnxFixtures 'lstm_h.y.npy')
            Get-MaxDifference (Invoke-RnnPrediction -Model $model -X $x) $y | Should -BeLessOrEqual 1e-5
        }

        It 'warns that a time-major (batch_first=False) graph becomes a batch-major model' {
            $model = Import-RnnModel (Join-Path $OnnxFixtures 'gru_out_tbf.onnx') -WarningVariable warnings -WarningAction SilentlyContinue
            $model | Should -Not -BeNullOrEmpty
            "$warnings" | Should -Match 'time-major'
        }

        It 'turns the lengths input of a packed-sequence graph into a mask, with a warning' {
            $model = Import-RnnModel (Join-Path $OnnxFixtures 'packed_lstm_h.onnx') -WarningVariable warnings -WarningAction SilentlyContinue
            $model.Layers.KerasClassName | Should -Be 'Masking', 'LSTM', 'Dense'
            "$warnings" | Should -Match 'lengths'
            $x = Import-NpyData -LiteralPath (Join-Path $OnnxFixtures 'packed_lstm_h.x.npy')
            $y = Import-NpyData -LiteralPath (Join-Path $OnnxFixtures 'packed_lstm_h.y.npy')
            Get-MaxDifference (Invoke-RnnPrediction -Model $model -X $x) $y | Should -BeLessOrEqual 1e-5
        }

        It 'reads back its own ONNX export, predicting within 1e-6' {
            $data = New-ToyData -Count 8
            $model = New-RnnModel -InputShape 6, 2 -Seed 3 | Add-LstmLayer 5 -ReturnSequences | Add-GruLayer 4 -Bidirectional | Add-DenseLayer 2 -Activation Softmax
            $path = Join-Path $TestDrive 'own.onnx'
            $model | Export-RnnModel $path -Format Onnx
            $back = Import-RnnModel $path
            Get-MaxDifference (Invoke-RnnPrediction -Model $back -X $data.X) (Invoke-RnnPrediction -Model $model -X $data.X) | Should -BeLessOrEqual 1e-6
        }

        It 'keeps a Bidirectional -MergeMode through a model file, and exports it to ONNX' {
            $data = New-ToyData -Count 8
            $model = New-RnnModel -InputShape 6, 2 -Seed 3 | Add-LstmLayer 5 -Bidirectional -MergeMode Ave -ReturnSequences |
                Add-GruLayer 4 -Bidirectional -MergeMode Mul | Add-DenseLayer 2 -Activation Softmax
            $model.Layers[0].OutputShape.Features | Should -Be 5
            $model.Layers[1].MergeMode | Should -Be 'Mul'
            $path = Join-Path $TestDrive 'merged.safetensors'
            $model | Export-RnnModel $path
            $back = Import-RnnModel $path
            $back.Layers[0].MergeMode | Should -Be 'Ave'
            (Invoke-RnnPrediction -Model $back -X $data.X).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $data.X).ToArray()
            $model | Export-RnnModel (Join-Path $TestDrive 'merged.onnx') -Format Onnx
            Test-Path (Join-Path $TestDrive 'merged.onnx') | Should -BeTrue
        }

        It 'tells the format by content, not by extension' {
            $path = Join-Path $TestDrive 'model.bin'
            Copy-Item (Join-Path $OnnxFixtures 'gru_seq.onnx') $path
            (Import-RnnModel -LiteralPath $path).Layers.KerasClassName | Should -Be 'GRU'
        }
    }

    Context 'Keras 3 .keras' {
        It 'reads a .keras archive and predicts within 1e-5 of Keras''s equations' {
            $model = Import-RnnModel (Join-Path $KerasFixtures 'masking_lstm_bidir_rnn.keras')
            $model.Layers.KerasClassName | Should -Be 'Masking', 'LSTM', 'Bidirectional', 'SimpleRNN', 'Dense'
            $x = Import-NpyData -LiteralPath (Join-Path $KerasFixtures 'masking_lstm_bidir_rnn.x.npy')
            $y = Import-NpyData -LiteralPath (Join-Path $KerasFixtures 'masking_lstm_bidir_rnn.y.npy')
            Get-MaxDifference (Invoke-RnnPrediction -Model $model -X $x) $y | Should -BeLessOrEqual 1e-5
        }

        It 'reads an attention stack''s weights to their parameters' {
            $model = Import-RnnModel (Join-Path $KerasFixtures 'attention_stack.keras')
            $model.Layers[2].KerasClassName | Should -Be 'MultiHeadAttention'
            (Get-RnnLayerWeight -Model $model -Layer multi_head_attention -Name 'attention_output.bias').Shape | Should -Be 4
        }
    }

    Context 'Keras HDF5' {
        It 'reads a Keras model file and predicts within 1e-5 of Keras''s equations' {
            $model = Import-RnnModel (Join-Path $KerasFixtures 'lstm_gru_dense.h5')
            $model.Layers.KerasClassName | Should -Be 'LSTM', 'Dropout', 'GRU', 'Dense'
            $x = Import-NpyData -LiteralPath (Join-Path $KerasFixtures 'lstm_gru_dense.x.npy')
            $y = Import-NpyData -LiteralPath (Join-Path $KerasFixtures 'lstm_gru_dense.y.npy')
            Get-MaxDifference (Invoke-RnnPrediction -Model $model -X $x) $y | Should -BeLessOrEqual 1e-5
        }

        It 'loads a weights-only file into a model with -Into and returns it' {
            $model = New-RnnModel -InputShape 6 -Seed 5 | Add-EmbeddingLayer -InputDim 10 -OutputDim 4 | Add-LstmLayer 3 | Add-DenseLayer 1 -Activation Sigmoid
            $result = Import-RnnModel (Join-Path $KerasFixtures 'embedding_lstm.weights.h5') -Into $model
            [object]::ReferenceEquals($result, $model) | Should -BeTrue
            $x = Import-NpyData -LiteralPath (Join-Path $KerasFixtures 'embedding_lstm.x.npy')
            $y = Import-NpyData -LiteralPath (Join-Path $KerasFixtures 'embedding_lstm.y.npy')
            Get-MaxDifference (Invoke-RnnPrediction -Model $model -X $x) $y | Should -BeLessOrEqual 1e-5
        }

        It 'leaves the model unchanged when the weights do not fit' {
            $model = New-RnnModel -InputShape 5, 3 -Seed 5 | Add-GruLayer 4 | Add-DenseLayer 2
            $before = @($model.Parameters | ForEach-Object { $_.Value }) | ForEach-Object { $_ }
            { Import-RnnModel (Join-Path $KerasFixtures 'lstm_gru_dense.weights.h5') -Into $model -ErrorAction Stop } |
                Should -Throw -ErrorId "KerasWeightMismatch,$Cmd"
            @($model.Parameters | ForEach-Object { $_.Value }) | ForEach-Object { $_ } | Should -Be $before
        }
    }

    Context 'bad files' {
        It 'refuses <Name> with <ErrorId>' -ForEach @(
            @{ Name = 'a truncated ONNX file'; ErrorId = 'OnnxCorrupt'; Make = { $b = [IO.File]::ReadAllBytes((Join-Path $OnnxFixtures 'lstm_h.onnx')); New-BadFile 'cut.onnx' $b[0..($b.Length / 2)] } }
            @{ Name = 'a corrupt ONNX file'; ErrorId = 'OnnxCorrupt'; Make = { New-BadFile 'junk.onnx' ([byte[]] (0x08, 0x07, 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2)) } }
            @{ Name = 'an ONNX file with no graph'; ErrorId = 'OnnxNotAModel'; Make = { New-BadFile 'empty.onnx' ([byte[]] (0x08, 0x07)) } }
            @{ Name = 'an unsupported ONNX operator'; ErrorId = 'OnnxUnsupportedOperator'; Make = { Join-Path $OnnxFixtures 'unsupported_abs.onnx' } }
            @{ Name = 'an ONNX pattern PSRnn cannot represent'; ErrorId = 'OnnxUnsupportedGraph'; Make = { Join-Path $OnnxFixtures 'unsupported_bidir_out.onnx' } }
            @{ Name = 'a truncated HDF5 file'; ErrorId = 'KerasCorrupt'; Make = { $b = [IO.File]::ReadAllBytes((Join-Path $KerasFixtures 'lstm_gru_dense.h5')); New-BadFile 'cut.h5' $b[0..($b.Length / 3)] } }
            @{ Name = 'a Keras layer PSRnn does not have'; ErrorId = 'KerasUnknownLayer'; Make = { Join-Path $KerasFixtures 'unknown_layer.h5' } }
            @{ Name = 'a .keras archive of a layer PSRnn does not have'; ErrorId = 'KerasUnknownLayer'; Make = { Join-Path $KerasFixtures 'unknown_layer.keras' } }
            @{ Name = 'a .keras archive with npz weights'; ErrorId = 'KerasArchiveIncomplete'; Make = { Join-Path $KerasFixtures 'npz_weights.keras' } }
            @{ Name = 'a .keras archive missing a weight'; ErrorId = 'KerasWeightMismatch'; Make = { Join-Path $KerasFixtures 'missing_weight.keras' } }
            @{ Name = 'a weights-only file without -Into'; ErrorId = 'KerasNoModelConfig'; Make = { Join-Path $KerasFixtures 'lstm_gru_dense.weights.h5' } }
        ) {
            $path = & $Make
            { Import-RnnModel -LiteralPath $path -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,$Cmd"
            Import-RnnModel -LiteralPath $path -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'names the operator an ONNX graph uses that PSRnn does not support' {
            $err = { Import-RnnModel (Join-Path $OnnxFixtures 'unsupported_abs.onnx') -ErrorAction Stop } | Should -Throw -PassThru
            $err.Exception.Message | Should -Match "'Abs'"
        }

        It 'refuses -Into with a file that is not HDF5' {
            $model = New-RnnModel -InputShape 5, 3 | Add-LstmLayer 4
            { Import-RnnModel (Join-Path $OnnxFixtures 'lstm_h.onnx') -Into $model -ErrorAction Stop } | Should -Throw -ErrorId "ImportIntoNeedsHdf5,$Cmd"
        }
    }
}
