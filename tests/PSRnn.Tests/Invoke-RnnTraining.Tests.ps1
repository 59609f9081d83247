BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 128 -Steps 6 -Features 2 -Seed 1
    $test = New-ToyData -Count 64 -Steps 6 -Features 2 -Seed 2
    function New-ToyModel([uint64] $Seed = 3) {
        New-RnnModel -InputShape 6, 2 -Seed $Seed | Add-LstmLayer 8 | Add-DenseLayer 2 -Activation softmax
    }
}

Describe 'Invoke-RnnTraining' {
    It 'learns a learnable task and passes the model on' {
        $model = New-ToyModel | Invoke-RnnTraining -X $data.X -Y $data.OneHot -Epochs 25 -LearningRate 0.02
        # The engine lives in PSRnn's own AssemblyLoadContext, out of reach of PowerShell's type literals: check the name.
        $model.GetType().FullName | Should -Be 'PSRnn.Engine.Models.Sequential'
        $model.History.Count | Should -Be 25
        $model.History[-1].Loss | Should -BeLessThan $model.History[0].Loss
        $model.History[-1].Metrics['accuracy'] | Should -BeGreaterThan 0.9
        ($model | Measure-RnnModel -X $test.X -Y $test.OneHot).Accuracy | Should -BeGreaterThan 0.85
    }

    It 'picks categorical cross-entropy for one-hot targets and the sparse form for class labels' {
        (New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot).Loss.KerasName | Should -Be 'categorical_crossentropy'
        (New-ToyModel | Invoke-RnnTraining $data.X $data.Labels).Loss.KerasName | Should -Be 'sparse_categorical_crossentropy'
    }

    It 'takes -Loss by Keras name, and MSE for a linear output' {
        $m = New-RnnModel -InputShape 6, 2 | Add-GruLayer 4 | Add-DenseLayer 1
        $y = ConvertTo-RnnTensor ([float[]](1..128)) -Shape 128, 1
        ($m | Invoke-RnnTraining $data.X $y).Loss.KerasName | Should -Be 'mean_squared_error'
        ($m | Invoke-RnnTraining $data.X $y -Loss mae).History[-1].Metrics.Keys | Should -Be @('mae')
    }

    It 'records validation loss and metrics with -ValidationData and -ValidationSplit' {
        $m = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Epochs 2 -ValidationData $test.X, $test.OneHot
        $m.History[-1].ValidationLoss | Should -BeGreaterThan 0
        $m.History[-1].ValidationMetrics['accuracy'] | Should -BeGreaterOrEqual 0
        # Keras's evaluate on the validation data reproduces the last val_loss.
        $eval = $m | Measure-RnnModel -X $test.X -Y $test.OneHot
        $eval.Loss | Should -BeGreaterThan ($m.History[-1].ValidationLoss - 1e-6)
        $eval.Loss | Should -BeLessThan ($m.History[-1].ValidationLoss + 1e-6)
        $s = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -ValidationSplit 0.25
        $s.History[-1].ValidationLoss | Should -BeGreaterThan 0
    }

    It 'ends with the same weights bit for bit for the same seed' {
        $a = New-ToyModel -Seed 11 | Invoke-RnnTraining $data.X $data.OneHot -Epochs 3
        $b = New-ToyModel -Seed 11 | Invoke-RnnTraining $data.X $data.OneHot -Epochs 3
        Get-AllWeights $a | Should -Be (Get-AllWeights $b)
    }

    It 'gives the same weights with one thread as with two (-ThreadCount)' {
        $one = New-ToyModel -Seed 12 | Invoke-RnnTraining $data.X $data.OneHot -Epochs 2 -ThreadCount 1
        $two = New-ToyModel -Seed 12 | Invoke-RnnTraining $data.X $data.OneHot -Epochs 2 -ThreadCount 2
        Get-AllWeights $one | Should -Be (Get-AllWeights $two)
        ($one | Invoke-RnnPrediction -X $test.X -ThreadCount 1).Data | Should -Be ($one | Invoke-RnnPrediction -X $test.X -ThreadCount 2).Data
        { $one | Invoke-RnnTraining $data.X $data.OneHot -ThreadCount 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSRnn.Commands.InvokeRnnTrainingCommand'
    }

    It 'continues training where it stopped' {
        $once = New-ToyModel -Seed 5 | Invoke-RnnTraining $data.X $data.OneHot -Epochs 2
        $once | Invoke-RnnTraining $data.X $data.OneHot -Epochs 1 | Out-Null
        $once.History.Count | Should -Be 3
        $once.History.Epoch | Should -Be @(1, 2, 3)
    }

    It 'stops early when the monitored loss stops improving' {
        # With a learning rate of 0 and a fixed batch order the loss repeats exactly: epoch 1 is the best, 2 more end it.
        $m = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Epochs 20 -Optimizer sgd -LearningRate 0 -EarlyStoppingPatience 2 -Shuffle:$false
        $m.History.Count | Should -Be 3
    }

    It 'accepts every optimizer and clipping option' {
        foreach ($optimizer in 'sgd', 'rmsprop', 'adam', 'adamw') {
            $m = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Optimizer $optimizer -ClipNorm 1 -ClipValue 0.5 -GlobalClipNorm 1
            $m.Optimizer.KerasName | Should -Be $optimizer
        }
    }

    It 'writes the epoch lines to the verbose stream with -Quiet -Verbose' {
        $lines = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Epochs 2 -Quiet -Verbose 4>&1 6>&1 |
            Where-Object { $_.GetType().FullName -ne 'PSRnn.Engine.Models.Sequential' }
        @($lines).Count | Should -Be 2 -Because 'nothing reaches the information stream with -Quiet'
        $lines | ForEach-Object { $_ | Should -BeOfType ([System.Management.Automation.VerboseRecord]) }
        "$($lines[0])" | Should -Match '^Epoch 1/2 - \d+(s|ms|us) - loss: \d+\.\d{4} - accuracy: \d+\.\d{4}$'
    }

    It 'gives each History record its tracked metrics as properties, keeping .Metrics' {
        $m = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Epochs 3 -ValidationSplit 0.25 -Metric accuracy, mae
        $m.History.Accuracy | Should -Be @($m.History | ForEach-Object { $_.Metrics['accuracy'] })
        $m.History.MAE | Should -Be @($m.History | ForEach-Object { $_.Metrics['mae'] })
        $m.History.ValLoss | Should -Be @($m.History.ValidationLoss)
        $m.History.ValAccuracy | Should -Be @($m.History | ForEach-Object { $_.ValidationMetrics['accuracy'] })
        $m.History.ValMAE | Should -Be @($m.History | ForEach-Object { $_.ValidationMetrics['mae'] })
        $m.History[0].PSObject.Properties.Name | Should -Not -Contain 'Categorical_Accuracy' -Because 'only the metrics tracked are there'
        $plain = New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Epochs 1
        $plain.History[0].Accuracy | Should -Be $plain.History[0].Metrics['accuracy']
        $plain.History[0].PSObject.Properties.Name | Should -Not -Contain 'ValLoss' -Because 'it trained without validation'
        # A model read back from its file has them too.
        $file = Join-Path $TestDrive 'history.safetensors'
        $m | Export-RnnModel $file
        (Import-RnnModel $file).History.ValAccuracy | Should -Be $m.History.ValAccuracy
    }

    It 'warns when the inputs look unscaled, and only then' {
        $raw = [float[, , ]]::new(4, 6, 2)
        $raw[1, 2, 0] = -300
        New-ToyModel | Invoke-RnnTraining $raw ([long[]](0, 1, 0, 1)) -WarningVariable warn -WarningAction SilentlyContinue | Out-Null
        "$warn" | Should -Match 'unscaled'
        New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -WarningVariable quiet -WarningAction SilentlyContinue | Out-Null
        $quiet.Count | Should -Be 0
    }

    It 'leaves out of that check the padding a first masking layer skips, but not the steps it keeps' {
        $padded = [float[, , ]]::new(4, 6, 2)
        for ($n = 0; $n -lt 4; $n++) { for ($t = 0; $t -lt 6; $t++) { $padded[$n, $t, 0] = if ($t -lt 3) { 0.5 } else { -1000 }; $padded[$n, $t, 1] = if ($t -lt 3) { -0.5 } else { -1000 } } }
        $masked = { New-RnnModel -InputShape 0, 2 -Seed 1 | Add-MaskingLayer -MaskValue -1000 | Add-LstmLayer 3 | Add-DenseLayer 2 -Activation softmax }
        & $masked | Invoke-RnnTraining $padded ([long[]](0, 1, 0, 1)) -WarningVariable quiet -WarningAction SilentlyContinue | Out-Null
        $quiet.Count | Should -Be 0 -Because 'the -1000 steps are padding'
        $padded[2, 1, 1] = 300
        & $masked | Invoke-RnnTraining $padded ([long[]](0, 1, 0, 1)) -WarningVariable warn -WarningAction SilentlyContinue | Out-Null
        "$warn" | Should -Match 'values up to 300 in magnitude'
    }

    It 'takes plain .NET arrays for -X and -Y' {
        $x = [float[, , ]]::new(4, 6, 2)
        $m = New-ToyModel | Invoke-RnnTraining -X $x -Y ([long[]](0, 1, 0, 1))
        $m.History.Count | Should -Be 1
    }

    It 'stops at a batch boundary on Ctrl+C and keeps the last completed epoch''s weights' {
        $model = New-ToyModel -Seed 21
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $Model, $X, $Y)
                    Import-Module $ModulePath
                    $Model | Invoke-RnnTraining -X $X -Y $Y -Epochs 100000 -BatchSize 16
                }).AddArgument($ModulePath).AddArgument($model).AddArgument($data.X).AddArgument($data.OneHot)
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($model.History.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $epochs = $model.History.Count
        $epochs | Should -BeGreaterOrEqual 3
        # The interrupted model equals one trained for exactly that many epochs.
        $reference = New-ToyModel -Seed 21 | Invoke-RnnTraining -X $data.X -Y $data.OneHot -Epochs $epochs -BatchSize 16
        Get-AllWeights $model | Should -Be (Get-AllWeights $reference)
    }

    Context 'bad input' {
        It 'refuses X and Y with different sample counts' {
            { New-ToyModel | Invoke-RnnTraining $data.X $test.OneHot -ErrorAction Stop } |
                Should -Throw -ErrorId 'SampleCountMismatch,PSRnn.Commands.InvokeRnnTrainingCommand'
        }

        It 'refuses features that do not match the model' {
            $x = [float[, , ]]::new(4, 6, 3)
            { New-ToyModel | Invoke-RnnTraining $x ([long[]](0, 1, 0, 1)) -ErrorAction Stop } |
                Should -Throw -ErrorId 'InputShapeMismatch,PSRnn.Commands.InvokeRnnTrainingCommand'
        }

        It 'refuses 2-D input to a recurrent layer' {
            $x = [float[, ]]::new(4, 12)
            { New-ToyModel | Invoke-RnnTraining $x ([long[]](0, 1, 0, 1)) -ErrorAction Stop } |
                Should -Throw -ErrorId 'InputNotSequence,PSRnn.Commands.InvokeRnnTrainingCommand'
        }

        It 'refuses labels outside the output layer''s classes' {
            { New-ToyModel | Invoke-RnnTraining $data.X (ConvertTo-RnnTensor ([long[]](@(0) * 127 + 2))) -ErrorAction Stop } |
                Should -Throw -ErrorId 'LabelOutOfRange,PSRnn.Commands.InvokeRnnTrainingCommand'
        }

        It 'names the first sample holding NaN' {
            $x = [float[, , ]]::new(4, 6, 2)
            $x[2, 3, 1] = [float]::NaN
            $err = { New-ToyModel | Invoke-RnnTraining $x ([long[]](0, 1, 0, 1)) -ErrorAction Stop } | Should -Throw -ErrorId 'DataNotFinite,PSRnn.Commands.InvokeRnnTrainingCommand' -PassThru
            $err.Exception.Message | Should -Match 'sample 2 '
        }

        It 'refuses an empty model' {
            { New-RnnModel -InputShape 6, 2 | Invoke-RnnTraining $data.X $data.OneHot -ErrorAction Stop } |
                Should -Throw -ErrorId 'ModelEmpty,PSRnn.Commands.InvokeRnnTrainingCommand'
        }

        It 'stops when the loss turns NaN and keeps finite weights' {
            $m = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-SimpleRnnLayer 4 -Activation relu | Add-DenseLayer 1
            $y = ConvertTo-RnnTensor ([float[]](@(1e4) * 128)) -Shape 128, 1
            { $m | Invoke-RnnTraining $data.X $y -Epochs 50 -Optimizer sgd -LearningRate 1e6 -ErrorAction Stop } |
                Should -Throw -ErrorId 'TrainingLossNotFinite,PSRnn.Commands.InvokeRnnTrainingCommand'
            Get-AllWeights $m | ForEach-Object { [float]::IsFinite($_) | Should -BeTrue }
        }

        It 'refuses an unknown optimizer or loss' {
            { New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Optimizer ftrl -ErrorAction Stop } |
                Should -Throw -ErrorId 'OptimizerUnknown,PSRnn.Commands.InvokeRnnTrainingCommand'
            { New-ToyModel | Invoke-RnnTraining $data.X $data.OneHot -Loss hinge -ErrorAction Stop } |
                Should -Throw -ErrorId 'LossUnknown,PSRnn.Commands.InvokeRnnTrainingCommand'
        }
    }
}

Describe 'Invoke-RnnTraining''s epoch lines, as a script prints them' {
    BeforeAll {
        $script:Setup = @'
$x = ConvertTo-RnnTensor -InputObject ([float[]] (1..1200 | ForEach-Object { [math]::Sin($_ * 1.7) })) -Shape 100, 6, 2
$y = [long[]] (0..99 | ForEach-Object { $x.GetValue($_, 0, 0) -gt 0 })
$model = New-RnnModel -InputShape 6, 2 -Seed 7 | Add-LstmLayer 8 | Add-DenseLayer 2 -Activation softmax
'@
    }

    It 'prints Keras''s verbose=2 line an epoch where the output is redirected, and passes on only the model' {
        $run = Invoke-ScriptFile ($Setup, @'
$out = @($model | Invoke-RnnTraining -X $x -Y $y -Epochs 3 -ValidationSplit 0.2)
"pipeline: $($out.Count) $($out[0].GetType().FullName)"
foreach ($r in $model.History) {
    'history: ' + (($r.Loss, $r.Metrics['accuracy'], $r.ValidationLoss, $r.ValidationMetrics['accuracy'] |
        ForEach-Object { $_.ToString('F4', [cultureinfo]::InvariantCulture) }) -join ' ')
}
'@)
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match '(?m)^pipeline: 1 PSRnn\.Engine\.Models\.Sequential$'
        $lines = [regex]::Matches($run.Text, '(?m)^Epoch (\d+)/3 - \d+(?:s|ms|us) - loss: (\S+) - accuracy: (\S+) - val_loss: (\S+) - val_accuracy: (\S+)$')
        $lines.Count | Should -Be 3 -Because $run.Text
        $history = [regex]::Matches($run.Text, '(?m)^history: (.+)$') | ForEach-Object { $_.Groups[1].Value }
        for ($e = 0; $e -lt 3; $e++) {
            $g = $lines[$e].Groups
            $g[1].Value | Should -Be ($e + 1)
            ($g[2..5].Value -join ' ') | Should -Be $history[$e] -Because 'each line carries its epoch''s History figures'
        }
    }

    It 'is silenced by -Quiet and -InformationAction Ignore, captured by 6>&1, and not repeated by -Verbose' {
        $run = Invoke-ScriptFile ($Setup, @'
'[quiet]'; $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -Quiet
'[ignore]'; $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -InformationAction Ignore
'[captured]'; $records = @($model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 6>&1 | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })
"records: $($records.Count); tags: $($records[0].Tags -join ','); $($records[1].MessageData)"
'[verbose]'; $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -Verbose
'[end]'
'@)
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $text = $run.Text
        $part = { param($From, $To) $text.Substring($text.IndexOf($From) + $From.Length, $text.IndexOf($To) - $text.IndexOf($From) - $From.Length).Trim() }
        & $part '[quiet]' '[ignore]' | Should -BeNullOrEmpty
        & $part '[ignore]' '[captured]' | Should -BeNullOrEmpty
        & $part '[captured]' '[verbose]' | Should -Match '^records: 2; tags: PSHOST; Epoch 2/2 - \S+ - loss: \d\.\d{4} - accuracy: \d\.\d{4}$'
        $verbose = & $part '[verbose]' '[end]'
        $verbose -split '\n' | Should -HaveCount 2
        $verbose | Should -Match '^Epoch 1/2 - .*\nEpoch 2/2 - '
        $verbose | Should -Not -Match 'VERBOSE'
    }

    It 'prints no lines on a terminal, where the bar shows; -Verbose then prints them' -Skip:(-not $IsLinux -or -not (Get-Command script -CommandType Application -ErrorAction Ignore)) {
        # $ProgressPreference hides the bar here: drawing it costs the host terminal queries (cursor position) that
        # nothing answers on script(1)'s terminal, seconds each.
        $run = Invoke-ScriptFile -Terminal $Setup, @'
$ProgressPreference = 'SilentlyContinue'
"terminal: $(-not [Console]::IsOutputRedirected)"
'[default]'; $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2
'[verbose]'; $null = $model | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -Verbose
'[end]'
'@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match 'terminal: True'
        $run.Text | Should -Match '(?s)\[default\]\s*\[verbose\]' -Because 'the bar stands for the lines at a terminal'
        $run.Text | Should -Match '(?s)\[verbose\]\s*VERBOSE: Epoch 1/2 - .*VERBOSE: Epoch 2/2 - [^\n]*\s*\[end\]'
    }
}
