# CTC (issue 18): -Loss ctc on label sequences, -Decode Greedy|Beam, Measure-RnnModel's ErrorRate, model files, errors.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # Symbol k (1 or 2) is two frames with feature k − 1 set, and a gap frame (feature 2) follows each; zeros pad the rest.
    function New-CtcToy([int] $Count, [int] $Time = 12, [int] $Seed = 1) {
        $random = [Random]::new($Seed)
        $x = [float[]]::new($Count * $Time * 3)
        $y = foreach ($i in 0..($Count - 1)) {
            $labels = [int[]] @(for ($j = $random.Next(0, 4); $j -gt 0; $j--) { 1 + $random.Next(0, 2) })
            $t = 0
            foreach ($l in $labels) {
                foreach ($r in 1..2) { $x[(($i * $Time + $t++) * 3) + $l - 1] = 1 }
                $x[(($i * $Time + $t++) * 3) + 2] = 1
            }
            , $labels
        }
        [pscustomobject]@{ X = ConvertTo-RnnTensor -InputObject $x -Shape $Count, $Time, 3; Y = $y }
    }

    function New-CtcModel([int] $Seed = 7) {
        New-RnnModel -InputShape 0, 3 -Seed $Seed | Add-MaskingLayer | Add-GruLayer 6 -ReturnSequences | Add-DenseLayer 3 -Activation softmax
    }

    function Get-Levenshtein([int[]] $a, [int[]] $b) {
        $d = [int[, ]]::new($a.Count + 1, $b.Count + 1)
        for ($i = 0; $i -le $a.Count; $i++) { $d[$i, 0] = $i }
        for ($j = 0; $j -le $b.Count; $j++) { $d[0, $j] = $j }
        for ($i = 1; $i -le $a.Count; $i++) {
            for ($j = 1; $j -le $b.Count; $j++) {
                $cost = [int]($a[$i - 1] -ne $b[$j - 1])
                $d[$i, $j] = [math]::Min([math]::Min($d[($i - 1), $j] + 1, $d[$i, ($j - 1)] + 1), $d[($i - 1), ($j - 1)] + $cost)
            }
        }
        $d[$a.Count, $b.Count]
    }

    $script:Train = New-CtcToy -Count 48 -Seed 11
    $script:Held = New-CtcToy -Count 16 -Seed 12
    $script:Trained = New-CtcModel
    $script:Before = $Trained | Measure-RnnModel -X $Train.X -Y $Train.Y -Loss ctc
    $Trained | Invoke-RnnTraining -X $Train.X -Y $Train.Y -Loss ctc -Epochs 25 -BatchSize 16 -LearningRate 0.05 `
        -ValidationData $Held.X, $Held.Y -Quiet | Out-Null
}

Describe 'Invoke-RnnTraining -Loss ctc' {
    It 'learns the toy transcription: the loss and the error rate fall, on held-out data too' {
        $Trained.Loss.KerasName | Should -Be 'ctc'
        ($Trained | Out-String) | Should -Match 'Trained 25 epochs: loss \S+, val_loss \S+'
        $Trained.History[-1].Loss | Should -BeLessThan ($Trained.History[0].Loss / 4)
        $Trained.History[-1].ValLoss | Should -BeLessThan ($Trained.History[0].ValLoss / 4)
        $Trained.History[-1].ValErrorRate | Should -BeLessThan 0.1
        $after = $Trained | Measure-RnnModel -X $Held.X -Y $Held.Y
        $Before.ErrorRate | Should -BeGreaterThan 0.3
        $after.ErrorRate | Should -BeLessThan 0.1
        $after.Loss | Should -BeLessThan ($Before.Loss / 4)
    }

    It 'reads jagged, zero-padded and -TargetLengths targets alike' {
        $padded = [long[, ]]::new(48, 3)
        $lengths = [int[]]::new(48)
        for ($i = 0; $i -lt 48; $i++) {
            $lengths[$i] = $Train.Y[$i].Count
            for ($j = 0; $j -lt $lengths[$i]; $j++) { $padded[$i, $j] = $Train.Y[$i][$j] }
        }
        $jagged = ($Trained | Measure-RnnModel -X $Train.X -Y $Train.Y).Loss
        ($Trained | Measure-RnnModel -X $Train.X -Y $padded).Loss | Should -Be $jagged
        # PyTorch's form: whatever follows a sample's length in its row is ignored.
        for ($i = 0; $i -lt 48; $i++) { for ($j = $lengths[$i]; $j -lt 3; $j++) { $padded[$i, $j] = 9 } }
        ($Trained | Measure-RnnModel -X $Train.X -Y $padded -TargetLengths $lengths).Loss | Should -Be $jagged
    }

    It 'divides each sample''s loss by its target length with PyTorch''s reduction mean' {
        # Every target has two labels, so PyTorch's mean is half of Keras's mean over the samples.
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..(16 * 12 * 3) | ForEach-Object { [math]::Sin($_) })) -Shape 16, 12, 3
        $two = @(for ($i = 0; $i -lt 16; $i++) { , [int[]] @(1, 2) })
        $keras = ($Trained | Measure-RnnModel -X $x -Y $two -Loss ctc).Loss
        $torch = ($Trained | Measure-RnnModel -X $x -Y $two -Loss ctc -LossOption @{ reduction = 'mean' }).Loss
        $torch | Should -BeGreaterThan 0
        [math]::Abs($keras / 2 - $torch) | Should -BeLessThan (1e-12 * $keras)
    }

    It 'takes jagged targets as ctc without -Loss, and keeps the loss of a ctc model' {
        $model = New-CtcModel -Seed 3
        $model | Invoke-RnnTraining -X $Train.X -Y $Train.Y -Epochs 1 -LossOption @{ reduction = 'mean' } -Quiet | Out-Null
        $model.Loss.KerasName | Should -Be 'ctc'
        $model.Loss.Reduction | Should -Be 'Mean'
        $model | Invoke-RnnTraining -X $Train.X -Y $Train.Y -Epochs 1 -Quiet | Out-Null
        $model.Loss.Reduction | Should -Be 'Mean'
    }

    It 'counts an empty target as −log of the all-blank path' {
        $one = ConvertTo-RnnTensor -InputObject ([float[]] (1..12 | ForEach-Object { [math]::Sin($_) })) -Shape 1, 4, 3
        $model = New-RnnModel -InputShape 0, 3 -Seed 2 | Add-GruLayer 4 -ReturnSequences | Add-DenseLayer 3 -Activation softmax
        $p = $model | Invoke-RnnPrediction -X $one
        $expected = -(0..3 | ForEach-Object { [math]::Log($p.GetValue(0, $_, 0)) } | Measure-Object -Sum).Sum
        $loss = ($model | Measure-RnnModel -X $one -Y @(, [int[]] @()) -Loss ctc).Loss
        [math]::Abs($loss - $expected) | Should -BeLessThan 1e-5
    }
}

Describe 'Invoke-RnnPrediction -Decode' {
    It 'transcribes greedily and by beam search, with class names and a separator' {
        $greedy = @($Trained | Invoke-RnnPrediction -X $Held.X -Decode Greedy -ClassNames a, b -Separator '-')
        $beam = @($Trained | Invoke-RnnPrediction -X $Held.X -Decode Beam -BeamWidth 8)
        $greedy.Count | Should -Be 16
        $right = @(0..15 | Where-Object { ($greedy[$_].Labels -join ',') -eq ($Held.Y[$_] -join ',') }).Count
        $right | Should -BeGreaterOrEqual 14
        foreach ($i in 0..15) {
            $greedy[$i].Sample | Should -Be $i
            $greedy[$i].Text | Should -Be (($greedy[$i].Labels | ForEach-Object { @('a', 'b')[$_ - 1] }) -join '-')
            $beam[$i].Text | Should -BeNullOrEmpty
            # The beam adds up every alignment it keeps; the best path is one of them.
            $beam[$i].LogProbability | Should -BeGreaterOrEqual ($greedy[$i].LogProbability - 1e-9)
            $greedy[$i].LogProbability | Should -BeLessOrEqual 0
        }
    }

    It 'gives Measure-RnnModel''s ErrorRate: summed edit distances of the greedy decoding over summed target lengths' {
        $model = New-CtcModel -Seed 5
        $decoded = @($model | Invoke-RnnPrediction -X $Held.X -Decode Greedy)
        $edits = 0; $labels = 0
        foreach ($i in 0..15) {
            $edits += Get-Levenshtein $Held.Y[$i] $decoded[$i].Labels
            $labels += $Held.Y[$i].Count
        }
        $edits | Should -BeGreaterThan 0
        ($model | Measure-RnnModel -X $Held.X -Y $Held.Y -Loss ctc).ErrorRate | Should -Be ($edits / $labels)
    }
}

Describe 'CTC model files' {
    It 'saves and loads the loss with its options, and decodes the same after' {
        $model = New-CtcModel -Seed 9
        $model | Invoke-RnnTraining -X $Train.X -Y $Train.Y -Loss ctc -LossOption @{ reduction = 'mean'; zero_infinity = $true } -Epochs 2 -Quiet | Out-Null
        $path = Join-Path $TestDrive 'ctc.safetensors'
        $model | Export-RnnModel -Path $path
        $loaded = Import-RnnModel -Path $path
        $loaded.Loss.KerasName | Should -Be 'ctc'
        $loaded.Loss.Reduction | Should -Be 'Mean'
        $loaded.Loss.ZeroInfinity | Should -BeTrue
        ($loaded | Measure-RnnModel -X $Held.X -Y $Held.Y).Loss | Should -Be ($model | Measure-RnnModel -X $Held.X -Y $Held.Y).Loss
        $a = @($model | Invoke-RnnPrediction -X $Held.X -Decode Beam -BeamWidth 4)
        $b = @($loaded | Invoke-RnnPrediction -X $Held.X -Decode Beam -BeamWidth 4)
        ($b | ForEach-Object { $_.Labels -join ',' }) | Should -Be ($a | ForEach-Object { $_.Labels -join ',' })
    }

    It 'resumes from a checkpoint to the weights of the uninterrupted run' {
        $whole = New-CtcModel -Seed 4
        $whole | Invoke-RnnTraining -X $Train.X -Y $Train.Y -Loss ctc -Epochs 3 -BatchSize 16 -Quiet | Out-Null
        $part = New-CtcModel -Seed 4
        $part | Invoke-RnnTraining -X $Train.X -Y $Train.Y -Loss ctc -Epochs 3 -BatchSize 16 -Quiet -CheckpointPath (Join-Path $TestDrive 'run') `
            -OnEpochEnd { param($record) if ($record.Epoch -eq 2) { $record.StopTraining = $true } } | Out-Null
        $part.History.Count | Should -Be 2
        $resumed = Invoke-RnnTraining -X $Train.X -Y $Train.Y -ResumeFrom (Join-Path $TestDrive 'run.last.safetensors') -Quiet
        $resumed.Loss.KerasName | Should -Be 'ctc'
        $resumed.History.Count | Should -Be 3
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $whole)
    }
}

Describe 'CTC bad input' {
    BeforeAll {
        $script:Small = New-CtcToy -Count 3 -Time 6 -Seed 2
        function Get-Error([scriptblock] $Script) { try { & $Script; $null } catch { $_ } }
    }

    It 'refuses <Name> with <Id>' -ForEach @(
        @{ Name = 'a target longer than its input can align'; Id = 'CtcTargetTooLong'; Command = 'InvokeRnnTraining'; Match = 'Y: sample 1 has 3 labels, which need at least 4 steps.*2 real steps.*zero_infinity'
            Script = { $x = ConvertTo-RnnTensor -InputObject ([float[]] @(1, 0, 0) * 12) -Shape 3, 4, 3
                $x.SetValue([float] 0, 1, 2, 0); $x.SetValue([float] 0, 1, 3, 0)
                New-CtcModel | Invoke-RnnTraining -X $x -Y @(@(1), @(1, 1, 2), @(2)) -Quiet } }
        @{ Name = 'a label equal to the blank'; Id = 'CtcLabelIsBlank'; Command = 'InvokeRnnTraining'; Match = 'sample 1 has the label 0 at position 0.*blank'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y @(@(1), @(0, 2), @()) -Quiet } }
        @{ Name = 'a label past the class count'; Id = 'LabelOutOfRange'; Command = 'InvokeRnnTraining'; Match = 'sample 2 has the label 3.*3 symbols'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y @(@(1), @(2), @(3)) -Loss ctc -Quiet } }
        @{ Name = 'a target count unlike X''s'; Id = 'SampleCountMismatch'; Command = 'InvokeRnnTraining'; Match = 'X has 3 samples but Y has 2 label sequences'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y @(@(1), @(1, 2)) -Quiet } }
        @{ Name = 'ctc on a model without per-step output'; Id = 'CtcNeedsPerStepSoftmax'; Command = 'InvokeRnnTraining'; Match = 'softmax over the symbols at every step'
            Script = { New-RnnModel -InputShape 0, 3 | Add-GruLayer 4 | Add-DenseLayer 3 -Activation softmax | Invoke-RnnTraining -X $Small.X -Y $Small.Y -Loss ctc -Quiet } }
        @{ Name = 'jagged targets for another loss'; Id = 'TargetsRagged'; Command = 'InvokeRnnTraining'; Match = 'only -Loss ctc reads'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y @(@(1), @(1, 2), @()) -Loss mse -Quiet } }
        @{ Name = 'target lengths without ctc'; Id = 'TargetLengthsWithoutCtc'; Command = 'InvokeRnnTraining'; Match = 'only -Loss ctc reads'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y ([long[, ]]::new(3, 2)) -TargetLengths 1, 1, 1 -Loss mse -Quiet } }
        @{ Name = 'target lengths of another count'; Id = 'TargetLengthsCountMismatch'; Command = 'InvokeRnnTraining'; Match = '-TargetLengths has 2 values but Y has 3 rows'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y ([long[, ]]::new(3, 2)) -TargetLengths 1, 1 -Quiet } }
        @{ Name = 'metrics with ctc'; Id = 'CtcMetric'; Command = 'InvokeRnnTraining'; Match = 'ErrorRate'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y $Small.Y -Loss ctc -Metric accuracy -Quiet } }
        @{ Name = 'sample weights with ctc'; Id = 'CtcSampleWeight'; Command = 'InvokeRnnTraining'; Match = 'sample or class weights'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y $Small.Y -Loss ctc -SampleWeight ([float[]] (1, 1, 1)) -Quiet } }
        @{ Name = 'truncated BPTT with ctc'; Id = 'CtcTruncatedBptt'; Command = 'InvokeRnnTraining'; Match = 'whole label sequence'
            Script = { New-CtcModel | Invoke-RnnTraining -X $Small.X -Y $Small.Y -Loss ctc -TruncatedBptt 2 -Quiet } }
        @{ Name = 'decoding a model without a per-step softmax'; Id = 'DecodeNeedsPerStepSoftmax'; Command = 'InvokeRnnPrediction'; Match = 'softmax over the symbols at every step'
            Script = { New-RnnModel -InputShape 0, 3 | Add-GruLayer 4 -ReturnSequences | Add-DenseLayer 3 | Invoke-RnnPrediction -X $Small.X -Decode Greedy } }
        @{ Name = 'class names of the wrong count'; Id = 'ClassNamesCountMismatch'; Command = 'InvokeRnnPrediction'; Match = '3 names but the model has 2 symbols besides the blank'
            Script = { New-CtcModel | Invoke-RnnPrediction -X $Small.X -Decode Greedy -ClassNames a, b, c } }
        @{ Name = 'a beam width for greedy decoding'; Id = 'BeamWidthNeedsBeam'; Command = 'InvokeRnnPrediction'; Match = '-Decode Beam'
            Script = { New-CtcModel | Invoke-RnnPrediction -X $Small.X -Decode Greedy -BeamWidth 3 } }
        @{ Name = 'a detailed report of a CTC model'; Id = 'ReportNeedsClassifier'; Command = 'MeasureRnnModel'; Match = 'ErrorRate'
            Script = { New-CtcModel | Measure-RnnModel -X $Small.X -Y $Small.Y -Loss ctc -Detailed } }
    ) {
        $err = Get-Error $Script
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be "$Id,PSRnn.Commands.$($Command)Command"
        $err.Exception.Message | Should -Match $Match
    }

    It 'trains past an impossible alignment with zero_infinity, leaving the weights finite' {
        $x = ConvertTo-RnnTensor -InputObject ([float[]] @(1, 0, 0) * 12) -Shape 3, 4, 3
        $model = New-CtcModel
        $model | Invoke-RnnTraining -X $x -Y ([int[][]] (@(1), @(1, 1, 2, 2), @(2))) -LossOption @{ zero_infinity = $true } -Epochs 2 -Quiet | Out-Null
        $model.History.Count | Should -Be 2
        $model.History | ForEach-Object { [double]::IsFinite($_.Loss) | Should -BeTrue }
        Get-AllWeights $model | Where-Object { -not [double]::IsFinite($_) } | Should -BeNullOrEmpty
    }

    It 'leaves an untouched model after a refused run' {
        $model = New-CtcModel
        $weights = Get-AllWeights $model
        (Get-Error { $model | Invoke-RnnTraining -X $Small.X -Y @(@(1), @(0, 2), @()) -Quiet }).FullyQualifiedErrorId | Should -BeLike 'CtcLabelIsBlank,*'
        (Get-Error { $model | Invoke-RnnTraining -X $Small.X -Y @(@(1), @(1), @(1, 1, 1)) -Quiet }).FullyQualifiedErrorId | Should -BeLike 'CtcTargetTooLong,*' 
        $model.History.Count | Should -Be 0
        $model.Loss | Should -BeNullOrEmpty
        Get-AllWeights $model | Should -Be $weights
    }
}
