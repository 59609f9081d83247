# Invoke-RnnTraining's callbacks (-OnEpochEnd, -OnBatchEnd) and logs (-LogPath: Keras's CSVLogger, -TensorBoardPath:
# Keras's TensorBoard). The event files are read back here by a reader of the TFRecord and protobuf formats of its own
# (the bytes themselves are checked against Google's protobuf in the engine tests, LogTests).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 40
    function New-Model { New-RnnModel -InputShape 6, 2 -Seed 3 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax }
    function Invoke-Quiet { param([scriptblock] $Script) & $Script 6>$null }

    # CRC-32C, bit by bit (polynomial 0x82F63B78 reflected), and TensorFlow's mask; in 64-bit integers, masked to 32.
    function Get-MaskedCrc([byte[]] $Bytes) {
        [long] $all = 4294967295
        [long] $crc = $all
        foreach ($b in $Bytes) {
            $crc = $crc -bxor $b
            for ($k = 0; $k -lt 8; $k++) { $crc = if ($crc -band 1) { ($crc -shr 1) -bxor 2197175160 } else { $crc -shr 1 } }
        }
        $crc = $crc -bxor $all
        [uint32] (((($crc -shr 15) -bor ($crc -shl 17)) -band $all) + 2726488792 -band $all)
    }

    function Read-Varint([byte[]] $Bytes, [ref] $At) {
        [uint64] $value = 0; $shift = 0
        do { $b = $Bytes[$At.Value++]; $value = $value -bor ([uint64] ($b -band 0x7F) -shl $shift); $shift += 7 } while ($b -band 0x80)
        $value
    }

    # The fields of one protobuf message: field number → value (varint, double/float bits as bytes, or bytes).
    function Read-Message([byte[]] $Bytes) {
        $fields = @{}
        $at = 0
        while ($at -lt $Bytes.Length) {
            $key = Read-Varint $Bytes ([ref] $at)
            $number = [int] ($key -shr 3)
            switch ([int] ($key -band 7)) {
                0 { $fields[$number] = Read-Varint $Bytes ([ref] $at) }
                1 { $fields[$number] = [BitConverter]::ToDouble($Bytes, $at); $at += 8 }
                5 { $fields[$number] = [BitConverter]::ToSingle($Bytes, $at); $at += 4 }
                2 { $length = [int] (Read-Varint $Bytes ([ref] $at)); $fields[$number] = [byte[]] $Bytes[$at..($at + $length - 1)]; $at += $length }
                default { throw "wire type $($key -band 7)" }
            }
        }
        $fields
    }

    # Every event of a file: WallTime, Step, and FileVersion or Tag and Value; the frame CRCs checked.
    function Read-Events([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $at = 0
        while ($at -lt $bytes.Length) {
            $lengthBytes = [byte[]] $bytes[$at..($at + 7)]
            $length = [int] [BitConverter]::ToUInt64($bytes, $at)
            [BitConverter]::ToUInt32($bytes, $at + 8) | Should -Be (Get-MaskedCrc $lengthBytes)
            $payload = [byte[]] $bytes[($at + 12)..($at + 11 + $length)]
            [BitConverter]::ToUInt32($bytes, $at + 12 + $length) | Should -Be (Get-MaskedCrc $payload)
            $at += 16 + $length
            $event = Read-Message $payload
            $result = [ordered]@{ WallTime = $event[1]; Step = [long] $event[2] }
            if ($event.Contains(3)) { $result.FileVersion = [Text.Encoding]::UTF8.GetString($event[3]) }
            if ($event.Contains(5)) {
                $value = Read-Message (Read-Message $event[5])[1]
                $result.Tag = [Text.Encoding]::UTF8.GetString($value[1])
                $result.Value = $value[2]
            }
            [pscustomobject] $result
        }
    }
}

Describe 'Invoke-RnnTraining -OnEpochEnd' {
    It 'runs once per epoch, in order, after the epoch''s figures (validation included) are known' {
        $model = New-Model
        $seen = [Collections.Generic.List[object]]::new()
        $models = [Collections.Generic.List[object]]::new()
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -BatchSize 16 -ValidationSplit 0.25 -Quiet -OnEpochEnd {
            param($record, $m)
            $seen.Add([pscustomobject] @{ Epoch = $record.Epoch; Loss = $record.Loss; Accuracy = $record.Accuracy; ValLoss = $record.ValLoss
                    ValAccuracy = $record.ValAccuracy; InHistory = $m.History.Count; LogsValLoss = $record.Logs['val_loss']; Rate = $record.Logs['learning_rate'] })
            $models.Add($m)
        } | Out-Null
        $seen.Epoch | Should -Be 1, 2, 3
        $seen.InHistory | Should -Be 1, 2, 3
        $seen.Loss | Should -Be $model.History.Loss
        $seen.Accuracy | Should -Be $model.History.Accuracy
        $seen.ValLoss | Should -Be $model.History.ValLoss
        $seen.ValAccuracy | Should -Be $model.History.ValAccuracy
        $seen.LogsValLoss | Should -Be $model.History.ValLoss
        $seen.Rate | Should -Be ([double] [float] 0.001), ([double] [float] 0.001), ([double] [float] 0.001)
        foreach ($m in $models) { [object]::ReferenceEquals($m, $model) | Should -BeTrue }
    }

    It 'runs in the caller''s scope: its variables, Write-Host and Export-RnnModel work inside; its output is discarded' {
        $model = New-Model
        $folder = Join-Path $TestDrive 'saved'
        $null = New-Item -ItemType Directory -Path $folder
        $prefix = 'seen'
        $all = $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -Quiet -OnEpochEnd {
            param($record, $m)
            Write-Host "$prefix $($record.Epoch)"
            $m | Export-RnnModel -LiteralPath (Join-Path $folder "epoch$($record.Epoch).safetensors")
            'output that goes nowhere'
            Write-Output 42
        } 6>&1
        @($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).MessageData.Message | Should -Be 'seen 1', 'seen 2'
        @($all | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] }) | Should -HaveCount 1
        @($all)[-1] | Should -Be $model
        (Get-ChildItem -LiteralPath $folder).Name | Should -Be 'epoch1.safetensors', 'epoch2.safetensors'
        Get-AllWeights (Import-RnnModel (Join-Path $folder 'epoch2.safetensors')) | Should -Be (Get-AllWeights $model)
    }

    It 'stops after the epoch that sets StopTraining, with its weights, and the flag does not outlive it' {
        $model = New-Model
        $weights = $null
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 5 -Quiet -OnEpochEnd {
            param($record, $m)
            if ($record.Epoch -eq 2) { $record.StopTraining = $true; $script:weights = Get-AllWeights $m }
        } | Out-Null
        $model.History.Count | Should -Be 2
        Get-AllWeights $model | Should -Be $script:weights
        $model.History[1].PSObject.Properties.Name | Should -Not -Contain 'StopTraining'
        # A later run, with a callback that never stops, trains all its epochs.
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -Quiet -OnEpochEnd { param($record) $null = $record.StopTraining } | Out-Null
        $model.History.Count | Should -Be 5
    }

    It 'stops on an exception with the last completed epoch''s weights, reported as the script''s own error' {
        $model = New-Model
        $script:atTwo = $null
        $err = { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 5 -Quiet -OnEpochEnd {
                param($record, $m)
                if ($record.Epoch -eq 2) {
                    $script:atTwo = Get-AllWeights $m
                    throw "callback failed at epoch $($record.Epoch)"
                }
            } } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'callback failed at epoch 2'
        $err.Exception.Message | Should -Be 'callback failed at epoch 2'
        $err.InvocationInfo.Line | Should -Match 'throw "callback failed'
        $model.History.Count | Should -Be 2
        Get-AllWeights $model | Should -Be $script:atTwo
    }

    It 'passes on a cmdlet''s terminating error inside it as that cmdlet''s' {
        $model = New-Model
        { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -OnEpochEnd { Get-Item (Join-Path $TestDrive 'missing') -ErrorAction Stop } } |
            Should -Throw -ErrorId 'PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand'
    }

    It 'writes its non-terminating errors to the error stream and trains on' {
        # The callback follows its own scope's preference (the suite runs with Stop, which would make them terminating).
        $ErrorActionPreference = 'Continue'
        $model = New-Model
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -Quiet -OnEpochEnd { param($record) Write-Error "note $($record.Epoch)" -ErrorId CallbackNote } -ErrorVariable errors -ErrorAction SilentlyContinue | Out-Null
        $errors.FullyQualifiedErrorId | Should -Be 'CallbackNote,PSRnn.Commands.InvokeRnnTrainingCommand', 'CallbackNote,PSRnn.Commands.InvokeRnnTrainingCommand'
        $model.History.Count | Should -Be 2
    }

    It 'cannot train the model again or change its layers, and the model stays whole' {
        $model = New-Model
        { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -Quiet -OnEpochEnd { param($r, $m) $m | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet } } |
            Should -Throw -ErrorId 'ModelInTraining,PSRnn.Commands.InvokeRnnTrainingCommand'
        { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -OnEpochEnd { param($r, $m) $m | Add-DenseLayer 2 } } |
            Should -Throw -ErrorId 'ModelInTraining,PSRnn.Commands.AddDenseLayerCommand'
        { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -OnEpochEnd { param($r, $m) $m.Layers.Clear() } } | Should -Throw
        $model.Layers.Count | Should -Be 2
        $model.History.Count | Should -Be 3
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet | Out-Null
        $model.History.Count | Should -Be 4
    }

    It 'predicts probabilities inside, as outside' {
        $model = New-Model
        $script:inside = $null
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -OnEpochEnd { param($r, $m) $script:inside = ($m | Invoke-RnnPrediction -X $data.X).Data } | Out-Null
        $script:inside | Should -Be ($model | Invoke-RnnPrediction -X $data.X).Data
    }

    It 'keeps the last completed epoch''s weights when Ctrl+C lands while it runs' {
        $model = New-Model
        $inCallback = [Threading.ManualResetEventSlim]::new()
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath, $Model, $X, $Y, $Signal)
                    Import-Module $ModulePath
                    $Model | Invoke-RnnTraining -X $X -Y $Y -Epochs 10 -Quiet -OnEpochEnd {
                        param($record)
                        if ($record.Epoch -eq 2) { $Signal.Set(); while ($true) { Start-Sleep -Milliseconds 20 } }
                    }
                }).AddArgument($ModulePath).AddArgument($model).AddArgument($data.X).AddArgument($data.Labels).AddArgument($inCallback)
            $null = $ps.BeginInvoke()
            $inCallback.Wait([TimeSpan]::FromMinutes(5)) | Should -BeTrue -Because 'the callback of epoch 2 runs'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $model.History.Count | Should -Be 2
        $reference = New-Model
        $reference | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -Quiet | Out-Null
        Get-AllWeights $model | Should -Be (Get-AllWeights $reference)
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet | Out-Null
        $model.History.Count | Should -Be 3
    }

    It 'takes only a script block' {
        $err = { New-Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -OnEpochEnd 'Write-Host hi' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        "$err" | Should -Match 'script block in braces'
    }
}

Describe 'Invoke-RnnTraining -OnBatchEnd' {
    It 'runs after every batch with Keras''s batch logs: the epoch''s loss and metrics so far' {
        $model = New-Model
        $seen = [Collections.Generic.List[object]]::new()
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -BatchSize 16 -Quiet -OnBatchEnd {
            param($progress, $m)
            $seen.Add([pscustomobject] @{ Epoch = $progress.Epoch; Batch = $progress.Batch; Batches = $progress.Batches; Loss = $progress.Logs['loss']; Accuracy = $progress.Logs['accuracy'] })
        } | Out-Null
        $seen.Epoch | Should -Be 1, 1, 1, 2, 2, 2
        $seen.Batch | Should -Be 1, 2, 3, 1, 2, 3
        $seen.Batches | Should -Be 3, 3, 3, 3, 3, 3
        $last = $seen | Where-Object Batch -EQ 3
        $last.Loss | Should -Be $model.History.Loss
        $last.Accuracy | Should -Be $model.History.Accuracy
    }

    It 'ends the epoch and the run after the batch that sets StopTraining, as Keras' {
        $model = New-Model
        $script:epochEnds = 0
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -BatchSize 10 -ValidationSplit 0.25 -Quiet `
            -OnBatchEnd { param($progress) if ($progress.Batch -eq 2) { $progress.StopTraining = $true } } -OnEpochEnd { $script:epochEnds++ } | Out-Null
        $model.History.Count | Should -Be 1
        $model.History[0].ValLoss | Should -Not -BeNullOrEmpty
        $model.Optimizer.Iterations | Should -Be 2
        $script:epochEnds | Should -Be 1
    }

    It 'runs once a batch with truncated BPTT' {
        $model = New-RnnModel -InputShape 0, 2 -Seed 3 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
        $script:count = 0
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -BatchSize 20 -TruncatedBptt 2 -Quiet -OnBatchEnd { $script:count++ } | Out-Null
        $script:count | Should -Be 2
    }
}

Describe 'Invoke-RnnTraining -LogPath' {
    It 'writes Keras''s CSVLogger file, equal to the History' {
        $model = New-Model
        $path = Join-Path $TestDrive 'run.csv'
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -ValidationSplit 0.25 -Quiet -LogPath $path | Out-Null
        $text = [IO.File]::ReadAllText($path)
        $text | Should -BeLike "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss`r`n0,*"
        $rows = Import-Csv -LiteralPath $path
        $rows.epoch | Should -Be '0', '1', '2'
        for ($i = 0; $i -lt 3; $i++) {
            $r = $model.History[$i]
            [double]::Parse($rows[$i].loss, [cultureinfo]::InvariantCulture) | Should -Be $r.Loss
            [double]::Parse($rows[$i].accuracy, [cultureinfo]::InvariantCulture) | Should -Be $r.Accuracy
            [double]::Parse($rows[$i].val_loss, [cultureinfo]::InvariantCulture) | Should -Be $r.ValLoss
            [double]::Parse($rows[$i].val_accuracy, [cultureinfo]::InvariantCulture) | Should -Be $r.ValAccuracy
            [double]::Parse($rows[$i].learning_rate, [cultureinfo]::InvariantCulture) | Should -Be ([double] $r.LearningRate)
        }
    }

    It 'writes NA for the validation columns without validation data, as Keras' {
        $path = Join-Path $TestDrive 'novalidation.csv'
        New-Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -LogPath $path | Out-Null
        $rows = @(Import-Csv -LiteralPath $path)
        ($rows[0].PSObject.Properties.Name -join ',') | Should -Be 'epoch,accuracy,learning_rate,loss,val_accuracy,val_learning_rate,val_loss'
        $rows[0].val_loss | Should -Be 'NA'
    }

    It 'refuses a missing folder, a folder, and a place it cannot write' {
        $model = New-Model
        { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -LogPath (Join-Path $TestDrive 'nofolder/run.csv') } |
            Should -Throw -ErrorId 'LogFolderNotFound,PSRnn.Commands.InvokeRnnTrainingCommand'
        { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -LogPath $TestDrive } |
            Should -Throw -ErrorId 'LogPathIsFolder,PSRnn.Commands.InvokeRnnTrainingCommand'
        if (-not $IsWindows -and (Test-Path -LiteralPath '/sys/kernel')) {
            { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -LogPath '/sys/kernel/psrnn-run.csv' } |
                Should -Throw -ErrorId 'LogWriteFailed,PSRnn.Commands.InvokeRnnTrainingCommand'
        }
        if (-not $IsWindows -and (Get-Command mkfifo -ErrorAction Ignore)) {
            $fifo = Join-Path $TestDrive 'pipe.csv'
            & mkfifo $fifo
            { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -LogPath $fifo } |
                Should -Throw -ErrorId 'FileNotRegular,PSRnn.Commands.InvokeRnnTrainingCommand'
        }
        $model.History.Count | Should -Be 0
    }
}

Describe 'Invoke-RnnTraining -TensorBoardPath' {
    It 'writes event files TensorBoard reads, with Keras''s tags, equal to the History' {
        $model = New-Model
        $folder = Join-Path $TestDrive 'tb'
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 3 -BatchSize 10 -ValidationSplit 0.25 -Quiet -TensorBoardPath $folder | Out-Null
        $train = @(Get-ChildItem -LiteralPath (Join-Path $folder 'train'))
        $validation = @(Get-ChildItem -LiteralPath (Join-Path $folder 'validation'))
        $train.Count | Should -Be 1
        $train[0].Name | Should -Match '^events\.out\.tfevents\.\d{10}\..+\.v2$'
        foreach ($file in $train[0], $validation[0]) {
            $events = @(Read-Events $file.FullName)
            $events[0].FileVersion | Should -Be 'brain.Event:2'
            $events[0].WallTime | Should -BeGreaterThan 1.6e9
        }
        $t = @(Read-Events $train[0].FullName | Select-Object -Skip 1)
        $v = @(Read-Events $validation[0].FullName | Select-Object -Skip 1)
        foreach ($i in 0..2) {
            $r = $model.History[$i]
            $at = @($t | Where-Object Step -EQ $i)
            ($at | Where-Object Tag -EQ 'epoch_loss').Value | Should -Be ([float] $r.Loss)
            ($at | Where-Object Tag -EQ 'epoch_accuracy').Value | Should -Be ([float] $r.Accuracy)
            ($at | Where-Object Tag -EQ 'epoch_learning_rate').Value | Should -Be $r.LearningRate
            $vat = @($v | Where-Object { $_.Step -eq $i -and $_.Tag -like 'epoch_*' })
            ($vat | Where-Object Tag -EQ 'epoch_loss').Value | Should -Be ([float] $r.ValLoss)
            ($vat | Where-Object Tag -EQ 'epoch_accuracy').Value | Should -Be ([float] $r.ValAccuracy)
        }
        # Keras's evaluation scalars, by optimizer step (3 batches an epoch).
        ($v | Where-Object Tag -EQ 'evaluation_loss_vs_iterations').Step | Should -Be 3, 6, 9
        @($t).Count | Should -Be 9
    }

    It 'refuses a file' {
        $file = Join-Path $TestDrive 'afile'
        Set-Content -LiteralPath $file -Value 'x'
        { New-Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Quiet -TensorBoardPath $file } |
            Should -Throw -ErrorId 'TensorBoardPathIsFile,PSRnn.Commands.InvokeRnnTrainingCommand'
    }
}

Describe 'Logs of an interrupted and resumed run' {
    It 'equal those of the run never interrupted, and so do the weights' {
        $whole = New-Model
        $wholeCsv = Join-Path $TestDrive 'whole.csv'
        $whole | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 4 -BatchSize 16 -ValidationSplit 0.25 -Quiet -LogPath $wholeCsv -TensorBoardPath (Join-Path $TestDrive 'wholetb') | Out-Null

        $stem = Join-Path $TestDrive 'cut'
        $cutCsv = Join-Path $TestDrive 'cut.csv'
        $cutTb = Join-Path $TestDrive 'cuttb'
        { New-Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 4 -BatchSize 16 -ValidationSplit 0.25 -Quiet -LogPath $cutCsv -TensorBoardPath $cutTb `
                -CheckpointPath $stem -OnEpochEnd { param($record) if ($record.Epoch -eq 2) { throw 'crash' } } } | Should -Throw
        (Import-Csv -LiteralPath $cutCsv).Count | Should -Be 2
        $resumed = Invoke-RnnTraining -X $data.X -Y $data.Labels -ResumeFrom "$stem.last.safetensors" -Quiet -LogPath $cutCsv -TensorBoardPath $cutTb
        [IO.File]::ReadAllBytes($cutCsv) | Should -Be ([IO.File]::ReadAllBytes($wholeCsv))
        Get-AllWeights $resumed | Should -Be (Get-AllWeights $whole)
        $scalars = { param($folder) Get-ChildItem -LiteralPath (Join-Path $folder 'train') | ForEach-Object { Read-Events $_.FullName } | Where-Object Tag | ForEach-Object { "$($_.Step) $($_.Tag) $($_.Value)" } }
        & $scalars $cutTb | Should -Be (& $scalars (Join-Path $TestDrive 'wholetb'))
    }
}
