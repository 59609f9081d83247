# Issue 12, items 3, 6, 7, 8, 12 and 13 through the cmdlets: what PSRnn refuses from an untrusted file or path, each
# with its stable ErrorId (the xunit suite, tests/PSRnn.Engine.Tests/Security, covers every reader and writer and the
# cost bounds). FIFOs, device nodes, sockets and symbolic links are Unix things: those tests are skipped on Windows.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # Runs a script block in a thread job and fails (instead of hanging the suite) when it does not finish in 10 s;
    # a FIFO that blocked would then be released by opening its other end.
    function Invoke-Bounded {
        param([scriptblock] $Script, [object[]] $ArgumentList = @(), [string] $Release)
        $job = Start-ThreadJob -ScriptBlock $Script -ArgumentList $ArgumentList
        try {
            if (-not (Wait-Job $job -Timeout 10)) {
                if ($Release) { $w = [IO.File]::Open($Release, 'Open', 'ReadWrite'); $w.Dispose() }
                throw 'the cmdlet blocked for more than 10 s'
            }
            Receive-Job $job
        }
        finally { Remove-Job $job -Force }
    }

    function New-Fifo([string] $Path) { & mkfifo $Path; if ($LASTEXITCODE) { throw "mkfifo failed" }; $Path }

    # A character device node equal to /dev/null when this user may make one (root), else the real /dev/null, which
    # such a user cannot replace either.
    function New-CharacterDevice([string] $Path) {
        & mknod $Path c 1 3 2>$null
        if ($LASTEXITCODE) { return '/dev/null' }
        $Path
    }

    # What the path itself is, as stat says it (links not followed): 'fifo', 'character special file', 'symbolic link', ...
    function Get-NodeType([string] $Path) { & stat -c '%F' -- $Path }

    # A RIFF/WAVE file: one channel of <Bits>-bit samples at <Rate> Hz, format tag 1 (PCM) or 3 (float).
    function New-Wav {
        param([string] $Path, [long] $Rate, [int] $Tag = 1, [int] $Bits = 16, [byte[]] $Data)
        $le32 = { param($v) [BitConverter]::GetBytes([uint32] $v) }
        $le16 = { param($v) [BitConverter]::GetBytes([uint16] $v) }
        $ascii = { param($s) [Text.Encoding]::ASCII.GetBytes($s) }
        $block = $Bits / 8
        $bytes = (& $ascii 'RIFF') + (& $le32 (36 + $Data.Length)) + (& $ascii 'WAVEfmt ') + (& $le32 16) +
            (& $le16 $Tag) + (& $le16 1) + (& $le32 $Rate) + (& $le32 (($Rate * $block) % 4294967296)) + (& $le16 $block) +
            (& $le16 $Bits) + (& $ascii 'data') + (& $le32 $Data.Length) + $Data
        [IO.File]::WriteAllBytes($Path, [byte[]] $bytes)
        $Path
    }

    # A .npy with a hand-written header, padded as numpy.save pads it.
    function New-Npy {
        param([string] $Path, [string] $Header, [byte[]] $Data = @())
        $text = [Text.Encoding]::Latin1.GetBytes($Header)
        $pad = 64 - ((10 + $text.Length + 1) % 64)
        $length = [BitConverter]::GetBytes([uint16] ($text.Length + $pad + 1))
        $bytes = [byte[]] (0x93) + [Text.Encoding]::ASCII.GetBytes('NUMPY') + [byte[]] (1, 0) + $length + $text +
            [byte[]] (, 0x20 * $pad) + [byte[]] (0x0A) + $Data
        [IO.File]::WriteAllBytes($Path, [byte[]] $bytes)
        $Path
    }

    $script:Model = New-RnnModel -InputShape 4, 2 -Seed 1 | Add-LstmLayer 3 | Add-DenseLayer 2 -Activation softmax
}

Describe 'Reading what is not a regular file' -Skip:$IsWindows {
    It 'refuses a FIFO named x.npy, x.onnx or x.wav with FileNotRegular instead of blocking in open()' {
        $cases = @(
            @{ Name = 'x.npy'; Command = 'Import-NpyData' },
            @{ Name = 'x.onnx'; Command = 'Import-RnnModel' },
            @{ Name = 'x.h5'; Command = 'Import-RnnModel' },
            @{ Name = 'x.wav'; Command = 'Import-RnnAudio' }
        )
        foreach ($case in $cases) {
            $fifo = New-Fifo (Join-Path $TestDrive ("fifo-" + $case.Name))
            $result = Invoke-Bounded -Release $fifo -ArgumentList $ModulePath, $case.Command, $fifo -Script {
                param($module, $command, $path)
                Import-Module $module
                $out = & $command -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable err
                [pscustomobject]@{ Out = @($out).Count; Ids = @($err.FullyQualifiedErrorId); Message = "$($err[0].Exception.Message)" }
            }
            $result.Out | Should -Be 0
            $result.Ids | Should -Be @("FileNotRegular,PSRnn.Commands.$($case.Command -replace '-', '')Command")
            $result.Message | Should -BeLike '*is a FIFO (named pipe), not a regular file*'
        }
    }

    It 'refuses a link to /dev/zero or /dev/urandom named .onnx, .safetensors or .wav without reading it' {
        foreach ($case in @(
                @{ Name = 'zero.onnx'; Target = '/dev/zero'; Command = 'Import-RnnModel' },
                @{ Name = 'random.safetensors'; Target = '/dev/urandom'; Command = 'Import-RnnModel' },
                @{ Name = 'zero.wav'; Target = '/dev/zero'; Command = 'Import-RnnAudio' },
                @{ Name = 'random.npy'; Target = '/dev/urandom'; Command = 'Import-NpyData' })) {
            $link = Join-Path $TestDrive $case.Name
            $null = New-Item -ItemType SymbolicLink -Path $link -Target $case.Target
            $before = [GC]::GetTotalAllocatedBytes($true)
            & $case.Command -LiteralPath $link -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
            ([GC]::GetTotalAllocatedBytes($true) - $before) | Should -BeLessThan 256MB
            $err[0].FullyQualifiedErrorId | Should -Be "FileNotRegular,PSRnn.Commands.$($case.Command -replace '-', '')Command"
            $err[0].CategoryInfo.Category | Should -Be 'InvalidType'
            $err[0].Exception.Message | Should -BeLike "*symbolic link to '$($case.Target)', which is a character device*"
        }
    }

    It 'refuses a FIFO given as the label CSV' {
        $fifo = New-Fifo (Join-Path $TestDrive 'labels.csv')
        $wav = New-Wav (Join-Path $TestDrive 'tone.wav') -Rate 16000 -Data ([byte[]]::new(3200))
        $result = Invoke-Bounded -Release $fifo -ArgumentList $ModulePath, $wav, $fifo -Script {
            param($module, $wav, $csv)
            Import-Module $module
            try { Import-RnnAudio -LiteralPath $wav -LabelCsv $csv -ErrorAction Stop; 'no error' }
            catch { $_.FullyQualifiedErrorId }
        }
        $result | Should -Be 'FileNotRegular,PSRnn.Commands.ImportRnnAudioCommand'
    }
}

Describe 'Writing onto what is not a regular file' -Skip:$IsWindows {
    It 'Export-RnnModel -Force refuses a character device and leaves it a device' {
        $device = New-CharacterDevice (Join-Path $TestDrive 'null.safetensors')
        { $Model | Export-RnnModel -LiteralPath $device -Force } | Should -Throw -ErrorId 'FileNotRegular,PSRnn.Commands.ExportRnnModelCommand'
        Get-NodeType $device | Should -Be 'character special file'
        @(Get-ChildItem -LiteralPath $TestDrive -Force -Filter '.null*') | Should -BeNullOrEmpty -Because 'no temporary file is left'
    }

    It '<Command> -Force refuses a FIFO, says so, and leaves it a FIFO' -ForEach @(
        @{ Command = 'Export-RnnModel'; Name = 'model.safetensors' },
        @{ Command = 'Export-RnnModel -Format Onnx'; Name = 'model.onnx' },
        @{ Command = 'Export-NpyData'; Name = 'x.npy' },
        @{ Command = 'Export-NpyData'; Name = 'x.npz' },
        @{ Command = 'Export-RnnTrainingPlot'; Name = 'curves.png' }
    ) {
        $fifo = New-Fifo (Join-Path $TestDrive $Name)
        $write = switch -Wildcard ($Command) {
            'Export-RnnModel*' { { $Model | Export-RnnModel -LiteralPath $fifo -Force -Format ($Name -like '*.onnx' ? 'Onnx' : 'Safetensors') } }
            'Export-NpyData' { { ConvertTo-RnnTensor @(1, 2, 3) | Export-NpyData -LiteralPath $fifo -Force } }
            default {
                $data = New-ToyData -Count 8 -Steps 4
                $trained = New-RnnModel -InputShape 4, 2 -Seed 1 | Add-LstmLayer 3 | Add-DenseLayer 2 -Activation softmax
                $trained | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 1 | Out-Null
                { $trained | Export-RnnTrainingPlot -LiteralPath $fifo -Force }
            }
        }
        $commandName = ($Command -split ' ')[0] -replace '-', ''
        $e = { & $write } | Should -Throw -ErrorId "FileNotRegular,PSRnn.Commands.${commandName}Command" -PassThru
        $e.Exception.Message | Should -BeLike '*is a FIFO (named pipe), not a regular file*Nothing was written*'
        Get-NodeType $fifo | Should -Be 'fifo'
    }

    It 'refuses with -WhatIf too, before asking' {
        $fifo = New-Fifo (Join-Path $TestDrive 'whatif.npy')
        { ConvertTo-RnnTensor @(1) | Export-NpyData -LiteralPath $fifo -Force -WhatIf } |
            Should -Throw -ErrorId 'FileNotRegular,PSRnn.Commands.ExportNpyDataCommand'
    }

    It 'writes through a symbolic link to a file: the target is replaced, the link kept' {
        $real = Join-Path $TestDrive 'real.npy'
        ConvertTo-RnnTensor @(1, 2) | Export-NpyData -LiteralPath $real
        $link = Join-Path $TestDrive 'link.npy'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $real
        ConvertTo-RnnTensor @(7, 8, 9) | Export-NpyData -LiteralPath $link -Force
        (Get-Item -LiteralPath $link).LinkTarget | Should -Be $real
        (Import-NpyData -LiteralPath $real).ToArray() | Should -Be @(7, 8, 9)
        { ConvertTo-RnnTensor @(1) | Export-NpyData -LiteralPath $link } | Should -Throw -ErrorId 'ExportFileExists,PSRnn.Commands.ExportNpyDataCommand'
    }

    It 'refuses a dangling symbolic link and creates nothing through it' {
        $link = Join-Path $TestDrive 'dangling.safetensors'
        $nowhere = Join-Path $TestDrive 'nowhere.safetensors'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $nowhere
        $e = { $Model | Export-RnnModel -LiteralPath $link -Force } | Should -Throw -ErrorId 'FileNotRegular,PSRnn.Commands.ExportRnnModelCommand' -PassThru
        $e.Exception.Message | Should -BeLike "*symbolic link to '$nowhere', which does not exist*"
        Test-Path -LiteralPath $nowhere | Should -BeFalse
        Get-NodeType $link | Should -Be 'symbolic link'
    }

    It 'refuses a link to a character device' {
        $link = Join-Path $TestDrive 'devnull.npy'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target (New-CharacterDevice (Join-Path $TestDrive 'devnode'))
        { ConvertTo-RnnTensor @(1) | Export-NpyData -LiteralPath $link -Force } | Should -Throw -ErrorId 'FileNotRegular,PSRnn.Commands.ExportNpyDataCommand'
    }
}

Describe 'Names, archives, audio and headers from untrusted files' {
    It 'exports and reads back a legal 230-character file name' {
        $path = Join-Path $TestDrive (('n' * 226) + '.npy')
        ConvertTo-RnnTensor @(4, 5) | Export-NpyData -LiteralPath $path -PassThru | ForEach-Object Name | Should -Be (Split-Path $path -Leaf)
        (Import-NpyData -LiteralPath $path).ToArray() | Should -Be @(4, 5)
        $Model | Export-RnnModel -LiteralPath ($path -replace '\.npy$', '.st') -PassThru | Should -Not -BeNullOrEmpty
    }

    It 'refuses an .npz whose 16 directory records point at one entry (NpzOverlappingEntries)' {
        $path = Join-Path $TestDrive 'bomb.npz'
        ConvertTo-RnnTensor (1..1000) -DType Float32 | Export-NpyData -LiteralPath $path -Compress
        # Repeat the one central-directory record 16 times and fix the end record's counts.
        $bytes = [IO.File]::ReadAllBytes($path)
        $end = $bytes.Length - 22
        $cdSize = [BitConverter]::ToUInt32($bytes, $end + 12)
        $cdOffset = [BitConverter]::ToUInt32($bytes, $end + 16)
        $record = $bytes[$cdOffset..($cdOffset + $cdSize - 1)]
        $tail = [byte[]] $bytes[$end..($bytes.Length - 1)]
        [BitConverter]::GetBytes([uint16] 16).CopyTo($tail, 8)
        [BitConverter]::GetBytes([uint16] 16).CopyTo($tail, 10)
        [BitConverter]::GetBytes([uint32] ($cdSize * 16)).CopyTo($tail, 12)
        $bomb = [byte[]] ($bytes[0..($cdOffset - 1)] + ($record * 16) + $tail)
        [IO.File]::WriteAllBytes($path, $bomb)
        Import-NpyData -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'NpzOverlappingEntries,PSRnn.Commands.ImportNpyDataCommand'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'keeps X.npy and x.npy apart under -AsHashtable, as NumPy does' {
        $path = Join-Path $TestDrive 'case.npz'
        $upper = ConvertTo-RnnTensor @(1, 2); $upper.Name = 'X'
        $lower = ConvertTo-RnnTensor @(3, 4, 5); $lower.Name = 'x'
        $upper, $lower | Export-NpyData -LiteralPath $path
        $table = Import-NpyData -LiteralPath $path -AsHashtable
        @($table.Keys) | Should -Be @('X', 'x')
        $table['X'].ToArray() | Should -Be @(1, 2)
        $table['x'].ToArray() | Should -Be @(3, 4, 5)
    }

    It 'refuses the WAV sample rate <Rate> Hz with WavSampleRateUnsupported' -ForEach @(
        @{ Rate = 2147483647 }, @{ Rate = 214748357 }, @{ Rate = 10000001 }, @{ Rate = 1 }
    ) {
        $samples = if ($Rate -eq 1) { 200000 } else { 1000 }
        $wav = New-Wav (Join-Path $TestDrive "rate-$Rate.wav") -Rate $Rate -Data ([byte[]]::new($samples * 2))
        Import-RnnAudio -LiteralPath $wav -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'WavSampleRateUnsupported,PSRnn.Commands.ImportRnnAudioCommand'
        $err[0].Exception.Message | Should -BeLike "*rate-$Rate.wav*1,000 to 768,000 Hz*"
    }

    It 'refuses float samples that are NaN or 3e38 with DataNotFinite naming the file' {
        $nan = [byte[]]::new(6400)
        [BitConverter]::GetBytes([float]::NaN).CopyTo($nan, 400)
        $loud = [byte[]]::new(6400)
        for ($i = 0; $i -lt 1600; $i++) { [BitConverter]::GetBytes([float] (3e38 * (1 - 2 * ($i % 2)))).CopyTo($loud, 4 * $i) }
        foreach ($case in @(@{ Name = 'nan.wav'; Data = $nan }, @{ Name = 'loud.wav'; Data = $loud })) {
            $wav = New-Wav (Join-Path $TestDrive $case.Name) -Rate 16000 -Tag 3 -Bits 32 -Data $case.Data
            Import-RnnAudio -LiteralPath $wav -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be 'DataNotFinite,PSRnn.Commands.ImportRnnAudioCommand'
            $err[0].Exception.Message | Should -BeLike "*$($case.Name)*"
        }
    }

    It "reads a descr written '\x3cf4' as NumPy does, and an empty (1048576, 1048576, 0) array" {
        $escaped = New-Npy (Join-Path $TestDrive 'escaped.npy') "{'descr': '\x3cf4', 'fortran_order': False, 'shape': (2,), }" ([byte[]]::new(8))
        (Import-NpyData -LiteralPath $escaped).DType | Should -Be 'Float32'
        $empty = New-Npy (Join-Path $TestDrive 'empty.npy') "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576, 0), }"
        $t = Import-NpyData -LiteralPath $empty
        $t.Shape | Should -Be @(1048576, 1048576, 0)
        $t.Length | Should -Be 0
    }

    It 'refuses (0, 10^18), which a tensor cannot hold, saying why' {
        $wide = New-Npy (Join-Path $TestDrive 'wide.npy') "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1000000000000000000), }"
        Import-NpyData -LiteralPath $wide -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'NpyShapeOverflow,PSRnn.Commands.ImportNpyDataCommand'
        $err[0].Exception.Message | Should -BeLike '*holds no elements*'
    }

    It 'reads a file with an HDF5 user block as HDF5, not as safetensors' {
        # 512 bytes of user block, then the superblock signature: the HDF5 reader gets it (and finds it corrupt).
        $bytes = [byte[]]::new(1024)
        [byte[]] (0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A) | ForEach-Object -Begin { $i = 512 } -Process { $bytes[$i++] = $_ }
        $path = Join-Path $TestDrive 'userblock.h5'
        [IO.File]::WriteAllBytes($path, $bytes)
        Import-RnnModel -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'Keras*,PSRnn.Commands.ImportRnnModelCommand'
    }
}
