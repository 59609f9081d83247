# Keras's kernel/recurrent/bias/embeddings regularizers on the layer cmdlets: counted in the training loss, val_loss
# and Measure-RnnModel as Keras's compute_loss counts model.losses, their gradient in the update, saved in model files
# and read from Keras HDF5 configs. The penalty and gradient formulas are checked against torch in RegularizerTests.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Fixtures = Join-Path $PSScriptRoot '../fixtures/regularizers16'
    $data = New-ToyData -Count 16 -Seed 3
    $test = New-ToyData -Count 8 -Seed 4
    function New-Regularized([switch] $Plain) {
        $r = if ($Plain) { @{} } else { @{ KernelRegularizer = 'l2:0.5'; RecurrentRegularizer = 'l1:0.1'; BiasRegularizer = 'l1_l2:0.05,0.2' } }
        $d = if ($Plain) { @{} } else { @{ KernelRegularizer = 'l1_l2:0.01,0.3' } }
        New-RnnModel -InputShape 6, 2 -Seed 21 | Add-LstmLayer 3 @r | Add-DenseLayer 2 -Activation softmax @d
    }
}

Describe 'Layer regularizers' {
    It 'sets Keras''s kernel, recurrent and bias regularizers from the cmdlets' {
        $model = New-Regularized
        $model.Layers[0].Regularizers['kernel'].ToString() | Should -Be 'l2:0.5'
        $model.Layers[0].Regularizers['recurrent_kernel'].L1 | Should -Be ([float] 0.1)
        $model.Layers[0].Regularizers['bias'].KerasClassName | Should -Be 'L1L2'
        $model.Layers[1].Regularizers['kernel'].L2 | Should -Be ([float] 0.3)
        $model.Layers[1].Regularizers.ContainsKey('bias') | Should -BeFalse
        (New-RnnModel -InputShape 6 | Add-EmbeddingLayer 10 4 -EmbeddingsRegularizer l2).Layers[0].Regularizers['embeddings'].L2 |
            Should -Be ([float] 0.01)
        # Unquoted, PowerShell reads l1_l2:1e-5,1e-4 as an array of two: it is taken as written.
        "$((New-RnnModel -InputShape 6, 2 | Add-SimpleRnnLayer 3 -BiasRegularizer l1_l2:1e-5,1e-4).Layers[0].Regularizers['bias'])" |
            Should -Be 'l1_l2:1E-05,0.0001'
        (New-RnnModel -InputShape 6, 2 | Add-GruLayer 3 -Bidirectional -KernelRegularizer l1:1e-5).Parameters |
            Where-Object Regularizer | Should -HaveCount 2
    }

    It 'adds the penalty to the loss, the validation loss and Measure-RnnModel''s loss' {
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 16; Optimizer = 'sgd'; LearningRate = 0; Shuffle = $false; Quiet = $true
            ValidationData = $test.X, $test.Labels }
        $plain = New-Regularized -Plain | Invoke-RnnTraining @fit
        $regularized = New-Regularized | Invoke-RnnTraining @fit
        $penalty = Get-Penalty $regularized
        $penalty | Should -BeGreaterThan 0.1
        Assert-Near $regularized.History[0].Loss ($plain.History[0].Loss + $penalty)
        Assert-Near $regularized.History[0].ValidationLoss ($plain.History[0].ValidationLoss + $penalty)
        Assert-Near ($regularized | Measure-RnnModel -X $test.X -Y $test.Labels).Loss (($plain | Measure-RnnModel -X $test.X -Y $test.Labels).Loss + $penalty)
    }

    It 'adds the penalty''s gradient l1·sign(w) + 2·l2·w to each weight''s' {
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 16; Optimizer = 'sgd'; LearningRate = 0.1; Shuffle = $false; Quiet = $true }
        $start = New-Regularized
        $before = @($start.Parameters | ForEach-Object { , @($_.Value) })
        $rules = @($start.Parameters | ForEach-Object { $_.Regularizer })
        $plain = New-Regularized -Plain | Invoke-RnnTraining @fit
        $regularized = $start | Invoke-RnnTraining @fit
        for ($i = 0; $i -lt $rules.Count; $i++) {
            $p0 = $plain.Parameters[$i].Value
            $p1 = $regularized.Parameters[$i].Value
            for ($j = 0; $j -lt $p0.Count; $j++) {
                $w = $before[$i][$j]
                $gradient = if ($rules[$i]) { $rules[$i].L1 * [math]::Sign($w) + 2 * $rules[$i].L2 * $w } else { 0 }
                # One SGD step from the same weights: the regularized one moves by lr·gradient more.
                Assert-Near ($p0[$j] - $p1[$j]) (0.1 * $gradient) 1e-5
            }
        }
    }

    It 'saves the regularizers in the model file and resumes a regularized run bit for bit' {
        $fit = @{ X = $data.X; Y = $data.Labels; BatchSize = 4; Quiet = $true }
        $straight = New-Regularized | Invoke-RnnTraining @fit -Epochs 3
        $stem = Join-Path $TestDrive 'reg'
        New-Regularized | Invoke-RnnTraining @fit -Epochs 1 -CheckpointPath $stem | Out-Null
        $resumed = Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -ResumeFrom "$stem.last.safetensors" -Quiet
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $straight)
        $resumed.History.Loss | Should -Be $straight.History.Loss
        $path = Join-Path $TestDrive 'reg.safetensors'
        $straight | Export-RnnModel -LiteralPath $path
        $read = Import-RnnModel -LiteralPath $path
        @($read.Parameters | ForEach-Object { "$($_.Regularizer)" }) | Should -Be @($straight.Parameters | ForEach-Object { "$($_.Regularizer)" })
    }

    It 'reads Keras''s serialized regularizers from a Keras HDF5 model' {
        $model = Import-RnnModel -LiteralPath (Join-Path $Fixtures 'regularized_lstm_gru.h5')
        $model.Layers[0].Regularizers['kernel'].ToString() | Should -Be 'l2:0.0001'
        $model.Layers[0].Regularizers['recurrent_kernel'].ToString() | Should -Be 'l1:1E-05'
        $model.Layers[0].Regularizers['bias'].ToString() | Should -Be 'l1_l2:1E-05,0.0001'
        $model.Layers[1].ForwardLayer.Regularizers['kernel'].L2 | Should -Be ([float] 0.01)
        $model.Layers[1].BackwardLayer.Regularizers['kernel'].L2 | Should -Be ([float] 0.01)
        $model.Layers[2].Regularizers['kernel'].L1 | Should -Be ([float] 1e-5)
        $x = Import-NpyData -LiteralPath (Join-Path $Fixtures 'regularized_lstm_gru.x.npy')
        $y = Import-NpyData -LiteralPath (Join-Path $Fixtures 'regularized_lstm_gru.y.npy')
        $out = Invoke-RnnPrediction -Model $model -X $x
        for ($i = 0; $i -lt $y.Length; $i++) { Assert-Near $out.Data[$i] $y.Data[$i] 1e-5 }
    }

    It 'refuses <Case> with RegularizerInvalid' -ForEach @(
        @{ Case = 'an unknown kind'; Script = { New-RnnModel -InputShape 6, 2 | Add-LstmLayer 3 -KernelRegularizer 'l3:1e-4' } }
        @{ Case = 'a negative factor'; Script = { New-RnnModel -InputShape 6, 2 | Add-DenseLayer 2 -BiasRegularizer 'l2:-1' } }
        @{ Case = 'one factor for l1_l2'; Script = { New-RnnModel -InputShape 6, 2 | Add-GruLayer 2 -RecurrentRegularizer 'l1_l2:1e-4' } }
        @{ Case = 'a factor that is not a number'; Script = { New-RnnModel -InputShape 6 | Add-EmbeddingLayer 10 4 -EmbeddingsRegularizer 'l2:small' } }
    ) {
        $err = { & $Script -ErrorAction Stop } | Should -Throw -PassThru
        ($err.FullyQualifiedErrorId -split ',')[0] | Should -Be 'RegularizerInvalid'
        $err.Exception.Message | Should -Match 'Regularizer: .*Write l2:1e-4, l1:1e-5 or l1_l2:1e-5,1e-4'
    }
}
