BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Labeled = Join-Path $PSScriptRoot '../fixtures/audio/labeled'
    $script:Wavs = @(Get-ChildItem -LiteralPath $Labeled -Recurse -Filter *.wav | Sort-Object FullName)
}

Describe 'New-RnnAudioAugmentation' {
    It 'returns the settings it was given, and prints them on one line' {
        $a = New-RnnAudioAugmentation -Speed 0.9, 1.1 -NoiseSnr 10, 30 -NoiseColor White, Pink -GainDb -6, 6 -ShiftMs 100
        $a.Speeds | Should -Be 0.9, 1.1
        $a.NoiseSnrDb.Item1, $a.NoiseSnrDb.Item2 | Should -Be 10, 30
        "$($a.NoiseColors)" | Should -Be 'White Pink'
        $a.GainDb.Item1, $a.GainDb.Item2 | Should -Be -6, 6
        $a.ShiftMs | Should -Be 100
        "$a" | Should -Be 'Speed 0.9, 1.1; NoiseSnr 10 to 30 dB (White, Pink); GainDb -6 to 6; ShiftMs 100'
        (New-RnnAudioAugmentation -NoiseSnr 20).NoiseSnrDb.Item1 | Should -Be 20
        "$((New-RnnAudioAugmentation -NoiseSnr 20).NoiseColors)" | Should -Be 'White'
        "$(New-RnnAudioAugmentation -ReverbRt60 0.2, 0.6)" | Should -Be 'ReverbRt60 0.2 to 0.6 s'
        $v = New-RnnAudioAugmentation -VtlpWarp 0.9, 1.1
        $v.VtlpWarp.Item1, $v.VtlpWarp.Item2 | Should -Be 0.9, 1.1
        "$v" | Should -Be 'VtlpWarp 0.9 to 1.1'
    }

    It 'refuses bad settings with stable IDs' {
        { New-RnnAudioAugmentation -NoiseSnr 30, 10 } | Should -Throw -ErrorId 'AudioAugmentationRangeReversed,PSRnn.Commands.NewRnnAudioAugmentationCommand' -ExpectedMessage '*low end is above the high end*'
        { New-RnnAudioAugmentation -GainDb 6, -6 } | Should -Throw -ErrorId 'AudioAugmentationRangeReversed,PSRnn.Commands.NewRnnAudioAugmentationCommand'
        { New-RnnAudioAugmentation -Speed 3 } | Should -Throw -ErrorId 'AudioAugmentationInvalid,PSRnn.Commands.NewRnnAudioAugmentationCommand' -ExpectedMessage '*outside 0.5 to 2*'
        { New-RnnAudioAugmentation -ShiftMs -5 } | Should -Throw -ErrorId 'AudioAugmentationInvalid,PSRnn.Commands.NewRnnAudioAugmentationCommand'
        { New-RnnAudioAugmentation -ReverbRt60 0 } | Should -Throw -ErrorId 'AudioAugmentationInvalid,PSRnn.Commands.NewRnnAudioAugmentationCommand' -ExpectedMessage '*above 0 and at most 5 s*'
        { New-RnnAudioAugmentation -NoiseColor Pink } | Should -Throw -ErrorId 'AudioAugmentationNoiseColorWithoutSnr,PSRnn.Commands.NewRnnAudioAugmentationCommand'
        { New-RnnAudioAugmentation } | Should -Throw -ErrorId 'AudioAugmentationEmpty,PSRnn.Commands.NewRnnAudioAugmentationCommand'
        { New-RnnAudioAugmentation -NoiseSnr 1, 2, 3 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSRnn.Commands.NewRnnAudioAugmentationCommand'
        { New-RnnAudioAugmentation -VtlpWarp 0.5, 1.1 } | Should -Throw -ErrorId 'AudioAugmentationInvalid,PSRnn.Commands.NewRnnAudioAugmentationCommand' -ExpectedMessage '*within 0.7 to 1.4*'
        { New-RnnAudioAugmentation -VtlpWarp 1.1, 0.9 } | Should -Throw -ErrorId 'AudioAugmentationRangeReversed,PSRnn.Commands.NewRnnAudioAugmentationCommand'
    }
}

Describe 'Import-RnnAudio -Augment' {
    It 'gives each file its original and then -Copies versions, with paths and labels kept' {
        $augment = New-RnnAudioAugmentation -Speed 0.9, 1.1 -NoiseSnr 20, 30
        $plain = @($Wavs | Import-RnnAudio -LabelFrom Directory)
        $clips = @($Wavs | Import-RnnAudio -LabelFrom Directory -Augment $augment -Copies 2 -Seed 5)
        $clips.Count | Should -Be (3 * $Wavs.Count)
        for ($f = 0; $f -lt $Wavs.Count; $f++) {
            $original, $slow, $fast = $clips[(3 * $f)..(3 * $f + 2)]
            foreach ($c in $clips[(3 * $f)..(3 * $f + 2)]) { $c.Path | Should -Be $Wavs[$f].FullName; $c.Label | Should -Be $Wavs[$f].Directory.Name }
            $original.Features.Data | Should -Be $plain[$f].Features.Data
            # Speed 0.9 lasts 1/0.9 as long, 1.1 1/1.1 (to a sample).
            $slow.Duration | Should -BeGreaterOrEqual ($original.Duration / 0.9 - 1 / 16000)
            $slow.Duration | Should -BeLessOrEqual ($original.Duration / 0.9 + 1 / 16000)
            $fast.Duration | Should -BeGreaterOrEqual ($original.Duration / 1.1 - 1 / 16000)
            $fast.Duration | Should -BeLessOrEqual ($original.Duration / 1.1 + 1 / 16000)
        }
    }

    It 'is deterministic from -Seed and stacks into one dataset' {
        $augment = New-RnnAudioAugmentation -NoiseSnr 5, 15 -NoiseColor Pink, Brown -GainDb -3, 3 -ShiftMs 20 -ReverbRt60 0.2, 0.4
        $a = $Wavs | Import-RnnAudio -LabelFrom Directory -Normalize -Frames 40 -Augment $augment -Copies 3 -Seed 9 -Stack
        $b = $Wavs | Import-RnnAudio -LabelFrom Directory -Normalize -Frames 40 -Augment $augment -Copies 3 -Seed 9 -Stack
        $c = $Wavs | Import-RnnAudio -LabelFrom Directory -Normalize -Frames 40 -Augment $augment -Copies 3 -Seed 10 -Stack
        $a.X.Shape | Should -Be (4 * $Wavs.Count), 40, 13
        $a.Y.Data | Should -Be @($Wavs | ForEach-Object { $i = [array]::IndexOf($a.Classes, $_.Directory.Name); $i, $i, $i, $i })
        $a.X.Data | Should -Be $b.X.Data
        ($a.X.Data -join ',') | Should -Not -Be ($c.X.Data -join ',')
    }

    It 'warps each VTLP copy''s mel filter bank and nothing else: same length, other features, the seed''s other draws unchanged' {
        $vtlp = New-RnnAudioAugmentation -VtlpWarp 0.9, 1.1
        $plain = @($Wavs | Import-RnnAudio -Feature LogMel)
        $a = @($Wavs | Import-RnnAudio -Feature LogMel -Augment $vtlp -Copies 2 -Seed 3)
        $b = @($Wavs | Import-RnnAudio -Feature LogMel -Augment $vtlp -Copies 2 -Seed 3)
        $a.Count | Should -Be (3 * $Wavs.Count)
        for ($f = 0; $f -lt $Wavs.Count; $f++) {
            $original, $one, $two = $a[(3 * $f)..(3 * $f + 2)]
            $original.Features.Data | Should -Be $plain[$f].Features.Data
            # The waveform is untouched, so every copy has the original's frames; only the bank moved.
            $one.Features.Shape | Should -Be $original.Features.Shape
            $one.Duration | Should -Be $original.Duration
            ($one.Features.Data -join ',') | Should -Not -Be ($original.Features.Data -join ',')
            ($two.Features.Data -join ',') | Should -Not -Be ($one.Features.Data -join ',')
        }
        ($a | ForEach-Object { $_.Features.Data }) | Should -Be ($b | ForEach-Object { $_.Features.Data })
        # VTLP draws from a stream of its own: adding it to a noise augmentation leaves the noise draws as they were,
        # so a copy with VTLP at a fixed factor of 1 is the noise-only copy, bit for bit.
        $noise = @($Wavs | Import-RnnAudio -Augment (New-RnnAudioAugmentation -NoiseSnr 10, 20) -Copies 1 -Seed 4)
        $both = @($Wavs | Import-RnnAudio -Augment (New-RnnAudioAugmentation -NoiseSnr 10, 20 -VtlpWarp 1) -Copies 1 -Seed 4)
        ($both | ForEach-Object { $_.Features.Data }) | Should -Be ($noise | ForEach-Object { $_.Features.Data })
    }

    It 'refuses VTLP with raw samples or below 8 kHz' {
        $vtlp = New-RnnAudioAugmentation -VtlpWarp 0.9, 1.1
        { $Wavs | Import-RnnAudio -Feature Raw -Augment $vtlp } | Should -Throw -ErrorId 'AudioVtlpUnsupported,PSRnn.Commands.ImportRnnAudioCommand' -ExpectedMessage '*has none*'
        { $Wavs | Import-RnnAudio -SampleRate 4000 -Augment $vtlp } | Should -Throw -ErrorId 'AudioVtlpUnsupported,PSRnn.Commands.ImportRnnAudioCommand' -ExpectedMessage '*8000 or more*'
    }

    It 'refuses -Copies and -Seed without -Augment, and -Copies below 1' {
        { $Wavs | Import-RnnAudio -Copies 2 } | Should -Throw -ErrorId 'AudioCopiesWithoutAugment,PSRnn.Commands.ImportRnnAudioCommand'
        { $Wavs | Import-RnnAudio -Seed 2 } | Should -Throw -ErrorId 'AudioCopiesWithoutAugment,PSRnn.Commands.ImportRnnAudioCommand'
        { $Wavs | Import-RnnAudio -Augment (New-RnnAudioAugmentation -GainDb 3) -Copies 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSRnn.Commands.ImportRnnAudioCommand'
    }
}
