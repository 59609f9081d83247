BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    . (Join-Path $PSScriptRoot 'ReliabilityProbes.ps1')

    # A folder no write may go to: a read-only folder, or where permissions do not stop this user (root), sysfs,
    # which refuses new files to everyone. Returns $null where neither is available.
    function Get-ReadOnlyFolder {
        $folder = Join-Path $TestDrive "read-only-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $folder
        if ($IsWindows) { return $null }
        [IO.File]::SetUnixFileMode($folder, [IO.UnixFileMode]::UserRead -bor [IO.UnixFileMode]::UserExecute)
        try { [IO.File]::WriteAllBytes((Join-Path $folder 'probe'), [byte[]]@()) } catch [UnauthorizedAccessException] { return $folder }
        Remove-Item -LiteralPath (Join-Path $folder 'probe')
        if (Test-Path -LiteralPath '/sys') { return '/sys' }
        $null
    }
}

Describe 'A process killed while writing' {
    # Each kill is a real SIGKILL of a child PowerShell that writes the target in a loop, after a random delay: the
    # target then reads as one complete version, a leftover temporary file (the kill landed inside a write) is hidden
    # and removed by the next write; a killed training run resumes from its last checkpoint. The long run
    # (tools/Invoke-Reliability.ps1) kills each writer 100 times.
    It 'leaves <Kind> files whole, at every kill' -ForEach @(
        @{ Kind = 'Model'; Expected = '^(A|B)$' }
        @{ Kind = 'Npy'; Expected = '^(A|B)$' }
        @{ Kind = 'Checkpoint'; Expected = '^epochs [1-9]\d*, resumed$' }
    ) {
        $folder = Join-Path $TestDrive "kill-$Kind"
        $null = New-Item -ItemType Directory -Path $folder
        $kills = @(Invoke-KillDuringWrite -Kind $Kind -Folder $folder -ModulePath $ModulePath -Times 3 -Seed 11)
        # A kill inside a write is the point of the test: if none of the first three landed in one, kill more.
        if (-not ($kills.LeftTempFile -contains $true)) {
            $kills += @(Invoke-KillDuringWrite -Kind $Kind -Folder $folder -ModulePath $ModulePath -Times 6 -Seed 12)
        }
        $kills.Content | Should -Match $Expected
        $kills.LeftTempFile | Should -Contain $true
        $kills.TempFileRemoved | Should -Not -Contain $false
    }
}

Describe 'Writing to a read-only folder' {
    It '<Command> fails with WriteAccessDenied and leaves no file' -ForEach @(
        @{ Command = 'Export-RnnModel'; Id = 'WriteAccessDenied,PSRnn.Commands.ExportRnnModelCommand' }
        @{ Command = 'Export-NpyData'; Id = 'WriteAccessDenied,PSRnn.Commands.ExportNpyDataCommand' }
        @{ Command = 'Invoke-RnnTraining -CheckpointPath'; Id = 'WriteAccessDenied,PSRnn.Commands.InvokeRnnTrainingCommand' }
    ) {
        $folder = Get-ReadOnlyFolder
        if (-not $folder) { Set-ItResult -Skipped -Because 'this system has no folder this user cannot write to'; return }
        $name = "psrnn-readonly-$([guid]::NewGuid().ToString('N'))"
        $data = New-ToyData -Count 8
        $model = New-RnnModel -InputShape 6, 2 -Seed 1 -Name $name | Add-GruLayer 3 | Add-DenseLayer 2 -Activation softmax
        $record = switch -Wildcard ($Command) {
            'Export-RnnModel' { { $model | Export-RnnModel -LiteralPath (Join-Path $folder "$name.safetensors") -ErrorAction Stop } }
            'Export-NpyData' { { Export-NpyData -LiteralPath (Join-Path $folder "$name.npy") -InputObject $data.X -ErrorAction Stop } }
            default { { $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -CheckpointPath $folder -ErrorAction Stop } }
        }
        $err = $record | Should -Throw -ErrorId $Id -PassThru
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$err" | Should -Match 'read-only'
        @(Get-ChildItem -LiteralPath $folder -Force -Filter "*$name*").Count | Should -Be 0
    }
}

Describe 'Ctrl+C at random moments of training' {
    It 'always leaves the model of the last completed epoch, usable' {
        $data = New-ToyData -Count 64
        $random = [Random]::new(5)
        $stoppedAt = foreach ($attempt in 1..5) {
            $model = New-RnnModel -InputShape 6, 2 -Seed 21 | Add-LstmLayer 8 | Add-DenseLayer 2 -Activation softmax
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($ModulePath, $Model, $X, $Y)
                        Import-Module $ModulePath
                        $Model | Invoke-RnnTraining -X $X -Y $Y -Epochs 100000 -BatchSize 8
                    }).AddArgument($ModulePath).AddArgument($model).AddArgument($data.X).AddArgument($data.OneHot)
                $null = $ps.BeginInvoke()
                # 0 to 1.5 s after the start: some stops land before the first epoch ends, most in the middle of one.
                Start-Sleep -Milliseconds ($random.Next(0, 1500))
                $ps.Stop()
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $ps.Dispose() }

            # Usable: it equals a model trained for exactly the epochs it completed (0: the initial weights), predicts
            # finite probabilities, and saves and loads.
            $epochs = $model.History.Count
            $reference = New-RnnModel -InputShape 6, 2 -Seed 21 | Add-LstmLayer 8 | Add-DenseLayer 2 -Activation softmax
            if ($epochs -gt 0) { $reference | Invoke-RnnTraining -X $data.X -Y $data.OneHot -Epochs $epochs -BatchSize 8 | Out-Null }
            Get-AllWeights $model | Should -Be (Get-AllWeights $reference)
            $p = Invoke-RnnPrediction -Model $model -X $data.X
            @($p.Data | Where-Object { -not [float]::IsFinite($_) }).Count | Should -Be 0
            $file = Join-Path $TestDrive "stopped-$attempt.safetensors"
            $model | Export-RnnModel -LiteralPath $file
            Get-AllWeights (Import-RnnModel -LiteralPath $file) | Should -Be (Get-AllWeights $model)
            $epochs
        }
        @($stoppedAt).Count | Should -Be 5
    }
}

Describe 'Determinism across processes and instruction sets' {
    BeforeAll {
        $script:folder = Join-Path $TestDrive 'determinism'
        $null = New-Item -ItemType Directory -Path $folder
        $script:first = Invoke-TrainingInChild -Folder $folder -ModulePath $ModulePath -Name first
    }

    It 'gives the same bits in two fresh processes' {
        $second = Invoke-TrainingInChild -Folder $folder -ModulePath $ModulePath -Name second
        $second.Weights | ForEach-Object { [BitConverter]::SingleToInt32Bits($_) } |
            Should -Be ($first.Weights | ForEach-Object { [BitConverter]::SingleToInt32Bits($_) })
        $second.Loss | Should -Be $first.Loss
    }

    # What a machine with a narrower instruction set runs: the whole runtime (GEMM, TensorPrimitives, optimizer) without
    # AVX-512 (Vector256 paths: the same bits), or with no SIMD at all (scalar paths: within float rounding, measured
    # 7.8e-8 after 10 epochs). Stated tolerance after 3 epochs: 1e-5 on every weight, 1e-6 on the loss. The long run
    # (tools/Invoke-Reliability.ps1) adds AVX2 off (Vector128) and one processor.
    It 'agrees within tolerance with <Name>' -ForEach @(
        @{ Name = 'no AVX-512'; Environment = @{ DOTNET_EnableAVX512 = '0'; DOTNET_EnableAVX512F = '0' } }
        @{ Name = 'no SIMD'; Environment = @{ DOTNET_EnableHWIntrinsic = '0' } }
    ) {
        $narrow = Invoke-TrainingInChild -Folder $folder -ModulePath $ModulePath -Name ($Name -replace '\W', '') -Environment $Environment
        $worst = 0.0
        for ($i = 0; $i -lt $first.Weights.Count; $i++) { $worst = [Math]::Max($worst, [Math]::Abs($first.Weights[$i] - $narrow.Weights[$i])) }
        $worst | Should -BeLessOrEqual 1e-5
        [Math]::Abs($first.Loss - $narrow.Loss) | Should -BeLessOrEqual 1e-6
    }
}
