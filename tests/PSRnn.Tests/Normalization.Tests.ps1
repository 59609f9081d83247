# Normalization inside the model (issue 22, item 4): Invoke-RnnAdapt against NumPy's mean and variance over the real steps
# (tests/fixtures/data22/make_normalization.py), the layer's output against Keras's formula computed by NumPy, and the
# statistics saved and loaded bit for bit.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = Import-NpyData -LiteralPath (Join-Path $PSScriptRoot '../fixtures/data22/normalization.npz') -AsHashtable
    $x = $data['x']
    function Get-Stat($model, [int] $layer) {
        $w = @($model | Get-RnnLayerWeight -Layer $layer)
        @{ Mean = [float[]] ($w | Where-Object Name -EQ 'mean').Data; Variance = [float[]] ($w | Where-Object Name -EQ 'variance').Data }
    }
    function Assert-Close([float[]] $actual, [float[]] $expected, [double] $relative) {
        $actual.Count | Should -Be $expected.Count
        for ($i = 0; $i -lt $expected.Count; $i++) {
            [math]::Abs($actual[$i] - $expected[$i]) | Should -BeLessOrEqual ($relative * [math]::Abs($expected[$i]) + 1e-30)
        }
    }
}

Describe 'Add-NormalizationLayer and Invoke-RnnAdapt' {
    It 'measures NumPy''s mean and variance over the real steps when a Masking layer comes first' {
        $model = New-RnnModel -InputShape 9, 5 | Add-MaskingLayer | Add-NormalizationLayer
        $model | Invoke-RnnAdapt -X $x -BatchSize 7 | Should -Be $model
        $s = Get-Stat $model 1
        Assert-Close $s.Mean ([float[]] $data['mean'].Data) 1e-6
        Assert-Close $s.Variance ([float[]] $data['variance'].Data) 1e-6
    }

    It 'measures every step without a mask' {
        $model = New-RnnModel -InputShape 9, 5 | Add-NormalizationLayer
        $null = $model | Invoke-RnnAdapt -X $x
        $s = Get-Stat $model 0
        Assert-Close $s.Mean ([float[]] $data['mean_unmasked'].Data) 1e-6
        Assert-Close $s.Variance ([float[]] $data['variance_unmasked'].Data) 1e-6
    }

    It 'gives Keras''s (x - mean) / max(sqrt(variance), 1e-7), bit for bit, with the statistics given' {
        $model = New-RnnModel -InputShape 9, 5 | Add-NormalizationLayer -Mean $data['mean'].Data -Variance $data['variance'].Data
        $y = $model | Invoke-RnnPrediction -X $x
        $y.Shape | Should -Be @(24, 9, 5)
        $y.Data | Should -Be $data['y'].Data
    }

    It 'saves and loads the statistics and the predictions bit for bit' {
        $model = New-RnnModel -InputShape 9, 5 -Seed 3 | Add-MaskingLayer | Add-NormalizationLayer | Add-GruLayer 6 | Add-DenseLayer 2
        $null = $model | Invoke-RnnAdapt -X $x
        $file = Join-Path $TestDrive 'norm.safetensors'
        $model | Export-RnnModel -LiteralPath $file
        $loaded = Import-RnnModel -LiteralPath $file
        $loaded.Layers[1].KerasClassName | Should -Be 'Normalization'
        (Get-Stat $loaded 1).Mean | Should -Be (Get-Stat $model 1).Mean
        (Get-Stat $loaded 1).Variance | Should -Be (Get-Stat $model 1).Variance
        ($loaded | Invoke-RnnPrediction -X $x).Data | Should -Be ($model | Invoke-RnnPrediction -X $x).Data
    }

    It 'keeps the statistics through training and reports an error ID for each bad input' {
        $model = New-RnnModel -InputShape 9, 5 -Seed 4 | Add-MaskingLayer | Add-NormalizationLayer | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
        $null = $model | Invoke-RnnAdapt -X $x
        $before = Get-Stat $model 1
        $labels = ConvertTo-RnnTensor ([long[]] (0..23 | ForEach-Object { $_ % 2 }))
        $null = $model | Invoke-RnnTraining -X $x -Y $labels -Epochs 1 -Quiet
        (Get-Stat $model 1).Mean | Should -Be $before.Mean
        { New-RnnModel -InputShape 9, 5 | Add-LstmLayer 2 | Invoke-RnnAdapt -X $x } | Should -Throw -ErrorId 'AdaptLayerNotNormalization,*'
        { $model | Invoke-RnnAdapt -X $x -Layer 2 } | Should -Throw -ErrorId 'AdaptLayerNotNormalization,*'
        { $model | Invoke-RnnAdapt -X $x -Layer 9 } | Should -Throw -ErrorId 'LayerNotFound,*'
        { $model | Invoke-RnnAdapt -X $x -Layer nosuch } | Should -Throw -ErrorId 'LayerNotFound,*'
        { $model | Invoke-RnnAdapt -X $x -Layer -1 } | Should -Throw -ErrorId 'AdaptLayerNotNormalization,*'
        { New-RnnModel -InputShape 9, 5 | Add-NormalizationLayer -Mean 1, 2 -Variance 1, 1 } | Should -Throw -ErrorId 'NormalizationStatisticsMismatch,*'
        { New-RnnModel -InputShape 9, 5 | Add-NormalizationLayer -Mean 1, 2, 3, 4, 5 } | Should -Throw -ErrorId 'LayerBadArgument,*'
        $allPadding = ConvertTo-RnnTensor ([float[]]::new(90)) -Shape 2, 9, 5
        { New-RnnModel -InputShape 9, 5 | Add-MaskingLayer | Add-NormalizationLayer | Invoke-RnnAdapt -X $allPadding } | Should -Throw -ErrorId 'AdaptDataInvalid,*'
    }
}
