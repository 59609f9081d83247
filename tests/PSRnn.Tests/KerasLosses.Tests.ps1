# Issue 16, point 5: the losses and metrics a Keras user reaches for, as a PowerShell user calls them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 48 -Steps 6 -Features 2 -Seed 1
    # Regression targets (48, 2), counts (48, 1), 0/1 rows (48, 1) and soft distributions (48, 2) from the toy labels.
    $labels = [long[]] @(for ($i = 0; $i -lt 48; $i++) { $data.Labels.GetValue($i) })
    $values = ConvertTo-RnnTensor ([float[]] @($labels | ForEach-Object { $_ * 2 - 1; 0.5 })) -Shape 48, 2
    $counts = ConvertTo-RnnTensor ([float[]] @($labels | ForEach-Object { $_ * 3 })) -Shape 48, 1
    $binary = ConvertTo-RnnTensor ([float[]] $labels) -Shape 48, 1
    $soft = ConvertTo-RnnTensor ([float[]] @($labels | ForEach-Object { 0.9 - 0.8 * $_; 0.1 + 0.8 * $_ })) -Shape 48, 2
    function New-LossModel([int] $Units, [string] $Activation = 'linear') {
        New-RnnModel -InputShape 6, 2 -Seed 4 | Add-LstmLayer 6 | Add-DenseLayer $Units -Activation $Activation
    }
}

Describe 'Invoke-RnnTraining -Loss (issue 16)' {
    It 'trains with <Loss> and lowers it' -ForEach @(
        @{ Loss = 'huber'; Units = 2; Activation = 'linear'; Y = 'values' }
        @{ Loss = 'log_cosh'; Units = 2; Activation = 'linear'; Y = 'values' }
        @{ Loss = 'kld'; Units = 2; Activation = 'softmax'; Y = 'soft' }
        @{ Loss = 'poisson'; Units = 1; Activation = 'softplus'; Y = 'counts' }
        @{ Loss = 'cosine_similarity'; Units = 2; Activation = 'linear'; Y = 'values' }
        @{ Loss = 'categorical_focal_crossentropy'; Units = 2; Activation = 'softmax'; Y = 'onehot' }
        @{ Loss = 'binary_focal_crossentropy'; Units = 1; Activation = 'sigmoid'; Y = 'binary' }
    ) {
        $y = @{ values = $values; soft = $soft; counts = $counts; onehot = $data.OneHot; binary = $binary }[$Y]
        $model = New-LossModel $Units $Activation | Invoke-RnnTraining -X $data.X -Y $y -Loss $Loss -Epochs 6 -LearningRate 0.03 -Quiet
        $model.History[-1].Loss | Should -BeLessThan $model.History[0].Loss
        $model.Loss.KerasName | Should -Be ($Loss -replace '^kld$', 'kl_divergence')
    }

    It 'takes the loss''s parameters by Keras name with -LossOption, and keeps them in the model file' {
        $model = New-LossModel 2 | Invoke-RnnTraining -X $data.X -Y $values -Loss huber -LossOption @{ Delta = 0.25 } -Epochs 2 -Quiet
        $model.Loss.Config['delta'] | Should -Be 0.25
        $path = Join-Path $TestDrive 'huber.safetensors'
        $model | Export-RnnModel $path
        $back = Import-RnnModel $path
        $back.Loss.KerasName | Should -Be 'huber'
        $back.Loss.Config['delta'] | Should -Be 0.25
        # Measure-RnnModel evaluates with the training loss as configured: not Huber's default delta.
        $kept = ($back | Measure-RnnModel -X $data.X -Y $values).Loss
        $default = ($back | Measure-RnnModel -X $data.X -Y $values -Loss huber).Loss
        $kept | Should -Not -Be $default
        $kept | Should -Be (($model | Measure-RnnModel -X $data.X -Y $values).Loss)
    }

    It 'imports a Keras .h5 with the loss its compile saved' {
        $fixtures = Join-Path $PSScriptRoot '../fixtures/losses16'
        $huber = Import-RnnModel (Join-Path $fixtures 'compiled_huber.h5')
        $huber.Loss.KerasName | Should -Be 'huber'
        $huber.Loss.Config['delta'] | Should -Be 0.5
        (Import-RnnModel (Join-Path $fixtures 'compiled_custom.h5')).Loss | Should -BeNullOrEmpty
    }

    It 'resumes a focal run from its checkpoint to the same weights, with its options' {
        $new = { New-LossModel 1 sigmoid }
        $options = @{ gamma = 1.5; alpha = 0.4; apply_class_balancing = $true }
        $straight = & $new | Invoke-RnnTraining -X $data.X -Y $binary -Loss binary_focal_crossentropy -LossOption $options -Epochs 4 -BatchSize 10 -Metric auc, precision -Quiet
        $stem = Join-Path $TestDrive 'focal'
        & $new | Invoke-RnnTraining -X $data.X -Y $binary -Loss binary_focal_crossentropy -LossOption $options -Epochs 2 -BatchSize 10 -CheckpointPath $stem -Quiet | Out-Null
        $resumed = Invoke-RnnTraining -X $data.X -Y $binary -Epochs 4 -ResumeFrom "$stem.last.safetensors" -Metric auc, precision -Quiet
        $resumed.Loss.Config['gamma'] | Should -Be 1.5
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
        $resumed.History.Loss | Should -Be $straight.History.Loss
    }

    It 'reports precision, recall, auc and pr_auc under Keras''s names, accumulated over the epoch' {
        $model = New-LossModel 1 sigmoid |
            Invoke-RnnTraining -X $data.X -Y $binary -Epochs 3 -LearningRate 0.03 -Metric precision, recall, auc, pr_auc -ValidationData $data.X, $binary -Quiet
        @($model.History[-1].Metrics.Keys | Sort-Object) | Should -Be @('auc', 'pr_auc', 'precision', 'recall')
        @($model.History[-1].ValidationMetrics.Keys | Sort-Object) | Should -Be @('auc', 'pr_auc', 'precision', 'recall')
        # The whole set in one batch gives the same confusion counts as the epoch's batches.
        $measured = $model | Measure-RnnModel -X $data.X -Y $binary -Metric auc, pr_auc -BatchSize 7
        $measured.AUC | Should -Be ($model | Measure-RnnModel -X $data.X -Y $binary -Metric auc -BatchSize 48).AUC
        $model.History[-1].ValidationMetrics['auc'] | Should -Be $measured.AUC
        $model.History[-1].ValidationMetrics['pr_auc'] | Should -Be $measured.PR_AUC
        # The History view's properties: AUC and PR_AUC as Keras's capitals, the rest title-cased.
        $model.History[-1].ValAUC | Should -Be $measured.AUC
        $model.History[-1].Precision | Should -Be $model.History[-1].Metrics['precision']
    }

    It 'reports top_k_categorical_accuracy and its sparse form' {
        $model = New-LossModel 2 softmax | Invoke-RnnTraining -X $data.X -Y $data.OneHot -Metric top_k_categorical_accuracy -Quiet
        # Two classes and k = 5: every row's class is in the top 5.
        $model.History[-1].Metrics['top_k_categorical_accuracy'] | Should -Be 1
        $sparse = New-LossModel 2 softmax | Invoke-RnnTraining -X $data.X -Y $data.Labels -Metric sparse_top_k_categorical_accuracy -Quiet
        $sparse.History[-1].Metrics['sparse_top_k_categorical_accuracy'] | Should -Be 1
    }

    It 'refuses <Name> with <Id>' -ForEach @(
        @{ Name = 'an option the loss lacks'; Id = 'LossOptionUnknown'; Match = 'huber has no option gamma; its options are delta'; Script = { New-LossModel 2 | Invoke-RnnTraining -X $data.X -Y $values -Loss huber -LossOption @{ gamma = 2 } } }
        @{ Name = 'a negative gamma'; Id = 'LossOptionInvalid'; Match = 'gamma is -1; it must be a finite number, 0 or more'; Script = { New-LossModel 2 softmax | Invoke-RnnTraining -X $data.X -Y $data.OneHot -Loss categorical_focal_crossentropy -LossOption @{ gamma = -1 } } }
        @{ Name = 'a text delta'; Id = 'LossOptionInvalid'; Match = 'delta is big'; Script = { New-LossModel 2 | Invoke-RnnTraining -X $data.X -Y $values -Loss huber -LossOption @{ delta = 'big' } } }
        @{ Name = 'options without a loss'; Id = 'LossOptionWithoutLoss'; Match = 'name the loss'; Script = { New-LossModel 2 | Invoke-RnnTraining -X $data.X -Y $values -LossOption @{ delta = 1 } } }
        @{ Name = 'focal with class labels'; Id = 'LossTargetMismatch'; Match = 'categorical_focal_crossentropy needs targets shaped like the output.*ConvertTo-RnnOneHot'; Script = { New-LossModel 2 softmax | Invoke-RnnTraining -X $data.X -Y $data.Labels -Loss categorical_focal_crossentropy } }
        @{ Name = 'poisson with a negative target'; Id = 'LossTargetNegative'; Match = 'poisson takes counts'; Script = { New-LossModel 2 softplus | Invoke-RnnTraining -X $data.X -Y $values -Loss poisson } }
        @{ Name = 'cosine_similarity on one output'; Id = 'LossWidthTooSmall'; Match = '2 or more output units'; Script = { New-LossModel 1 | Invoke-RnnTraining -X $data.X -Y $binary -Loss cosine_similarity } }
    ) {
        $err = $null
        try { & $Script } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be "$Id,PSRnn.Commands.InvokeRnnTrainingCommand"
        $err.Exception.Message | Should -Match $Match
    }
}
