BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # n sequences of T steps of F features, values in (-1, 1), from a seeded RNG.
    function New-Sequences([int] $N, [int] $T, [int] $F, [int] $Seed) {
        $random = [Random]::new($Seed)
        $values = [float[]]::new($N * $T * $F)
        for ($i = 0; $i -lt $values.Length; $i++) { $values[$i] = $random.NextDouble() * 2 - 1 }
        , $values
    }

    # Steps [start, start + t) of every sequence, as an (n, t, F) tensor.
    function Get-Chunk([float[]] $Values, [int] $N, [int] $T, [int] $F, [int] $Start, [int] $Steps) {
        $chunk = [float[]]::new($N * $Steps * $F)
        for ($b = 0; $b -lt $N; $b++) {
            [Array]::Copy($Values, ($b * $T + $Start) * $F, $chunk, $b * $Steps * $F, $Steps * $F)
        }
        ConvertTo-RnnTensor -InputObject $chunk -Shape $N, $Steps, $F
    }

    # Feeds the sequences chunk by chunk; returns the outputs laid out as the whole prediction's (per step), or the last.
    function Invoke-Chunked($Model, [float[]] $Values, [int] $N, [int] $T, [int] $F, [int[]] $Chunks) {
        $stream = $Model | New-RnnStream -BatchSize $N
        $start = 0
        $outputs = @(foreach ($steps in $Chunks) {
                , (Invoke-RnnPrediction -Stream $stream -X (Get-Chunk $Values $N $T $F $start $steps))
                $start += $steps
            })
        $stream.Steps | Should -Be $T
        if ($outputs[-1].Rank -eq 2) { return $outputs[-1] }
        $width = $outputs[0].Shape[2]
        $whole = [float[]]::new($N * $T * $width)
        $start = 0
        for ($k = 0; $k -lt $Chunks.Length; $k++) {
            $data = [float[]] $outputs[$k].Data
            for ($b = 0; $b -lt $N; $b++) {
                [Array]::Copy($data, $b * $Chunks[$k] * $width, $whole, ($b * $T + $start) * $width, $Chunks[$k] * $width)
            }
            $start += $Chunks[$k]
        }
        ConvertTo-RnnTensor -InputObject $whole -Shape $N, $T, $width
    }

    # The number of elements that differ in any bit.
    function Get-Mismatch($A, $B) {
        $a = [float[]] $A.Data; $b = [float[]] $B.Data
        if ($a.Length -ne $b.Length) { return -1 }
        $count = 0
        for ($i = 0; $i -lt $a.Length; $i++) {
            if ([BitConverter]::SingleToInt32Bits($a[$i]) -ne [BitConverter]::SingleToInt32Bits($b[$i])) { $count++ }
        }
        $count
    }
}

Describe 'Invoke-RnnPrediction -Stream: chunk by chunk equals whole' {
    It 'for <Name>' -ForEach @(
        @{ Name = 'LSTM → Dense, last step'; Build = { New-RnnModel -InputShape 0, 3 -Seed 1 | Add-LstmLayer 5 | Add-DenseLayer 2 -Activation softmax } }
        @{ Name = 'GRU per step → Dense per step'; Build = { New-RnnModel -InputShape 0, 3 -Seed 2 | Add-GruLayer 4 -ReturnSequences | Add-DenseLayer 3 } }
        @{ Name = 'GRU reset_after false, last step'; Build = { New-RnnModel -InputShape 0, 3 -Seed 3 | Add-GruLayer 4 -ResetAfter $false } }
        @{ Name = 'SimpleRNN per step'; Build = { New-RnnModel -InputShape 0, 3 -Seed 4 | Add-SimpleRnnLayer 4 -ReturnSequences } }
        @{ Name = 'a stack LSTM → GRU → Dense'; Build = { New-RnnModel -InputShape 0, 3 -Seed 5 | Add-LstmLayer 6 -ReturnSequences | Add-GruLayer 5 | Add-DenseLayer 1 } }
        @{ Name = 'a stack with a Dropout (inactive in prediction)'; Build = { New-RnnModel -InputShape 0, 3 -Seed 6 | Add-LstmLayer 6 -ReturnSequences | Add-DropoutLayer 0.5 | Add-LstmLayer 3 -ReturnSequences | Add-DenseLayer 2 } }
    ) {
        $model = & $Build
        $values = New-Sequences 3 11 3 7
        $whole = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $values -Shape 3, 11, 3)
        $chunked = Invoke-Chunked $model $values 3 11 3 @(1, 4, 2, 3, 1)
        $chunked.Shape | Should -Be $whole.Shape
        Get-Mismatch $chunked $whole | Should -Be 0
    }

    It 'with a Masking layer: padding steps inside a chunk and whole padding chunks' {
        $model = New-RnnModel -InputShape 0, 3 -Seed 8 | Add-MaskingLayer | Add-LstmLayer 5 -ReturnSequences | Add-GruLayer 4 | Add-DenseLayer 2
        $values = New-Sequences 2 9 3 9
        # Sequence 0: steps 0-1 padding (pre), 5-6 padding (a whole chunk of it below); sequence 1: step 8 padding.
        foreach ($step in 0, 1, 5, 6) { [Array]::Clear($values, $step * 3, 3) }
        [Array]::Clear($values, (9 + 8) * 3, 3)
        $whole = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $values -Shape 2, 9, 3)
        Get-Mismatch (Invoke-Chunked $model $values 2 9 3 @(2, 3, 2, 2)) $whole | Should -Be 0
    }

    It 'for token ids into an Embedding with -MaskZero (-InputShape 0, 1: sequences of any length)' {
        $model = New-RnnModel -InputShape 0, 1 -Seed 12 | Add-EmbeddingLayer -InputDim 9 -OutputDim 4 -MaskZero |
            Add-GruLayer 5 -ReturnSequences | Add-DenseLayer 3 -Activation softmax
        # Two sequences of 8 ids, padding (0) before, inside a chunk and as a whole chunk.
        $ids = [float[]] @(0, 0, 3, 8, 1, 0, 0, 2,   5, 7, 0, 4, 4, 6, 1, 3)
        $whole = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $ids -Shape 2, 8, 1)
        $whole.Shape | Should -Be 2, 8, 3
        Get-Mismatch (Invoke-Chunked $model $ids 2 8 1 @(1, 4, 2, 1)) $whole | Should -Be 0
        $last = New-RnnModel -InputShape 0, 1 -Seed 13 | Add-EmbeddingLayer -InputDim 9 -OutputDim 4 | Add-LstmLayer 5 | Add-DenseLayer 2
        $lastWhole = $last | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $ids -Shape 2, 8, 1)
        Get-Mismatch (Invoke-Chunked $last $ids 2 8 1 @(3, 5)) $lastWhole | Should -Be 0
    }

    It 'leaves a sequence''s state alone on masked steps' {
        $model = New-RnnModel -InputShape 0, 2 -Seed 9 | Add-MaskingLayer | Add-LstmLayer 3
        $stream = $model | New-RnnStream -BatchSize 2
        $null = $stream | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] (1..12 | ForEach-Object { $_ / 12 })) -Shape 2, 3, 2)
        $before = $stream | Get-RnnStreamState
        $padding = [float[]] @(0, 0, 0, 0, 0.5, 0.25, -0.5, 0.1)   # sequence 0 all padding, sequence 1 real
        $null = $stream | Invoke-RnnPrediction -X (ConvertTo-RnnTensor $padding -Shape 2, 2, 2)
        $after = $stream | Get-RnnStreamState
        foreach ($name in 'lstm.h', 'lstm.c') {
            0..2 | ForEach-Object { $after[$name].GetValue(0, $_) | Should -Be $before[$name].GetValue(0, $_) }
            @(0..2 | Where-Object { $after[$name].GetValue(1, $_) -ne $before[$name].GetValue(1, $_) }).Count | Should -BeGreaterThan 0
        }
    }

    It 'takes (t, F) chunks for a stream of one sequence, and arrays as -X' {
        $model = New-RnnModel -InputShape 0, 2 -Seed 10 | Add-GruLayer 3
        $values = New-Sequences 1 5 2 11
        $whole = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $values -Shape 1, 5, 2)
        $stream = $model | New-RnnStream
        $null = Invoke-RnnPrediction -Stream $stream -X (ConvertTo-RnnTensor ([float[]] $values[0..5]) -Shape 3, 2)
        $last = $stream | Invoke-RnnPrediction -X @(@($values[6], $values[7]), @($values[8], $values[9]))
        $last.Shape | Should -Be @(1, 3)
        Get-Mismatch $last $whole | Should -Be 0
    }

    It 'gives -Class and seeded -Sample as a normal prediction does' {
        $model = New-RnnModel -InputShape 0, 3 -Seed 12 | Add-LstmLayer 4 -ReturnSequences | Add-DenseLayer 5 -Activation softmax
        $values = New-Sequences 2 6 3 13
        $x = ConvertTo-RnnTensor -InputObject $values -Shape 2, 6, 3
        $stream = $model | New-RnnStream -BatchSize 2
        $classes = $stream | Invoke-RnnPrediction -X $x -Class
        $classes.DType | Should -Be 'Int64'
        $classes.Shape | Should -Be @(2, 6)
        $classes.Data | Should -Be ($model | Invoke-RnnPrediction -X $x -Class).Data
        $stream | Reset-RnnStream
        ($stream | Invoke-RnnPrediction -X $x -Sample -Seed 4).Data | Should -Be ($model | Invoke-RnnPrediction -X $x -Seed 4).Data
    }

    It 'reads a float32 chunk in place: one tensor whose Data is rewritten between calls' {
        $model = New-RnnModel -InputShape 0, 2 -Seed 15 | Add-LstmLayer 3 -ReturnSequences | Add-DenseLayer 2
        $values = New-Sequences 1 6 2 16
        $whole = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $values -Shape 1, 6, 2)
        $stream = $model | New-RnnStream
        $chunk = ConvertTo-RnnTensor -InputObject ([float[]]::new(4)) -Shape 2, 2
        $outputs = foreach ($start in 0, 2, 4) {
            [Array]::Copy($values, $start * 2, $chunk.Data, 0, 4)
            ($stream | Invoke-RnnPrediction -X $chunk).Data
        }
        $joined = ConvertTo-RnnTensor -InputObject ([float[]] $outputs) -Shape 1, 6, 2
        Get-Mismatch $joined $whole | Should -Be 0
    }

    It 'returns a new tensor per call: an earlier result is not overwritten' {
        $stream = New-RnnModel -InputShape 0, 1 -Seed 14 | Add-LstmLayer 2 | New-RnnStream
        $first = $stream | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] @(0.5)) -Shape 1, 1)
        $copy = $first.Clone()
        $null = $stream | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] @(-0.9)) -Shape 1, 1)
        Get-Mismatch $first $copy | Should -Be 0
    }
}

Describe 'New-RnnStream' {
    It 'starts at zero states, with the stream''s batch and step count, and prints them' {
        $stream = New-RnnModel -InputShape 0, 2 -Name watcher -Seed 1 | Add-LstmLayer 3 -ReturnSequences | Add-GruLayer 2 | New-RnnStream -BatchSize 4
        $stream.Batch | Should -Be 4
        $stream.Steps | Should -Be 0
        $state = $stream | Get-RnnStreamState
        @($state.Keys) | Should -Be @('lstm.h', 'lstm.c', 'gru.h')
        $state['lstm.c'].Shape | Should -Be @(4, 3)
        $state['gru.h'].Shape | Should -Be @(4, 2)
        $state.Values | ForEach-Object { $_.Data | Where-Object { $_ -ne 0 } } | Should -BeNullOrEmpty
        $text = $stream | Out-String
        $text | Should -Match 'watcher'
        $text | Should -Match 'Batch\s*:\s*4'
        $text | Should -Match 'lstm\.c \(4, 3\)'
        $text | Should -Match 'gru \(GRU\)'
    }

    It 'makes independent streams of one model' {
        $model = New-RnnModel -InputShape 0, 2 -Seed 2 | Add-GruLayer 3
        $a = $model | New-RnnStream
        $b = $model | New-RnnStream
        $x = ConvertTo-RnnTensor ([float[]] @(0.1, 0.2, 0.3, 0.4)) -Shape 2, 2
        $firstA = $a | Invoke-RnnPrediction -X $x
        $null = $a | Invoke-RnnPrediction -X $x
        ($b | Get-RnnStreamState)['gru.h'].Data | Where-Object { $_ -ne 0 } | Should -BeNullOrEmpty
        Get-Mismatch ($b | Invoke-RnnPrediction -X $x) $firstA | Should -Be 0
    }

    It 'says in its help that a stream is not thread-safe and that streams of one model are independent' {
        $text = Get-Help New-RnnStream -Full | Out-String
        $text | Should -Match 'not thread-safe'
        $text | Should -Match 'independent'
    }
}

Describe 'Get-RnnStreamState and Set-RnnStreamState' {
    BeforeAll {
        $model = New-RnnModel -InputShape 0, 3 -Seed 3 | Add-LstmLayer 4 -ReturnSequences | Add-GruLayer 3 -ReturnSequences | Add-DenseLayer 2
        $values = New-Sequences 2 8 3 5
        $head = Get-Chunk $values 2 8 3 0 5
        $tail = Get-Chunk $values 2 8 3 5 3
    }

    It 'continues a stream from saved states, as if it had never stopped' {
        $a = $model | New-RnnStream -BatchSize 2
        $null = $a | Invoke-RnnPrediction -X $head
        $saved = $a | Get-RnnStreamState
        $expected = $a | Invoke-RnnPrediction -X $tail
        $b = $model | New-RnnStream -BatchSize 2
        $b | Set-RnnStreamState -State $saved -PassThru | Should -Be $b
        Get-Mismatch ($b | Invoke-RnnPrediction -X $tail) $expected | Should -Be 0
    }

    It 'returns copies: the saved states do not move on with the stream' {
        $a = $model | New-RnnStream -BatchSize 2
        $null = $a | Invoke-RnnPrediction -X $head
        $saved = $a | Get-RnnStreamState
        $copy = $saved['lstm.c'].Clone()
        $null = $a | Invoke-RnnPrediction -X $tail
        Get-Mismatch $saved['lstm.c'] $copy | Should -Be 0
    }

    It 'round-trips through an .npz file (Export-NpyData, Import-NpyData -AsHashtable)' {
        $a = $model | New-RnnStream -BatchSize 2
        $null = $a | Invoke-RnnPrediction -X $head
        $path = Join-Path $TestDrive 'state.npz'
        $a | Get-RnnStreamState | Export-NpyData -Path $path
        $expected = $a | Invoke-RnnPrediction -X $tail
        $b = $model | New-RnnStream -BatchSize 2
        Import-NpyData -Path $path -AsHashtable | Set-RnnStreamState -Stream $b
        Get-Mismatch ($b | Invoke-RnnPrediction -X $tail) $expected | Should -Be 0
    }

    It 'sets one state with -Name and -Value (arrays too), leaving the others; seeds a stream as initial_state' {
        $stream = $model | New-RnnStream -BatchSize 2
        Set-RnnStreamState -Stream $stream -Name gru.h -Value @(@(0.5, -0.5, 0.25), @(1, 0, -1))
        $state = $stream | Get-RnnStreamState
        $state['gru.h'].Data | Should -Be @(0.5, -0.5, 0.25, 1, 0, -1)
        $state['lstm.h'].Data | Where-Object { $_ -ne 0 } | Should -BeNullOrEmpty
        # A single-sequence stream takes a (units) vector.
        $one = $model | New-RnnStream
        $one | Set-RnnStreamState -Name LSTM.C -Value ([float[]] @(1, 2, 3, 4))
        ($one | Get-RnnStreamState)['lstm.c'].Data | Should -Be @(1, 2, 3, 4)
    }

    It 'honours -WhatIf' {
        $stream = $model | New-RnnStream
        Invoke-WithoutHost { param($Stream) $Stream | Set-RnnStreamState -Name lstm.h -Value ([float[]] @(1, 1, 1, 1)) -WhatIf } $stream
        ($stream | Get-RnnStreamState)['lstm.h'].Data | Where-Object { $_ -ne 0 } | Should -BeNullOrEmpty
    }
}

Describe 'Reset-RnnStream' {
    BeforeAll {
        $model = New-RnnModel -InputShape 0, 2 -Seed 4 | Add-LstmLayer 3
        $x = ConvertTo-RnnTensor ([float[]] (1..12 | ForEach-Object { $_ / 12 - 0.5 })) -Shape 2, 3, 2
    }

    It 'zeroes every sequence and the step count; the stream then starts again' {
        $stream = $model | New-RnnStream -BatchSize 2
        $first = $stream | Invoke-RnnPrediction -X $x
        $null = $stream | Invoke-RnnPrediction -X $x
        $stream | Reset-RnnStream
        $stream.Steps | Should -Be 0
        ($stream | Get-RnnStreamState).Values | ForEach-Object { $_.Data | Where-Object { $_ -ne 0 } } | Should -BeNullOrEmpty
        Get-Mismatch ($stream | Invoke-RnnPrediction -X $x) $first | Should -Be 0
    }

    It 'zeroes one sequence with -Index, the others continue' {
        $stream = $model | New-RnnStream -BatchSize 2
        $null = $stream | Invoke-RnnPrediction -X $x
        $before = $stream | Get-RnnStreamState
        Reset-RnnStream -Stream $stream -Index 1 -PassThru | Should -Be $stream
        $after = $stream | Get-RnnStreamState
        foreach ($name in 'lstm.h', 'lstm.c') {
            0..2 | ForEach-Object { $after[$name].GetValue(1, $_) | Should -Be 0 }
            0..2 | ForEach-Object { $after[$name].GetValue(0, $_) | Should -Be $before[$name].GetValue(0, $_) }
        }
    }
}

Describe 'Stream errors' {
    BeforeAll {
        $model = New-RnnModel -InputShape 0, 2 -Seed 5 | Add-LstmLayer 3 | Add-DenseLayer 2 -Activation softmax
        function Get-StreamError([scriptblock] $Script) {
            try { & $Script; $null } catch { $_ }
        }
    }

    It '<Id> (<Category>) for <Case>' -ForEach @(
        @{ Case = 'a Bidirectional layer'; Id = 'StreamBidirectional'; Category = 'InvalidOperation'
            Script = { New-RnnModel -InputShape 0, 2 | Add-LstmLayer 3 -Bidirectional | New-RnnStream } }
        @{ Case = 'a layer with -GoBackwards'; Id = 'StreamGoBackwards'; Category = 'InvalidOperation'
            Script = { New-RnnModel -InputShape 0, 2 | Add-GruLayer 3 -GoBackwards | New-RnnStream } }
        @{ Case = 'a model without a recurrent layer'; Id = 'StreamNoRecurrentLayer'; Category = 'InvalidOperation'
            Script = { New-RnnModel -InputShape 0, 2 | Add-DenseLayer 3 | New-RnnStream } }
        @{ Case = 'a model without layers'; Id = 'ModelEmpty'; Category = 'InvalidOperation'
            Script = { New-RnnModel -InputShape 0, 2 | New-RnnStream } }
        @{ Case = 'a chunk of another batch size'; Id = 'StreamChunkShape'; Category = 'InvalidArgument'
            Script = { $s = $model | New-RnnStream -BatchSize 2; $s | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] (1..12)) -Shape 3, 2, 2) } }
        @{ Case = 'a chunk of another feature width'; Id = 'StreamChunkShape'; Category = 'InvalidArgument'
            Script = { $s = $model | New-RnnStream; $s | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] (1..6)) -Shape 1, 2, 3) } }
        @{ Case = 'a (t, F) chunk for a stream of two'; Id = 'StreamChunkShape'; Category = 'InvalidArgument'
            Script = { $s = $model | New-RnnStream -BatchSize 2; $s | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] (1..4)) -Shape 2, 2) } }
        @{ Case = 'a chunk of other steps than a fixed-length model''s'; Id = 'StreamChunkShape'; Category = 'InvalidArgument'
            Script = { $s = New-RnnModel -InputShape 4, 2 | Add-LstmLayer 3 | New-RnnStream; $s | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] (1..4)) -Shape 1, 2, 2) } }
        @{ Case = 'a chunk holding NaN'; Id = 'DataNotFinite'; Category = 'InvalidData'
            Script = { $s = $model | New-RnnStream; $s | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] @(1, [float]::NaN)) -Shape 1, 1, 2) } }
        @{ Case = 'a model that gained a layer'; Id = 'StreamModelChanged'; Category = 'InvalidOperation'
            Script = { $m = New-RnnModel -InputShape 0, 2 | Add-GruLayer 3; $s = $m | New-RnnStream; $null = $m | Add-DenseLayer 1; $s | Invoke-RnnPrediction -X (ConvertTo-RnnTensor ([float[]] (1..2)) -Shape 1, 1, 2) } }
        @{ Case = 'an unknown state name'; Id = 'StreamStateUnknown'; Category = 'ObjectNotFound'
            Script = { $model | New-RnnStream | Set-RnnStreamState -Name gru.h -Value @(1, 2, 3) } }
        @{ Case = 'an unknown name in a hashtable'; Id = 'StreamStateUnknown'; Category = 'ObjectNotFound'
            Script = { $model | New-RnnStream | Set-RnnStreamState -State @{ 'lstm.h' = @(1, 2, 3); 'lstm.x' = @(1, 2, 3) } } }
        @{ Case = 'a state of the wrong shape'; Id = 'StreamStateShape'; Category = 'InvalidArgument'
            Script = { $model | New-RnnStream -BatchSize 2 | Set-RnnStreamState -Name lstm.h -Value ([float[]] (1..6)) } }
        @{ Case = 'a state of the wrong size'; Id = 'StreamStateShape'; Category = 'InvalidArgument'
            Script = { $model | New-RnnStream | Set-RnnStreamState -Name lstm.c -Value @(1, 2) } }
        @{ Case = 'a state holding infinity'; Id = 'DataNotFinite'; Category = 'InvalidData'
            Script = { $model | New-RnnStream | Set-RnnStreamState -Name lstm.c -Value @(1, [double]::PositiveInfinity, 3) } }
        @{ Case = 'a state that is not numbers'; Id = 'StreamStateInvalidValue'; Category = 'InvalidArgument'
            Script = { $model | New-RnnStream | Set-RnnStreamState -Name lstm.c -Value @('a', 'b', 'c') } }
        @{ Case = 'a sequence index out of range'; Id = 'StreamIndexOutOfRange'; Category = 'InvalidArgument'
            Script = { $model | New-RnnStream -BatchSize 2 | Reset-RnnStream -Index 2 } }
        @{ Case = 'a negative sequence index'; Id = 'StreamIndexOutOfRange'; Category = 'InvalidArgument'
            Script = { $model | New-RnnStream | Reset-RnnStream -Index -1 } }
        @{ Case = '-Class with -Sample'; Id = 'AmbiguousParameterSet'; Category = 'InvalidArgument'
            Script = { Invoke-RnnPrediction -Stream ($model | New-RnnStream) -X (ConvertTo-RnnTensor ([float[]] (1..2)) -Shape 1, 1, 2) -Class -Sample -Seed 1 } }
    ) {
        $err = Get-StreamError $Script
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.Exception.Message | Should -Not -Match '   at '
    }

    It 'checks every state of a hashtable before changing any' {
        $stream = $model | New-RnnStream
        $bad = [ordered]@{ 'lstm.h' = @(1, 2, 3); 'lstm.c' = @(1, 2) }
        { $stream | Set-RnnStreamState -State $bad } | Should -Throw -ErrorId 'StreamStateShape*'
        ($stream | Get-RnnStreamState)['lstm.h'].Data | Where-Object { $_ -ne 0 } | Should -BeNullOrEmpty
    }

    It 'refuses -BatchSize and -ThreadCount with -Stream (a stream has its own batch)' {
        $stream = $model | New-RnnStream
        { Invoke-RnnPrediction -Stream $stream -X (ConvertTo-RnnTensor ([float[]] (1..2)) -Shape 1, 1, 2) -BatchSize 4 } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
        { Invoke-RnnPrediction -Stream $stream -X (ConvertTo-RnnTensor ([float[]] (1..2)) -Shape 1, 1, 2) -ThreadCount 1 } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }
}
