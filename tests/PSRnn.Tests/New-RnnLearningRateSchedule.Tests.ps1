# Issue 16, point 1: learning-rate schedules and ReduceLROnPlateau as a user calls them. The rates per step are checked
# against fixtures/schedules/schedules.json (NumPy transcriptions of Keras 3's formulas, made by make_schedules.py).
BeforeDiscovery {
    $fixture = Get-Content -Raw (Join-Path $PSScriptRoot '../fixtures/schedules/schedules.json') | ConvertFrom-Json
    $scheduleCases = @($fixture.schedules | ForEach-Object { @{ Name = $_.name; Case = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # The cmdlet call for a fixture's Keras class and config.
    function New-FromFixture($Case) {
        $c = $Case.config
        switch ($Case.class_name) {
            'ExponentialDecay' { New-RnnLearningRateSchedule -Exponential -InitialRate $c.initial_learning_rate -DecaySteps $c.decay_steps -DecayRate $c.decay_rate -Staircase:$c.staircase }
            'InverseTimeDecay' { New-RnnLearningRateSchedule -InverseTime -InitialRate $c.initial_learning_rate -DecaySteps $c.decay_steps -DecayRate $c.decay_rate -Staircase:$c.staircase }
            'PiecewiseConstantDecay' { New-RnnLearningRateSchedule -PiecewiseConstant -Boundaries $c.boundaries -Values $c.values }
            'PolynomialDecay' { New-RnnLearningRateSchedule -Polynomial -InitialRate $c.initial_learning_rate -DecaySteps $c.decay_steps -EndRate $c.end_learning_rate -Power $c.power -Cycle:$c.cycle }
            'CosineDecay' {
                $warmup = if ($null -ne $c.warmup_target) { @{ WarmupTarget = $c.warmup_target } } else { @{} }
                New-RnnLearningRateSchedule -Cosine -InitialRate $c.initial_learning_rate -DecaySteps $c.decay_steps -Alpha $c.alpha -WarmupSteps $c.warmup_steps @warmup
            }
            'CosineDecayRestarts' { New-RnnLearningRateSchedule -CosineRestarts -InitialRate $c.initial_learning_rate -FirstDecaySteps $c.first_decay_steps -TMul $c.t_mul -MMul $c.m_mul -Alpha $c.alpha }
        }
    }

    $data = New-ToyData -Count 40
    $newModel = { New-RnnModel -InputShape 6, 2 -Seed 16 | Add-GruLayer 4 | Add-DenseLayer 2 -Activation softmax }
}

Describe 'New-RnnLearningRateSchedule <Name>' -ForEach $scheduleCases {
    It 'gives Keras''s rate at every step' {
        $schedule = New-FromFixture $Case
        $schedule.KerasName | Should -Be $Case.class_name
        for ($i = 0; $i -lt $Case.steps.Count; $i++) {
            $expected = [double] $Case.rates[$i]
            [math]::Abs($schedule.RateAt($Case.steps[$i]) - $expected) | Should -BeLessOrEqual (1e-6 * [math]::Abs($expected) + 1e-12) -Because "step $($Case.steps[$i])"
        }
    }
}

Describe 'New-RnnLearningRateSchedule' {
    It 'prints its kind and Keras''s arguments, and lists rates to plot' {
        $schedule = New-RnnLearningRateSchedule -Exponential -InitialRate 0.1 -DecaySteps 10 -DecayRate 0.5 -Staircase
        $text = $schedule | Out-String
        $text | Should -Match 'ExponentialDecay'
        $text | Should -Match 'decay_steps=10, decay_rate=0\.5, staircase=True'
        "$schedule" | Should -Be 'ExponentialDecay(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5, staircase=True)'
        $schedule.RatesTo(21) | Should -Be (@([float] 0.1) * 10 + @([float] 0.05) * 10 + @([float] 0.025))
    }

    It 'refuses <What> with <Id>' -ForEach @(
        @{ What = 'decay steps of 0'; Id = 'LearningRateScheduleStepsNotPositive'; Script = { New-RnnLearningRateSchedule -Exponential -InitialRate 0.1 -DecaySteps 0 -DecayRate 0.5 } }
        @{ What = 'a negative initial rate'; Id = 'LearningRateScheduleRateInvalid'; Script = { New-RnnLearningRateSchedule -InverseTime -InitialRate -1 -DecaySteps 5 -DecayRate 0.5 } }
        @{ What = 'a negative decay rate'; Id = 'LearningRateScheduleInvalidFactor'; Script = { New-RnnLearningRateSchedule -Exponential -InitialRate 0.1 -DecaySteps 5 -DecayRate -0.5 } }
        @{ What = 'boundaries not increasing'; Id = 'LearningRateScheduleBoundariesNotIncreasing'; Script = { New-RnnLearningRateSchedule -PiecewiseConstant -Boundaries 10, 10 -Values 1, 2, 3 } }
        @{ What = 'values not one more than boundaries'; Id = 'LearningRateScheduleValuesCountMismatch'; Script = { New-RnnLearningRateSchedule -PiecewiseConstant -Boundaries 10, 20 -Values 1, 2 } }
        @{ What = 'a negative alpha'; Id = 'LearningRateScheduleInvalidFactor'; Script = { New-RnnLearningRateSchedule -Cosine -InitialRate 0.1 -DecaySteps 5 -Alpha -0.5 } }
        @{ What = 'a t_mul of 0'; Id = 'LearningRateScheduleInvalidFactor'; Script = { New-RnnLearningRateSchedule -CosineRestarts -InitialRate 0.1 -FirstDecaySteps 5 -TMul 0 } }
        @{ What = 'a negative power'; Id = 'LearningRateScheduleInvalidFactor'; Script = { New-RnnLearningRateSchedule -Polynomial -InitialRate 0.1 -DecaySteps 5 -Power -1 } }
    ) {
        $Script | Should -Throw -ErrorId "$Id,PSRnn.Commands.NewRnnLearningRateScheduleCommand"
    }
}

Describe 'Invoke-RnnTraining -LearningRateSchedule' {
    It 'steps with the schedule''s rate at the optimizer''s iterations, across runs, and records each epoch''s end rate' {
        $schedule = New-RnnLearningRateSchedule -PiecewiseConstant -Boundaries 3, 7 -Values 0.05, 0.02, 0.01
        $model = & $newModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -BatchSize 16 -LearningRateSchedule $schedule
        $model.Optimizer.Iterations | Should -Be 6
        $model.History.LearningRate | Should -Be @($schedule.RateAt(3), $schedule.RateAt(6))
        # The next run keeps the schedule and goes on counting.
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 1 -BatchSize 16 | Out-Null
        $model.History[-1].LearningRate | Should -Be $schedule.RateAt(9)
        $model.Optimizer.LearningRate | Should -Be ([float] 0.01)
        ($model.History | Format-Table | Out-String) | Should -Match 'LearningRate[\s\S]*0\.01\b'
    }

    It 'equals the same run with the rate set by hand before every step' {
        $schedule = New-RnnLearningRateSchedule -Cosine -InitialRate 0 -WarmupTarget 0.05 -WarmupSteps 4 -DecaySteps 6
        $scheduled = & $newModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 1 -BatchSize 4 -LearningRateSchedule $schedule -Shuffle:$false
        $manual = & $newModel
        for ($step = 0; $step -lt 10; $step++) {
            $batch = ConvertTo-RnnTensor -InputObject ([float[]] $data.X.Data[($step * 48)..($step * 48 + 47)]) -Shape 4, 6, 2
            $labels = ConvertTo-RnnTensor -InputObject ([long[]] $data.Labels.Data[($step * 4)..($step * 4 + 3)])
            $manual | Invoke-RnnTraining -X $batch -Y $labels -Epochs 1 -BatchSize 4 -LearningRate $schedule.RateAt($step) -Shuffle:$false | Out-Null
        }
        Get-AllWeights $scheduled | Should -Be (Get-AllWeights $manual)
    }

    It 'refuses -LearningRate with a schedule' {
        $schedule = New-RnnLearningRateSchedule -Exponential -InitialRate 0.1 -DecaySteps 10 -DecayRate 0.5
        { & $newModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -LearningRate 0.1 -LearningRateSchedule $schedule } |
            Should -Throw -ErrorId 'LearningRateWithSchedule,PSRnn.Commands.InvokeRnnTrainingCommand'
    }

    It 'stops at a step whose rate is NaN, with the last completed epoch''s weights' {
        # t_mul 0.5: the periods sum to 2 × 5 = 10 steps; Keras's formula is NaN from step 10, in the fourth epoch.
        $schedule = New-RnnLearningRateSchedule -CosineRestarts -InitialRate 0.01 -FirstDecaySteps 5 -TMul 0.5
        $model = & $newModel
        $err = $null
        try { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 5 -BatchSize 16 -LearningRateSchedule $schedule -CheckpointPath (Join-Path $TestDrive 'nan') | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ScheduledLearningRateInvalid,PSRnn.Commands.InvokeRnnTrainingCommand'
        "$err" | Should -Match 'learning rate NaN at step 10'
        $model.History.Count | Should -Be 3
        Get-AllWeights $model | Should -Be (Get-AllWeights (Import-RnnModel (Join-Path $TestDrive 'nan.last.safetensors')))
    }

    It 'resumes from a checkpoint bit for bit, and the schedule survives Export-RnnModel and Import-RnnModel' {
        $schedule = New-RnnLearningRateSchedule -Polynomial -InitialRate 0.05 -DecaySteps 5 -EndRate 0.001 -Power 2 -Cycle
        $straight = & $newModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 4 -BatchSize 16 -LearningRateSchedule $schedule
        $stem = Join-Path $TestDrive 'sched'
        & $newModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -BatchSize 16 -LearningRateSchedule $schedule -CheckpointPath $stem | Out-Null
        $resumed = Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 4 -ResumeFrom "$stem.last.safetensors"
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
        $resumed.History.LearningRate | Should -Be $straight.History.LearningRate

        $path = Join-Path $TestDrive 'scheduled.safetensors'
        Import-RnnModel "$stem.last.safetensors" | Export-RnnModel $path -IncludeOptimizerState
        $again = Import-RnnModel $path
        "$($again.Optimizer.Schedule)" | Should -Be "$schedule"
        $again.Optimizer.Iterations | Should -Be 6
    }
}

Describe 'Invoke-RnnTraining -ReduceLROnPlateau' {
    It 'reduces as Keras would: after patience epochs without improvement, then waits out the cooldown' {
        # A min delta no epoch can beat: every epoch after the first is without improvement.
        $model = & $newModel | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 6 -BatchSize 16 -Optimizer sgd -LearningRate 0.1 `
            -ReduceLROnPlateau -ReduceLRFactor 0.5 -ReduceLRPatience 1 -ReduceLRMinDelta 10 -ReduceLRCooldown 2 -ReduceLRMinRate 0.02
        # Keras logs the rate before the epoch's reduction; the cooldown of 2 skips one epoch (its counter falls first);
        # the sixth epoch's reduction stops at the min rate (0.0125 would be below 0.02).
        $model.History.LearningRate | Should -Be ([float[]] (0.1, 0.1, 0.05, 0.05, 0.025, 0.025))
        $model.Optimizer.LearningRate | Should -Be ([float] 0.02)
    }

    It 'resumes with its state bit for bit' {
        $arguments = @{ X = $data.X; Y = $data.Labels; BatchSize = 16; ValidationSplit = 0.25; Optimizer = 'sgd'; LearningRate = 0.5
            ReduceLROnPlateau = $true; ReduceLRFactor = 0.5; ReduceLRPatience = 1; ReduceLRMinDelta = 0.02; ReduceLRCooldown = 2 }
        $straight = & $newModel | Invoke-RnnTraining -Epochs 6 @arguments
        @($straight.History.LearningRate | Select-Object -Unique).Count | Should -BeGreaterThan 1
        $stem = Join-Path $TestDrive 'plateau'
        & $newModel | Invoke-RnnTraining -Epochs 3 @arguments -CheckpointPath $stem | Out-Null
        $resumed = Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 6 -ResumeFrom "$stem.last.safetensors"
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
        $resumed.History.LearningRate | Should -Be $straight.History.LearningRate
    }

    It 'refuses <What> with <Id>' -ForEach @(
        @{ What = 'a factor of 1'; Id = 'ReduceLRFactorOutOfRange'; Arguments = { @{ ReduceLROnPlateau = $true; ReduceLRFactor = 1 } } }
        @{ What = 'a setting without the switch'; Id = 'ReduceLRWithoutSwitch'; Arguments = { @{ ReduceLRPatience = 3 } } }
        @{ What = 'a schedule'; Id = 'ReduceLROnPlateauWithSchedule'; Arguments = { @{ ReduceLROnPlateau = $true; LearningRateSchedule = (New-RnnLearningRateSchedule -Cosine -InitialRate 0.1 -DecaySteps 5) } } }
    ) {
        $given = & $Arguments
        { & $newModel | Invoke-RnnTraining -X $data.X -Y $data.Labels @given } | Should -Throw -ErrorId "$Id,PSRnn.Commands.InvokeRnnTrainingCommand"
    }
}
