# Smoke tests: every example runs to the end with -Quick and prints what it promises, so examples cannot rot. Each runs
# as a user runs it, in a PowerShell of its own (its output redirected, as in a CI log): what it prints, by Write-Host or
# Out-Host, is what the test reads and none of it reaches the test run's own output.
# examples/pytorch-parity needs Debian's python3-torch, which a fresh machine lacks: it is a measurement, run by hand.
# To add an example, add an entry: its script (under examples/), arguments, and patterns its output must match.
# An argument given as '<TestDrive>' becomes a fresh folder under Pester's TestDrive (removed after the run).
BeforeDiscovery {
    $examples = @(
        @{
            Script    = 'speech-digits.ps1'
            # The example writes its model and PNG; keep them in Pester's TestDrive.
            Arguments = @{ Quick = $true; OutputFolder = '<TestDrive>' }
            Expect    = @('by 80 speakers never heard in training', '32 espeak-ng voices in 10 accent families',
                '\+ [\d,]+ of 512 extra training speakers \(tools/make-speech-digits\.ps1\)',
                'utterances of \d+-\d+ frames \(mean \d+\), zero-padded after the speech to \d+',
                'Masking -> SpecAugment\(.*\) -> Bidirectional GRU\(64, return_sequences\)',
                'Epoch 2/2 - \S+ - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}', 'Held-out accuracy \(speakers never heard in training\): \d+(\.\d)? %',
                'Family\s+Utterances\s+Accuracy', 'Uralic-Baltic-L1\s+\d+\s+\d+(\.\d)? %',
                'Saved the model to .*speech-digits\.safetensors', 'Saved the training curves to .*speech-digits-training\.png',
                'Saved the confusion matrix to .*speech-digits-confusion\.png', 'done in')
        }
        @{
            # Leave one accent family out, quick: two families (the first and the last), one epoch each, and the table.
            Script    = 'speech-digits.ps1'
            Arguments = @{ Quick = $true; LeaveOneAccentOut = $true; OutputFolder = '<TestDrive>' }
            Expect    = @('Held-out accuracy', 'Leave one accent family out: 2 trainings of 1 epochs',
                '\| held-out family \| voices \| speakers \| utterances \| accuracy \|',
                '\| British \| en-gb en-gb-x-rp \| 48 \| \d+ \| \d+(\.\d)? % \|',
                '\| Uralic-Baltic-L1 \| fi hu et lv lt \| 50 \| \d+ \| \d+(\.\d)? % \|',
                '\| \*\*mean\*\* \| \| \| \| \*\*\d+(\.\d)? %\*\* \|', '\| \*\*worst\*\* \((British|Uralic-Baltic-L1)\)', 'done in')
        }
        @{
            Script    = 'timeseries-forecast.ps1'
            Arguments = @{ Quick = $true }
            Expect    = @('Test MAE: LSTM \d+\.\d+ °C, naive last value \d+\.\d+ °C', 'The LSTM beats the naive forecast', 'hour\s+last\s+forecast\s+actual', 'done in')
        }
        @{
            Script    = 'log-lines.ps1'
            Arguments = @{ Quick = $true; ModelPath = (Join-Path ([IO.Path]::GetTempPath()) "log-lines-smoke-$PID.safetensors") }
            Expect    = @('600 log lines', 'Vocabulary of \d+ tokens', 'Held-out accuracy: \d+(\.\d)? %', 'the loaded model reads raw lines', '(error|warning|info)\s+[01]\.\d{3}\s+disk full on /dev/sda1', 'done in')
        }
        @{
            Script    = 'char-lm.ps1'
            Arguments = @{ Quick = $true }
            Expect    = @('vocabulary of \d+', 'sample \(temperature 0\.8\):', 'the white rabbit .{20,}', 'done in')
        }
        @{
            Script    = 'streaming-monitor.ps1'
            Arguments = @{ Quick = $true }
            Expect    = @('A record of [\d,]+ readings', 'Trained \d+ epochs on \d+ windows', 'step\s+[\d,]+\s+t =\s+[\d.]+ s\s+p = [01]\.\d\d',
                'restarted at step [\d,]+: state gru\.h carried over', 'Events: \d+ of \d+ detected, \d+ missed, \d+ false alarms',
                'Real-time factor: .* times faster than real time', 'done in')
        }
        @{
            Script    = 'numpy-roundtrip.ps1'
            Arguments = @{ Utterances = 60; OutFolder = '<TestDrive>' }
            Expect    = @('Features identical after the round trip: True', 'Held-out utterances per class: (\d+ ){9}\d+')
        }
        @{
            # The seed's Keras script on 62 × 2 stand-in utterances of 22,050 samples: the full pipeline, small.
            Script    = 'seed-port.ps1'
            Arguments = @{ DataFolder = '<TestDrive>'; SamplesPerClass = 2 }
            Expect    = @('Test accuracy: \d', 'whole script')
        }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $examplesFolder = Join-Path $PSScriptRoot '../../examples'
}

Describe 'examples/<Script>' -ForEach $examples {
    It 'runs on a reduced size and prints what it should' {
        $path = Join-Path $examplesFolder $Script
        $Arguments = $Arguments.Clone()
        foreach ($key in @($Arguments.Keys)) {
            if ($Arguments[$key] -is [string] -and $Arguments[$key] -eq '<TestDrive>') { $Arguments[$key] = Join-Path $TestDrive ([guid]::NewGuid().ToString('n')) }
        }
        $run = Invoke-ScriptFile ('$arguments = ''{0}'' | ConvertFrom-Json -AsHashtable; & ''{1}'' @arguments' -f
            (($Arguments | ConvertTo-Json -Compress) -replace "'", "''"), ($path -replace "'", "''"))
        $run.ExitCode | Should -Be 0 -Because $run.Text
        foreach ($pattern in $Expect) { $run.Text | Should -Match $pattern }
    }
}

Describe 'examples/digit-strings.ps1' {
    It 'trains a CTC recognizer with -Quick, prints its digit error rates and transcriptions, and saves a model that reads WAV files through its recipe' {
        $folder = Join-Path $TestDrive 'digit-strings'
        $script = Join-Path $examplesFolder 'digit-strings.ps1'
        $run = Invoke-ScriptFile ("& '{0}' -Quick -SplicedStrings 2 -OutputFolder '{1}'" -f ($script -replace "'", "''"), ($folder -replace "'", "''"))
        $run.ExitCode | Should -Be 0 -Because $run.Text
        foreach ($pattern in @('2,592 strings of 1-7 digits by 432 speakers: \d+ to train \(\d+ speakers\), \d+ to validate \(\d+ speakers\), \d+ to test, by \d+ speakers never heard in training',
                '\+ \d+ echoed copies of training speakers'' strings', '\+ \d+ strings of 512 extra training speakers',
                '\+ \d+ strings spliced from the isolated words of the \d+ training speakers \(\d+ each, \d+ digits\)',
                'Bidirectional GRU\(128, return_sequences\) x 2 -> Dense\(11, softmax\) at every step; CTC loss \(blank 0\); 1 epochs of batches of 16, AdamW \(weight decay 0.05\)',
                'Epoch 1/1 - \S+ - loss: \d+\.\d{4} - val_loss: \d+\.\d{4} - val_error_rate: \d\.\d{4}',
                'Digit error rate on the validation speakers: \d+(\.\d)? % of \d+ digits',
                'Digit error rate on the unseen speakers: \d+(\.\d)? % of \d+ digits in \d+ strings',
                'Strings transcribed exactly \(greedy\): \d+ of \d+', 'Speaker\s+Reference\s+Greedy\s+Beam', 'Some of the \d+ strings with an error:',
                '0226-200\.wav: heard ', 'The 6 sample WAV files, read through the model''s recipe: \d of 6 strings right',
                'Saved the model to .*digit-strings\.safetensors', 'Saved the training curves to .*digit-strings-training\.png', 'done in')) {
            $run.Text | Should -Match $pattern
        }
        # The saved model keeps its CTC loss and its audio recipe: WAV files go to it as they are, and it decodes them.
        $model = Import-RnnModel -LiteralPath (Join-Path $folder 'digit-strings.safetensors')
        $model.Loss.KerasName | Should -Be 'ctc'
        $model.OutputShape.Features | Should -Be 11
        $model.AudioRecipe.FeatureCount | Should -Be 26 -Because 'two 13-MFCC frames a step'
        $model.AudioRecipe.Options.StackFrames | Should -Be 2
        $model.AudioRecipe.Options | Should -Match 'TrimSilence'
        $files = @(Get-ChildItem -LiteralPath (Join-Path $examplesFolder 'data/digit-strings-wav') -Filter *.wav | Sort-Object Name)
        $heard = $files | Import-RnnAudio -Model $model -Stack
        $stored = $files | Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -StackFrames 2 -Stack
        $heard.Lengths | Should -Be $stored.Lengths
        [float[]] $heard.X.Data | Should -Be ([float[]] $stored.X.Data)
        $decoded = @($model | Invoke-RnnPrediction -X $heard.X -Decode Greedy -ClassNames (0..9))
        $decoded.Count | Should -Be 6
        foreach ($d in $decoded) { $d.Text | Should -Match '^\d*$' }
        (Get-Item -LiteralPath (Join-Path $folder 'digit-strings-training.png')).Length | Should -BeGreaterThan 1000
    }
}

Describe 'tools/Measure-AccentHoldout.ps1' {
    It 'writes the leave-one-accent-out table: a row a held-out family, then the mean and the worst, as Markdown and CSV' {
        $folder = Join-Path $TestDrive 'accent-holdout'
        $tool = Join-Path $PSScriptRoot '../../tools/Measure-AccentHoldout.ps1'
        $run = Invoke-ScriptFile ("& '{0}' -Quick -Family Scottish, Celtic-L1 -OutputFolder '{1}' | Out-Null" -f ($tool -replace "'", "''"), ($folder -replace "'", "''"))
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $meta = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../../examples/data/speech-digits.json') -Raw | ConvertFrom-Json
        $rows = @(Import-Csv -LiteralPath (Join-Path $folder 'accent-holdout.csv'))
        $rows.Family | Should -Be @('Scottish', 'Celtic-L1')
        ($rows[0].PSObject.Properties.Name -join ',') | Should -Be 'Family,Voices,Speakers,Utterances,Accuracy,Seconds'
        foreach ($r in $rows) {
            $speakers = @($meta.speakers | Where-Object family -EQ $r.Family)
            [int] $r.Speakers | Should -Be $speakers.Count
            $r.Voices | Should -Be ((@($speakers.voice | Select-Object -Unique)) -join ' ')
            # -Quick tests every 7th utterance of the family: all of its speakers' rows, one in seven.
            [int] $r.Utterances | Should -BeGreaterThan ($speakers.Count * 10 / 7 - 2)
            [int] $r.Utterances | Should -BeLessThan ($speakers.Count * 10 / 7 + 2)
            [double] $r.Accuracy | Should -BeGreaterOrEqual 0
            [double] $r.Accuracy | Should -BeLessOrEqual 1
        }
        $md = @(Get-Content -LiteralPath (Join-Path $folder 'accent-holdout.md'))
        $md[0] | Should -Be '| held-out family | voices | speakers | utterances | accuracy |'
        $md[2] | Should -Match '^\| Scottish \| en-gb-scotland \| 24 \| \d+ \| \d+(\.\d)? % \|$'
        $md[3] | Should -Match '^\| Celtic-L1 \| cy ga gd \| 30 \| '
        $mean = ([double] $rows[0].Accuracy + [double] $rows[1].Accuracy) / 2
        $md[4] | Should -Be ('| **mean** | | | | **{0:p1}** |' -f $mean)
        $worst = $rows | Sort-Object { [double] $_.Accuracy } | Select-Object -First 1
        $md[5] | Should -Be ('| **worst** ({0}) | | | | **{1:p1}** |' -f $worst.Family, [double] $worst.Accuracy)
        $md[-1] | Should -Match '^\d{4}-\d\d-\d\d, .* \(\d+ cores\), `tools/Measure-AccentHoldout\.ps1 -Quick -Family Scottish, Celtic-L1`: 1 epochs a run'
    }
}
