BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'ConvertTo-RnnWindow' {
    It 'windows numbers piped one at a time, with the next value as the target' {
        $w = 1..10 | ConvertTo-RnnWindow -Lookback 3
        $w.Count | Should -Be 7
        $w.X.Shape | Should -Be @(7, 3, 1)
        $w.Y.Shape | Should -Be @(7, 1)
        $w.X.DType | Should -Be 'Float32'
        $w.Y.DType | Should -Be 'Float32'
        @($w.X.GetValue(0, 0, 0), $w.X.GetValue(0, 2, 0), $w.Y.GetValue(0, 0)) | Should -Be @(1, 3, 4)
        @($w.X.GetValue(6, 0, 0), $w.Y.GetValue(6, 0)) | Should -Be @(7, 10)
    }

    It 'takes a tensor from the pipeline or -InputObject alike' {
        $series = ConvertTo-RnnTensor -InputObject ([double[]](0..19))
        $a = $series | ConvertTo-RnnWindow -Lookback 5 -Horizon 2 -Stride 3
        $b = ConvertTo-RnnWindow -InputObject $series -Lookback 5 -Horizon 2 -Stride 3
        $a.Count | Should -Be 5   # floor((20 - 5 - 2) / 3) + 1
        $a.X.Data | Should -Be $b.X.Data
        $a.Y.Data | Should -Be $b.Y.Data
        $a.Start | Should -Be @(0, 3, 6, 9, 12)
        @($a.Y.GetValue(1, 0), $a.Y.GetValue(1, 1)) | Should -Be @(8, 9)
    }

    It 'windows every feature of a (T, F) table and takes the targets from -TargetColumn' {
        $table = [float[, ]]::new(12, 3)
        for ($t = 0; $t -lt 12; $t++) { for ($f = 0; $f -lt 3; $f++) { $table[$t, $f] = 10 * $t + $f } }
        $w = ConvertTo-RnnWindow -InputObject $table -Lookback 4 -Horizon 2 -TargetColumn 2, 0
        $w.X.Shape | Should -Be @(7, 4, 3)
        $w.Y.Shape | Should -Be @(7, 4)
        $w.TargetColumns | Should -Be @(2, 0)
        # Step by step, then column by column: (t=4, col 2), (t=4, col 0), (t=5, col 2), (t=5, col 0).
        @(0..3 | ForEach-Object { $w.Y.GetValue(0, $_) }) | Should -Be @(42, 40, 52, 50)
        $w.Y.Reshape(7, 2, 2).GetValue(0, 1, 0) | Should -Be 52
        (ConvertTo-RnnWindow -InputObject $table -Lookback 4).Y.Shape | Should -Be @(8, 3)
        (ConvertTo-RnnWindow -InputObject $table -Lookback 4 -TargetColumns -1).Y.GetValue(0, 0) | Should -Be 42
    }

    It 'feeds a recurrent model directly' {
        $w = [float[]](1..40 | ForEach-Object { [Math]::Sin($_ / 3) }) | ConvertTo-RnnWindow -Lookback 6
        $model = New-RnnModel -InputShape 6, 1 -Seed 1 | Add-GruLayer 4 | Add-DenseLayer 1
        $model | Invoke-RnnTraining -X $w.X -Y $w.Y -Epochs 1 | Out-Null
        ($model | Invoke-RnnPrediction -X $w.X).Shape | Should -Be @(34, 1)
    }

    It 'prints shapes and sizes' {
        $text = 1..10 | ConvertTo-RnnWindow -Lookback 3 | Out-String
        $text | Should -Match 'X\s+: \(7, 3, 1\) float32'
        $text | Should -Match 'Lookback\s+: 3'
    }

    It 'refuses a series shorter than Lookback + Horizon' {
        { 1..5 | ConvertTo-RnnWindow -Lookback 4 -Horizon 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'WindowSeriesTooShort,PSRnn.Commands.ConvertToRnnWindowCommand'
    }

    It 'refuses -<Name> <Value>' -ForEach @(
        @{ Name = 'Lookback'; Value = 0 }
        @{ Name = 'Horizon'; Value = 0 }
        @{ Name = 'Stride'; Value = -1 }
    ) {
        $arguments = @{ Lookback = 2 }
        $arguments[$Name] = $Value
        { 1..10 | ConvertTo-RnnWindow @arguments -ErrorAction Stop } |
            Should -Throw -ErrorId 'WindowSizeNotPositive,PSRnn.Commands.ConvertToRnnWindowCommand'
    }

    It 'refuses NaN, naming the step' {
        $err = { ConvertTo-RnnWindow -InputObject ([double[]](1, 2, [double]::NaN, 4, 5)) -Lookback 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'WindowDataNotFinite,PSRnn.Commands.ConvertToRnnWindowCommand' -PassThru
        $err.Exception.Message | Should -Match 'step 2'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'refuses a series of rank 3 and an unknown target column' {
        { ConvertTo-RnnWindow -InputObject ([float[, , ]]::new(4, 2, 2)) -Lookback 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'WindowSeriesRank,PSRnn.Commands.ConvertToRnnWindowCommand'
        { ConvertTo-RnnWindow -InputObject ([float[, ]]::new(6, 2)) -Lookback 2 -TargetColumn 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'WindowTargetColumnInvalid,PSRnn.Commands.ConvertToRnnWindowCommand'
    }
}
