# The embedded connected-digits dataset (examples/data/digit-strings.*, made by tools/make-digit-strings.ps1): its
# arrays are what the JSON beside them says, its CTC labels are the JSON's strings, its split is speaker-disjoint with the
# word set's speakers, and its sample WAV files give the stored rows through Import-RnnAudio.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:DataFolder = Join-Path $PSScriptRoot '../../examples/data'
    $script:Data = Import-NpyData -LiteralPath (Join-Path $DataFolder 'digit-strings.npz') -AsHashtable
    $script:Meta = Get-Content -LiteralPath (Join-Path $DataFolder 'digit-strings.json') -Raw | ConvertFrom-Json
    # How many rows of the flat (N × width) labels y are not their string's CTC labels (digit + 1, zeros after), or have
    # a string that is not 1-7 digits, not of its -Digits length or too short for its -Lengths (4 frames a digit).
    function script:Get-CtcLabelMismatch([sbyte[]] $Y, [int] $Width, [object[]] $Labels, [int[]] $Digits, [int[]] $Lengths) {
        $wrong = 0
        for ($i = 0; $i -lt $Y.Length / $Width; $i++) {
            $s = [string] $Labels[$i]
            if ($s -notmatch '^\d{1,7}$' -or ($Digits -and $s.Length -ne $Digits[$i]) -or ($Lengths -and $Lengths[$i] -lt 4 * $s.Length)) { $wrong++; continue }
            for ($c = 0; $c -lt $Width; $c++) {
                $expected = if ($c -lt $s.Length) { 1 + [int] "$($s[$c])" } else { 0 }
                if ($Y[$i * $Width + $c] -ne $expected) { $wrong++ }
            }
        }
        $wrong
    }
}

Describe 'The embedded connected-digits dataset' {
    It 'holds x (N, T, 13) float16, lengths int16, y (N, 7) int8, digits int8, speaker int16, a bool test mask, noise and snr int8, as its JSON says' {
        $n = $Meta.counts.utterances
        $n | Should -Be (432 * $Meta.recipe.stringsPerSpeaker)
        @($Data.Keys | Sort-Object) | Should -Be @('digits', 'lengths', 'noise', 'snr', 'speaker', 'test', 'x', 'y')
        $Data['x'].DType | Should -Be 'Float16'
        $Data['x'].Shape | Should -Be @($n, $Meta.counts.maxFrames, 13)
        $Meta.arrays.x | Should -Match "^float16 \(N, $($Meta.counts.maxFrames), 13\)"
        $Data['lengths'].DType | Should -Be 'Int16'
        $Data['lengths'].Shape | Should -Be @($n)
        $Data['y'].DType | Should -Be 'Int8'
        $Data['y'].Shape | Should -Be @($n, $Meta.recipe.maxDigits)
        $Meta.arrays.y | Should -Match "^int8 \(N, $($Meta.recipe.maxDigits)\)"
        foreach ($name in 'digits', 'noise', 'snr') { $Data[$name].DType | Should -Be 'Int8'; $Data[$name].Shape | Should -Be @($n) }
        $Data['speaker'].DType | Should -Be 'Int16'
        $Data['speaker'].Shape | Should -Be @($n)
        $Data['test'].DType | Should -Be 'Bool'
        $Data['test'].Shape | Should -Be @($n)
        @($Meta.labels).Count | Should -Be $n
        $Meta.classes | Should -Be @('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
        $Meta.words | Should -Be @('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')
        @($Meta.speakers).Count | Should -Be $Meta.counts.speakers
        @($Meta.speakers.id) | Should -Be @(0..($Meta.counts.speakers - 1))
        (Get-Item -LiteralPath (Join-Path $DataFolder 'digit-strings.npz')).Length | Should -BeLessThan 10MB
    }

    It 'has lengths that match the JSON counts, and enough frames for CTC to align every string' {
        $lengths = [int[]] $Data['lengths'].ToArray(); $digits = [int[]] $Data['digits'].ToArray()
        $frames = $lengths | Measure-Object -Minimum -Maximum -Average
        $frames.Maximum | Should -Be $Meta.counts.maxFrames -Because 'x is padded to the longest utterance'
        $frames.Minimum | Should -Be $Meta.counts.minFrames
        [Math]::Round($frames.Average, 1) | Should -Be $Meta.counts.meanFrames
        ($digits | Measure-Object -Sum).Sum | Should -Be $Meta.counts.digits
        $tooShort = 0
        for ($i = 0; $i -lt $lengths.Length; $i++) {
            # L labels with r adjacent repeats need L + r frames; a digit takes far more than one 10 ms frame.
            $s = $Meta.labels[$i]; $need = $s.Length
            for ($c = 1; $c -lt $s.Length; $c++) { if ($s[$c] -eq $s[$c - 1]) { $need++ } }
            if ($lengths[$i] -lt [Math]::Max($need, 4 * $s.Length)) { $tooShort++ }
        }
        $tooShort | Should -Be 0
    }

    It 'stores each JSON string as CTC labels: digit + 1, zero-padded after the string, its length in digits' {
        $y = [sbyte[]] $Data['y'].Data; $digits = [int[]] $Data['digits'].ToArray(); $width = $Data['y'].Shape[1]
        Get-CtcLabelMismatch -Y $y -Width $width -Labels $Meta.labels -Digits $digits | Should -Be 0
        $labels = $y | Measure-Object -Minimum -Maximum
        @($labels.Minimum, $labels.Maximum) | Should -Be @(0, 10) -Because 'labels 1..10 are the digits, 0 the blank (padding)'
        @($digits | Sort-Object -Unique) | Should -Be @(1..$Meta.recipe.maxDigits) -Because 'every length 1..7 occurs'
        # Digits drawn uniformly: each of the ten within a generous band around a tenth of all digits.
        $all = -join $Meta.labels
        foreach ($g in ($all.ToCharArray() | Group-Object)) { $g.Count | Should -BeGreaterThan ($all.Length / 10 * 0.8) -Because "digit $($g.Name)" }
        @($all.ToCharArray() | Sort-Object -Unique).Count | Should -Be 10
    }

    It 'pads each utterance after its speech with zero frames that a masking layer finds, and no real frame is all zeros' {
        Get-PaddingMismatch -X $Data['x'] -Lengths $Data['lengths'].ToArray() -Every 5 | Should -Be 0
    }

    It 'gives each speaker its strings in turn, noise and SNR from the recipe' {
        $speaker = [int[]] $Data['speaker'].ToArray(); $per = $Meta.recipe.stringsPerSpeaker
        $wrong = 0
        for ($i = 0; $i -lt $speaker.Length; $i++) { if ($speaker[$i] -ne [Math]::Floor($i / $per)) { $wrong++ } }
        $wrong | Should -Be 0
        @($Data['noise'].ToArray() | Sort-Object -Unique) | Should -Be @(0..($Meta.recipe.noises.Count - 1))
        $snr = @($Data['snr'].ToArray() | Sort-Object -Unique)
        @($snr | Where-Object { $_ -notin $Meta.recipe.snrDb }).Count | Should -Be 0
    }

    It 'has echoed copies (digit-strings-echo.npz) of training speakers'' strings only, each with its source''s labels and an echo in the recipe''s ranges' {
        $echo = Import-NpyData -LiteralPath (Join-Path $DataFolder 'digit-strings-echo.npz') -AsHashtable
        $c = $Meta.counts.echoCopies
        @($echo.Keys | Sort-Object) | Should -Be @('echo', 'lengths', 'source', 'x', 'y')
        $echo['x'].DType | Should -Be 'Float16'
        $echo['x'].Shape | Should -Be @($c, $Meta.counts.echoMaxFrames, 13)
        $echo['lengths'].DType | Should -Be 'Int16'
        ($echo['lengths'].ToArray() | Measure-Object -Maximum).Maximum | Should -Be $Meta.counts.echoMaxFrames
        $echo['y'].Shape | Should -Be @($c, $Meta.recipe.maxDigits)
        $echo['source'].DType | Should -Be 'Int16'
        $echo['echo'].DType | Should -Be 'Float16'
        $echo['echo'].Shape | Should -Be @($c, 2)
        Get-PaddingMismatch -X $echo['x'] -Lengths $echo['lengths'].ToArray() -Every 5 | Should -Be 0
        $source = [int[]] $echo['source'].ToArray(); $speaker = [int[]] $Data['speaker'].ToArray(); $test = [bool[]] $Data['test'].ToArray()
        $y = [sbyte[]] $Data['y'].Data; $ey = [sbyte[]] $echo['y'].Data; $width = $Meta.recipe.maxDigits
        $wrong = 0; $last = -1
        for ($k = 0; $k -lt $c; $k++) {
            $r = $source[$k]
            # Ascending sources, each a row of a training speaker (neither test nor validation), its labels copied.
            if ($r -le $last -or $r -ge $Meta.counts.utterances -or $test[$r] -or $speaker[$r] % $Meta.recipe.validationEvery -eq 0) { $wrong++ }
            $last = $r
            for ($i = 0; $i -lt $width; $i++) { if ($ey[$k * $width + $i] -ne $y[$r * $width + $i]) { $wrong++ } }
            $ms = [double] $echo['echo'].GetValue($k, 0); $gain = [double] $echo['echo'].GetValue($k, 1)
            if ($ms -lt $Meta.recipe.echoDelayMs[0] -or $ms -gt $Meta.recipe.echoDelayMs[1] -or $ms -ne [Math]::Round($ms)) { $wrong++ }
            # float16 rounds the gain by at most 2^-12 of it.
            if ($gain -lt $Meta.recipe.echoGain[0] * 0.999 -or $gain -gt $Meta.recipe.echoGain[1] * 1.001) { $wrong++ }
        }
        $wrong | Should -Be 0
        # Each eligible string is copied with probability echoShare: the count within four standard deviations of it.
        $eligible = @(for ($i = 0; $i -lt $speaker.Length; $i++) { if (-not $test[$i] -and $speaker[$i] % $Meta.recipe.validationEvery -ne 0) { $i } }).Count
        $p = $Meta.recipe.echoShare
        [Math]::Abs($c - $p * $eligible) | Should -BeLessThan (4 * [Math]::Sqrt($eligible * $p * (1 - $p)))
        (Get-Item -LiteralPath (Join-Path $DataFolder 'digit-strings-echo.npz')).Length | Should -BeLessThan 4MB
    }

    It 'has strings of extra training speakers (digit-strings-extra.npz): new voice and variant pairs, each voice''s share, labels as the JSON''s' {
        $extra = Import-NpyData -LiteralPath (Join-Path $DataFolder 'digit-strings-extra.npz') -AsHashtable
        $e = $Meta.counts.extraUtterances; $per = $Meta.recipe.extraStringsPerSpeaker
        Get-ExtraFileProblem -Extra $extra -Meta $Meta | Should -BeNullOrEmpty
        $extra['y'].Shape | Should -Be @($e, $Meta.recipe.maxDigits)
        $e | Should -Be ($Meta.counts.extraSpeakers * $per)
        @($Meta.extraLabels).Count | Should -Be $e
        Get-PaddingMismatch -X $extra['x'] -Lengths $extra['lengths'].ToArray() -Every 5 | Should -Be 0
        # Each voice has extraSpeakersPerVoice more speakers, none a voice and variant pair of the dataset's speakers.
        Get-ExtraSpeakerProblem -Meta $Meta | Should -BeNullOrEmpty
        # Each extra speaker's strings in turn, stored as CTC labels of the JSON's strings, long enough to align.
        $speaker = [int[]] $extra['speaker'].ToArray(); $y = [sbyte[]] $extra['y'].Data; $lengths = [int[]] $extra['lengths'].ToArray()
        @(for ($k = 0; $k -lt $e; $k++) { if ($speaker[$k] -ne [Math]::Floor($k / $per)) { $k } }).Count | Should -Be 0
        Get-CtcLabelMismatch -Y $y -Width $Meta.recipe.maxDigits -Labels $Meta.extraLabels -Lengths $lengths | Should -Be 0
        (Get-Item -LiteralPath (Join-Path $DataFolder 'digit-strings-extra.npz')).Length | Should -BeLessThan 6MB
    }

    It 'splits by speaker: no test speaker is heard in training, every voice is in both parts, and the speakers are the word set''s' {
        $split = Get-SpeakerSplit -Speaker $Data['speaker'].ToArray() -Test $Data['test'].ToArray() -Speakers $Meta.speakers
        $trainSpeakers = $split.Train; $testSpeakers = $split.Test
        $split.Disagree | Should -Be 0 -Because 'the mask marks exactly the JSON''s test speakers'
        $testSpeakers.Overlaps($trainSpeakers) | Should -BeFalse
        $testSpeakers.Count | Should -Be $Meta.counts.testSpeakers
        @($Data['test'].ToArray() | Where-Object { $_ }).Count | Should -Be $Meta.counts.testUtterances
        $voices = { param($ids) @($ids | ForEach-Object { $Meta.speakers[$_].voice } | Sort-Object -Unique) }
        & $voices $testSpeakers | Should -Be (& $voices $trainSpeakers)
        (& $voices $testSpeakers).Count | Should -Be $Meta.counts.voices
        @($Meta.speakers.family | Sort-Object -Unique) | Should -Be @($Meta.families | Sort-Object)
        # tools/make-digit-strings.ps1 deals the word set's speakers: speaker k is the same voice and variant, held out in both.
        $words = Get-Content -LiteralPath (Join-Path $DataFolder 'speech-digits.json') -Raw | ConvertFrom-Json
        $differ = 0
        for ($k = 0; $k -lt $Meta.speakers.Count; $k++) {
            $a = $Meta.speakers[$k]; $b = $words.speakers[$k]
            if ($a.voice -ne $b.voice -or $a.variant -ne $b.variant -or $a.family -ne $b.family -or $a.test -ne $b.test) { $differ++ }
        }
        $differ | Should -Be 0
    }

    It 'gives, through Import-RnnAudio, the stored rows for its sample WAV files' {
        $files = @(Get-ChildItem -LiteralPath (Join-Path $DataFolder 'digit-strings-wav') -Filter *.wav | Sort-Object Name)
        $files.Count | Should -Be 6
        $imported = $files | Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack
        $x = $Data['x']; $worst = 0.0
        for ($f = 0; $f -lt $files.Count; $f++) {
            # File names are <row>-<digits>.wav.
            $files[$f].Name -match '^(\d{4})-(\d{1,7})\.wav$' | Should -BeTrue
            $row = [int] $Matches[1]
            $Meta.labels[$row] | Should -Be $Matches[2]
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
