BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # 8 sequences of 12 steps and 2 features; per-step targets (8, 12, 1) and last-step targets (8, 1).
    $random = [Random]::new(7)
    $xs = [float[]]::new(8 * 12 * 2)
    for ($i = 0; $i -lt $xs.Length; $i++) { $xs[$i] = $random.NextDouble() * 2 - 1 }
    $ys = [float[]]::new(8 * 12)
    for ($i = 0; $i -lt $ys.Length; $i++) { $ys[$i] = $random.NextDouble() - 0.5 }
    $x = ConvertTo-RnnTensor -InputObject $xs -Shape 8, 12, 2
    $yStep = ConvertTo-RnnTensor -InputObject $ys -Shape 8, 12, 1
    $yLast = ConvertTo-RnnTensor -InputObject ([float[]]$ys[0..7]) -Shape 8, 1
    function New-StepModel { New-RnnModel -InputShape 0, 2 -Seed 5 | Add-LstmLayer 6 -ReturnSequences | Add-DenseLayer 1 }
    function New-LastModel { New-RnnModel -InputShape 0, 2 -Seed 5 | Add-GruLayer 6 | Add-DenseLayer 1 }
}

Describe 'Invoke-RnnTraining -TruncatedBptt' {
    It 'trains per-step and last-step targets in windows, validation included' {
        $m = New-StepModel | Invoke-RnnTraining $x $yStep -Epochs 3 -BatchSize 4 -TruncatedBptt 5 -ValidationData $x, $yStep
        $m.History.Count | Should -Be 3
        $m.History[-1].Loss | Should -BeLessThan $m.History[0].Loss
        $m.History[-1].ValidationLoss | Should -BeGreaterThan 0
        $l = New-LastModel | Invoke-RnnTraining $x $yLast -Epochs 2 -BatchSize 4 -TruncatedBptt 4
        $l.History.Count | Should -Be 2
        [double]::IsFinite($l.History[-1].Loss) | Should -BeTrue
    }

    It 'with K at least the sequence length gives exactly the weights of full BPTT' {
        $full = New-StepModel | Invoke-RnnTraining $x $yStep -Epochs 2 -BatchSize 4 -Seed 3
        $one = New-StepModel | Invoke-RnnTraining $x $yStep -Epochs 2 -BatchSize 4 -Seed 3 -TruncatedBptt 12
        $more = New-StepModel | Invoke-RnnTraining $x $yStep -Epochs 2 -BatchSize 4 -Seed 3 -TruncatedBptt 500
        $w = Get-AllWeights $full
        Get-AllWeights $one | Should -Be $w
        Get-AllWeights $more | Should -Be $w
        $short = New-StepModel | Invoke-RnnTraining $x $yStep -Epochs 2 -BatchSize 4 -Seed 3 -TruncatedBptt 5
        (Get-AllWeights $short) -join ',' | Should -Not -Be ($w -join ',')
    }

    It 'refuses a window below 1 with a stable error' {
        foreach ($k in 0, -2) {
            { New-StepModel | Invoke-RnnTraining $x $yStep -TruncatedBptt $k } |
                Should -Throw -ErrorId 'TruncatedBpttNotPositive,PSRnn.Commands.InvokeRnnTrainingCommand'
        }
    }

    It 'refuses a Bidirectional layer, which needs the future' {
        $bi = New-RnnModel -InputShape 0, 2 | Add-LstmLayer 4 -Bidirectional | Add-DenseLayer 1
        { $bi | Invoke-RnnTraining $x $yLast -TruncatedBptt 4 } |
            Should -Throw -ErrorId 'TruncatedBpttBidirectional,PSRnn.Commands.InvokeRnnTrainingCommand'
    }

    It 'refuses windows shorter than a fixed-length model, naming the fix' {
        $fixed = New-RnnModel -InputShape 12, 2 | Add-GruLayer 4 | Add-DenseLayer 1
        { $fixed | Invoke-RnnTraining $x $yLast -TruncatedBptt 4 } |
            Should -Throw -ErrorId 'TruncatedBpttFixedTime,PSRnn.Commands.InvokeRnnTrainingCommand'
        { $fixed | Invoke-RnnTraining $x $yLast -TruncatedBptt 4 } | Should -Throw '*-InputShape 0, 2*'
    }

    It 'keeps K in checkpoints and resumes with it' {
        $dir = Join-Path $TestDrive 'ck'
        $null = New-Item -ItemType Directory -Path $dir
        $a = New-StepModel | Invoke-RnnTraining $x $yStep -Epochs 2 -BatchSize 4 -Seed 9 -TruncatedBptt 5 -CheckpointPath (Join-Path $dir 'run')
        $b = Invoke-RnnTraining -ResumeFrom (Join-Path $dir 'run.last.safetensors') -X $x -Y $yStep -Epochs 3
        $c = New-StepModel | Invoke-RnnTraining $x $yStep -Epochs 3 -BatchSize 4 -Seed 9 -TruncatedBptt 5
        Get-AllWeights $b | Should -Be (Get-AllWeights $c)
        $a.History.Count | Should -Be 2
    }
}
