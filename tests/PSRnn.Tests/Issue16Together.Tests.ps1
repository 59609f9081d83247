# Issue 16's five parts together (schedules and ReduceLROnPlateau, class and sample weights, callbacks and logs,
# optimizers and regularizers, losses and metrics): each was tested alone; these are the interactions between them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 40 -Seed 5
    $labels = [long[]] @(for ($i = 0; $i -lt 40; $i++) { $data.Labels.GetValue($i) })
    # The per-sample weights @{ 0 = 2.0; 1 = 1.0 } implies.
    $implied = ConvertTo-RnnTensor ([float[]] @($labels | ForEach-Object { if ($_ -eq 0) { 2.0 } else { 1.0 } }))
    $binary = ConvertTo-RnnTensor ([float[]] $labels) -Shape 40, 1
    function New-Model([int] $Units = 2, [string] $Activation = 'softmax', [hashtable] $Regularizers = @{}) {
        New-RnnModel -InputShape 6, 2 -Seed 3 | Add-LstmLayer 4 @Regularizers | Add-DenseLayer $Units -Activation $Activation
    }
    function ConvertFrom-Invariant([string] $Text) { [double]::Parse($Text, [cultureinfo]::InvariantCulture) }
}

Describe 'A schedule with each optimizer' {
    It 'drives <Name>: each epoch ends with the schedule''s rate at the optimizer''s step count' -ForEach @(
        @{ Name = 'sgd' }, @{ Name = 'rmsprop' }, @{ Name = 'adam' }, @{ Name = 'adamw' }, @{ Name = 'adagrad' },
        @{ Name = 'adadelta' }, @{ Name = 'nadam' }, @{ Name = 'adamax' }
    ) {
        # The rate each step used is checked bit for bit against the schedule's in the engine (Issue16TogetherTests);
        # here the cmdlet: the named optimizer takes the schedule, with -WeightDecay, and reports its rates.
        $schedule = New-RnnLearningRateSchedule -Exponential -InitialRate 0.05 -DecaySteps 3 -DecayRate 0.5
        $model = New-Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -BatchSize 10 -Optimizer $Name -WeightDecay 0.01 -LearningRateSchedule $schedule -Quiet
        $model.Optimizer.KerasName | Should -Be $Name
        $model.Optimizer.WeightDecay | Should -Be ([float] 0.01)
        "$($model.Optimizer.Schedule)" | Should -Be "$schedule"
        $model.History.LearningRate | Should -Be @(4, 8, 12 | ForEach-Object { $schedule.RateAt($_) })
        $model.History[-1].Loss | Should -Not -Be $model.History[0].Loss
    }
}

Describe '-ReduceLROnPlateau with -OnEpochEnd and -LogPath' {
    It 'shows the callback, the CSV log and the History the same rate each epoch' {
        $path = Join-Path $TestDrive 'plateau.csv'
        $seen = [Collections.Generic.List[object]]::new()
        $model = New-Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 5 -BatchSize 10 -Optimizer sgd -LearningRate 0.1 `
            -ReduceLROnPlateau -ReduceLRFactor 0.5 -ReduceLRPatience 1 -ReduceLRMinDelta 10 -LogPath $path -Quiet `
            -OnEpochEnd { param($record) $seen.Add(@($record.LearningRate, $record.Logs['learning_rate'])) }
        # Every epoch is without improvement (min delta 10): the rate halves after each from the second on.
        $model.History.LearningRate | Should -Be ([float[]] (0.1, 0.1, 0.05, 0.025, 0.0125))
        $rows = @(Import-Csv -LiteralPath $path)
        $rows.Count | Should -Be 5
        for ($i = 0; $i -lt 5; $i++) {
            $seen[$i][0] | Should -Be $model.History[$i].LearningRate
            $seen[$i][1] | Should -Be ([double] $model.History[$i].LearningRate)
            ConvertFrom-Invariant $rows[$i].learning_rate | Should -Be ([double] $model.History[$i].LearningRate)
        }
        $model.Optimizer.LearningRate | Should -Be ([float] 0.00625)
    }
}

Describe '-ClassWeight with the new losses' {
    It 'equals the implied -SampleWeight bit for bit under <Loss>' -ForEach @(
        @{ Loss = 'huber'; Units = 2; Activation = 'softmax'; Target = 'onehot' }
        @{ Loss = 'categorical_focal_crossentropy'; Units = 2; Activation = 'softmax'; Target = 'onehot' }
        @{ Loss = 'binary_focal_crossentropy'; Units = 1; Activation = 'sigmoid'; Target = 'binary' }
    ) {
        $y = if ($Target -eq 'onehot') { $data.OneHot } else { $binary }
        $fit = @{ X = $data.X; Y = $y; Loss = $Loss; Epochs = 2; BatchSize = 10; LearningRate = 0.05; Quiet = $true; ValidationData = $data.X, $y, $implied }
        $byClass = New-Model $Units $Activation | Invoke-RnnTraining @fit -ClassWeight @{ 0 = 2.0; 1 = 1.0 }
        $bySample = New-Model $Units $Activation | Invoke-RnnTraining @fit -SampleWeight $implied
        $plain = New-Model $Units $Activation | Invoke-RnnTraining @fit
        Get-AllWeights $byClass | Should -Be (Get-AllWeights $bySample)
        $byClass.History.Loss | Should -Be $bySample.History.Loss
        $byClass.History.Loss | Should -Not -Be $plain.History.Loss
    }
}

Describe 'Regularizers with -SampleWeight' {
    It 'adds the penalty unweighted, as Keras: only the data term scales with the weights' {
        $model = New-Model -Regularizers @{ KernelRegularizer = 'l2:0.5'; BiasRegularizer = 'l1:0.1' }
        $penalty = Get-Penalty $model
        $penalty | Should -BeGreaterThan 0.1
        $twice = ConvertTo-RnnTensor ([float[]] @($implied.Data | ForEach-Object { 2 * $_ }))
        $once = ($model | Measure-RnnModel -X $data.X -Y $data.Labels -SampleWeight $implied).Loss
        $double = ($model | Measure-RnnModel -X $data.X -Y $data.Labels -SampleWeight $twice).Loss
        # sum(2w·l)/N + P = 2·(sum(w·l)/N + P) − P
        Assert-Near (2 * $once - $double) $penalty
        # Training reports the same loss (full batch, rate 0: no step changes the weights).
        $trained = $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -SampleWeight $implied -BatchSize 40 -Optimizer sgd -LearningRate 0 -Quiet
        Assert-Near $trained.History[0].Loss $once
    }

    It 'steps by the penalty''s gradient alone when every weight is zero (no NaN)' {
        $start = New-Model -Regularizers @{ KernelRegularizer = 'l2:0.5' }
        $before = @($start.Parameters | ForEach-Object { , @($_.Value) })
        $rules = @($start.Parameters | ForEach-Object { $_.Regularizer })
        $zero = ConvertTo-RnnTensor ([float[]]::new(40))
        $model = $start | Invoke-RnnTraining -X $data.X -Y $data.Labels -SampleWeight $zero -BatchSize 40 -Optimizer sgd -LearningRate 0.1 -Quiet
        Assert-Near $model.History[0].Loss (Get-Penalty (New-Model -Regularizers @{ KernelRegularizer = 'l2:0.5' }))
        for ($i = 0; $i -lt $rules.Count; $i++) {
            $after = $model.Parameters[$i].Value
            for ($j = 0; $j -lt $after.Count; $j++) {
                $w = $before[$i][$j]
                $expected = if ($rules[$i]) { $w - 0.1 * 2 * 0.5 * $w } else { $w }
                Assert-Near $after[$j] $expected 1e-6
            }
        }
    }
}

Describe 'Exact resume with every part at once' {
    It 'ends an interrupted run (schedule, nadam, class weights, -LogPath) as the run never interrupted, each epoch logged once' {
        $schedule = New-RnnLearningRateSchedule -Cosine -InitialRate 0.02 -DecaySteps 12 -WarmupSteps 4 -WarmupTarget 0.05
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 10; ValidationSplit = 0.25; ClassWeight = @{ 0 = 2.0; 1 = 1.0 }; Quiet = $true }
        $wholeCsv = Join-Path $TestDrive 'whole.csv'
        $whole = New-Model | Invoke-RnnTraining @fit -Epochs 4 -Optimizer nadam -LearningRateSchedule $schedule -LogPath $wholeCsv

        $stem = Join-Path $TestDrive 'together'
        $cutCsv = Join-Path $TestDrive 'cut.csv'
        { New-Model | Invoke-RnnTraining @fit -Epochs 4 -Optimizer nadam -LearningRateSchedule $schedule -LogPath $cutCsv -CheckpointPath $stem `
                -OnEpochEnd { param($record) if ($record.Epoch -eq 2) { throw 'interrupted' } } } | Should -Throw 'interrupted'
        $resumed = Invoke-RnnTraining @fit -Epochs 4 -ResumeFrom "$stem.last.safetensors" -LogPath $cutCsv

        Get-AllWeights $resumed | Should -Be (Get-AllWeights $whole)
        $resumed.History.Loss | Should -Be $whole.History.Loss
        $resumed.History.LearningRate | Should -Be $whole.History.LearningRate
        $resumed.Optimizer.KerasName | Should -Be 'nadam'
        $resumed.Optimizer.Iterations | Should -Be 12
        @((Import-Csv -LiteralPath $cutCsv).epoch) | Should -Be '0', '1', '2', '3'
        [IO.File]::ReadAllBytes($cutCsv) | Should -Be ([IO.File]::ReadAllBytes($wholeCsv))
    }

    It 'resumes exactly from the original command line (the optimizer settings given again), as Keras''s BackupAndRestore' {
        $schedule = New-RnnLearningRateSchedule -Cosine -InitialRate 0.02 -DecaySteps 12 -WarmupSteps 4 -WarmupTarget 0.05
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 10; Epochs = 4; Optimizer = 'nadam'; LearningRateSchedule = $schedule
            WeightDecay = 1e-3; Quiet = $true }
        $whole = New-Model | Invoke-RnnTraining @fit
        $stem = Join-Path $TestDrive 'cmdline'
        { New-Model | Invoke-RnnTraining @fit -CheckpointPath $stem -OnEpochEnd { param($record) if ($record.Epoch -eq 2) { throw 'interrupted' } } } |
            Should -Throw 'interrupted'
        $resumed = Invoke-RnnTraining @fit -ResumeFrom "$stem.last.safetensors"
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $whole)
        $resumed.Optimizer.Iterations | Should -Be 16
        $resumed.History.LearningRate | Should -Be $whole.History.LearningRate
    }

    It 'keeps the checkpoint''s plateau-reduced rate when -LearningRate is given again, and says so' {
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 10; Epochs = 6; Optimizer = 'sgd'; LearningRate = 0.5; ReduceLROnPlateau = $true
            ReduceLRPatience = 0; ReduceLRMinDelta = 10; Quiet = $true }
        $whole = New-Model | Invoke-RnnTraining @fit
        $stem = Join-Path $TestDrive 'plateau-rate'
        { New-Model | Invoke-RnnTraining @fit -CheckpointPath $stem -OnEpochEnd { param($record) if ($record.Epoch -eq 3) { throw 'interrupted' } } } |
            Should -Throw 'interrupted'
        $resumed = Invoke-RnnTraining @fit -ResumeFrom "$stem.last.safetensors" -WarningVariable warned -WarningAction SilentlyContinue
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $whole)
        $resumed.History.LearningRate | Should -Be $whole.History.LearningRate
        "$warned" | Should -Match 'learning rate .* continues'
    }

    It 'refuses optimizer settings the checkpoint''s run did not have (<Case>)' -ForEach @(
        @{ Case = 'another optimizer'; Extra = @{ Optimizer = 'adam' } }
        @{ Case = 'another weight decay'; Extra = @{ WeightDecay = 0.5 } }
        @{ Case = 'momentum on nadam'; Extra = @{ Momentum = 0.9 } }
        @{ Case = 'a rate for a scheduled run'; Extra = @{ LearningRate = 0.1 } }
    ) {
        $schedule = New-RnnLearningRateSchedule -Exponential -InitialRate 0.02 -DecaySteps 4 -DecayRate 0.5
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 10; Epochs = 3; Quiet = $true }
        $stem = Join-Path $TestDrive "mismatch-$($Case.Length)"
        { New-Model | Invoke-RnnTraining @fit -Optimizer nadam -LearningRateSchedule $schedule -CheckpointPath $stem `
                -OnEpochEnd { param($record) if ($record.Epoch -eq 1) { throw 'interrupted' } } } | Should -Throw 'interrupted'
        { Invoke-RnnTraining @fit @Extra -ResumeFrom "$stem.last.safetensors" } |
            Should -Throw -ErrorId 'ResumeOptimizerMismatch,PSRnn.Commands.InvokeRnnTrainingCommand'
    }

    It 'ends an interrupted run (plateau, Nesterov SGD, sample weights, regularizers, a loss option, -LogPath) as the run never interrupted' {
        $weights = ConvertTo-RnnTensor ([float[]] @(0..39 | ForEach-Object { 0.5 + ($_ % 4) }))
        $fit = @{ X = $data.X; Y = $data.OneHot; BatchSize = 10; ValidationSplit = 0.25; SampleWeight = $weights; Quiet = $true
            Loss = 'categorical_focal_crossentropy'; LossOption = @{ gamma = 1.5 } }
        $plateau = @{ Optimizer = 'sgd'; LearningRate = 0.2; Momentum = 0.9; Nesterov = $true; ReduceLROnPlateau = $true; ReduceLRFactor = 0.5
            ReduceLRPatience = 1; ReduceLRMinDelta = 0.01 }
        $regularized = { New-Model -Regularizers @{ KernelRegularizer = 'l2:0.01'; BiasRegularizer = 'l1:0.01' } }
        $whole = & $regularized | Invoke-RnnTraining @fit @plateau -Epochs 5 -LogPath (Join-Path $TestDrive 'whole5.csv')
        @($whole.History.LearningRate | Select-Object -Unique).Count | Should -BeGreaterThan 1

        $stem = Join-Path $TestDrive 'plateaucut'
        { & $regularized | Invoke-RnnTraining @fit @plateau -Epochs 5 -LogPath (Join-Path $TestDrive 'cut5.csv') -CheckpointPath $stem `
                -OnEpochEnd { param($record) if ($record.Epoch -eq 3) { throw 'interrupted' } } } | Should -Throw 'interrupted'
        $resumed = Invoke-RnnTraining @fit -Epochs 5 -ResumeFrom "$stem.last.safetensors" -LogPath (Join-Path $TestDrive 'cut5.csv')

        Get-AllWeights $resumed | Should -Be (Get-AllWeights $whole)
        $resumed.History.Loss | Should -Be $whole.History.Loss
        $resumed.History.ValidationLoss | Should -Be $whole.History.ValidationLoss
        $resumed.History.LearningRate | Should -Be $whole.History.LearningRate
        $resumed.Optimizer.LearningRate | Should -Be $whole.Optimizer.LearningRate
        $resumed.Optimizer.Nesterov | Should -BeTrue
        $resumed.Loss.Config['gamma'] | Should -Be 1.5
        [IO.File]::ReadAllBytes((Join-Path $TestDrive 'cut5.csv')) | Should -Be ([IO.File]::ReadAllBytes((Join-Path $TestDrive 'whole5.csv')))
    }

    It 'ends a run cut inside an epoch by -OnBatchEnd (plateau, early stopping with best weights, adamax with weight decay) as the run never cut' {
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 10; ValidationSplit = 0.25; Quiet = $true }
        $settings = @{ Optimizer = 'adamax'; LearningRate = 0.05; WeightDecay = 0.01; ReduceLROnPlateau = $true; ReduceLRPatience = 1
            ReduceLRMinDelta = 0.01; EarlyStoppingPatience = 3; RestoreBestWeights = $true }
        $whole = New-Model | Invoke-RnnTraining @fit @settings -Epochs 12
        # Early stopping ends the run before epoch 12, after the plateau has reduced the rate.
        $whole.History.Count | Should -BeLessThan 12
        @($whole.History.LearningRate | Select-Object -Unique).Count | Should -BeGreaterThan 1
        $stem = Join-Path $TestDrive 'batchcut'
        { New-Model | Invoke-RnnTraining @fit @settings -Epochs 12 -CheckpointPath $stem `
                -OnBatchEnd { param($batch) if ($batch.Epoch -eq 3 -and $batch.Batch -eq 2) { throw 'cut' } } } | Should -Throw 'cut'
        $resumed = Invoke-RnnTraining @fit -Epochs 12 -ResumeFrom "$stem.last.safetensors"
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $whole)
        $resumed.History.Loss | Should -Be $whole.History.Loss
        $resumed.History.LearningRate | Should -Be $whole.History.LearningRate
    }
}

Describe '-ValidationSplit with -SampleWeight' {
    It 'weights the validation loss with the held-out samples'' own weights, as Keras splits sample_weight' {
        $weights = ConvertTo-RnnTensor ([float[]] @(0..39 | ForEach-Object { 0.5 + ($_ % 4) }))
        $model = New-Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -SampleWeight $weights -ValidationSplit 0.25 -Epochs 1 -Quiet
        # The last quarter, as Keras's validation_split takes it.
        $tailX = ConvertTo-RnnTensor ([float[]] $data.X.Data[360..479]) -Shape 10, 6, 2
        $tailY = ConvertTo-RnnTensor ([long[]] $labels[30..39])
        $tailW = ConvertTo-RnnTensor ([float[]] $weights.Data[30..39])
        Assert-Near $model.History[0].ValidationLoss ($model | Measure-RnnModel -X $tailX -Y $tailY -SampleWeight $tailW).Loss
        [math]::Abs($model.History[0].ValidationLoss - ($model | Measure-RnnModel -X $tailX -Y $tailY).Loss) | Should -BeGreaterThan 1e-4
    }
}

Describe 'Measure-RnnModel on a model trained with a loss option and regularizers' {
    It 'evaluates Huber with the trained delta plus the penalty, as an independent computation does' {
        $values = ConvertTo-RnnTensor ([float[]] @($labels | ForEach-Object { $_ * 2 - 1; 0.5 })) -Shape 40, 2
        $model = New-Model 2 'linear' @{ KernelRegularizer = 'l2:0.01'; RecurrentRegularizer = 'l1:0.01' } |
            Invoke-RnnTraining -X $data.X -Y $values -Loss huber -LossOption @{ delta = 0.25 } -Epochs 2 -Quiet
        $measured = ($model | Measure-RnnModel -X $data.X -Y $values).Loss
        $out = (Invoke-RnnPrediction -Model $model -X $data.X).Data
        $sum = 0.0
        for ($k = 0; $k -lt 80; $k++) {
            $e = [math]::Abs([double] $out[$k] - [double] $values.Data[$k])
            $sum += if ($e -le 0.25) { 0.5 * $e * $e } else { 0.25 * ($e - 0.125) }
        }
        # Huber is a mean over the last axis, then over the samples; the penalty counted once.
        Assert-Near $measured ($sum / 80 + (Get-Penalty $model))
        ($model | Measure-RnnModel -X $data.X -Y $values -Loss huber).Loss | Should -Not -Be $measured
        ($model | Measure-RnnModel -X $data.X -Y $values -Loss huber -LossOption @{ delta = 0.25 }).Loss | Should -Be $measured
    }
}

Describe 'The History view with the new columns' {
    BeforeAll {
        $model = New-Model | Invoke-RnnTraining -X $data.X -Y $data.OneHot -Epochs 2 -ValidationSplit 0.25 -ClassWeight @{ 0 = 2.0; 1 = 1.0 } `
            -Metric accuracy, precision, recall, auc, top_k_categorical_accuracy -WeightedMetric accuracy -Quiet
        $script:History = $model.History
    }

    It 'gives each metric, weighted and validation ones included, as a property of the record' {
        $r = $History[0]
        foreach ($name in 'accuracy', 'precision', 'recall', 'auc', 'top_k_categorical_accuracy', 'weighted_accuracy') {
            $r.Metrics.Keys | Should -Contain $name
            $r.ValidationMetrics.Keys | Should -Contain $name
        }
        $r.Precision | Should -Be $r.Metrics['precision']
        $r.AUC | Should -Be $r.Metrics['auc']
        $r.Weighted_Accuracy | Should -Be $r.Metrics['weighted_accuracy']
        $r.ValRecall | Should -Be $r.ValidationMetrics['recall']
    }

    It 'prints every metric, weighted and validation ones, beside the learning rate when the console is wide enough' {
        # In a 120-column console these six metrics push ValLoss, ValMetric and LearningRate off the table (the
        # review's report): the figures are checked where the whole row fits.
        $text = ($History | Out-String -Width 400) -replace '\x1b\[[0-9;]*m'
        $text | Should -Match 'Epoch\s+Loss\s+Metric\s+ValLoss\s+ValMetric\s+LearningRate\s+Seconds'
        foreach ($r in $History) {
            $train = ($r.Metrics.GetEnumerator() | ForEach-Object { '{0} {1}' -f $_.Key, [PSRnn.Infrastructure.KerasFormat]::Number($_.Value) }) -join ', '
            $validation = ($r.ValidationMetrics.GetEnumerator() | ForEach-Object { '{0} {1}' -f $_.Key, [PSRnn.Infrastructure.KerasFormat]::Number($_.Value) }) -join ', '
            $text | Should -Match ('(?m)^\s+{0}\s+\S+\s+{1}\s+\S+\s+{2}\s+0\.001\s+\d+\.\d$' -f $r.Epoch, [regex]::Escape($train), [regex]::Escape($validation))
        }
        $text | Should -Match 'top_k_categorical_accuracy [01]\.\d{4}, weighted_accuracy [01]\.\d{4}'
    }
}
