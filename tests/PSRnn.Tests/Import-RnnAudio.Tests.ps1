BeforeDiscovery {
    $manifest = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../fixtures/audio/manifest.json') -Raw | ConvertFrom-Json
    $goodFiles = $manifest.good | ForEach-Object { @{ Entry = $_ } }
    $badFiles = $manifest.bad | ForEach-Object { @{ File = $_.file; ErrorId = $_.error } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:AudioFixtures = Join-Path $PSScriptRoot '../fixtures/audio'
    $script:Good = Join-Path $AudioFixtures 'good'
    $script:Labeled = Join-Path $AudioFixtures 'labeled'
    $script:Reference = @{}
    Import-NpyData -LiteralPath (Join-Path $AudioFixtures 'reference.npz') | ForEach-Object { $Reference[$_.Name] = $_ }
}

Describe 'Import-RnnAudio' {
    Context 'every encoding' {
        It 'reads <Entry.file> (<Entry.subtype>, <Entry.channels> channel(s), <Entry.rate> Hz)' -ForEach $goodFiles {
            $r = Import-RnnAudio -LiteralPath (Join-Path $Good $Entry.file) -WarningAction SilentlyContinue
            $r | Should -BeOfType PSRnn.Models.RnnAudioFeatures
            $r.SampleRate | Should -Be 16000
            $r.Features.DType | Should -Be 'Float32'
            $r.Features.Shape[1] | Should -Be 13
            $r.Duration | Should -BeGreaterThan 0
            # Resampled to 16 kHz: the length in seconds is kept (ceil(n * 16000 / rate) samples).
            $r.Duration | Should -BeGreaterOrEqual ($Entry.frames / $Entry.rate)
            $r.Duration | Should -BeLessThan ($Entry.frames / $Entry.rate + 1 / 16000)
        }

        It 'gives the reference MFCCs of resampled speech within 5e-4' {
            $r = Import-RnnAudio -LiteralPath (Join-Path $Good 'speech_seven_22k.wav') -WarningAction SilentlyContinue
            $want = $Reference['mfcc_speech']
            $r.Features.Shape | Should -Be $want.Shape
            $worst = 0.0
            for ($i = 0; $i -lt $want.Data.Length; $i++) { $worst = [Math]::Max($worst, [Math]::Abs($r.Features.Data[$i] - $want.Data[$i])) }
            $worst | Should -BeLessThan 5e-4
        }

        It 'gives the reference log-mel spectrogram with -Feature LogMel -MelBands' {
            $r = Import-RnnAudio -LiteralPath (Join-Path $Good 'u8_mono_8k.wav') -Feature LogMel -MelBands 32 -WarningAction SilentlyContinue
            $r.Features.Shape | Should -Be $Reference['logmel_u8_up'].Shape
        }

        It 'trims silence and normalizes as the reference does' {
            $r = Import-RnnAudio -LiteralPath (Join-Path $Good 'speech_seven_22k.wav') -TrimSilence 40 -Normalize
            $want = $Reference['mfcc_speech_trim_norm']
            $r.Features.Shape | Should -Be $want.Shape
            $r.Duration | Should -BeLessThan 0.5
        }

        It 'appends deltas and delta-deltas' {
            $r = Import-RnnAudio -LiteralPath (Join-Path $Good 's24_mono_44k.wav') -Coefficients 20 -MelBands 26 -Deltas -Normalize
            $r.Features.Shape | Should -Be $Reference['mfcc_deltas_s24'].Shape
        }

        It 'returns raw samples at -SampleRate' {
            $r = Import-RnnAudio -LiteralPath (Join-Path $Good 's16_stereo_22k.wav') -Feature Raw -SampleRate 8000
            $r.Features.Shape | Should -Be $Reference['raw_s16_stereo_8k'].Shape
            $r.SampleRate | Should -Be 8000
        }
    }

    Context 'frames and padding' {
        BeforeAll {
            $file = Join-Path $Good 's16_wavex_mono_16k.wav'   # 0.1 s: 8 frames
            $script:Natural = Import-RnnAudio -LiteralPath $file -Normalize
        }

        It 'keeps the natural length without -Frames' {
            $Natural.Frames | Should -Be 8
        }

        It 'pads before the speech by default' {
            $r = Import-RnnAudio -LiteralPath $file -Normalize -Frames 10
            $r.Features.Shape | Should -Be @(10, 13)
            @($r.Features.Data[0..25]) | Should -Be (@(0) * 26)
            $r.Features.Data[26] | Should -Be $Natural.Features.Data[0]
        }

        It 'pads after the speech with -Padding Post' {
            $r = Import-RnnAudio -LiteralPath $file -Normalize -Frames 10 -Padding Post
            $r.Features.Data[0] | Should -Be $Natural.Features.Data[0]
            @($r.Features.Data[104..129]) | Should -Be (@(0) * 26)
        }

        It 'truncates the end by default and the start with -Truncating Pre' {
            $post = Import-RnnAudio -LiteralPath $file -Normalize -Frames 5
            $post.Features.Shape | Should -Be @(5, 13)
            $post.Features.Data[0] | Should -Be $Natural.Features.Data[0]
            $pre = Import-RnnAudio -LiteralPath $file -Normalize -Frames 5 -Truncating Pre
            $pre.Features.Data[0] | Should -Be $Natural.Features.Data[3 * 13]
        }

        It 'stacks -StackFrames frames side by side in a step, the last step completed with zeros' {
            # 8 frames: 3 steps of 3 frames (39 features), the last holding frames 6 and 7 and then 13 zeros.
            $r = Import-RnnAudio -LiteralPath $file -Normalize -StackFrames 3
            $r.Features.Shape | Should -Be @(3, 39)
            $r.Frames | Should -Be 3
            @($r.Features.Data[0..103]) | Should -Be @($Natural.Features.Data)
            @($r.Features.Data[104..116]) | Should -Be (@(0) * 13)
            $even = Import-RnnAudio -LiteralPath $file -Normalize -StackFrames 2
            $even.Features.Shape | Should -Be @(4, 26)
            @($even.Features.Data) | Should -Be @($Natural.Features.Data)
        }

        It 'pads and truncates stacked steps, not frames' {
            $r = Import-RnnAudio -LiteralPath $file -Normalize -StackFrames 2 -Frames 6 -Padding Post
            $r.Features.Shape | Should -Be @(6, 26)
            @($r.Features.Data[0..103]) | Should -Be @($Natural.Features.Data)
            @($r.Features.Data[104..155]) | Should -Be (@(0) * 52)
        }

        It 'refuses -StackFrames 0' {
            { Import-RnnAudio -LiteralPath $file -StackFrames 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSRnn.Commands.ImportRnnAudioCommand'
        }
    }

    Context 'labels and stacking' {
        It 'labels each file with its folder name' {
            $r = @(Get-ChildItem $Labeled -Recurse -Filter *.wav | Import-RnnAudio -LabelFrom Directory -Normalize)
            $r.Count | Should -Be 5
            $r | ForEach-Object { $_.Label | Should -Be (Split-Path (Split-Path $_.Path -Parent) -Leaf) }
        }

        It 'labels each file from a CSV' {
            $r = @(Import-RnnAudio (Join-Path $Labeled '*/*.wav') -LabelCsv (Join-Path $Labeled 'labels.csv') -Normalize)
            $r.Count | Should -Be 5
            ($r | Where-Object Label -EQ 'yes').Count | Should -Be 3
        }

        It 'reports a file the CSV does not list, and imports the rest' {
            $csv = Join-Path $TestDrive 'partial.csv'
            "file,label`n$(Join-Path $Labeled 'no/no_21.wav'),no" | Set-Content -LiteralPath $csv
            $r = @(Import-RnnAudio (Join-Path $Labeled 'no/*.wav') -LabelCsv $csv -Normalize -ErrorAction SilentlyContinue -ErrorVariable errs)
            $r.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'AudioLabelNotFound,*'
        }

        It 'stacks into (N, frames, features) with int64 labels and sorted classes' {
            $d = Get-ChildItem $Labeled -Recurse -Filter *.wav | Import-RnnAudio -LabelFrom Directory -Normalize -Frames 20 -Stack
            $d | Should -BeOfType PSRnn.Models.RnnAudioDataset
            $d.X.Shape | Should -Be @(5, 20, 13)
            $d.Y.DType | Should -Be 'Int64'
            $d.Classes | Should -Be @('no', 'yes')
            for ($i = 0; $i -lt 5; $i++) {
                $d.Classes[$d.Y.Data[$i]] | Should -Be (Split-Path (Split-Path $d.Paths[$i] -Parent) -Leaf)
            }
        }

        It 'stacks to the longest file without -Frames' {
            $d = Import-RnnAudio (Join-Path $Labeled '*/*.wav') -Normalize -Stack
            $d.X.Shape | Should -Be @(5, 12, 13)
            $d.Y | Should -BeNullOrEmpty
        }

        It 'feeds Invoke-RnnTraining directly' {
            $d = Import-RnnAudio (Join-Path $Labeled '*/*.wav') -LabelFrom Directory -Normalize -Frames 12 -Stack
            $model = New-RnnModel -InputShape 12, 13 -Seed 1 | Add-LstmLayer -Units 4 | Add-DenseLayer -Units 2 -Activation Softmax
            $history = @($model | Invoke-RnnTraining -X $d.X -Y ($d.Y | ConvertTo-RnnOneHot -NumClasses 2) -Epochs 1)
            $history.Count | Should -Be 1
        }
    }

    Context 'variable lengths, padding and masking' {
        BeforeAll {
            # The labelled files, sorted by path (no_21, no_22, yes_23, yes_24, yes_25), have 8, 10, 12, 8 and 10 frames.
            $script:Files = @(Get-ChildItem $Labeled -Recurse -Filter *.wav | Sort-Object FullName)
            $script:Own = @($Files | Import-RnnAudio -LabelFrom Directory -Normalize)
            # A 16 kHz 16-bit mono WAV of the given samples (a canonical 44-byte header).
            function script:New-Wav {
                param([string] $Path, [int16[]] $Samples)
                $le = { param($v) [BitConverter]::GetBytes($v) }
                $n = 2 * $Samples.Length
                $bytes = [byte[]]::new($n); [Buffer]::BlockCopy($Samples, 0, $bytes, 0, $n)
                $header = [Text.Encoding]::ASCII.GetBytes('RIFF') + (& $le ([int] (36 + $n))) + [Text.Encoding]::ASCII.GetBytes('WAVEfmt ') +
                    (& $le 16) + (& $le ([int16] 1)) + (& $le ([int16] 1)) + (& $le 16000) + (& $le 32000) + (& $le ([int16] 2)) +
                    (& $le ([int16] 16)) + [Text.Encoding]::ASCII.GetBytes('data') + (& $le $n)
                [IO.File]::WriteAllBytes($Path, [byte[]] ($header + $bytes))
                Get-Item -LiteralPath $Path
            }
            # The features of row n of a stacked X, steps [from, from + count), as one flat array.
            function script:Get-Steps {
                param($X, [int] $Row, [int] $From, [int] $Count)
                $width = $X.Shape[1] * $X.Shape[2]
                $f = $X.Shape[2]
                if ($Count -eq 0) { return }
                [float[]] $X.Data[($Row * $width + $From * $f)..($Row * $width + ($From + $Count) * $f - 1)]
            }
        }

        It 'keeps each file''s own number of frames without -Frames' {
            @($Own.Frames) | Should -Be @(8, 10, 12, 8, 10)
            foreach ($r in $Own) { $r.Features.Shape | Should -Be @($r.Frames, 13) }
        }

        It 'pads to the longest file with -Stack, and gives each row''s real frames as Lengths' {
            $d = $Files | Import-RnnAudio -LabelFrom Directory -Normalize -Stack
            $d.X.Shape | Should -Be @(5, 12, 13)
            $d.Lengths | Should -BeOfType [int]
            @($d.Lengths) | Should -Be @($Own.Frames)
            $d.Padding | Should -Be 'Pre'
            $d.PaddingValue | Should -Be 0
            for ($n = 0; $n -lt 5; $n++) {
                $length = $d.Lengths[$n]
                # Pre: the padding (zeros on every feature) first, then the file's own frames unchanged.
                @(Get-Steps $d.X $n 0 (12 - $length)) -ne 0 | Should -BeNullOrEmpty
                Get-Steps $d.X $n (12 - $length) $length | Should -Be ([float[]] $Own[$n].Features.Data)
            }
        }

        It 'puts the padding after the frames with -Padding Post, and fills it with -PaddingValue' {
            $d = $Files | Import-RnnAudio -LabelFrom Directory -Normalize -Stack -Padding Post -PaddingValue -1000
            $d.Padding | Should -Be 'Post'
            $d.PaddingValue | Should -Be -1000
            for ($n = 0; $n -lt 5; $n++) {
                $length = $d.Lengths[$n]
                Get-Steps $d.X $n 0 $length | Should -Be ([float[]] $Own[$n].Features.Data)
                @(Get-Steps $d.X $n $length (12 - $length)) -ne -1000 | Should -BeNullOrEmpty
            }
        }

        It 'counts only the frames kept when -Frames truncates' {
            $d = $Files | Import-RnnAudio -Normalize -Stack -Frames 9
            $d.X.Shape | Should -Be @(5, 9, 13)
            @($d.Lengths) | Should -Be @(8, 9, 9, 8, 9)
            $single = Import-RnnAudio -LiteralPath $Files[3].FullName -Normalize -Frames 9 -Padding Post -PaddingValue 5
            Get-Steps (ConvertTo-RnnTensor -InputObject $single.Features.Data -Shape 1, 9, 13) 0 8 1 | Should -Be (@(5) * 13)
        }

        It 'shows the lengths in the dataset''s view' {
            $d = $Files | Import-RnnAudio -LabelFrom Directory -Normalize -Stack -Padding Post
            ($d | Out-String) | Should -Match 'Lengths : 8 to 12 frames \(mean 9\.6\), padded post with 0'
        }

        It 'trains a model that starts with Add-MaskingLayer on the stacked output' {
            $d = $Files | Import-RnnAudio -LabelFrom Directory -Normalize -Stack -Padding Post
            $model = New-RnnModel -InputShape 0, 13 -Seed 1 | Add-MaskingLayer -MaskValue $d.PaddingValue | Add-LstmLayer 4 |
                Add-DenseLayer 2 -Activation softmax
            $null = $model | Invoke-RnnTraining -X $d.X -Y $d.Y -Epochs 3 -BatchSize 2
            $model.History.Count | Should -Be 3
            $model.History[-1].Loss | Should -BeGreaterThan 0
            # The mask makes the padding harmless: each padded row predicts what its file alone (no padding) does.
            $padded = ($model | Invoke-RnnPrediction -X $d.X).Data
            for ($n = 0; $n -lt 5; $n++) {
                $alone = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $Own[$n].Features.Data -Shape 1, $Own[$n].Frames, 13)
                for ($k = 0; $k -lt 2; $k++) { [Math]::Abs($padded[2 * $n + $k] - $alone.Data[$k]) | Should -BeLessThan 1e-5 }
            }
        }

        It 'trains the same with any padding value its masking layer is given' {
            $results = foreach ($value in 0, -1000) {
                $d = $Files | Import-RnnAudio -LabelFrom Directory -Normalize -Stack -Padding Post -PaddingValue $value
                $model = New-RnnModel -InputShape 0, 13 -Seed 3 | Add-MaskingLayer -MaskValue $value | Add-GruLayer 4 |
                    Add-DenseLayer 2 -Activation softmax
                $null = $model | Invoke-RnnTraining -X $d.X -Y $d.Y -Epochs 2 -BatchSize 5 -WarningVariable unscaled
                $unscaled | Should -BeNullOrEmpty -Because 'the padding the masking layer skips is not an unscaled input'
                ($model | Invoke-RnnPrediction -X $d.X).Data
            }
            $results[0..9] | Should -Be $results[10..19]
        }

        It 'warns when a real frame equals the padding value on every feature, and not with another -PaddingValue' {
            # 300 samples are less than one 25 ms frame: one frame, which -Normalize makes all zeros.
            $short = New-Wav (Join-Path $TestDrive 'short.wav') ([int16[]] (0..299 | ForEach-Object { 3000 * [math]::Sin($_ / 5) }))
            $d = @($Files[0], $short) | Import-RnnAudio -Normalize -Stack -WarningVariable w -WarningAction SilentlyContinue
            @($d.Lengths) | Should -Be @(8, 1)
            "$w" | Should -BeLike "*1 real frame(s) of 1 file(s)*short.wav*padding value 0*-PaddingValue*"
            $null = @($Files[0], $short) | Import-RnnAudio -Normalize -Stack -PaddingValue -1000 -WarningVariable w2
            $w2 | Should -BeNullOrEmpty
            $null = $Files | Import-RnnAudio -Normalize -Stack -WarningVariable w3
            $w3 | Should -BeNullOrEmpty -Because 'MFCC frames of real audio are never all zeros'
            $null = $short | Import-RnnAudio -Normalize -Frames 4 -WarningVariable w4 -WarningAction SilentlyContinue
            "$w4" | Should -BeLike '*1 real frame(s)*'
        }

        It 'refuses a padding value that is not a finite number' -ForEach @(
            @{ Value = [float]::NaN }, @{ Value = [float]::PositiveInfinity }, @{ Value = [float]::NegativeInfinity }
        ) {
            { $Files | Import-RnnAudio -Normalize -Stack -PaddingValue $Value -ErrorAction Stop } |
                Should -Throw -ErrorId 'AudioOptionsInvalid,PSRnn.Commands.ImportRnnAudioCommand'
        }
    }

    Context 'paths and messages' {
        It 'expands wildcards in -Path' {
            @(Import-RnnAudio (Join-Path $Good 's16_*.wav') -Normalize).Count | Should -Be @(Get-ChildItem $Good -Filter 's16_*.wav').Count
        }

        It 'warns when the features look unscaled, and not with -Normalize' {
            $null = Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -WarningVariable w -WarningAction SilentlyContinue
            "$w" | Should -BeLike '*not normalized*-Normalize*'
            $null = Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -Normalize -WarningVariable w2
            $w2 | Should -BeNullOrEmpty
        }

        It 'refuses more coefficients than mel bands' {
            { Import-RnnAudio -LiteralPath (Join-Path $Good 's16_mono_16k.wav') -Coefficients 20 -MelBands 10 -ErrorAction Stop } |
                Should -Throw -ErrorId 'AudioOptionsInvalid,PSRnn.Commands.ImportRnnAudioCommand'
        }

        It 'reports a missing path' {
            Import-RnnAudio -LiteralPath (Join-Path $TestDrive 'nope.wav') -ErrorAction SilentlyContinue -ErrorVariable errs
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        }
    }

    Context 'bad files' {
        It 'reports <File> as <ErrorId>, naming the file' -ForEach $badFiles {
            $path = Join-Path $AudioFixtures "bad/$File"
            $err = $null
            Import-RnnAudio -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable err
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,PSRnn.Commands.ImportRnnAudioCommand"
            $err[0].Exception.Message | Should -BeLike "*$File*"
            $err[0].TargetObject | Should -BeLike "*$File"
        }

        It 'still imports the good files with -ErrorAction Continue' {
            $files = @(Get-ChildItem (Join-Path $AudioFixtures 'bad')) + @(Get-Item (Join-Path $Good 'u8_mono_8k.wav'), (Join-Path $Good 'f64_mono_8k.wav'))
            $r = @($files | Import-RnnAudio -Normalize -ErrorAction Continue -ErrorVariable errs 2>$null)
            $r.Count | Should -Be 2
            $errs.Count | Should -Be @(Get-ChildItem (Join-Path $AudioFixtures 'bad')).Count
        }

        It 'stacks the good files and skips the bad ones' {
            $d = Import-RnnAudio (Join-Path $AudioFixtures 'bad/*'), (Join-Path $Good 'u8_mono_8k.wav') -Normalize -Frames 10 -Stack -ErrorAction SilentlyContinue
            $d.X.Shape | Should -Be @(1, 10, 13)
        }
    }
}
