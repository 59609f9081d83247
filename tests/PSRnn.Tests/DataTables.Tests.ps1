# Tables, rows and slices (issue 22, items 2 and 3): objects from Import-Csv to tensors, the same tensor from a file
# written by Python's csv module as from one written by Export-Csv, dates as cyclical features, Select-RnnSample,
# Join-RnnTensor and the .Slice() method.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $fixture = Join-Path $PSScriptRoot '../fixtures/data22'
    $table = Get-Content -LiteralPath (Join-Path $fixture 'table.json') -Raw | ConvertFrom-Json
    function Expected {
        # The fixture's rows (nan and inf written as text, as JSON has no such numbers).
        foreach ($row in $table.expected) { foreach ($v in $row) { if ($v -is [string]) { [double]::Parse($v.Replace('inf', 'Infinity').Replace('nan', 'NaN'), [cultureinfo]::InvariantCulture) } else { [double]$v } } }
    }
}

Describe 'ConvertTo-RnnTensor -Property' {
    It 'reads the file Python''s csv module wrote as NumPy would, dates as sin and cos of hour and weekday' {
        $t = Import-Csv -LiteralPath (Join-Path $fixture 'table.csv') | ConvertTo-RnnTensor -Property when, load, count, flag, temp -DateTimeFeatures Hour, Weekday
        $t.DType | Should -Be 'Float64'
        $t.Shape | Should -Be @(40, 8)
        $expected = @(Expected)
        $actual = $t.Data
        for ($i = 0; $i -lt $expected.Count; $i++) {
            if ([double]::IsNaN($expected[$i])) { [double]::IsNaN($actual[$i]) | Should -BeTrue; continue }
            if ($i % 8 -lt 4) { [math]::Abs($actual[$i] - $expected[$i]) | Should -BeLessThan 1e-12 } else { $actual[$i] | Should -Be $expected[$i] }
        }
    }

    It 'reads the same tensor from the same rows written by Export-Csv' {
        $python = Import-Csv -LiteralPath (Join-Path $fixture 'table.csv') | ConvertTo-RnnTensor -Property when, load, count, flag, temp -DateTimeFeatures Hour, Weekday
        # The rows as PowerShell objects of .NET types, then Export-Csv and Import-Csv: numbers round-trip as text.
        $objects = Import-Csv -LiteralPath (Join-Path $fixture 'table.csv') | ForEach-Object {
            [pscustomobject]@{
                when = [datetime]::Parse($_.when, [cultureinfo]::InvariantCulture)
                load = [double]::Parse($_.load.Replace('inf', 'Infinity').Replace('nan', 'NaN'), [cultureinfo]::InvariantCulture)
                count = [int]$_.count; flag = [bool]::Parse($_.flag); temp = [double]::Parse($_.temp, [cultureinfo]::InvariantCulture)
            }
        }
        $csv = Join-Path $TestDrive 'exported.csv'
        $objects | Export-Csv -LiteralPath $csv -NoTypeInformation
        $again = Import-Csv -LiteralPath $csv | ConvertTo-RnnTensor -Property when, load, count, flag, temp -DateTimeFeatures Hour, Weekday
        $again.Shape | Should -Be $python.Shape
        ($again.Data | ForEach-Object { $_.ToString('R', [cultureinfo]::InvariantCulture) }) |
            Should -Be ($python.Data | ForEach-Object { $_.ToString('R', [cultureinfo]::InvariantCulture) })
        # And the objects themselves, without the text in between.
        $direct = $objects | ConvertTo-RnnTensor -Property when, load, count, flag, temp -DateTimeFeatures Hour, Weekday
        ($direct.Data | ForEach-Object { $_.ToString('R', [cultureinfo]::InvariantCulture) }) |
            Should -Be ($python.Data | ForEach-Object { $_.ToString('R', [cultureinfo]::InvariantCulture) })
    }

    It 'takes hashtables by key, whatever the culture, and converts with -DType' {
        $rows = @{ a = '1.5'; b = 2 }, @{ a = '-1e-05'; b = $true }
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'     # a comma culture: the text is still read as invariant
            $t = $rows | ConvertTo-RnnTensor -Property A, b -DType Float32
        }
        finally { [cultureinfo]::CurrentCulture = $culture }
        $t.DType | Should -Be 'Float32'
        $t.Data | Should -Be @([float]1.5, [float]2, [float]-1e-05, [float]1)
    }

    It 'names the row and column of a bad cell' {
        $err = { @([pscustomobject]@{ x = 1 }, [pscustomobject]@{ x = '' }) | ConvertTo-RnnTensor -Property x } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'TableValueInvalid,*'
        $err.Exception.Message | Should -Match "Row 2, column 'x'"
    }
}

Describe 'ConvertTo-RnnWindow -Property' {
    It 'windows objects, the target named, dates as features' {
        $rows = 0..29 | ForEach-Object { [pscustomobject]@{ Time = ([datetime]'2024-03-04').AddHours($_); Load = 10 + $_; Temp = -$_ } }
        $w = $rows | ConvertTo-RnnWindow -Property Time, Load, Temp -DateTimeFeatures Hour -TargetProperty Temp -Lookback 4 -Horizon 2
        $w.X.Shape | Should -Be @(25, 4, 4)
        $w.Y.Shape | Should -Be @(25, 2)
        $w.TargetColumns | Should -Be @(3)
        @($w.Y.GetValue(0, 0), $w.Y.GetValue(0, 1)) | Should -Be @(-4, -5)
        [math]::Round($w.X.GetValue(0, 1, 0), 6) | Should -Be ([math]::Round([math]::Sin(2 * [math]::PI / 24), 6))   # 01:00
        $w.X.GetValue(0, 1, 2) | Should -Be 11
        # The same windows as from the table made by ConvertTo-RnnTensor -Property.
        $t = $rows | ConvertTo-RnnTensor -Property Time, Load, Temp -DateTimeFeatures Hour
        $same = ConvertTo-RnnWindow -InputObject $t -TargetColumn 3 -Lookback 4 -Horizon 2
        $same.X.Data | Should -Be $w.X.Data
        $same.Y.Data | Should -Be $w.Y.Data
    }
}

Describe 'Select-RnnSample' {
    BeforeAll {
        $x = ConvertTo-RnnTensor (0..23) -Shape 6, 2, 2
        $y = ConvertTo-RnnTensor ([sbyte[]](0..5))
    }

    It 'selects by index (negative from the end, any order), keeping the dtype and the other axes' {
        $s = Select-RnnSample $y -Index -1, 0, 0
        $s.DType | Should -Be 'Int8'
        $s.Data | Should -Be @(5, 0, 0)
        (Select-RnnSample $x -Index 1).Shape | Should -Be @(1, 2, 2)
        (Select-RnnSample $x -Index 1).Data | Should -Be @(4, 5, 6, 7)
        (Select-RnnSample $x -Index @()).Shape | Should -Be @(0, 2, 2)
    }

    It 'selects by mask, and by -Skip, -First and -Last as Select-Object does' {
        (Select-RnnSample $y -Mask ([bool[]](1, 0, 0, 1, 1, 0))).Data | Should -Be @(0, 3, 4)
        (Select-RnnSample $y -Skip 2 -First 3).Data | Should -Be (0..5 | Select-Object -Skip 2 -First 3)
        (Select-RnnSample $y -Last 2).Data | Should -Be (0..5 | Select-Object -Last 2)
        (Select-RnnSample $y -Skip 5 -First 9).Data | Should -Be @(5)
        (Select-RnnSample $y).Data | Should -Be @(0..5)
    }

    It 'draws the same random samples for every tensor piped, and again for the same seed' {
        $xs, $ys = $x, $y | Select-RnnSample -Random 4 -Seed 11
        $ys.Data | Should -HaveCount 4
        @($ys.Data | Sort-Object -Unique) | Should -HaveCount 4
        for ($i = 0; $i -lt 4; $i++) { $xs.GetValue($i, 0, 0) | Should -Be (4 * $ys.Data[$i]) }
        (Select-RnnSample $y -Random 4 -Seed 11).Data | Should -Be $ys.Data
        (Select-RnnSample $y -Random 6 -Seed 11).Data | Sort-Object | Should -Be @(0..5)
    }

    It '-Skip, -First and -Last share the tensor''s memory (a view); -Index, -Mask and -Random copy' {
        $src = ConvertTo-RnnTensor (0..23) -Shape 6, 2, 2 -DType Float32
        $v = Select-RnnSample $src -Skip 2 -First 3
        $v.IsWindow | Should -BeTrue
        [object]::ReferenceEquals($v.BackingArray, $src.BackingArray) | Should -BeTrue
        $v.Offset | Should -Be 8
        $v.Shape | Should -Be @(3, 2, 2)
        $src.SetValue(80, 2, 0, 0)
        $v.GetValue(0, 0, 0) | Should -Be 80
        $v.SetValue(-1, 2, 1, 1)
        $src.GetValue(4, 1, 1) | Should -Be -1
        (Select-RnnSample $src -Last 2).Offset | Should -Be 16
        [object]::ReferenceEquals((Select-RnnSample $src -Index 2, 3).BackingArray, $src.BackingArray) | Should -BeFalse
        [object]::ReferenceEquals((Select-RnnSample $src -Random 2 -Seed 1).BackingArray, $src.BackingArray) | Should -BeFalse
        [object]::ReferenceEquals((Select-RnnSample $src -Mask ([bool[]](0, 1, 1, 0, 0, 0))).BackingArray, $src.BackingArray) | Should -BeFalse
    }

    It 'gives a view''s .Data an array of its own, once, and at the edges 0 rows, all rows and beyond' {
        $src = ConvertTo-RnnTensor ([long[]](0..11)) -Shape 6, 2
        $v = Select-RnnSample $src -Skip 1 -First 2
        $data = $v.Data
        $data | Should -Be @(2, 3, 4, 5)
        [object]::ReferenceEquals($v.Data, $data) | Should -BeTrue
        $v.IsWindow | Should -BeFalse
        $data[0] = 99
        $src.GetValue(1, 0) | Should -Be 2
        $v.GetValue(0, 0) | Should -Be 99

        (Select-RnnSample $src -First 0).Shape | Should -Be @(0, 2)
        (Select-RnnSample $src -Skip 6).Shape | Should -Be @(0, 2)
        (Select-RnnSample $src -Skip 9 -First 2).Shape | Should -Be @(0, 2)
        $all = Select-RnnSample $src -First 60
        $all.IsWindow | Should -BeFalse
        [object]::ReferenceEquals($all.Data, $src.Data) | Should -BeTrue
        (Select-RnnSample $src -Last 60).Shape | Should -Be @(6, 2)
    }

    It 'trains on a -First view to the same weights, predictions and history as on its copy, and exports the same file' {
        $all = ConvertTo-RnnTensor ([float[]](1..(40 * 5 * 2) | ForEach-Object { [math]::Sin($_ / 7) })) -Shape 40, 5, 2
        $labels = ConvertTo-RnnTensor ([float[]](1..40 | ForEach-Object { [math]::Cos($_ / 3) })) -Shape 40, 1
        $xv, $yv = $all, $labels | Select-RnnSample -Skip 4 -First 30
        $xc, $yc = $all, $labels | Select-RnnSample -Index (4..33)
        $run = {
            param($x, $y)
            $m = New-RnnModel -InputShape 5, 2 -Seed 3 | Add-GruLayer 4 | Add-DenseLayer 1
            $h = $m | Invoke-RnnTraining -X $x -Y $y -Epochs 2 -BatchSize 8 -Seed 5 -Quiet
            [pscustomobject]@{
                Weights = @(0, 1 | ForEach-Object { Get-RnnLayerWeight -Model $m -Layer $_ } | ForEach-Object { $_.Data })
                Prediction = (Invoke-RnnPrediction -Model $m -X $x).Data
                Loss = @($h.History | ForEach-Object { $_.Loss })
            }
        }
        $fromView = & $run $xv $yv
        $fromCopy = & $run $xc $yc
        $fromView.Weights.Count | Should -BeGreaterThan 80
        $fromView.Weights | Should -Be $fromCopy.Weights
        $fromView.Prediction | Should -Be $fromCopy.Prediction
        $fromView.Loss | Should -HaveCount 2
        $fromView.Loss | Should -Be $fromCopy.Loss
        $xv.IsWindow | Should -BeTrue   # read in place: nothing asked for its .Data

        $viewFile = Join-Path $TestDrive 'view.npy'
        $copyFile = Join-Path $TestDrive 'copy.npy'
        $xv | Export-NpyData $viewFile -Force
        $xc | Export-NpyData $copyFile -Force
        (Get-FileHash $viewFile).Hash | Should -Be (Get-FileHash $copyFile).Hash
        $xv.IsWindow | Should -BeTrue
    }
}

Describe 'Join-RnnTensor and .Slice()' {
    It 'joins along the samples or the features, as NumPy''s concatenate' {
        $a = ConvertTo-RnnTensor (1..4) -Shape 2, 2
        $b = ConvertTo-RnnTensor (5..6) -Shape 1, 2
        $j = $a, $b | Join-RnnTensor
        $j.Shape | Should -Be @(3, 2)
        $j.Data | Should -Be @(1..6)
        (Join-RnnTensor $a, $a -Axis -1).Data | Should -Be @(1, 2, 1, 2, 3, 4, 3, 4)
    }

    It 'slices with NumPy''s notation, negative positions and steps included' {
        $x = ConvertTo-RnnTensor (0..23) -Shape 2, 3, 4
        $x.Slice(-1, '::-1', '1:3').Data | Should -Be @(21, 22, 17, 18, 13, 14)
        $x.Slice('...', 0).Shape | Should -Be @(2, 3)
        $x.Slice(':', 1).Data | Should -Be @(4, 5, 6, 7, 16, 17, 18, 19)
        $x.Slice('5:').Shape | Should -Be @(0, 3, 4)
    }

    It 'returns a view when the slice is one block of the tensor, a copy otherwise, and .Reshape() of a view is a view' {
        $x = ConvertTo-RnnTensor ([int[]](0..23)) -Shape 2, 3, 4
        foreach ($case in @(@{ Index = @(1); Offset = 12 }, @{ Index = @('1:2'); Offset = 12 }, @{ Index = @(1, '1:3'); Offset = 16 }, @{ Index = @('0:2', ':'); Offset = 0 })) {
            $s = $x.Slice.Invoke($case.Index)
            [object]::ReferenceEquals($s.BackingArray, $x.BackingArray) | Should -BeTrue
            $s.Offset | Should -Be $case.Offset
        }

        foreach ($index in @(@(':', '::2'), @(':', 1), @('...', '1:3'), @('::-1'))) {
            [object]::ReferenceEquals($x.Slice.Invoke($index).BackingArray, $x.BackingArray) | Should -BeFalse
        }

        $r = $x.Slice(1).Reshape(4, 3).Slice('2:4')
        [object]::ReferenceEquals($r.BackingArray, $x.BackingArray) | Should -BeTrue
        $r.Offset | Should -Be 18
        $r.Data | Should -Be @(18..23)
        "$($x.Slice(1, '1:3'))" | Should -Be "$(ConvertTo-RnnTensor ([int[]](16..23)) -Shape 2, 4)"
        ($x.Slice(1), $x.Slice(0) | Join-RnnTensor).Data | Should -Be @(12..23 + 0..11)
        (ConvertTo-RnnTensor $x.Slice(1) -DType Float64).Data | Should -Be @(12..23)
    }
}
