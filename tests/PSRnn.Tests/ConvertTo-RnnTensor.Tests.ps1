BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'ConvertTo-RnnTensor' {
    It 'infers int32 from PowerShell integers and float64 from doubles, as np.array would' {
        (ConvertTo-RnnTensor @(1, 2, 3)).DType | Should -Be 'Int32'
        (ConvertTo-RnnTensor @(1, 2.5)).DType | Should -Be 'Float64'
        (ConvertTo-RnnTensor @($true, $false)).DType | Should -Be 'Bool'
        (ConvertTo-RnnTensor @([long]1, 2)).DType | Should -Be 'Int64'
    }

    It 'keeps the element type of typed .NET arrays' {
        (ConvertTo-RnnTensor -InputObject ([float[]](1, 2))).DType | Should -Be 'Float32'
        (ConvertTo-RnnTensor -InputObject ([byte[]](1, 2))).DType | Should -Be 'UInt8'
        $t = ConvertTo-RnnTensor -InputObject ([int[, ]]::new(3, 4))
        $t.Shape | Should -Be @(3, 4)
    }

    It 'builds a shape from nested arrays' {
        $t = ConvertTo-RnnTensor @(@(@(1, 2), @(3, 4), @(5, 6)), @(@(7, 8), @(9, 10), @(11, 12)))
        $t.Shape | Should -Be @(2, 3, 2)
        $t.GetValue(1, 2, 0) | Should -Be 11
    }

    It 'gathers numbers piped one at a time and reshapes with -Shape' {
        $t = 1..6 | ConvertTo-RnnTensor -Shape 2, 3
        $t.Shape | Should -Be @(2, 3)
        $t.GetValue(1, 0) | Should -Be 4
    }

    It 'infers a -1 dimension' {
        (ConvertTo-RnnTensor (1..12) -Shape -1, 4).Shape | Should -Be @(3, 4)
    }

    It 'stacks arrays piped one at a time' {
        $t = @(@(1, 2), @(3, 4)) | ConvertTo-RnnTensor
        $t.Shape | Should -Be @(2, 2)
    }

    It 'makes a 0-d tensor from one number' {
        $t = ConvertTo-RnnTensor -InputObject 5
        $t.Rank | Should -Be 0
        $t.ToScalar() | Should -Be 5
    }

    It 'converts with -DType and warns when values are rounded' {
        $t = ConvertTo-RnnTensor @(0.1, 0.5) -DType Float32 -WarningVariable warn -WarningAction SilentlyContinue
        $t.DType | Should -Be 'Float32'
        $warn.Count | Should -Be 1
        "$($warn[0])" | Should -BeLike '1 of 2 values were rounded*float32*'
        ConvertTo-RnnTensor @(0.5, 2) -DType Float32 -WarningVariable quiet -WarningAction SilentlyContinue | Out-Null
        $quiet.Count | Should -Be 0
    }

    It 'copies a tensor rather than aliasing it' {
        $a = ConvertTo-RnnTensor @(1, 2)
        $b = ConvertTo-RnnTensor -InputObject $a -Shape 2, 1
        $b.SetValue(9, 0, 0)
        $a.GetValue(0) | Should -Be 1
    }

    It 'refuses ragged arrays' {
        { ConvertTo-RnnTensor -InputObject @(@(1, 2), @(3)) -ErrorAction Stop } |
            Should -Throw -ErrorId 'TensorConversionFailed,PSRnn.Commands.ConvertToRnnTensorCommand'
    }

    It 'refuses text' {
        { ConvertTo-RnnTensor -InputObject @(1, 'two') -ErrorAction Stop } |
            Should -Throw -ErrorId 'TensorConversionFailed,PSRnn.Commands.ConvertToRnnTensorCommand'
    }

    It 'refuses fractions for an integer dtype' {
        { ConvertTo-RnnTensor @(1.5) -DType Int32 -ErrorAction Stop } |
            Should -Throw -ErrorId 'TensorConversionFailed,PSRnn.Commands.ConvertToRnnTensorCommand'
    }

    It 'refuses a shape that does not hold the values' {
        { ConvertTo-RnnTensor (1..5) -Shape 2, 3 -ErrorAction Stop } |
            Should -Throw -ErrorId 'TensorShapeMismatch,PSRnn.Commands.ConvertToRnnTensorCommand'
    }
}
