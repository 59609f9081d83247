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
            Expect    = @('by 20 speakers never heard in training', 'utterances of \d+-\d+ frames \(mean \d+\), zero-padded after the speech to \d+',
                'Masking -> LSTM\(128, return_sequences\)',
                'Epoch 2/2 - \S+ - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}', 'Held-out accuracy \(speakers never heard in training\): \d+(\.\d)? %',
                'Saved the model to .*speech-digits\.safetensors', 'Saved the training curves to .*speech-digits-training\.png',
                'Saved the confusion matrix to .*speech-digits-confusion\.png', 'done in')
        }
        @{
            Script    = 'timeseries-forecast.ps1'
            Arguments = @{ Quick = $true }
            Expect    = @('Test MAE: LSTM \d+\.\d+ °C, naive last value \d+\.\d+ °C', 'The LSTM beats the naive forecast', 'hour\s+last\s+forecast\s+actual', 'done in')
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
