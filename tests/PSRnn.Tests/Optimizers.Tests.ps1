# Issue 16's optimizers through Invoke-RnnTraining: Adagrad, Adadelta, Nadam and Adamax by name, SGD's -Momentum and
# -Nesterov, -WeightDecay on any optimizer; their state in checkpoints (exact resume) and model files. The update rules
# themselves are checked against PyTorch / Keras's formulas in the engine tests (KerasOptimizerFixtureTests).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 40 -Seed 5
    function New-SmallModel([uint64] $Seed = 9) {
        New-RnnModel -InputShape 6, 2 -Seed $Seed | Add-GruLayer 4 | Add-DenseLayer 2 -Activation softmax
    }
}

Describe 'Invoke-RnnTraining optimizers' {
    It 'trains with <Name> under Keras 3''s defaults' -ForEach @(
        @{ Name = 'adagrad'; Rate = 0.001; Property = 'InitialAccumulatorValue'; Value = 0.1 }
        @{ Name = 'adadelta'; Rate = 0.001; Property = 'Rho'; Value = 0.95 }
        @{ Name = 'nadam'; Rate = 0.001; Property = 'Beta2'; Value = 0.999 }
        @{ Name = 'adamax'; Rate = 0.001; Property = 'Beta1'; Value = 0.9 }
    ) {
        $model = New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -BatchSize 10 -Optimizer $Name -Quiet
        $model.Optimizer.KerasName | Should -Be $Name
        $model.Optimizer.LearningRate | Should -Be ([float] $Rate)
        $model.Optimizer.$Property | Should -Be ([float] $Value)
        $model.Optimizer.Iterations | Should -Be 8
        $model.History.Count | Should -Be 2
        $model.History[-1].Loss | Should -BeLessThan $model.History[0].Loss
    }

    It 'gives SGD momentum and Nesterov from -Momentum and -Nesterov' {
        $model = New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer sgd -Momentum 0.9 -Nesterov -Quiet
        $model.Optimizer.KerasName | Should -Be 'sgd'
        $model.Optimizer.Momentum | Should -Be ([float] 0.9)
        $model.Optimizer.Nesterov | Should -BeTrue
        # Without -Optimizer, -Momentum alone applies to the model's kept SGD.
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Momentum 0.5 -Quiet | Out-Null
        $model.Optimizer.KerasName | Should -Be 'sgd'
        $model.Optimizer.Momentum | Should -Be ([float] 0.5)
        $model.Optimizer.Nesterov | Should -BeFalse
    }

    It 'differs from plain SGD with momentum, and equals it with -Momentum 0' {
        $plain = New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -Optimizer sgd -Quiet
        $zero = New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -Optimizer sgd -Momentum 0 -Quiet
        $moving = New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -Optimizer sgd -Momentum 0.9 -Quiet
        Get-AllWeights $zero | Should -Be (Get-AllWeights $plain)
        (Get-AllWeights $moving) -join ',' | Should -Not -Be ((Get-AllWeights $plain) -join ',')
    }

    It 'sets -WeightDecay on any optimizer; AdamW keeps 0.004 unless told' {
        (New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer adamw -Quiet).Optimizer.WeightDecay |
            Should -Be ([float] 0.004)
        foreach ($name in 'sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', 'adadelta', 'nadam', 'adamax') {
            $model = New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer $name -WeightDecay 0.01 -Quiet
            $model.Optimizer.WeightDecay | Should -Be ([float] 0.01) -Because $name
        }
    }

    It 'shrinks every weight by w·wd·lr besides the update (Keras''s decoupled decay)' {
        # One SGD step from the same weights, with and without decay: the gradient is taken before the decay, so
        # w_decayed = (w − w·wd·lr) − lr·g = w_plain − w·wd·lr, biases included.
        $one = New-ToyData -Count 8 -Seed 6
        $before = Get-AllWeights (New-SmallModel)
        $plain = Get-AllWeights (New-SmallModel | Invoke-RnnTraining -X $one.X -Y $one.Labels -BatchSize 8 -Optimizer sgd -LearningRate 0.1 -Quiet)
        $decayed = Get-AllWeights (New-SmallModel | Invoke-RnnTraining -X $one.X -Y $one.Labels -BatchSize 8 -Optimizer sgd -LearningRate 0.1 -WeightDecay 0.5 -Quiet)
        for ($i = 0; $i -lt $before.Count; $i++) {
            $expected = $plain[$i] - $before[$i] * 0.5 * 0.1
            [math]::Abs($decayed[$i] - $expected) | Should -BeLessOrEqual (1e-6 * [math]::Max(1, [math]::Abs($expected)))
        }
    }

    It 'refuses <Case> with <Id>' -ForEach @(
        @{ Case = '-Momentum with Adam'; Id = 'MomentumNeedsSgd'; Match = 'SGD'; Script = { New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer adam -Momentum 0.9 } }
        @{ Case = '-Nesterov with Adagrad'; Id = 'NesterovNeedsMomentum'; Match = '-Momentum'; Script = { New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer adagrad -Nesterov } }
        @{ Case = '-Nesterov without -Momentum'; Id = 'NesterovNeedsMomentum'; Match = '-Momentum 0.9'; Script = { New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer sgd -Nesterov } }
        @{ Case = '-Momentum 1'; Id = 'MomentumOutOfRange'; Match = 'below 1'; Script = { New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer sgd -Momentum 1 } }
        @{ Case = 'a negative -Momentum'; Id = 'MomentumOutOfRange'; Match = 'at least 0'; Script = { New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Optimizer sgd -Momentum -0.1 } }
        @{ Case = 'a negative -WeightDecay'; Id = 'WeightDecayOutOfRange'; Match = '≥ 0'; Script = { New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -WeightDecay -0.01 } }
        @{ Case = 'a NaN -WeightDecay'; Id = 'WeightDecayOutOfRange'; Match = 'finite'; Script = { New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -WeightDecay ([double]::NaN) } }
    ) {
        $err = { & $Script -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be "$Id,PSRnn.Commands.InvokeRnnTrainingCommand"
        $err.Exception.Message | Should -Match ([regex]::Escape($Match))
    }

    It 'completes the new optimizer names' {
        $line = 'Invoke-RnnTraining -Optimizer ada'
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Be @('adadelta', 'adagrad', 'adam', 'adamax', 'adamw')
    }
}

Describe 'Optimizer state in checkpoints and model files' {
    It 'resumes <Name> exactly: an interrupted-and-resumed run equals an uninterrupted one bit for bit' -ForEach @(
        @{ Name = 'adagrad'; Extra = @{} }
        @{ Name = 'adadelta'; Extra = @{ LearningRate = 0.5 } }
        @{ Name = 'nadam'; Extra = @{ WeightDecay = 0.01 } }
        @{ Name = 'adamax'; Extra = @{} }
        @{ Name = 'sgd'; Extra = @{ Momentum = 0.9; Nesterov = $true; WeightDecay = 0.05 } }
    ) {
        $settings = @{ X = $data.X; Y = $data.Labels; BatchSize = 10; Optimizer = $Name; Quiet = $true } + $Extra
        $straight = New-SmallModel | Invoke-RnnTraining @settings -Epochs 4
        $stem = Join-Path $TestDrive $Name
        New-SmallModel | Invoke-RnnTraining @settings -Epochs 2 -CheckpointPath $stem | Out-Null
        $resumed = Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 4 -ResumeFrom "$stem.last.safetensors" -Quiet
        $resumed.Optimizer.KerasName | Should -Be $Name
        $resumed.Optimizer.Iterations | Should -Be 16
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
        $resumed.History.Loss | Should -Be $straight.History.Loss
    }

    It 'saves and reads back <Name>''s hyper-parameters and state' -ForEach @(
        @{ Name = 'adagrad' }, @{ Name = 'adadelta' }, @{ Name = 'nadam' }, @{ Name = 'adamax' }
    ) {
        $model = New-SmallModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -BatchSize 10 -Optimizer $Name -LearningRate 0.02 -WeightDecay 0.003 -Quiet
        $path = Join-Path $TestDrive "$Name.safetensors"
        $model | Export-RnnModel -LiteralPath $path -IncludeOptimizerState -Force
        $read = Import-RnnModel -LiteralPath $path
        $read.Optimizer.GetType().FullName | Should -Be $model.Optimizer.GetType().FullName
        $read.Optimizer.ToString() | Should -Be $model.Optimizer.ToString()
        $read.Optimizer.LearningRate | Should -Be ([float] 0.02)
        $read.Optimizer.WeightDecay | Should -Be ([float] 0.003)
        $read.Optimizer.Iterations | Should -Be 4
        # The same next epoch from the original and from the file.
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -BatchSize 10 -Shuffle:$false -Quiet | Out-Null
        $read | Invoke-RnnTraining -X $data.X -Y $data.Labels -BatchSize 10 -Shuffle:$false -Quiet | Out-Null
        Get-AllWeights $read | Should -Be (Get-AllWeights $model)
    }
}
