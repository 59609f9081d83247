BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    . (Join-Path $PSScriptRoot 'PngTools.ps1')

    # A small classifier trained a few epochs, with or without validation data.
    function New-TrainedModel {
        param([int] $Epochs = 3, [switch] $NoValidation)
        $data = New-ToyData -Count 48
        $model = New-RnnModel -InputShape 6, 2 -Name toy -Seed 7 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
        $validation = if ($NoValidation) { @{} } else { @{ ValidationSplit = 0.25 } }
        $model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs $Epochs -BatchSize 16 @validation | Out-Null
        $model
    }

    # Width and height from a PNG's IHDR chunk, after checking the 8-byte signature.
    function Get-PngSize {
        param([string] $Path)
        $bytes = [IO.File]::ReadAllBytes($Path)
        $signature = [byte[]] (0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        [Linq.Enumerable]::SequenceEqual([byte[]] $bytes[0..7], $signature) | Should -BeTrue -Because 'a PNG starts with its signature'
        [Text.Encoding]::ASCII.GetString($bytes, 12, 4) | Should -Be 'IHDR'
        $be = { param($o) ([int] $bytes[$o] -shl 24) -bor ([int] $bytes[$o + 1] -shl 16) -bor ([int] $bytes[$o + 2] -shl 8) -bor $bytes[$o + 3] }
        [pscustomobject]@{ Width = & $be 16; Height = & $be 20; Length = $bytes.Length }
    }
}

Describe 'Export-RnnTrainingPlot' {
    Context 'writing a PNG' {
        It 'writes a PNG of the default size for a model trained with validation data' {
            $path = Join-Path $TestDrive 'curves.png'
            New-TrainedModel | Export-RnnTrainingPlot $path | Should -BeNullOrEmpty
            $png = Get-PngSize $path
            $png.Width | Should -Be 1200
            $png.Height | Should -Be 450
            $png.Length | Should -BeGreaterThan 5000 -Because 'two panels of curves, axes and text are drawn'
            $pixels = [PSRnnTests.PngImage]::Read($path)
            $pixels.Width | Should -Be 1200
            $pixels.InkedFraction() | Should -BeGreaterThan 0.01 -Because 'axes, curves and text are drawn on white'
            $pixels.InkedFraction() | Should -BeLessThan 0.5 -Because 'it is a line chart on white, not a filled picture'
            $pixels.DistinctColors() | Should -BeGreaterThan 10 -Because 'two curve colours, black text and their anti-aliasing'
        }

        It 'honours -Width and -Height, and draws a model trained without validation' {
            $path = Join-Path $TestDrive 'small.png'
            New-TrainedModel -Epochs 1 -NoValidation | Export-RnnTrainingPlot -LiteralPath $path -Width 640 -Height 300 -Title 'one epoch'
            $png = Get-PngSize $path
            $png.Width | Should -Be 640
            $png.Height | Should -Be 300
        }

        It 'draws a regression model (MAE) too' {
            $data = New-ToyData -Count 32
            $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 3 | Add-DenseLayer 1
            $model | Invoke-RnnTraining -X $data.X -Y (ConvertTo-RnnTensor -InputObject ([float[]] $data.Labels.Data) -Shape 32, 1) -Epochs 2 | Out-Null
            $path = Join-Path $TestDrive 'mae.png'
            $model | Export-RnnTrainingPlot $path
            (Get-PngSize $path).Width | Should -Be 1200
        }

        It 'returns the FileInfo with -PassThru' {
            $path = Join-Path $TestDrive 'passthru.png'
            $file = New-TrainedModel | Export-RnnTrainingPlot $path -PassThru
            $file | Should -BeOfType [IO.FileInfo]
            $file.FullName | Should -Be (Get-Item $path).FullName
            $file.Length | Should -BeGreaterThan 0
        }

        It 'refuses to overwrite without -Force, and replaces with it' {
            $path = Join-Path $TestDrive 'exists.png'
            Set-Content -LiteralPath $path -Value 'not a png'
            $model = New-TrainedModel
            { $model | Export-RnnTrainingPlot $path } | Should -Throw -ErrorId 'ExportFileExists,PSRnn.Commands.ExportRnnTrainingPlotCommand'
            Get-Content -LiteralPath $path | Should -Be 'not a png'
            $model | Export-RnnTrainingPlot $path -Force
            (Get-PngSize $path).Width | Should -Be 1200
        }

        It 'writes nothing with -WhatIf' {
            $path = Join-Path $TestDrive 'whatif.png'
            Invoke-WithoutHost { param($Model, $Path) $Model | Export-RnnTrainingPlot $Path -WhatIf } (New-TrainedModel), $path
            Test-Path -LiteralPath $path | Should -BeFalse
        }

        It 'leaves no temporary file behind' {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'clean')
            New-TrainedModel | Export-RnnTrainingPlot (Join-Path $folder 'a.png')
            @(Get-ChildItem -LiteralPath $folder -Force).Name | Should -Be @('a.png')
        }
    }

    Context 'errors' {
        It 'refuses a model that was never trained, with TrainingPlotNoHistory' {
            $model = New-RnnModel -InputShape 6, 2 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
            $path = Join-Path $TestDrive 'untrained.png'
            $err = { $model | Export-RnnTrainingPlot $path } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -Be 'TrainingPlotNoHistory,PSRnn.Commands.ExportRnnTrainingPlotCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
            $err.Exception.Message | Should -Match 'Invoke-RnnTraining'
            Test-Path -LiteralPath $path | Should -BeFalse
        }

        It 'reports a missing folder with ExportFolderNotFound' {
            $path = Join-Path $TestDrive 'no/such/folder/plot.png'
            { New-TrainedModel | Export-RnnTrainingPlot $path } | Should -Throw -ErrorId 'ExportFolderNotFound,PSRnn.Commands.ExportRnnTrainingPlotCommand'
        }

        It 'reports a folder given as the file with ExportPathIsFolder' {
            { New-TrainedModel | Export-RnnTrainingPlot $TestDrive -Force } | Should -Throw -ErrorId 'ExportPathIsFolder,PSRnn.Commands.ExportRnnTrainingPlotCommand'
        }

        It 'rejects a size out of range' {
            { New-TrainedModel | Export-RnnTrainingPlot (Join-Path $TestDrive 'x.png') -Width 10 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,PSRnn.Commands.ExportRnnTrainingPlotCommand'
        }
    }
}
