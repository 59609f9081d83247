# The embedded spoken-digit dataset (examples/data, made by tools/make-speech-digits.ps1): its arrays are what the
# JSON beside them says, its split is speaker-disjoint, and its sample WAV files give the same features through
# Import-RnnAudio as the rows stored for them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:DataFolder = Join-Path $PSScriptRoot '../../examples/data'
    $script:Data = Import-NpyData -LiteralPath (Join-Path $DataFolder 'speech-digits.npz') -AsHashtable
    $script:Meta = Get-Content -LiteralPath (Join-Path $DataFolder 'speech-digits.json') -Raw | ConvertFrom-Json
}

Describe 'The embedded spoken-digit dataset' {
    It 'holds x (N, T, 13) float16, lengths int16, y int8, speaker int16, a bool test mask, noise and snr int8, as its JSON says' {
        $n = $Meta.counts.utterances
        $Data['x'].DType | Should -Be 'Float16'
        $Data['x'].Shape | Should -Be @($n, $Meta.counts.maxFrames, 13)
        $Data['lengths'].DType | Should -Be 'Int16'
        $Data['lengths'].Shape | Should -Be @($n)
        $frames = $Data['lengths'].ToArray() | Measure-Object -Minimum -Maximum -Average
        $frames.Maximum | Should -Be $Meta.counts.maxFrames -Because 'x is padded to the longest utterance'
        $frames.Minimum | Should -Be $Meta.counts.minFrames
        [Math]::Round($frames.Average, 1) | Should -Be $Meta.counts.meanFrames
        $Data['y'].DType | Should -Be 'Int8'
        $Data['y'].Shape | Should -Be @($n)
        $Data['speaker'].DType | Should -Be 'Int16'
        $Data['test'].DType | Should -Be 'Bool'
        $Data['noise'].DType | Should -Be 'Int8'
        $Data['snr'].DType | Should -Be 'Int8'
        @($Data['noise'].ToArray() | Sort-Object -Unique) | Should -Be @(0..($Meta.recipe.noises.Count - 1))
        $snr = $Data['snr'].ToArray() | Measure-Object -Minimum -Maximum
        @($snr.Minimum, $snr.Maximum) | Should -Be @(($Meta.recipe.snrDb | Measure-Object -Minimum).Minimum, ($Meta.recipe.snrDb | Measure-Object -Maximum).Maximum)
        $Meta.classes | Should -Be @('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')
        @($Meta.speakers).Count | Should -Be $Meta.counts.speakers
        (Get-Item -LiteralPath (Join-Path $DataFolder 'speech-digits.npz')).Length | Should -BeLessThan 5MB
    }

    It 'has many voices and variants, each speaker in one of its ten accent families' {
        $Meta.families.Count | Should -Be 10
        $Meta.counts.families | Should -Be 10
        @($Meta.speakers.family | Sort-Object -Unique) | Should -Be @($Meta.families | Sort-Object)
        @($Meta.speakers.voice | Sort-Object -Unique).Count | Should -Be $Meta.counts.voices
        $Meta.counts.voices | Should -BeGreaterOrEqual 30
        @($Meta.speakers.variant | Sort-Object -Unique).Count | Should -Be $Meta.counts.variants
        $Meta.counts.variants | Should -BeGreaterOrEqual 90 -Because 'the whole variant list is spread over the speakers'
        foreach ($voice in ($Meta.speakers | Group-Object voice)) {
            @($voice.Group.family | Sort-Object -Unique).Count | Should -Be 1 -Because "a voice ($($voice.Name)) is in one family"
            @($voice.Group.variant | Sort-Object -Unique).Count | Should -Be $voice.Count -Because 'a voice has each variant once'
        }
        @($Meta.speakers | Where-Object { $_.voice -like 'en*' } | ForEach-Object voice | Sort-Object -Unique) |
            Should -Be @('en-029', 'en-gb', 'en-gb-scotland', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-gb-x-rp', 'en-us', 'en-us-nyc')
        $Meta.recipe.rejectedVoices | Should -Be @('es')
    }

    It 'pads each utterance after its speech with zero frames that a masking layer finds, and no real frame is all zeros' {
        Get-PaddingMismatch -X $Data['x'] -Lengths $Data['lengths'].ToArray() -Every 7 | Should -Be 0
    }

    It 'has every digit equally often' {
        $counts = $Data['y'].ToArray() | Group-Object | ForEach-Object Count | Sort-Object -Unique
        @($counts) | Should -Be @($Meta.counts.utterances / 10)
    }

    It 'splits by speaker: no test speaker is heard in training, and every voice is in both parts' {
        $split = Get-SpeakerSplit -Speaker $Data['speaker'].ToArray() -Test $Data['test'].ToArray() -Speakers $Meta.speakers
        $trainSpeakers = $split.Train; $testSpeakers = $split.Test
        $split.Disagree | Should -Be 0 -Because 'the mask marks exactly the JSON''s test speakers'
        $testSpeakers.Overlaps($trainSpeakers) | Should -BeFalse
        $testSpeakers.Count | Should -Be $Meta.counts.testSpeakers
        $voices = { param($ids) @($ids | ForEach-Object { $Meta.speakers[$_].voice } | Sort-Object -Unique) }
        & $voices $testSpeakers | Should -Be (& $voices $trainSpeakers)
        (& $voices $testSpeakers).Count | Should -Be $Meta.counts.voices
    }

    It 'has utterances of extra training speakers (speech-digits-extra.npz): new voice and variant pairs, each voice''s share, every digit once' {
        $extra = Import-NpyData -LiteralPath (Join-Path $DataFolder 'speech-digits-extra.npz') -AsHashtable
        $e = $Meta.counts.extraUtterances
        Get-ExtraFileProblem -Extra $extra -Meta $Meta | Should -BeNullOrEmpty
        $e | Should -Be ($Meta.counts.extraSpeakers * 10)
        Get-PaddingMismatch -X $extra['x'] -Lengths $extra['lengths'].ToArray() -Every 5 | Should -Be 0
        # Each voice has extraSpeakersPerVoice more speakers, none a voice and variant pair of the dataset's speakers.
        Get-ExtraSpeakerProblem -Meta $Meta | Should -BeNullOrEmpty
        foreach ($s in $Meta.extraSpeakers) {
            $s.family | Should -Be (@($Meta.speakers | Where-Object voice -EQ $s.voice)[0].family) -Because "an extra speaker of $($s.voice) is in its family"
        }
        # Rows run extra speaker by extra speaker, digit by digit: each says the ten digits once.
        $speaker = [int[]] $extra['speaker'].ToArray(); $y = [int[]] $extra['y'].ToArray(); $wrong = 0
        for ($k = 0; $k -lt $e; $k++) { if ($speaker[$k] -ne [Math]::Floor($k / 10) -or $y[$k] -ne $k % 10) { $wrong++ } }
        $wrong | Should -Be 0
        (Get-Item -LiteralPath (Join-Path $DataFolder 'speech-digits-extra.npz')).Length | Should -BeLessThan 6MB
    }

    It 'puts the extra speakers in training only, and leaves a held-out family''s extra speakers out with it' {
        . (Join-Path $PSScriptRoot '../../examples/speech-digits.common.ps1')
        $all = Import-SpeechDigits -Folder $DataFolder
        $n = $Meta.counts.utterances; $e = $Meta.counts.extraUtterances
        $all.X.Shape | Should -Be @(($n + $e), [Math]::Max($Meta.counts.maxFrames, $Meta.counts.extraMaxFrames), 13)
        @($all.Extra | Where-Object { $_ }).Count | Should -Be $e
        # An extra row holds its file's frames, then zeros: the row of the file, padded.
        $extra = Import-NpyData -LiteralPath (Join-Path $DataFolder 'speech-digits-extra.npz') -AsHashtable
        $k = $e - 1; $length = $extra['lengths'].GetValue($k)
        $all.Lengths[$n + $k] | Should -Be $length
        [double] $all.X.GetValue($n + $k, $length - 1, 3) | Should -Be ([double] $extra['x'].GetValue($k, $length - 1, 3))
        [double] $all.X.GetValue($n + $k, $length, 3) | Should -Be 0
        [double] $all.X.GetValue($n - 1, 0, 0) | Should -Be ([double] $Data['x'].GetValue($n - 1, 0, 0))
        $split = Get-SpeechDigitsSplit $all
        @($split.Test | Where-Object { $all.Extra[$_] }).Count | Should -Be 0
        $split.Test.Count | Should -Be $Meta.counts.testUtterances
        $split.Train.Count | Should -Be ($n - $Meta.counts.testUtterances + $e)
        $out = Get-SpeechDigitsSplit $all -HoldOutFamily Celtic-L1
        @($out.Train | Where-Object { $all.Family[$_] -eq 'Celtic-L1' }).Count | Should -Be 0 -Because 'no utterance of the held-out family trains'
        @($out.Test | Where-Object { $all.Extra[$_] }).Count | Should -Be 0
        $out.Test.Count | Should -Be (@($Meta.speakers | Where-Object family -EQ 'Celtic-L1').Count * 10)
        @($all.Family[$n..($n + $e - 1)] | Where-Object { $_ -eq 'Celtic-L1' }).Count | Should -Be (3 * 10 * $Meta.recipe.extraSpeakersPerVoice)
    }

    It 'gives, through Import-RnnAudio, the stored rows for its sample WAV files' {
        $files = @(Get-ChildItem -LiteralPath (Join-Path $DataFolder 'speech-digits-wav') -Recurse -Filter *.wav | Sort-Object FullName)
        $files.Count | Should -Be 20
        $imported = $files | Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Stack
        $imported.Classes | Should -Be @('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
        $renditions = $Meta.recipe.renditions
        $x = $Data['x']; $worst = 0.0
        for ($f = 0; $f -lt $files.Count; $f++) {
            # File names are <speaker>-<voice>-<variant>-r<rendition>.wav in the folder of their digit: that is the row.
            $null = $files[$f].Name -match '^(\d+)-.*-r(\d+)\.wav$'
            $digit = [int] $files[$f].Directory.Name
            $row = ([int] $Matches[1] * 10 + $digit) * $renditions + [int] $Matches[2] - 1
            $Data['y'].GetValue($row) | Should -Be $digit
            $Data['test'].GetValue($row) | Should -BeTrue -Because 'the sample files come from test speakers'
            $imported.Lengths[$f] | Should -Be $Data['lengths'].GetValue($row) -Because 'each utterance keeps its own frames'
            for ($step = 0; $step -lt $imported.Lengths[$f]; $step += 3) {
                for ($c = 0; $c -lt 13; $c++) {
                    $worst = [Math]::Max($worst, [Math]::Abs([double] $imported.X.GetValue($f, $step, $c) - [double] $x.GetValue($row, $step, $c)))
                }
            }
        }
        # float16 keeps 11 significant bits: normalized values of a few units round by at most ~0.004.
        $worst | Should -BeLessThan 0.01
    }
}
