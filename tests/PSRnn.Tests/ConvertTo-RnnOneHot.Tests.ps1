BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'ConvertTo-RnnOneHot' {
    It 'encodes labels as Keras to_categorical does' {
        $t = ConvertTo-RnnTensor @(0, 2, 1, 2) | ConvertTo-RnnOneHot -NumClasses 3
        $t.DType | Should -Be 'Float32'
        $t.Shape | Should -Be @(4, 3)
        $t.Data | Should -Be @(1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1)
    }

    It 'counts classes as the largest label plus one by default' {
        (ConvertTo-RnnOneHot -InputObject @(0, 4)).Shape | Should -Be @(2, 5)
    }

    It 'gathers labels piped one at a time' {
        $t = 1, 0, 1 | ConvertTo-RnnOneHot -NumClasses 2
        $t.Shape | Should -Be @(3, 2)
        $t.Data | Should -Be @(0, 1, 1, 0, 0, 1)
    }

    It 'drops a trailing dimension of 1, as Keras does' {
        $labels = ConvertTo-RnnTensor @(@(1), @(0), @(2))
        (ConvertTo-RnnOneHot -InputObject $labels -NumClasses 3).Shape | Should -Be @(3, 3)
    }

    It 'keeps higher-rank label shapes' {
        $labels = ConvertTo-RnnTensor @(@(0, 1, 2), @(2, 1, 0))
        (ConvertTo-RnnOneHot -InputObject $labels).Shape | Should -Be @(2, 3, 3)
    }

    It 'accepts whole numbers stored as floats' {
        $t = ConvertTo-RnnOneHot -InputObject ([double[]](1, 0)) -NumClasses 2
        $t.Data | Should -Be @(0, 1, 1, 0)
    }

    It 'refuses a label that is not a whole number' {
        { ConvertTo-RnnOneHot -InputObject @(0, 1.5) -NumClasses 3 -ErrorAction Stop } |
            Should -Throw -ErrorId 'OneHotNonIntegerLabel,PSRnn.Commands.ConvertToRnnOneHotCommand'
    }

    It 'refuses a label at or past -NumClasses' {
        { ConvertTo-RnnOneHot -InputObject @(0, 3) -NumClasses 3 -ErrorAction Stop } |
            Should -Throw -ErrorId 'OneHotLabelOutOfRange,PSRnn.Commands.ConvertToRnnOneHotCommand'
    }

    It 'refuses a negative label' {
        { ConvertTo-RnnOneHot -InputObject @(-1, 0) -ErrorAction Stop } |
            Should -Throw -ErrorId 'OneHotLabelOutOfRange,PSRnn.Commands.ConvertToRnnOneHotCommand'
    }
}
