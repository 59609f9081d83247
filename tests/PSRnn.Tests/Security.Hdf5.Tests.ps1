# Issue 12, Keras HDF5: every hostile file of fixtures/keras/hostile (make_hostile.py) is refused by Import-RnnModel and
# Import-RnnModel -Into with its stable ErrorId, in the same session (a soft-link loop once killed PowerShell with a
# stack overflow), and the valid variants load, the HDF5 1.8 and 1.10 layouts of make_formats.py among them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Hostile = Join-Path $PSScriptRoot '../fixtures/keras/hostile'
    $script:Cmd = 'PSRnn.Commands.ImportRnnModelCommand'
}

Describe 'Import-RnnModel of hostile Keras HDF5 files' {
    It 'refuses <File> with <ErrorId>, with and without -Into, and leaves the model unchanged' -ForEach @(
        @{ File = 'external-storage-target.h5'; ErrorId = 'KerasUnsafeExternalStorage' }
        @{ File = 'external-storage-absolute.h5'; ErrorId = 'KerasUnsafeExternalStorage' }
        @{ File = 'external-storage-passwd.h5'; ErrorId = 'KerasUnsafeExternalStorage' }
        @{ File = 'external-link-relative.h5'; ErrorId = 'KerasUnsafeExternalLink' }
        @{ File = 'external-link-absolute.h5'; ErrorId = 'KerasUnsafeExternalLink' }
        @{ File = 'external-link-self.h5'; ErrorId = 'KerasUnsafeExternalLink' }
        @{ File = 'external-link-unreached.h5'; ErrorId = 'KerasUnsafeExternalLink' }
        @{ File = 'virtual-dataset.h5'; ErrorId = 'KerasUnsafeVirtualDataset' }
        @{ File = 'softlink-loop-self.h5'; ErrorId = 'KerasCorrupt' }
        @{ File = 'softlink-loop-pair.h5'; ErrorId = 'KerasCorrupt' }
        @{ File = 'softlink-loop-dataset.h5'; ErrorId = 'KerasCorrupt' }
        @{ File = 'softlink-loop-model-weights.h5'; ErrorId = 'KerasCorrupt' }
        @{ File = 'softlink-dangling.h5'; ErrorId = 'KerasCorrupt' }
        @{ File = 'softlink-chain-17.h5'; ErrorId = 'KerasCorrupt' }
        @{ File = 'chunk-bomb.h5'; ErrorId = 'KerasUnsafeChunk' }
        @{ File = 'layer-names-repeated.h5'; ErrorId = 'KerasCorrupt' }
    ) {
        # The linked and mapped files are present beside the hostile one, as an attacker would ship them.
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $dir | Out-Null
        Copy-Item (Join-Path $Hostile $File), (Join-Path $Hostile 'psrnn-external-target.h5') $dir
        [IO.File]::WriteAllText((Join-Path $dir 'psrnn-external-target.bin'), "root:x:0:0:root:/root:/bin/bash`n")
        $path = Join-Path $dir $File

        { Import-RnnModel -LiteralPath $path -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,$Cmd"
        Import-RnnModel -LiteralPath $path -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $model = New-RnnModel -InputShape 3 -Seed 1 | Add-DenseLayer 16
        $before = $model.SnapshotWeights()
        { Import-RnnModel -LiteralPath $path -Into $model -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,$Cmd"
        $model.SnapshotWeights() | Should -Be $before
    }

    It 'says what it refused and why' {
        $err = { Import-RnnModel -LiteralPath (Join-Path $Hostile 'external-storage-passwd.h5') -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'other files'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'refuses a model_config without an input shape before building it' {
        { Import-RnnModel -LiteralPath (Join-Path $Hostile 'no-input-shape.h5') -ErrorAction Stop } | Should -Throw -ErrorId "KerasBadConfig,$Cmd"
    }

    It 'loads <File>, a valid file, with the values h5py reads' -ForEach @(
        @{ File = 'big-endian.h5' }
        @{ File = 'latest-format.h5' }
        @{ File = 'chunked-gzip.h5' }
        @{ File = 'softlink-good.h5' }
        @{ File = 'hardlink-cycle.h5' }
        @{ File = 'softlink-chain-16.h5' }
    ) {
        $expected = Get-Content -Raw (Join-Path $Hostile "$File.json") | ConvertFrom-Json
        $model = Import-RnnModel -LiteralPath (Join-Path $Hostile $File)
        $kernel = $model.Layers[0].Parameters[0].Value
        $kernel.Count | Should -Be $expected.'kernel:0'.Count
        for ($i = 0; $i -lt $kernel.Count; $i++) { $kernel[$i] | Should -Be ([float] $expected.'kernel:0'[$i]) }
    }

    It 'loads <File>, written in a layout of HDF5 1.8 or 1.10, with the values h5py reads' -ForEach @(
        @{ File = 'dense-links.h5' }
        @{ File = 'dense-attributes.h5' }
        @{ File = 'track-order.h5' }
        @{ File = 'chunk-fixed-array.h5' }
        @{ File = 'chunk-extensible-array.h5' }
        @{ File = 'chunk-btree2-filtered.h5' }
        @{ File = 'committed-datatype.h5' }
        @{ File = 'lzf.h5' }
    ) {
        # make_formats.py wrote what h5py reads from every layer beside each file.
        $expected = (Get-Content -Raw (Join-Path $Hostile "$File.json") | ConvertFrom-Json).layers
        $model = Import-RnnModel -LiteralPath (Join-Path $Hostile $File)
        $model.Layers.Count | Should -Be $expected.Count
        for ($l = 0; $l -lt $expected.Count; $l++) {
            $kernel = $model.Layers[$l].Parameters[0].Value
            $bias = $model.Layers[$l].Parameters[1].Value
            $kernel.Count | Should -Be $expected[$l].kernel.Count
            $bias.Count | Should -Be $expected[$l].bias.Count
            for ($i = 0; $i -lt $kernel.Count; $i++) { $kernel[$i] | Should -Be ([float] $expected[$l].kernel[$i]) }
            for ($i = 0; $i -lt $bias.Count; $i++) { $bias[$i] | Should -Be ([float] $expected[$l].bias[$i]) }
        }
    }

    It 'refuses <File>, a corrupt dense or HDF5 1.10 structure, as KerasCorrupt' -ForEach @(
        @{ File = 'dense-links-btree-cycle.h5' }
        @{ File = 'dense-links-heap-cycle.h5' }
        @{ File = 'chunk-extensible-array-cycle.h5' }
        @{ File = 'committed-datatype-self.h5' }
    ) {
        { Import-RnnModel -LiteralPath (Join-Path $Hostile $File) -ErrorAction Stop } | Should -Throw -ErrorId "KerasCorrupt,$Cmd"
    }
}
