BeforeDiscovery {
    $manifest = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../fixtures/npy/manifest.json') -Raw | ConvertFrom-Json
    $goodFiles = $manifest.good | ForEach-Object { @{ Entry = $_ } }
    $badFiles = $manifest.bad | ForEach-Object { @{ File = $_.file; ErrorId = $_.error } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $manifest = Get-Content -LiteralPath (Join-Path $NpyFixtures 'manifest.json') -Raw | ConvertFrom-Json
}

Describe 'Import-NpyData' {
    Context 'files written by NumPy' {
        It 'reads <Entry.file> exactly' -ForEach $goodFiles {
            $t = Import-NpyData -LiteralPath (Join-Path $NpyFixtures $Entry.file)
            $t.DType.ToString().ToLowerInvariant() | Should -Be $Entry.dtype
            $t.Shape | Should -Be @($Entry.shape)
            $expected = @($Entry.values | ForEach-Object { if ($_ -is [bool]) { "$_" } else { "$_".ToLowerInvariant() } })
            ConvertTo-ExactText $t | Should -Be $expected
        }

        It 'yields each array of a .npz with its name' {
            $npz = $manifest.npz | Select-Object -First 1
            $tensors = @(Import-NpyData -LiteralPath (Join-Path $NpyFixtures $npz.file))
            $tensors.Name | Should -Be @($npz.arrays.name)
            for ($i = 0; $i -lt $tensors.Count; $i++) {
                $tensors[$i].Shape | Should -Be @($npz.arrays[$i].shape)
            }
        }

        It 'reads a deflated .npz' {
            $tensors = @(Import-NpyData -LiteralPath (Join-Path $NpyFixtures 'good/deflated.npz'))
            $tensors.Count | Should -BeGreaterThan 0
            $tensors | ForEach-Object { $_.Name | Should -Not -BeNullOrEmpty }
        }

        It 'returns a dictionary of name to tensor with -AsHashtable' {
            $npz = $manifest.npz | Select-Object -First 1
            $table = Import-NpyData -LiteralPath (Join-Path $NpyFixtures $npz.file) -AsHashtable
            $table.Keys | Should -Be @($npz.arrays.name)
            $table[$npz.arrays[0].name].Shape | Should -Be @($npz.arrays[0].shape)
        }
    }

    Context 'paths' {
        It 'expands wildcards in -Path' {
            $all = @(Import-NpyData -Path (Join-Path $NpyFixtures 'good/int8_*_v1.npy'))
            $all.Count | Should -Be @(Get-ChildItem (Join-Path $NpyFixtures 'good') -Filter 'int8_*_v1.npy').Count
            $all.Count | Should -BeGreaterThan 1
        }

        It 'takes Get-ChildItem output from the pipeline' {
            $files = Get-ChildItem (Join-Path $NpyFixtures 'good') -Filter 'float32_*_c_v1.npy'
            $tensors = @($files | Import-NpyData)
            $tensors.Count | Should -Be $files.Count
            $tensors | ForEach-Object { $_.DType | Should -Be 'Float32' }
        }

        It 'takes path strings from the pipeline' {
            $t = (Join-Path $NpyFixtures 'good/int32_le_c_v1.npy') | Import-NpyData
            $t.DType | Should -Be 'Int32'
        }

        It 'does not treat brackets in -LiteralPath as wildcards' {
            $dir = Join-Path $TestDrive 'a[1]'
            $null = New-Item -ItemType Directory -Path $dir -Force
            Copy-Item -LiteralPath (Join-Path $NpyFixtures 'good/int16_le_c_v1.npy') -Destination (Join-Path $dir 'x.npy')
            (Import-NpyData -LiteralPath (Join-Path $dir 'x.npy')).DType | Should -Be 'Int16'
        }

        It 'reports a missing file as PathNotFound and goes on with the rest' {
            $good = Join-Path $NpyFixtures 'good/int8_na_c_v1.npy'
            $out = Import-NpyData -LiteralPath (Join-Path $TestDrive 'missing.npy'), $good -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,PSRnn.Commands.ImportNpyDataCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            @($out).Count | Should -Be 1
        }

        It 'reports a wildcard that matches nothing' {
            { Import-NpyData -Path (Join-Path $TestDrive 'nothing*.npy') -ErrorAction Stop } |
                Should -Throw -ErrorId 'PathNotFound,PSRnn.Commands.ImportNpyDataCommand'
        }
    }

    Context 'bad input' {
        It 'refuses <File> with <ErrorId>' -ForEach $badFiles {
            $path = Join-Path $NpyFixtures $File
            $out = Import-NpyData -LiteralPath $path -ErrorVariable err -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,PSRnn.Commands.ImportNpyDataCommand"
            $err[0].Exception.Message | Should -BeLike "*$(Split-Path $File -Leaf)*"
            $err[0].TargetObject | Should -Be (Resolve-Path -LiteralPath $path).ProviderPath
        }

        It 'refuses a pickle without running it' {
            { Import-NpyData -LiteralPath (Join-Path $NpyFixtures 'bad/object_dtype.npy') -ErrorAction Stop } |
                Should -Throw -ErrorId 'NpyObjectDtypeRefused,PSRnn.Commands.ImportNpyDataCommand'
        }

        It 'keeps reading the other files after a bad one' {
            $paths = (Join-Path $NpyFixtures 'bad/truncated_data.npy'), (Join-Path $NpyFixtures 'good/uint8_na_c_v1.npy')
            $out = @(Import-NpyData -LiteralPath $paths -ErrorAction SilentlyContinue -ErrorVariable err)
            $out.Count | Should -Be 1
            $err.Count | Should -Be 1
        }
    }
}

Describe 'Tensor objects' {
    BeforeAll {
        $t = Import-NpyData -LiteralPath (Join-Path $NpyFixtures 'good/float32_3d_c.npy')
    }

    It 'exposes shape, rank, dtype and length' {
        $t.Rank | Should -Be 3
        $t.Length | Should -Be ($t.Shape[0] * $t.Shape[1] * $t.Shape[2])
        $t.ShapeText | Should -Match '^\(\d+, \d+, \d+\)$'
    }

    It 'gives elements by index and as a .NET array' {
        $a = $t.ToArray()
        $a.Rank | Should -Be 3
        $a.GetType().GetElementType() | Should -Be ([float])
        $t.GetValue(1, 0, 2) | Should -Be $a[1, 0, 2]
        $t.GetValue(-1, -1, -1) | Should -Be $t.Data[$t.Length - 1]
        $t[1, 0, 2] | Should -Be $a[1, 0, 2]
        $m = 1..6 | ConvertTo-RnnTensor -Shape 2, 3
        $m[1, 2] | Should -Be 6
        $m[0, -1] = 30
        $m.GetValue(0, 2) | Should -Be 30
    }

    It 'prints its shape, dtype and a NumPy-like preview' {
        $text = ($t | Out-String).Trim()
        $text | Should -BeLike "Tensor $($t.ShapeText) float32*"
        $text | Should -Match '\[\[\['
    }

    It 'prints large tensors summarized' {
        $big = ConvertTo-RnnTensor -InputObject (1..5000) -Shape 50, 100
        $text = $big | Out-String
        $text | Should -Match '\.\.\.'
        ($text -split "`n").Count | Should -BeLessThan 30
    }
}
