BeforeDiscovery {
    $manifest = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../fixtures/npy/manifest.json') -Raw | ConvertFrom-Json
    $savedByNumpy = $manifest.good | Where-Object numpy_save | ForEach-Object { @{ File = $_.file } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'Export-NpyData' {
    Context 'round trips' {
        It 'writes <File> byte for byte as numpy.save did' -ForEach $savedByNumpy {
            $source = Join-Path $NpyFixtures $File
            $target = Join-Path $TestDrive (Split-Path $File -Leaf)
            Import-NpyData -LiteralPath $source | Export-NpyData -LiteralPath $target -Force
            [IO.File]::ReadAllBytes($target) | Should -Be ([IO.File]::ReadAllBytes($source))
        }

        It 'keeps every value of a big-endian Fortran-order file exactly' {
            $source = Import-NpyData -LiteralPath (Join-Path $NpyFixtures 'good/float64_be_f_v1.npy')
            $target = Join-Path $TestDrive 'be.npy'
            $source | Export-NpyData -Path $target
            $back = Import-NpyData -LiteralPath $target
            $back.Shape | Should -Be $source.Shape
            ConvertTo-ExactText $back | Should -Be (ConvertTo-ExactText $source)
        }

        It 'writes several piped tensors into one .npz with their names' {
            $a = ConvertTo-RnnTensor @(1, 2, 3); $a.Name = 'x'
            $b = ConvertTo-RnnTensor @(@(1.5, 2.5), @(3.5, 4.5)); $b.Name = 'y'
            $target = Join-Path $TestDrive 'pair.npz'
            $a, $b | Export-NpyData -Path $target
            $back = Import-NpyData -LiteralPath $target -AsHashtable
            $back.Keys | Should -Be @('x', 'y')
            $back['y'].Shape | Should -Be @(2, 2)
            $back['y'].GetValue(1, 0) | Should -Be 3.5
        }

        It 'names unnamed tensors arr_0, arr_1 as numpy.savez does, and deflates with -Compress' {
            $target = Join-Path $TestDrive 'plain.npz'
            $zeros = ConvertTo-RnnTensor (0..999) -Shape 10, 100 -DType Float32
            $zeros, (ConvertTo-RnnTensor @(7)) | Export-NpyData -Path $target -Compress
            (Import-NpyData -LiteralPath $target).Name | Should -Be @('arr_0', 'arr_1')
            $zip = [IO.Compression.ZipFile]::OpenRead($target)
            try { $zip.Entries[0].CompressedLength | Should -BeLessThan $zip.Entries[0].Length } finally { $zip.Dispose() }
        }

        It 'takes a hashtable of name to data for a .npz' {
            $target = Join-Path $TestDrive 'table.npz'
            Export-NpyData -Path $target -InputObject ([ordered]@{ features = [float[]](1, 2); labels = [long[]](0, 1) })
            $back = Import-NpyData -LiteralPath $target -AsHashtable
            $back['features'].DType | Should -Be 'Float32'
            $back['labels'].DType | Should -Be 'Int64'
        }

        It 'takes a plain .NET array' {
            $target = Join-Path $TestDrive 'array.npy'
            $array = [double[,]]::new(2, 3)
            $array[1, 2] = 6.25
            Export-NpyData -Path $target -InputObject $array
            $back = Import-NpyData $target
            $back.Shape | Should -Be @(2, 3)
            $back.GetValue(1, 2) | Should -Be 6.25
        }
    }

    Context 'files' {
        It 'refuses to overwrite without -Force and keeps the old file' {
            $target = Join-Path $TestDrive 'keep.npy'
            ConvertTo-RnnTensor @(1, 2) | Export-NpyData -Path $target
            $before = [IO.File]::ReadAllBytes($target)
            { ConvertTo-RnnTensor @(3, 4, 5) | Export-NpyData -Path $target -ErrorAction Stop } |
                Should -Throw -ErrorId 'ExportFileExists,PSRnn.Commands.ExportNpyDataCommand'
            [IO.File]::ReadAllBytes($target) | Should -Be $before
        }

        It 'overwrites with -Force' {
            $target = Join-Path $TestDrive 'replace.npy'
            ConvertTo-RnnTensor @(1, 2) | Export-NpyData -Path $target
            ConvertTo-RnnTensor @(3, 4, 5) | Export-NpyData -Path $target -Force
            (Import-NpyData $target).Shape | Should -Be @(3)
        }

        It 'writes nothing with -WhatIf' {
            $target = Join-Path $TestDrive 'whatif.npy'
            Invoke-WithoutHost { param($Path) ConvertTo-RnnTensor @(1, 2) | Export-NpyData -Path $Path -WhatIf } $target
            Test-Path -LiteralPath $target | Should -BeFalse
        }

        It 'leaves no temporary file behind' {
            $dir = Join-Path $TestDrive 'clean'
            $null = New-Item -ItemType Directory -Path $dir
            ConvertTo-RnnTensor @(1, 2) | Export-NpyData -Path (Join-Path $dir 'a.npy')
            (Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @('a.npy')
        }

        It 'returns the FileInfo with -PassThru, and nothing without it' {
            $target = Join-Path $TestDrive 'pass.npy'
            $info = ConvertTo-RnnTensor @(1, 2) | Export-NpyData -Path $target -PassThru
            $info | Should -BeOfType ([IO.FileInfo])
            $info.FullName | Should -Be $target
            ConvertTo-RnnTensor @(1, 2) | Export-NpyData -Path (Join-Path $TestDrive 'quiet.npy') | Should -BeNullOrEmpty
        }

        It 'resolves relative paths against the current location' {
            Push-Location $TestDrive
            try {
                ConvertTo-RnnTensor @(1) | Export-NpyData -Path 'relative.npy'
                Test-Path -LiteralPath (Join-Path $TestDrive 'relative.npy') | Should -BeTrue
            }
            finally { Pop-Location }
        }
    }

    Context 'bad input' {
        It 'refuses an unknown extension' {
            { ConvertTo-RnnTensor @(1) | Export-NpyData -Path (Join-Path $TestDrive 'x.csv') -ErrorAction Stop } |
                Should -Throw -ErrorId 'NpyExportUnknownExtension,PSRnn.Commands.ExportNpyDataCommand'
        }

        It 'refuses several tensors for one .npy' {
            { (ConvertTo-RnnTensor @(1)), (ConvertTo-RnnTensor @(2)) | Export-NpyData -Path (Join-Path $TestDrive 'two.npy') -ErrorAction Stop } |
                Should -Throw -ErrorId 'NpyExportNeedsOneTensor,PSRnn.Commands.ExportNpyDataCommand'
        }

        It 'refuses a folder that does not exist' {
            { ConvertTo-RnnTensor @(1) | Export-NpyData -Path (Join-Path $TestDrive 'no/such/x.npy') -ErrorAction Stop } |
                Should -Throw -ErrorId 'ExportFolderNotFound,PSRnn.Commands.ExportNpyDataCommand'
        }

        It 'refuses input that is not numeric' {
            { Export-NpyData -Path (Join-Path $TestDrive 's.npy') -InputObject @('a', 'b') -ErrorAction Stop } |
                Should -Throw -ErrorId 'NpyExportInvalidInput,PSRnn.Commands.ExportNpyDataCommand'
        }

        It 'refuses duplicate names in a .npz' {
            $a = ConvertTo-RnnTensor @(1); $a.Name = 'same'
            $b = ConvertTo-RnnTensor @(2); $b.Name = 'same'
            { $a, $b | Export-NpyData -Path (Join-Path $TestDrive 'dup.npz') -ErrorAction Stop } |
                Should -Throw -ErrorId 'NpyExportInvalidInput,PSRnn.Commands.ExportNpyDataCommand'
            Test-Path -LiteralPath (Join-Path $TestDrive 'dup.npz') | Should -BeFalse
        }
    }
}
