BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # What Tab offers at the end of $line, as the console's completion asks for it.
    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
}

Describe 'Tab completion' {
    It 'completes -Activation with Keras''s activations' {
        Get-Completion 'Add-DenseLayer 4 -Activation so' | Should -Be @('softmax', 'softplus', 'softsign')
        Get-Completion 'Add-LstmLayer 4 -Activation ' | Should -Contain 'tanh'
        Get-Completion 'Add-GruLayer 4 -RecurrentActivation h' | Should -Be @('hard_sigmoid')
    }

    It 'completes -Optimizer, -Loss and -Metric with Keras''s names' {
        Get-Completion 'Invoke-RnnTraining -Optimizer a' | Should -Be @('adadelta', 'adagrad', 'adam', 'adamax', 'adamw')
        Get-Completion 'Invoke-RnnTraining -Loss sp' | Should -Be @('sparse_categorical_crossentropy')
        Get-Completion 'Invoke-RnnTraining -Metric b' | Should -Be @('binary_accuracy')
        Get-Completion 'Measure-RnnModel -Loss m' | Should -Be @('mse', 'mae')
        Get-Completion 'Measure-RnnModel -Metric ' | Should -Contain 'accuracy'
    }

    It 'completes -Layer with the layers of the model named by -Model' {
        $global:PSRnnCompletionModel = New-RnnModel -InputShape 5, 3 | Add-LstmLayer 4 -Name encoder | Add-DenseLayer 2 -Name head
        try {
            Get-Completion 'Get-RnnLayerWeight -Model $PSRnnCompletionModel -Layer ' | Should -Be @('encoder', 'head')
            Get-Completion 'Set-RnnLayerWeight -Model $PSRnnCompletionModel -Layer h' | Should -Be @('head')
        }
        finally { Remove-Variable -Scope Global -Name PSRnnCompletionModel }
        Get-Completion 'Get-RnnLayerWeight -Layer ls' | Should -Be @('lstm') -Because 'without a model, Keras''s default names'
    }

    It 'completes weight names' {
        Get-Completion 'Get-RnnLayerWeight -Name rec' | Should -Be @('recurrent_kernel')
    }

    It 'completes enum parameters with their values' {
        Get-Completion 'Export-RnnModel ./m -Format ' | Sort-Object | Should -Be @('Keras', 'Onnx', 'Safetensors')
    }
}

Describe 'Validation of Keras names' {
    BeforeAll {
        $data = New-ToyData -Count 16
        function New-Classifier { New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 3 | Add-DenseLayer 2 -Activation softmax }
    }

    It 'refuses an unknown activation with ActivationUnknown, listing the names it knows' {
        $err = { New-RnnModel -InputShape 6, 2 | Add-DenseLayer 2 -Activation softmaxx } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ActivationUnknown,PSRnn.Commands.AddDenseLayerCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match "'softmaxx'.*softmax, elu"
        { New-RnnModel -InputShape 6, 2 | Add-LstmLayer 2 -RecurrentActivation tanhh } |
            Should -Throw -ErrorId 'ActivationUnknown,PSRnn.Commands.AddLstmLayerCommand'
    }

    It 'refuses an unknown optimizer with OptimizerUnknown' {
        $err = { New-Classifier | Invoke-RnnTraining $data.X $data.Labels -Optimizer ftrl } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'OptimizerUnknown,PSRnn.Commands.InvokeRnnTrainingCommand'
        $err.Exception.Message | Should -Match 'adam'
    }

    It 'refuses an unknown loss with LossUnknown' {
        $err = { New-Classifier | Invoke-RnnTraining $data.X $data.Labels -Loss hinge } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'LossUnknown,PSRnn.Commands.InvokeRnnTrainingCommand'
        $err.Exception.Message | Should -Match 'hinge'
        { New-Classifier | Measure-RnnModel $data.X $data.Labels -Loss hinge } | Should -Throw -ErrorId 'LossUnknown,PSRnn.Commands.MeasureRnnModelCommand'
    }

    It 'refuses an unknown metric with MetricUnknown, naming the ones it knows' {
        $model = New-Classifier
        $err = { $model | Invoke-RnnTraining $data.X $data.Labels -Metric f1_score } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'MetricUnknown,PSRnn.Commands.InvokeRnnTrainingCommand'
        $err.Exception.Message | Should -Match "'f1_score'.*binary_accuracy"
        $model.History.Count | Should -Be 0 -Because 'nothing trained'
        { $model | Measure-RnnModel $data.X $data.Labels -Metric f1_score } | Should -Throw -ErrorId 'MetricUnknown,PSRnn.Commands.MeasureRnnModelCommand'
    }

    It 'refuses an unknown layer with LayerNotFound' {
        { New-Classifier | Get-RnnLayerWeight -Layer decoder } | Should -Throw -ErrorId 'LayerNotFound,PSRnn.Commands.GetRnnLayerWeightCommand'
    }
}

Describe '-Metric' {
    It 'reports the named metrics each epoch, for training and validation, as Keras''s compile(metrics=...)' {
        $data = New-ToyData -Count 32
        $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 3 | Add-DenseLayer 2 -Activation softmax
        $model | Invoke-RnnTraining $data.X $data.OneHot -Epochs 2 -ValidationSplit 0.25 -Metric categorical_accuracy, mae | Out-Null
        $model.History[-1].Metrics.Keys | Sort-Object | Should -Be @('categorical_accuracy', 'mae')
        $model.History[-1].ValidationMetrics.Keys | Sort-Object | Should -Be @('categorical_accuracy', 'mae')
        # The same figures from Measure-RnnModel on the validation part (the last quarter).
        $x = ConvertTo-RnnTensor -InputObject ([float[]] $data.X.Data[(24 * 12)..(32 * 12 - 1)]) -Shape 8, 6, 2
        $y = ConvertTo-RnnTensor -InputObject ([float[]] $data.OneHot.Data[(24 * 2)..(32 * 2 - 1)]) -Shape 8, 2
        $m = $model | Measure-RnnModel $x $y -Metric mae, categorical_accuracy
        $m.MAE | Should -Be $model.History[-1].ValidationMetrics['mae']
        $m.Categorical_Accuracy | Should -Be $model.History[-1].ValidationMetrics['categorical_accuracy']
    }
}

Describe 'Parameter conventions' {
    It 'every cmdlet declares its output type' {
        foreach ($command in Get-Command -Module PSRnn -CommandType Cmdlet) {
            $command.OutputType | Should -Not -BeNullOrEmpty -Because "$($command.Name) says what it returns"
        }
    }

    It 'on/off parameters are switches, except Keras arguments that default to true' {
        # -UseBias, -ResetAfter, -UnitForgetBias, -Center and -Scale mirror Keras's use_bias, reset_after, unit_forget_bias,
        # center and scale, all True by default: a value, turned off as -UseBias $false.
        $valueFlags = 'UseBias', 'ResetAfter', 'UnitForgetBias', 'Center', 'Scale'
        foreach ($command in Get-Command -Module PSRnn -CommandType Cmdlet) {
            foreach ($p in $command.Parameters.Values | Where-Object ParameterType -EQ ([bool])) {
                $p.Name | Should -BeIn $valueFlags -Because "$($command.Name) -$($p.Name) is an on/off flag: a SwitchParameter"
            }
        }
    }
}
