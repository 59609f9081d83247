BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Add-SpecAugmentLayer' {
    It 'adds the layer with its settings, no parameters, and passes the model on' {
        $model = New-RnnModel -InputShape 20, 13 -Seed 1 |
            Add-SpecAugmentLayer -FrequencyMasks 2 -FrequencyMaskWidth 4 -TimeMasks 3 -TimeMaskWidth 6 -TimeMaskProportion 0.2 -MaskValue Mean |
            Add-LstmLayer 4
        $layer = $model.Layers[0]
        $layer.KerasClassName | Should -Be 'SpecAugment'
        $layer.Name | Should -Be 'spec_augment'
        $layer.FrequencyMasks, $layer.FrequencyMaskWidth, $layer.TimeMasks, $layer.TimeMaskWidth | Should -Be 2, 4, 3, 6
        $layer.TimeMaskProportion | Should -Be 0.2
        "$($layer.MaskValue)" | Should -Be 'Mean'
        $layer.ParameterCount | Should -Be 0
        ($model | Out-String) | Should -Match 'spec_augment \(SpecAugment\)\s+\(None, 20, 13\)\s+0'
    }

    It 'trains, and predicts the same after Export-RnnModel, Import-RnnModel and ONNX export' {
        $x = ConvertTo-RnnTensor -InputObject ([float[]](1..240 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 10, 3
        $y = ConvertTo-RnnTensor -InputObject ([long[]](0, 1, 0, 1, 1, 0, 1, 0))
        $model = New-RnnModel -InputShape 10, 3 -Seed 3 | Add-SpecAugmentLayer -FrequencyMasks 1 -FrequencyMaskWidth 2 -TimeMasks 1 -TimeMaskWidth 4 |
            Add-GruLayer 4 | Add-DenseLayer 2 -Activation softmax
        $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -BatchSize 4 3>$null 6>$null
        $path = Join-Path $TestDrive 'augment.safetensors'
        $model | Export-RnnModel $path
        $loaded = Import-RnnModel $path
        $loaded.Layers[0].TimeMaskWidth | Should -Be 4
        ($loaded | Invoke-RnnPrediction -X $x).Data | Should -Be ($model | Invoke-RnnPrediction -X $x).Data
        $onnx = Join-Path $TestDrive 'augment.onnx'
        $model | Export-RnnModel $onnx
        (Get-Item $onnx).Length | Should -BeGreaterThan 0
    }

    It 'refuses a width larger than the input with SpecAugmentWidthTooLarge' {
        { New-RnnModel -InputShape 20, 13 | Add-SpecAugmentLayer -FrequencyMasks 1 -FrequencyMaskWidth 14 } |
            Should -Throw -ErrorId 'SpecAugmentWidthTooLarge,PSRnn.Commands.AddSpecAugmentLayerCommand' -ExpectedMessage '*only 13 features; give at most 13*'
        { New-RnnModel -InputShape 20, 13 | Add-SpecAugmentLayer -TimeMasks 1 -TimeMaskWidth 30 } |
            Should -Throw -ErrorId 'SpecAugmentWidthTooLarge,PSRnn.Commands.AddSpecAugmentLayerCommand' -ExpectedMessage '*only 20 steps*'
        { New-RnnModel -InputShape 20, 13 | Add-SpecAugmentLayer -TimeMasks 1 -TimeMaskWidth 3 -TimeMaskProportion 0 } |
            Should -Throw -ErrorId 'LayerBadArgument,PSRnn.Commands.AddSpecAugmentLayerCommand' -ExpectedMessage '*above 0 and at most 1*'
        { New-RnnModel -InputShape 13 | Add-SpecAugmentLayer -FrequencyMasks 1 -FrequencyMaskWidth 2 } |
            Should -Throw -ErrorId 'LayerNeedsSequence,PSRnn.Commands.AddSpecAugmentLayerCommand'
    }

    It 'has complete help' {
        $help = Get-Help Add-SpecAugmentLayer -Full
        $help.Synopsis | Should -Match 'SpecAugment'
        foreach ($name in 'FrequencyMasks', 'FrequencyMaskWidth', 'TimeMasks', 'TimeMaskWidth', 'TimeMaskProportion', 'MaskValue') {
            ($help.parameters.parameter | Where-Object name -EQ $name).description.Text | Should -Not -BeNullOrEmpty
        }
    }
}
