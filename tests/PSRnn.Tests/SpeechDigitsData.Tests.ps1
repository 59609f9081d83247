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
