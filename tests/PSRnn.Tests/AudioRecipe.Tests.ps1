# Issue 17, point 2: the audio recipe travels with the model (Set-RnnAudioRecipe, Import-RnnAudio -Model,
# Invoke-RnnPrediction -Path), and model files from before it load unchanged.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:AudioFixtures = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../fixtures/audio'))
    $script:Good = Join-Path $AudioFixtures 'good'
    $script:Labeled = Join-Path $AudioFixtures 'labeled'
    $script:OldModel = Join-Path $PSScriptRoot '../fixtures/models/psrnn_made.safetensors'

    # Every setting away from its default, so that one -Model did not apply would show. Files of 8, 16, 22.05 and 44.1 kHz.
    $script:Settings = @{ SampleRate = 8000; Feature = 'LogMel'; MelBands = 12; Deltas = $true; TrimSilence = 35; Normalize = $true
        Frames = 30; Padding = 'Post'; Truncating = 'Pre'; PaddingValue = -5 }
    $script:Data = Get-ChildItem $Labeled -Recurse -Filter *.wav | Import-RnnAudio -LabelFrom Directory @Settings -Stack 3>$null
    $script:Model = New-RnnModel -InputShape 30, 36 -Seed 3 | Add-GruLayer 6 | Add-DenseLayer 2 -Activation softmax |
        Set-RnnAudioRecipe -Dataset $Data -PassThru
    $script:Saved = Join-Path $TestDrive 'recipe.safetensors'
    $Model | Export-RnnModel -LiteralPath $Saved
    $script:Loaded = Import-RnnModel -LiteralPath $Saved

    function Get-Bits($Tensor) { [float[]] $Tensor.Data | ForEach-Object { [BitConverter]::SingleToUInt32Bits($_) } }
    function Get-ErrorRecord([scriptblock] $Script) {
        @(try { & $Script 2>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } } catch { $_ })
    }
}

Describe 'The dataset''s recipe' {
    It 'holds every setting Import-RnnAudio used and the classes in index order' {
        $r = $Data.Recipe
        $r.Options.SampleRate | Should -Be 8000
        $r.Options.Feature | Should -Be 'LogMel'
        $r.Options.MelBands | Should -Be 12
        $r.Options.Deltas | Should -BeTrue
        $r.Options.TrimSilenceDb | Should -Be 35
        $r.Options.Normalize | Should -BeTrue
        $r.Frames | Should -Be 30
        $r.Padding | Should -Be 'Post'
        $r.Truncating | Should -Be 'Pre'
        $r.PaddingValue | Should -Be -5
        $r.Classes | Should -Be @('no', 'yes')
        $r.FeatureCount | Should -Be 36
    }
}

Describe 'Set-RnnAudioRecipe' {
    It 'records the recipe, and the model file keeps it' {
        $Model.AudioRecipe.Frames | Should -Be 30
        $Loaded.AudioRecipe.Options | Should -Be $Data.Recipe.Options
        foreach ($p in 'Frames', 'Padding', 'Truncating', 'PaddingValue', 'FeatureCount') { $Loaded.AudioRecipe.$p | Should -Be $Data.Recipe.$p }
        $Loaded.AudioRecipe.Classes | Should -Be @('no', 'yes')
    }

    It 'refuses a model of other features with AudioRecipeMismatch and leaves it unchanged' {
        $other = New-RnnModel -InputShape 30, 13 -Seed 1 | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax
        { $other | Set-RnnAudioRecipe -Dataset $Data } | Should -Throw -ErrorId 'AudioRecipeMismatch,PSRnn.Commands.SetRnnAudioRecipeCommand'
        $other.AudioRecipe | Should -BeNullOrEmpty
    }

    It 'refuses a model with an output per class other than the recipe''s classes' {
        $three = New-RnnModel -InputShape 30, 36 -Seed 1 | Add-GruLayer 2 | Add-DenseLayer 3 -Activation softmax
        { $three | Set-RnnAudioRecipe -Dataset $Data } | Should -Throw -ErrorId 'AudioRecipeMismatch,PSRnn.Commands.SetRnnAudioRecipeCommand'
    }

    It 'gives a recipe without -Frames the steps of a fixed-step model' {
        $unpadded = Get-ChildItem $Labeled -Recurse -Filter *.wav | Import-RnnAudio -LabelFrom Directory -Normalize -Stack
        $steps = $unpadded.X.Shape[1]
        $fixed = New-RnnModel -InputShape $steps, 13 -Seed 1 | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax |
            Set-RnnAudioRecipe -Dataset $unpadded -PassThru
        $fixed.AudioRecipe.Frames | Should -Be $steps
        $masked = New-RnnModel -InputShape 0, 13 -Seed 1 | Add-MaskingLayer | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax |
            Set-RnnAudioRecipe -Recipe $unpadded.Recipe -PassThru
        $masked.AudioRecipe.Frames | Should -BeNullOrEmpty
    }

    It 'changes nothing with -WhatIf' {
        $m = New-RnnModel -InputShape 30, 36 -Seed 1 | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax
        $m | Set-RnnAudioRecipe -Dataset $Data -WhatIf
        $m.AudioRecipe | Should -BeNullOrEmpty
    }

    It 'survives a training checkpoint and -ResumeFrom' {
        $stem = Join-Path $TestDrive 'checkpoint'
        $m = New-RnnModel -InputShape 30, 36 -Seed 4 | Add-GruLayer 3 | Add-DenseLayer 2 -Activation softmax | Set-RnnAudioRecipe -Dataset $Data -PassThru
        $m | Invoke-RnnTraining -X $Data.X -Y $Data.Y -Epochs 1 -CheckpointPath $stem 3>$null 6>$null | Out-Null
        $checkpoint = "$stem.last.safetensors"
        (Import-RnnModel -LiteralPath $checkpoint).AudioRecipe.Classes | Should -Be @('no', 'yes')
        $resumed = Invoke-RnnTraining -X $Data.X -Y $Data.Y -Epochs 2 -ResumeFrom $checkpoint 3>$null 6>$null |
            Where-Object { $_.GetType().Name -eq 'Sequential' }
        @($resumed).Count | Should -Be 1
        $resumed.AudioRecipe.Frames | Should -Be 30
    }
}

Describe 'Import-RnnAudio -Model' {
    It 'makes bit for bit the features of the explicit settings, from files of every rate' {
        $explicit = Get-ChildItem $Good -Filter *.wav | Import-RnnAudio @Settings 3>$null
        $byModel = Get-ChildItem $Good -Filter *.wav | Import-RnnAudio -Model $Loaded 3>$null
        $byModel.Count | Should -Be $explicit.Count
        for ($i = 0; $i -lt $explicit.Count; $i++) {
            $byModel[$i].SampleRate | Should -Be 8000
            $byModel[$i].Features.Shape | Should -Be $explicit[$i].Features.Shape
            Get-Bits $byModel[$i].Features | Should -Be (Get-Bits $explicit[$i].Features)
        }
    }

    It 'stacks the training set bit for bit as it was, labels included' {
        $again = Get-ChildItem $Labeled -Recurse -Filter *.wav | Import-RnnAudio -Model $Loaded -LabelFrom Directory -Stack 3>$null
        Get-Bits $again.X | Should -Be (Get-Bits $Data.X)
        $again.Y.Data | Should -Be $Data.Y.Data
        $again.Lengths | Should -Be $Data.Lengths
    }

    It 'gives the reference MFCCs of resampled speech within 5e-4 through a recipe' {
        $reference = Import-NpyData -LiteralPath (Join-Path $AudioFixtures 'reference.npz') | Where-Object Name -EQ 'mfcc_speech_trim_norm'
        $speech = Import-RnnAudio -LiteralPath (Join-Path $Good 'speech_seven_22k.wav') -TrimSilence 40 -Normalize -Stack
        $m = New-RnnModel -InputShape 0, 13 -Seed 1 | Add-GruLayer 2 | Set-RnnAudioRecipe -Dataset $speech -PassThru
        $r = Import-RnnAudio -LiteralPath (Join-Path $Good 'speech_seven_22k.wav') -Model $m
        $r.Features.Shape | Should -Be $reference.Shape
        $worst = 0.0
        for ($i = 0; $i -lt $reference.Data.Length; $i++) { $worst = [Math]::Max($worst, [Math]::Abs($r.Features.Data[$i] - $reference.Data[$i])) }
        $worst | Should -BeLessThan 5e-4
    }

    It 'indexes Y by the model''s classes, not the files'' own' {
        $yes = Get-ChildItem (Join-Path $Labeled 'yes') -Filter *.wav | Import-RnnAudio -Model $Loaded -LabelFrom Directory -Stack 3>$null
        $yes.Classes | Should -Be @('no', 'yes')
        $yes.Y.Data | Should -Be @(1, 1, 1)
        $unlabelled = Get-ChildItem (Join-Path $Labeled 'yes') -Filter *.wav | Import-RnnAudio -Model $Loaded -Stack 3>$null
        $unlabelled.Y | Should -BeNullOrEmpty
        $unlabelled.Recipe.Classes | Should -Be @('no', 'yes') -Because 'the dataset carries the model''s recipe'
    }

    It 'leaves out a file labelled with a class the model lacks (AudioLabelNotInModel)' {
        $maybe = New-Item -ItemType Directory (Join-Path $TestDrive 'labels/maybe') -Force
        Copy-Item (Join-Path $Labeled 'yes/yes_23.wav') $maybe
        Copy-Item (Join-Path $Labeled 'no') (Join-Path $TestDrive 'labels') -Recurse
        $errors = @()
        $d = Get-ChildItem (Join-Path $TestDrive 'labels') -Recurse -Filter *.wav |
            Import-RnnAudio -Model $Loaded -LabelFrom Directory -Stack -ErrorVariable errors -ErrorAction SilentlyContinue 3>$null
        $errors.FullyQualifiedErrorId | Should -Be 'AudioLabelNotInModel,PSRnn.Commands.ImportRnnAudioCommand'
        $errors[0].Exception.Message | Should -Match "labelled 'maybe', which is not one of the model's classes \(no, yes\)"
        $d.Y.Data | Should -Be @(0, 0)
    }

    It 'stacks frames as the recipe says, and the model file keeps it (stack_frames)' {
        $stacked = Get-ChildItem $Labeled -Recurse -Filter *.wav | Import-RnnAudio -LabelFrom Directory -Normalize -Padding Post -StackFrames 3 -Stack
        $stacked.Recipe.Options.StackFrames | Should -Be 3
        $stacked.Recipe.FeatureCount | Should -Be 39
        $m = New-RnnModel -InputShape 0, 39 -Seed 1 | Add-MaskingLayer | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax |
            Set-RnnAudioRecipe -Dataset $stacked -PassThru
        $path = Join-Path $TestDrive 'stacked.safetensors'
        $m | Export-RnnModel -LiteralPath $path
        $back = Import-RnnModel -LiteralPath $path
        $back.AudioRecipe.Options.StackFrames | Should -Be 3
        $again = Get-ChildItem $Labeled -Recurse -Filter *.wav | Import-RnnAudio -Model $back -LabelFrom Directory -Stack
        $again.X.Shape | Should -Be $stacked.X.Shape
        Get-Bits $again.X | Should -Be (Get-Bits $stacked.X)
        { Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -Model $back -StackFrames 2 } |
            Should -Throw -ErrorId 'AudioRecipeConflict,PSRnn.Commands.ImportRnnAudioCommand'
        $Loaded.AudioRecipe.Options.StackFrames | Should -Be 1 -Because 'a recipe without stack_frames stacks nothing'
        $thirteen = New-RnnModel -InputShape 0, 13 -Seed 1 | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax
        { $thirteen | Set-RnnAudioRecipe -Dataset $stacked } | Should -Throw -ErrorId 'AudioRecipeMismatch,PSRnn.Commands.SetRnnAudioRecipeCommand'
    }

    It 'refuses a feature setting beside -Model (AudioRecipeConflict)' {
        { Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -Model $Loaded -Frames 30 } |
            Should -Throw -ErrorId 'AudioRecipeConflict,PSRnn.Commands.ImportRnnAudioCommand'
        { Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -Model $Loaded -Normalize:$false } |
            Should -Throw '*-Normalize cannot be given too*'
    }

    It 'refuses a model without a recipe (AudioRecipeMissing)' {
        $plain = New-RnnModel -InputShape 30, 36 | Add-GruLayer 2
        { Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -Model $plain } |
            Should -Throw -ErrorId 'AudioRecipeMissing,PSRnn.Commands.ImportRnnAudioCommand'
    }
}

Describe 'A model file from before the recipe' {
    It 'loads and predicts as before, and -Model refuses it with AudioRecipeMissing' {
        $old = Import-RnnModel -LiteralPath $OldModel
        $old.AudioRecipe | Should -BeNullOrEmpty
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..12)) -Shape 2, 3, 2
        ($old | Invoke-RnnPrediction -X $x).Shape[0] | Should -Be 2
        { Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -Model $old } |
            Should -Throw -ErrorId 'AudioRecipeMissing,PSRnn.Commands.ImportRnnAudioCommand'
        { Invoke-RnnPrediction -Model $old -Path (Join-Path $Good '*.wav') } |
            Should -Throw -ErrorId 'AudioRecipeMissing,PSRnn.Commands.InvokeRnnPredictionCommand'
    }
}

Describe 'Invoke-RnnPrediction -Path' {
    BeforeAll {
        $script:Stacked = Get-ChildItem $Good -Filter *.wav | Import-RnnAudio -Model $Loaded -Stack 3>$null
        $script:Probabilities = $Loaded | Invoke-RnnPrediction -X $Stacked.X
    }

    It 'equals the prediction on the stacked features, one object per file' {
        $results = @(Invoke-RnnPrediction -Model $Loaded -Path (Join-Path $Good '*.wav'))
        $results.Count | Should -Be $Stacked.Paths.Count
        for ($i = 0; $i -lt $results.Count; $i++) {
            $results[$i].GetType().Name | Should -Be 'RnnAudioPrediction'
            $results[$i].Path | Should -Be $Stacked.Paths[$i]
            $p0 = $Probabilities.GetValue($i, 0); $p1 = $Probabilities.GetValue($i, 1)
            $results[$i].ClassIndex | Should -Be ([int] ($p1 -gt $p0))
            $results[$i].Class | Should -Be (@('no', 'yes')[$results[$i].ClassIndex])
            [BitConverter]::SingleToUInt32Bits($results[$i].Probability) | Should -Be ([BitConverter]::SingleToUInt32Bits([Math]::Max($p0, $p1)))
        }
    }

    It 'takes -LiteralPath and Get-ChildItem''s files from the pipeline alike' {
        $byPath = Invoke-RnnPrediction -Model $Loaded -Path (Join-Path $Good '*.wav')
        $literal = Invoke-RnnPrediction -Model $Loaded -LiteralPath ([string[]] $Stacked.Paths)
        $piped = Get-ChildItem $Good -Filter *.wav | Invoke-RnnPrediction -Model $Loaded
        $literal.Probability | Should -Be $byPath.Probability
        $piped.Path | Should -Be $byPath.Path
        $piped.Probability | Should -Be $byPath.Probability
    }

    It 'names a missing or unreadable file in a non-terminating error and predicts the others' {
        $files = (Join-Path $Good 's16_mono_16k.wav'), (Join-Path $TestDrive 'absent.wav'), (Join-Path $AudioFixtures 'bad/truncated_data.wav')
        $errors = @()
        $results = @(Invoke-RnnPrediction -Model $Loaded -LiteralPath $files -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 1
        $results[0].Path | Should -Be $files[0]
        $errors.FullyQualifiedErrorId | Should -Be @('PathNotFound,PSRnn.Commands.InvokeRnnPredictionCommand', 'WavTruncated,PSRnn.Commands.InvokeRnnPredictionCommand')
    }

    It 'refuses a model with an output per step (AudioPredictionPerStep)' {
        $steps = New-RnnModel -InputShape 30, 36 -Seed 1 | Add-GruLayer 2 -ReturnSequences | Add-DenseLayer 2 -Activation softmax |
            Set-RnnAudioRecipe -Dataset $Data -PassThru
        { Invoke-RnnPrediction -Model $steps -Path (Join-Path $Good 's16_mono_16k.wav') } |
            Should -Throw -ErrorId 'AudioPredictionPerStep,PSRnn.Commands.InvokeRnnPredictionCommand'
    }
}
