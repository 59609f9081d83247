BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:ModelFixtures = Join-Path $PSScriptRoot '../fixtures/models'

    function New-TrainedModel {
        param([int] $Epochs = 1)
        $data = New-ToyData -Count 48
        $model = New-RnnModel -InputShape 6, 2 -Seed 7 |
            Add-LstmLayer 6 -ReturnSequences -Dropout 0.2 |
            Add-DropoutLayer 0.25 |
            Add-GruLayer 4 -Bidirectional |
            Add-DenseLayer 2 -Activation softmax
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs $Epochs -BatchSize 16 | Out-Null
        $model
    }

    # Writes bytes as a file and returns its path.
    function New-BadFile {
        param([string] $Name, [byte[]] $Bytes)
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllBytes($path, $Bytes)
        $path
    }

    function New-RawSafetensors {
        param([string] $Header, [int] $DataBytes = 8)
        $json = [Text.Encoding]::UTF8.GetBytes($Header)
        [byte[]] ([BitConverter]::GetBytes([uint64] $json.Length) + $json + [byte[]]::new($DataBytes))
    }
}

Describe 'Export-RnnModel and Import-RnnModel' {
    Context 'round trip' {
        It 'saves and reads back a model that predicts bit for bit' {
            $model = New-TrainedModel
            $data = New-ToyData -Count 10 -Seed 3
            $path = Join-Path $TestDrive 'model.safetensors'
            $model | Export-RnnModel $path
            $back = Import-RnnModel $path
            $back.Summary() | Should -Be $model.Summary()
            $back.History.Count | Should -Be 1
            $back.Optimizer | Should -BeNullOrEmpty
            (Invoke-RnnPrediction -Model $back -X $data.X).Data | Should -Be (Invoke-RnnPrediction -Model $model -X $data.X).Data
        }

        It 'continues training exactly with -IncludeOptimizerState' {
            $model = New-TrainedModel
            $data = New-ToyData -Count 48
            $path = Join-Path $TestDrive 'state.safetensors'
            $model | Export-RnnModel -LiteralPath $path -IncludeOptimizerState
            $back = Import-RnnModel -LiteralPath $path
            $back.Optimizer.Iterations | Should -Be $model.Optimizer.Iterations
            $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -BatchSize 16 | Out-Null
            $back | Invoke-RnnTraining -X $data.X -Y $data.Labels -BatchSize 16 | Out-Null
            Get-AllWeights $back | Should -Be (Get-AllWeights $model)
        }

        It 'reads files from Get-ChildItem and wildcards' {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'many')
            $model = New-TrainedModel
            $model | Export-RnnModel (Join-Path $folder 'a.safetensors')
            $model | Export-RnnModel (Join-Path $folder 'b.safetensors')
            @(Get-ChildItem $folder | Import-RnnModel).Count | Should -Be 2
            @(Import-RnnModel (Join-Path $folder '*.safetensors')).Count | Should -Be 2
        }

        It 'reads the committed PSRnn-made and Python-made fixture files' {
            $psrnn = Import-RnnModel -LiteralPath (Join-Path $ModelFixtures 'psrnn_made.safetensors')
            $psrnn.Layers.Count | Should -BeGreaterThan 0
            $python = Import-RnnModel -LiteralPath (Join-Path $ModelFixtures 'python_made.safetensors')
            $x = Import-NpyData -LiteralPath (Join-Path $ModelFixtures 'python_made_x.npy')
            $expected = (Import-NpyData -LiteralPath (Join-Path $ModelFixtures 'python_made_y.npy')).Data
            $actual = (Invoke-RnnPrediction -Model $python -X $x).Data
            for ($i = 0; $i -lt $expected.Count; $i++) { [math]::Abs($actual[$i] - $expected[$i]) | Should -BeLessThan 1e-5 }
        }
    }

    Context 'writing' {
        It 'refuses to overwrite without -Force, and replaces with it' {
            $model = New-TrainedModel
            $path = Join-Path $TestDrive 'exists.safetensors'
            $model | Export-RnnModel $path
            { $model | Export-RnnModel $path } | Should -Throw -ErrorId 'ExportFileExists,PSRnn.Commands.ExportRnnModelCommand'
            $model | Export-RnnModel $path -Force -PassThru | Should -BeOfType ([IO.FileInfo])
        }

        It 'writes nothing with -WhatIf' {
            $path = Join-Path $TestDrive 'whatif.safetensors'
            Invoke-WithoutHost { param($Model, $Path) $Model | Export-RnnModel $Path -WhatIf } (New-TrainedModel), $path
            Test-Path $path | Should -BeFalse
        }

        It 'leaves no temporary file, and keeps the old file when the write fails' {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'atomic')
            $path = Join-Path $folder 'm.safetensors'
            $trained = New-TrainedModel
            $trained | Export-RnnModel $path
            $before = [IO.File]::ReadAllBytes($path)
            $untrained = New-RnnModel -InputShape 6, 2 | Add-DenseLayer 2
            { $untrained | Export-RnnModel $path -IncludeOptimizerState -Force } | Should -Throw -ErrorId 'ModelNoOptimizerState,PSRnn.Commands.ExportRnnModelCommand'
            [IO.File]::ReadAllBytes($path) | Should -Be $before
            @(Get-ChildItem $folder -Force).Name | Should -Be @('m.safetensors')
        }

        It 'reports a missing folder as ExportFolderNotFound' {
            { New-TrainedModel | Export-RnnModel (Join-Path $TestDrive 'no/such/m.safetensors') } |
                Should -Throw -ErrorId 'ExportFolderNotFound,PSRnn.Commands.ExportRnnModelCommand'
        }
    }

    Context 'bad files' {
        BeforeAll {
            $script:goodBytes = & {
                $p = Join-Path $TestDrive 'good.safetensors'
                New-RnnModel -InputShape 5, 3 -Seed 1 | Add-SimpleRnnLayer 2 | Add-DenseLayer 1 | Export-RnnModel $p -Force
                [IO.File]::ReadAllBytes($p)
            }
        }

        It 'refuses <Name> with <ErrorId>' -ForEach @(
            @{ Name = 'truncated'; ErrorId = 'SafetensorsTruncated'; Make = { [byte[]] (1, 2, 3) } }
            @{ Name = 'cut'; ErrorId = 'SafetensorsOffsetOutOfRange'; Make = { [byte[]] $goodBytes[0..($goodBytes.Length - 5)] } }
            @{ Name = 'header-beyond'; ErrorId = 'SafetensorsHeaderBeyondFile'; Make = { $b = [byte[]] $goodBytes.Clone(); $b[6] = 1; $b } }
            @{ Name = 'bad-json'; ErrorId = 'SafetensorsBadHeader'; Make = { New-RawSafetensors '{"a": ' } }
            @{ Name = 'unknown-dtype'; ErrorId = 'SafetensorsUnknownDtype'; Make = { New-RawSafetensors '{"a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 8]}}' } }
            @{ Name = 'shape-vs-bytes'; ErrorId = 'SafetensorsShapeMismatch'; Make = { New-RawSafetensors '{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}' } }
            @{ Name = 'overlap'; ErrorId = 'SafetensorsOffsetsOverlap'; Make = { New-RawSafetensors '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}' } }
            @{ Name = 'gap'; ErrorId = 'SafetensorsDataNotCovered'; Make = { New-RawSafetensors '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}' } }
            @{ Name = 'not-psrnn'; ErrorId = 'ModelNotPsrnn'; Make = { New-RawSafetensors '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}' } }
            @{ Name = 'version'; ErrorId = 'ModelUnknownFormatVersion'; Make = { New-RawSafetensors '{"__metadata__": {"format_version": "9", "model_config": "{}"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}' } }
            @{ Name = 'bad-config'; ErrorId = 'ModelBadConfig'; Make = { New-RawSafetensors '{"__metadata__": {"format_version": "1", "model_config": "{oops"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}' } }
            @{ Name = 'unknown-layer'; ErrorId = 'ModelUnknownLayer'; Make = { New-RawSafetensors '{"__metadata__": {"format_version": "1", "model_config": "{\"config\": {\"input_shape\": [4, 2], \"layers\": [{\"class_name\": \"ConvLSTM1D\", \"config\": {}}]}}"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}' } }
            @{ Name = 'missing-tensor'; ErrorId = 'ModelTensorMissing'; Make = { New-RawSafetensors '{"__metadata__": {"format_version": "1", "model_config": "{\"config\": {\"input_shape\": [4, 2], \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"units\": 1}}]}}"}, "layers.0.kernel": {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 8]}}' } }
            @{ Name = 'wrong-shape'; ErrorId = 'ModelTensorShapeMismatch'; Make = { New-RawSafetensors '{"__metadata__": {"format_version": "1", "model_config": "{\"config\": {\"input_shape\": [4, 2], \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"units\": 1, \"use_bias\": false}}]}}"}, "layers.0.kernel": {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]}}' } }
            @{ Name = 'wrong-dtype'; ErrorId = 'ModelTensorDtypeUnsupported'; Make = { New-RawSafetensors '{"__metadata__": {"format_version": "1", "model_config": "{\"config\": {\"input_shape\": [4, 2], \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"units\": 1, \"use_bias\": false}}]}}"}, "layers.0.kernel": {"dtype": "I32", "shape": [2, 1], "data_offsets": [0, 8]}}' } }
        ) {
            $path = New-BadFile "$Name.safetensors" (& $Make)
            $result = Import-RnnModel -LiteralPath $path -ErrorVariable err -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,PSRnn.Commands.ImportRnnModelCommand"
            $err[0].Exception.Message | Should -Match ([regex]::Escape($path))
        }

        It 'goes on past a bad file' {
            $good = Join-Path $TestDrive 'good.safetensors'
            $bad = New-BadFile 'short.safetensors' ([byte[]] (1, 2))
            $models = Import-RnnModel -LiteralPath $bad, $good -ErrorVariable err -ErrorAction SilentlyContinue
            @($models).Count | Should -Be 1
            $err.Count | Should -Be 1
        }

        It 'reports a missing path as PathNotFound' {
            Import-RnnModel (Join-Path $TestDrive 'nothing.safetensors') -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,PSRnn.Commands.ImportRnnModelCommand'
        }
    }
}

Describe 'Export-RnnModel -Format Onnx' {
    It 'writes an ONNX model (a ModelProto starting with ir_version 8)' {
        $model = New-TrainedModel
        $path = Join-Path $TestDrive 'model.onnx'
        $info = $model | Export-RnnModel -Path $path -Format Onnx -PassThru
        $info.Length | Should -BeGreaterThan 1000
        $bytes = [IO.File]::ReadAllBytes($path)
        # Field 1 (ir_version), varint: tag 0x08, value 8.
        $bytes[0..1] | Should -Be @(0x08, 0x08)
        [Text.Encoding]::ASCII.GetString($bytes) | Should -Match 'PSRnn'
    }

    It 'refuses -IncludeOptimizerState, which ONNX cannot hold' {
        $model = New-TrainedModel
        { $model | Export-RnnModel -Path (Join-Path $TestDrive 'x.onnx') -Format Onnx -IncludeOptimizerState -ErrorAction Stop } |
            Should -Throw -ErrorId 'OnnxNoOptimizerState,PSRnn.Commands.ExportRnnModelCommand'
    }

    It 'with -Streaming adds the states as graph inputs and outputs' {
        $model = New-RnnModel -InputShape 0, 2 -Seed 7 | Add-LstmLayer 6 -ReturnSequences | Add-GruLayer 4 | Add-DenseLayer 2
        $path = Join-Path $TestDrive 'stream.onnx'
        $model | Export-RnnModel -Path $path -Format Onnx -Streaming
        $text = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($path))
        foreach ($layer in $model.Layers | Where-Object KerasClassName -in 'LSTM', 'GRU') {
            $text | Should -Match ([regex]::Escape("$($layer.Name).h_in"))
            $text | Should -Match ([regex]::Escape("$($layer.Name).h_out"))
        }
        $text | Should -Match '\.c_in'
        $text | Should -Match '\.c_out'
        $plain = Join-Path $TestDrive 'plain.onnx'
        $model | Export-RnnModel -Path $plain -Format Onnx
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($plain)) | Should -Not -Match '\.h_in'
    }

    It 'refuses -Streaming for a model that cannot stream: <Name>' -ForEach @(
        @{ Name = 'Bidirectional'; Make = { New-RnnModel -InputShape 0, 2 | Add-GruLayer 4 -Bidirectional } }
        @{ Name = 'masked'; Make = { New-RnnModel -InputShape 0, 2 | Add-MaskingLayer | Add-LstmLayer 4 } }
    ) {
        $path = Join-Path $TestDrive "refused-$Name.onnx"
        { & $Make | Export-RnnModel -Path $path -Format Onnx -Streaming -ErrorAction Stop } |
            Should -Throw -ErrorId 'OnnxStreamingUnsupported,PSRnn.Commands.ExportRnnModelCommand'
        Test-Path $path | Should -BeFalse
    }

    It 'refuses -Streaming without -Format Onnx' {
        $model = New-RnnModel -InputShape 0, 2 | Add-LstmLayer 4
        { $model | Export-RnnModel -Path (Join-Path $TestDrive 's.safetensors') -Streaming -ErrorAction Stop } |
            Should -Throw -ErrorId 'OnnxStreamingNeedsOnnx,PSRnn.Commands.ExportRnnModelCommand'
    }

    It 'refuses an empty model' {
        { New-RnnModel -InputShape 6, 2 | Export-RnnModel -Path (Join-Path $TestDrive 'e.onnx') -Format Onnx -ErrorAction Stop } |
            Should -Throw -ErrorId 'ModelEmpty,PSRnn.Commands.ExportRnnModelCommand'
        Test-Path (Join-Path $TestDrive 'e.onnx') | Should -BeFalse
    }
}

Describe 'Export-RnnModel -Format Keras' {
    It 'writes a Keras 3 archive that reads back to the same predictions' {
        $model = New-TrainedModel
        $path = Join-Path $TestDrive 'model.keras'
        $info = $model | Export-RnnModel -Path $path -Format Keras -PassThru
        $info.Length | Should -BeGreaterThan 1000
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($path)
        try { $zip.Entries.FullName | Should -Be 'metadata.json', 'config.json', 'model.weights.h5' } finally { $zip.Dispose() }
        $back = Import-RnnModel $path
        $back.Layers.KerasClassName | Should -Be $model.Layers.KerasClassName
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..36 | ForEach-Object { ($_ % 7) / 7 })) -Shape 3, 6, 2
        (Invoke-RnnPrediction -Model $back -X $x).ToArray() | Should -Be (Invoke-RnnPrediction -Model $model -X $x).ToArray()
    }

    It 'refuses -IncludeOptimizerState and layers a Keras Sequential cannot hold' {
        $model = New-TrainedModel
        { $model | Export-RnnModel -Path (Join-Path $TestDrive 'x.keras') -Format Keras -IncludeOptimizerState -ErrorAction Stop } |
            Should -Throw -ErrorId 'KerasNoOptimizerState,PSRnn.Commands.ExportRnnModelCommand'
        $attention = New-RnnModel -InputShape 5, 2 | Add-GruLayer 3 -ReturnSequences | Add-MultiHeadAttentionLayer 2 2
        { $attention | Export-RnnModel -Path (Join-Path $TestDrive 'a.keras') -Format Keras -ErrorAction Stop } |
            Should -Throw -ErrorId 'KerasExportUnsupported,PSRnn.Commands.ExportRnnModelCommand'
        Test-Path (Join-Path $TestDrive 'a.keras') | Should -BeFalse
    }
}

Describe 'Invoke-RnnTraining checkpoints' {
    It 'writes the last and best checkpoints into a folder as training goes' {
        $folder = Join-Path $TestDrive 'ckpt/'
        $data = New-ToyData -Count 48
        $model = New-RnnModel -InputShape 6, 2 -Seed 3 -Name speech | Add-GruLayer 4 | Add-DenseLayer 2 -Activation softmax
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -BatchSize 16 -CheckpointPath $folder | Out-Null
        (Get-ChildItem $folder).Name | Sort-Object | Should -Be @('speech.best.safetensors', 'speech.last.safetensors')
        $last = Import-RnnModel (Join-Path $folder 'speech.last.safetensors')
        $last.History.Count | Should -Be 3
        Get-AllWeights $last | Should -Be (Get-AllWeights $model)
        $best = Import-RnnModel (Join-Path $folder 'speech.best.safetensors')
        $bestEpoch = $model.History | Sort-Object Loss | Select-Object -First 1
        $best.History.Count | Should -Be $bestEpoch.Epoch
        @(Get-ChildItem $folder -Force -Filter '*.tmp').Count | Should -Be 0
    }

    It 'resumes from a checkpoint to the same weights as an uninterrupted run' {
        $data = New-ToyData -Count 45
        $new = { New-RnnModel -InputShape 6, 2 -Seed 5 | Add-LstmLayer 5 -ReturnSequences -Dropout 0.2 | Add-DropoutLayer 0.3 | Add-SimpleRnnLayer 4 | Add-DenseLayer 2 -Activation softmax }
        $straight = & $new | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 4 -BatchSize 10 -ValidationSplit 0.2

        $stem = Join-Path $TestDrive 'run'
        & $new | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -BatchSize 10 -ValidationSplit 0.2 -CheckpointPath $stem | Out-Null
        $resumed = Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 4 -ResumeFrom "$stem.last.safetensors"
        $resumed.History.Count | Should -Be 4
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
    }

    It 'resumes into a piped model of the same architecture' {
        $data = New-ToyData -Count 32
        $new = { New-RnnModel -InputShape 6, 2 -Seed 8 | Add-GruLayer 3 | Add-DenseLayer 2 -Activation softmax }
        $straight = & $new | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3
        $stem = Join-Path $TestDrive 'piped.safetensors'
        & $new | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 1 -CheckpointPath $stem | Out-Null
        $model = & $new
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -ResumeFrom (Join-Path $TestDrive 'piped.last.safetensors') | Out-Null
        Get-AllWeights $model | Should -Be (Get-AllWeights $straight)
    }

    It 'refuses to resume from a plain model file, or into another architecture' {
        $data = New-ToyData -Count 16
        $path = Join-Path $TestDrive 'plain.safetensors'
        New-RnnModel -InputShape 6, 2 | Add-DenseLayer 2 | Export-RnnModel $path
        { Invoke-RnnTraining -X $data.X -Y $data.Labels -ResumeFrom $path } |
            Should -Throw -ErrorId 'ResumeNotCheckpoint,PSRnn.Commands.InvokeRnnTrainingCommand'
        $stem = Join-Path $TestDrive 'arch'
        New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 3 | Add-DenseLayer 2 -Activation softmax |
            Invoke-RnnTraining -X $data.X -Y $data.Labels -CheckpointPath $stem | Out-Null
        { New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 3 | Add-DenseLayer 2 -Activation softmax |
            Invoke-RnnTraining -X $data.X -Y $data.Labels -ResumeFrom "$stem.last.safetensors" } |
            Should -Throw -ErrorId 'ResumeModelMismatch,PSRnn.Commands.InvokeRnnTrainingCommand'
    }
}
