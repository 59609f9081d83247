BeforeDiscovery {
    # Keras's pad_sequences on small sequences (tests/fixtures/padding/make_fixtures.py writes pad_sequences.json).
    $reference = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../fixtures/padding/pad_sequences.json') -Raw | ConvertFrom-Json -AsHashtable
    $script:KerasCases = @($reference.cases)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Command = 'PSRnn.Commands.ConvertToRnnSequenceBatchCommand'

    # The cmdlet's parameters for a case's Keras options.
    function ConvertTo-Arguments {
        param([System.Collections.IDictionary] $Options)
        $arguments = @{}
        if ($Options.Contains('maxlen')) { $arguments.MaxLength = $Options.maxlen }
        if ($Options.Contains('padding')) { $arguments.Padding = $Options.padding }
        if ($Options.Contains('truncating')) { $arguments.Truncating = $Options.truncating }
        if ($Options.Contains('value')) { $arguments.Value = $Options.value }
        $arguments
    }

    # Keras's shape, with the feature axis PSRnn always has: (N, maxlen) becomes (N, maxlen, 1).
    function Get-ExpectedShape {
        param($Shape)
        if (@($Shape).Count -eq 2) { @($Shape) + 1 } else { @($Shape) }
    }

    function Get-Values { param($Tensor) @($Tensor.Data | ForEach-Object { [double] $_ }) }
}

Describe 'ConvertTo-RnnSequenceBatch' {
    Context 'as keras.utils.pad_sequences: <name>' -ForEach $KerasCases {
        It 'pads samples piped one at a time as Keras does' {
            $arguments = ConvertTo-Arguments $options
            $batch = $sequences | ConvertTo-RnnSequenceBatch @arguments
            $batch.GetType().FullName | Should -Be 'PSRnn.Engine.Tensors.Tensor'
            $batch.DType | Should -Be 'Float32'
            $batch.Shape | Should -Be (Get-ExpectedShape $shape)
            Get-Values $batch | Should -Be $values
        }

        It 'gives the same batch from -InputObject, and the real lengths with -IncludeLength' {
            $arguments = ConvertTo-Arguments $options
            $result = ConvertTo-RnnSequenceBatch -InputObject $sequences @arguments -IncludeLength
            $result.X.Shape | Should -Be (Get-ExpectedShape $shape)
            Get-Values $result.X | Should -Be $values
            $result.Lengths | Should -Be $lengths
            $result.Count | Should -Be $shape[0]
            $result.Length | Should -Be $shape[1]
        }
    }

    Context 'inputs' {
        It 'takes tensors of any numeric dtype and .NET arrays as samples, alike' {
            $fromArrays = @(@(1, 2, 3), @(4, 5)) | ConvertTo-RnnSequenceBatch
            $tensors = @((ConvertTo-RnnTensor -InputObject ([int[]](1, 2, 3))), (ConvertTo-RnnTensor -InputObject ([double[]](4, 5))))
            $fromTensors = $tensors | ConvertTo-RnnSequenceBatch
            $fromTyped = ConvertTo-RnnSequenceBatch -InputObject ([float[]](1, 2, 3)), ([long[]](4, 5))
            $fromTensors.Data | Should -Be $fromArrays.Data
            $fromTyped.Data | Should -Be $fromArrays.Data
            @(0..5 | ForEach-Object { $fromArrays.Data[$_] }) | Should -Be @(1, 2, 3, 0, 4, 5)
        }

        It 'takes (T, F) samples as tensors, rectangular arrays or lists of rows' {
            $a = [float[, ]]::new(3, 2); $a[0, 0] = 1; $a[0, 1] = 2; $a[1, 0] = 3; $a[1, 1] = 4; $a[2, 0] = 5; $a[2, 1] = 6
            $b = ConvertTo-RnnTensor -InputObject @(, @(7, 8)) -DType Float64
            $batch = ConvertTo-RnnSequenceBatch -InputObject $a, $b -Padding Post
            $batch.Shape | Should -Be @(2, 3, 2)
            Get-Values $batch | Should -Be @(1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0)
            $rows = @(@(@(1, 2), @(3, 4), @(5, 6)), @(, @(7, 8))) | ConvertTo-RnnSequenceBatch -Padding Post
            $rows.Data | Should -Be $batch.Data
            # Steps given as 1-D tensors.
            $steps = , @((ConvertTo-RnnTensor -InputObject ([float[]](1, 2))), (ConvertTo-RnnTensor -InputObject ([float[]](3, 4))))
            ($steps | ConvertTo-RnnSequenceBatch).Shape | Should -Be @(1, 2, 2)
        }

        It 'pads the rows of a (N, T) or (N, T, F) tensor or array given to -InputObject' {
            $two = ConvertTo-RnnTensor -InputObject @(@(1, 2, 3), @(4, 5, 6))
            $b2 = ConvertTo-RnnSequenceBatch -InputObject $two -MaxLength 4
            $b2.Shape | Should -Be @(2, 4, 1)
            Get-Values $b2 | Should -Be @(0, 1, 2, 3, 0, 4, 5, 6)
            $three = [float[, , ]]::new(2, 3, 2)
            $three[1, 2, 1] = 9
            $b3 = ConvertTo-RnnSequenceBatch -InputObject $three -MaxLength 2 -Truncating Post -IncludeLength
            $b3.X.Shape | Should -Be @(2, 2, 2)
            $b3.Lengths | Should -Be @(2, 2)
            $b3.X.GetValue(1, 1, 1) | Should -Be 0   # step 2 was cut
            (ConvertTo-RnnSequenceBatch -InputObject (ConvertTo-RnnTensor -InputObject $three) -Truncating Post -MaxLength 3).GetValue(1, 2, 1) | Should -Be 9
        }

        It 'gives one batch for one sample (the comma operator) and pads empty samples entirely' {
            $one = , @(1, 2, 3) | ConvertTo-RnnSequenceBatch -MaxLength 5
            $one.Shape | Should -Be @(1, 5, 1)
            Get-Values $one | Should -Be @(0, 0, 1, 2, 3)
            $empty = ConvertTo-RnnSequenceBatch -InputObject @(@(), @(1)) -Value 7 -IncludeLength
            Get-Values $empty.X | Should -Be @(7, 1)
            $empty.Lengths | Should -Be @(0, 1)
            # An empty sample does not fix the width: it comes from the first sample with steps.
            $rows = ConvertTo-RnnSequenceBatch -InputObject @(@(), @(@(1, 2), @(3, 4))) -IncludeLength
            $rows.X.Shape | Should -Be @(2, 2, 2)
            $rows.Features | Should -Be 2
        }

        It 'treats (T) values and (T, 1) rows as the same one feature per step' {
            $batch = ConvertTo-RnnSequenceBatch -InputObject @(@(1, 2), (ConvertTo-RnnTensor -InputObject ([float[, ]]::new(1, 1))))
            $batch.Shape | Should -Be @(2, 2, 1)
        }

        It 'takes booleans as 0 and 1, and pads with NaN or a negative zero when asked' {
            Get-Values (, @($true, $false) | ConvertTo-RnnSequenceBatch) | Should -Be @(1, 0)
            $nan = ConvertTo-RnnSequenceBatch -InputObject @(@(1), @(1, 2)) -Value ([float]::NaN)
            [float]::IsNaN($nan.Data[0]) | Should -BeTrue
            $negativeZero = ConvertTo-RnnSequenceBatch -InputObject @(@(1), @(1, 2)) -Value ([float]-0.0)
            [float]::IsNegative($negativeZero.Data[0]) | Should -BeTrue
        }

        It 'leaves its input tensors alone' {
            $sample = ConvertTo-RnnTensor -InputObject ([float[]](1, 2, 3))
            $batch = $sample | ConvertTo-RnnSequenceBatch -MaxLength 2
            $batch.Data[0] = 99
            $sample.Data | Should -Be @(1, 2, 3)
            $sample.Shape | Should -Be @(3)
        }

        It 'warns when whole numbers beyond 2^24 are rounded to float32, and only then' {
            $batch = , [long[]](16777217, 3) | ConvertTo-RnnSequenceBatch -WarningVariable warned 3>$null
            $warned.Count | Should -Be 1
            "$($warned[0])" | Should -Match '^1 whole numbers were rounded'
            $batch.Data[0] | Should -Be 16777216
            $null = ConvertTo-RnnSequenceBatch -InputObject @(@(0.1, 0.2), @(1, 2)) -WarningVariable quiet 3>$null
            $quiet.Count | Should -Be 0
        }

        It 'binds -Padding and -Truncating by Keras''s names, any case, and completes them' {
            $a = ConvertTo-RnnSequenceBatch -InputObject @(@(1, 2, 3), @(4)) -Padding post -Truncating PRE -MaxLength 2
            Get-Values $a | Should -Be @(2, 3, 4, 0)
            (TabExpansion2 'ConvertTo-RnnSequenceBatch -Padding P' 37).CompletionMatches.CompletionText | Sort-Object | Should -Be @('Post', 'Pre')
        }
    }

    Context 'output' {
        It 'prints the -IncludeLength object as the batch''s shape and the lengths' {
            $text = @(@(1, 2, 3), @(4, 5), @()) | ConvertTo-RnnSequenceBatch -IncludeLength -Padding Post -Value -1 | Out-String
            $text | Should -Match 'X\s+: \(3, 3, 1\) float32'
            $text | Should -Match 'Lengths\s+: 3, 2, 0'
            $text | Should -Match 'Padding\s+: Post'
            $text | Should -Match 'Truncating\s+: Pre'
            $text | Should -Match 'Value\s+: -1'
            $many = 1..25 | ForEach-Object { , @(1..$_) } | ConvertTo-RnnSequenceBatch -IncludeLength | Out-String
            $many | Should -Match 'Lengths\s+: 1, 2, 3, (\d+, ){16}20, \.\.\.'
        }

        It 'feeds a model that masks the padding: Masking with the same value, or an Embedding with -MaskZero' {
            $x = @(@(0.5, -0.25, 1), @(0.75), @(-1, 0.5)) | ConvertTo-RnnSequenceBatch -Value -9
            $model = New-RnnModel -InputShape 3, 1 -Seed 1 | Add-MaskingLayer -MaskValue -9 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
            $model | Invoke-RnnTraining -X $x -Y ([long[]](0, 1, 0)) -Epochs 1 | Out-Null
            ($model | Invoke-RnnPrediction -X $x).Shape | Should -Be @(3, 2)
            $ids = ConvertTo-RnnSequenceBatch -InputObject @(@(3, 1, 4), @(1, 5), @(9)) -MaxLength 4
            $text = New-RnnModel -InputShape 4, 1 -Seed 1 | Add-EmbeddingLayer 10 3 -MaskZero | Add-GruLayer 2
            ($text | Invoke-RnnPrediction -X $ids).Shape | Should -Be @(3, 2)
        }
    }

    Context 'errors' {
        It 'refuses no samples: an empty pipeline, an empty list, $null, a tensor of no rows' {
            { @() | ConvertTo-RnnSequenceBatch -ErrorAction Stop } | Should -Throw -ErrorId "SequenceBatchEmpty,$Command"
            { ConvertTo-RnnSequenceBatch -InputObject @() -ErrorAction Stop } | Should -Throw -ErrorId "SequenceBatchEmpty,$Command"
            { ConvertTo-RnnSequenceBatch -InputObject $null -ErrorAction Stop } | Should -Throw -ErrorId "SequenceBatchEmpty,$Command"
            { ConvertTo-RnnSequenceBatch -InputObject ([float[, , ]]::new(0, 3, 2)) -ErrorAction Stop } | Should -Throw -ErrorId "SequenceBatchEmpty,$Command"
        }

        It 'refuses samples of different feature widths, naming the sample' {
            $err = { @(@(@(1, 2), @(3, 4)), @(), @(, @(5, 6, 7))) | ConvertTo-RnnSequenceBatch -ErrorAction Stop } |
                Should -Throw -ErrorId "SequenceFeatureMismatch,$Command" -PassThru
            $err.Exception.Message | Should -Match 'Sample 2 has 3 features per step, but sample 0 has 2'
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            $t = ConvertTo-RnnTensor -InputObject ([float[, ]]::new(2, 3))
            { ConvertTo-RnnSequenceBatch -InputObject @(@(1, 2), $t) -ErrorAction Stop } | Should -Throw -ErrorId "SequenceFeatureMismatch,$Command"
        }

        It 'refuses a sample whose steps differ in width, or mix numbers and rows, naming the sample and step' {
            $err = { , @(@(1, 2), @(3)) | ConvertTo-RnnSequenceBatch -ErrorAction Stop } |
                Should -Throw -ErrorId "SequenceFeatureMismatch,$Command" -PassThru
            $err.Exception.Message | Should -Match 'Sample 0, step 1 is a row of 1 value, but its step 0 is a row of 2 values'
            $err = { ConvertTo-RnnSequenceBatch -InputObject @(@(1, 2), @(3, @(4, 5))) -ErrorAction Stop } |
                Should -Throw -ErrorId "SequenceFeatureMismatch,$Command" -PassThru
            $err.Exception.Message | Should -Match 'Sample 1, step 1 is a row of 2 values, but its step 0 is a single number'
        }

        It 'refuses -MaxLength <_>' -ForEach @(0, -3) {
            $err = { , @(1, 2) | ConvertTo-RnnSequenceBatch -MaxLength $_ -ErrorAction Stop } |
                Should -Throw -ErrorId "SequenceMaxLengthNotPositive,$Command" -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
        }

        It 'refuses values that are not numbers, naming where they are: <Case>' -ForEach @(
            @{ Case = 'text in a sample'; Samples = @(@(1, 2), @(3, 'four')); Where = 'Sample 1, step 1 is the text ''four''' }
            @{ Case = 'null in a sample'; Samples = @(, @(1, $null)); Where = 'Sample 0, step 1 is null' }
            @{ Case = 'text in a row'; Samples = @(, @(@(1, 2), @(3, 'x'))); Where = 'Sample 0, step 1, feature 1 is the text ''x''' }
            @{ Case = 'a text sample'; Samples = @(@(1), 'abc'); Where = 'Sample 1 is the text ''abc''' }
            @{ Case = 'a hashtable sample'; Samples = @(@{ a = 1 }); Where = 'Sample 0 is a Hashtable' }
            @{ Case = 'a null sample'; Samples = @(@(1), $null); Where = 'Sample 1 is null' }
        ) {
            $err = { ConvertTo-RnnSequenceBatch -InputObject $Samples -ErrorAction Stop } |
                Should -Throw -ErrorId "SequenceValueNotNumeric,$Command" -PassThru
            $err.Exception.Message | Should -Match ([regex]::Escape($Where))
            # The same from the pipeline.
            { $Samples | ConvertTo-RnnSequenceBatch -ErrorAction Stop } | Should -Throw -ErrorId "SequenceValueNotNumeric,$Command"
        }

        It 'refuses a sample that is not (T) or (T, F): <Case>' -ForEach @(
            @{ Case = 'numbers piped one at a time'; Script = { 1, 2, 3 | ConvertTo-RnnSequenceBatch -ErrorAction Stop }; Match = 'Sample 0 is a single number \(1\), not a sequence' }
            @{ Case = 'a (T) tensor as the list of samples'; Script = { ConvertTo-RnnSequenceBatch -InputObject (ConvertTo-RnnTensor -InputObject ([float[]](1, 2))) -ErrorAction Stop }; Match = 'single number' }
            @{ Case = 'a rank-3 tensor piped as one sample'; Script = { ConvertTo-RnnTensor -InputObject ([float[, , ]]::new(2, 2, 2)) | ConvertTo-RnnSequenceBatch -ErrorAction Stop }; Match = 'Sample 0 has shape \(2, 2, 2\)' }
            @{ Case = 'a rank-4 batch'; Script = { ConvertTo-RnnSequenceBatch -InputObject ([float[, , , ]]::new(2, 2, 2, 2)) -ErrorAction Stop }; Match = 'Sample 0 has shape \(2, 2, 2\)' }
            @{ Case = 'lists nested three deep'; Script = { , @(, @(@(1, 2), @(3, 4))) | ConvertTo-RnnSequenceBatch -ErrorAction Stop }; Match = 'Sample 0, step 0, feature 0 is a list' }
            @{ Case = 'a sample of rank-3 arrays'; Script = { ConvertTo-RnnSequenceBatch -InputObject @(, @(, [float[, ]]::new(2, 2))) -ErrorAction Stop }; Match = 'Sample 0, step 0 holds a table' }
            @{ Case = 'steps of no features'; Script = { , @(@(), @()) | ConvertTo-RnnSequenceBatch -ErrorAction Stop }; Match = 'Sample 0 has 2 steps of no features' }
        ) {
            $err = $Script | Should -Throw -ErrorId "SequenceSampleShape,$Command" -PassThru
            $err.Exception.Message | Should -Match $Match
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
        }

        It 'refuses a batch larger than one array can hold' {
            $err = { ConvertTo-RnnSequenceBatch -InputObject @(@(1), @(2)) -MaxLength ([int]::MaxValue) -ErrorAction Stop } |
                Should -Throw -ErrorId "SequenceBatchTooLarge,$Command" -PassThru
            $err.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        }

        It 'outputs nothing when a later sample is bad' {
            $out = 'not set'
            try { $out = @(@(1, 2), @(3), @(, 'x')) | ConvertTo-RnnSequenceBatch -ErrorAction Stop } catch { $null = $_ }
            $out | Should -Be 'not set'
            $collected = [System.Collections.Generic.List[object]]::new()
            try { @(@(1, 2), @(3), 'x') | ConvertTo-RnnSequenceBatch -ErrorAction Stop | ForEach-Object { $collected.Add($_) } } catch { $null = $_ }
            $collected.Count | Should -Be 0
        }
    }
}
