# Measure-RnnAttribution, Get-RnnActivation and their pictures through the cmdlets (issue 21). The engine's input
# gradients and gates are checked against PyTorch in the xunit tests (tests/fixtures/attr21); here: integrated
# gradients' completeness (Σ attributions = f(x) − f(baseline)) on SimpleRNN, LSTM and GRU models, occlusion against
# the occluded inputs run through Invoke-RnnPrediction, the gate relations, and the PNGs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    . (Join-Path $PSScriptRoot 'PngTools.ps1')
    $random = [Random]::new(21)
    $script:X = ConvertTo-RnnTensor -InputObject ([float[]] (1..(5 * 8 * 3) | ForEach-Object { $random.NextDouble() * 3 - 1.5 })) -Shape 5, 8, 3

    function New-Classifier([string] $Kind, [int] $Seed = 5) {
        $model = New-RnnModel -InputShape 8, 3 -Seed $Seed
        $model = switch ($Kind) {
            'SimpleRNN' { $model | Add-SimpleRnnLayer 6 }
            'LSTM' { $model | Add-LstmLayer 6 }
            'GRU' { $model | Add-GruLayer 6 }
        }
        $model | Add-DenseLayer 3 -Activation softmax
    }

    # Dark (text-like) pixels inside a rectangle of the picture.
    function Get-DarkPixels($Png, [int] $X0, [int] $Y0, [int] $X1, [int] $Y1) {
        $dark = 0
        for ($y = $Y0; $y -lt $Y1; $y++) {
            for ($x = $X0; $x -lt $X1; $x++) {
                $c = [long] $Png.At($x, $y)
                if ((($c -shr 24) -band 0xFF) -lt 0x50 -and (($c -shr 16) -band 0xFF) -lt 0x50 -and (($c -shr 8) -band 0xFF) -lt 0x50) { $dark++ }
            }
        }
        $dark
    }
}

Describe 'Measure-RnnAttribution' {
    It 'integrated gradients add up to f(x) − f(baseline) within 1 % at 64 steps (<Kind>)' -ForEach @(
        @{ Kind = 'SimpleRNN' }, @{ Kind = 'LSTM' }, @{ Kind = 'GRU' }
    ) {
        $model = New-Classifier $Kind
        $attr = $model | Measure-RnnAttribution -X $X -Method IntegratedGradients -Steps 64
        $attr.Attributions.Shape | Should -Be @(5, 8, 3)
        $attr.Steps | Should -Be 64
        $values = $attr.Attributions.ToSingleArray([ref] 0)
        $p = $model | Invoke-RnnPrediction -X $X
        $p0 = $model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject ([float[]]::new(120)) -Shape 5, 8, 3)
        $worst = 0.0
        for ($s = 0; $s -lt 5; $s++) {
            $target = $attr.Target[$s]
            $target | Should -Be ([Linq.Enumerable]::ToArray(($model | Invoke-RnnPrediction -X $X -Class).Data)[$s]) -Because 'the predicted class is attributed by default'
            $attr.Output[$s] | Should -BeLessThan ($p.GetValue($s, $target) + 1e-6)
            $attr.Output[$s] | Should -BeGreaterThan ($p.GetValue($s, $target) - 1e-6)
            $attr.BaselineOutput[$s] | Should -BeGreaterThan ($p0.GetValue($s, $target) - 1e-6)
            $attr.BaselineOutput[$s] | Should -BeLessThan ($p0.GetValue($s, $target) + 1e-6)
            $sum = 0.0
            for ($j = $s * 24; $j -lt ($s + 1) * 24; $j++) { $sum += $values[$j] }
            $change = $attr.Output[$s] - $attr.BaselineOutput[$s]
            [math]::Abs($change) | Should -BeGreaterThan 1e-3 -Because 'the test needs an output that moves'
            $relative = [math]::Abs($sum - $change) / [math]::Abs($change)
            $relative | Should -BeLessThan 0.01
            [math]::Abs($attr.ConvergenceDelta[$s] - ($sum - $change)) | Should -BeLessThan 1e-5
            $worst = [math]::Max($worst, $relative)
        }
        Write-Host ("    {0}: worst relative completeness error {1:E2}" -f $Kind, $worst)
    }

    It 'gives occlusion the mean drop of f over the windows covering a step, as running the occluded inputs does' {
        $model = New-Classifier LSTM
        $attr = $model | Measure-RnnAttribution -X $X -Method Occlusion -Window 3 -Stride 2 -Target 1 -Baseline 0.25
        $values = $attr.Attributions.ToSingleArray([ref] 0)
        $data = $X.ToSingleArray([ref] 0)
        $windows = @(@(0, 3), @(2, 5), @(4, 7), @(6, 8))
        for ($s = 0; $s -lt 5; $s++) {
            $row = [float[]] $data[($s * 24)..($s * 24 + 23)]
            $full = ($model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $row -Shape 1, 8, 3)).GetValue(0, 1)
            $sums = [double[]]::new(8); $counts = [int[]]::new(8)
            foreach ($w in $windows) {
                $copy = [float[]] $row.Clone()
                for ($j = $w[0] * 3; $j -lt $w[1] * 3; $j++) { $copy[$j] = 0.25 }
                $drop = $full - ($model | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject $copy -Shape 1, 8, 3)).GetValue(0, 1)
                for ($t = $w[0]; $t -lt $w[1]; $t++) { $sums[$t] += $drop; $counts[$t]++ }
            }
            for ($t = 0; $t -lt 8; $t++) {
                for ($f = 0; $f -lt 3; $f++) {
                    [math]::Abs($values[$s * 24 + $t * 3 + $f] - $sums[$t] / $counts[$t]) | Should -BeLessThan 1e-6
                }
            }
        }
        $attr.ConvergenceDelta | Should -BeNullOrEmpty
    }

    It 'makes GradientTimesInput x times the signed saliency, and saliency its absolute value' {
        $model = New-Classifier GRU
        $gradient = ($model | Measure-RnnAttribution -X $X -Method Saliency -Signed -Target 2).Attributions.ToSingleArray([ref] 0)
        $saliency = ($model | Measure-RnnAttribution -X $X -Method Saliency -Target 2).Attributions.ToSingleArray([ref] 0)
        $times = ($model | Measure-RnnAttribution -X $X -Method GradientTimesInput -Target 2).Attributions.ToSingleArray([ref] 0)
        $data = $X.ToSingleArray([ref] 0)
        @($gradient | Where-Object { $_ -lt 0 }).Count | Should -BeGreaterThan 0
        for ($i = 0; $i -lt $data.Count; $i++) {
            $saliency[$i] | Should -Be ([math]::Abs($gradient[$i]))
            [math]::Abs($times[$i] - $data[$i] * $gradient[$i]) | Should -BeLessThan 1e-7
        }
    }

    It 'prints the method, the shape and the per-sample figures' {
        $text = New-Classifier SimpleRNN | Measure-RnnAttribution -X $X -Steps 8 | Out-String
        $text | Should -Match 'Method\s+: IntegratedGradients \(8 steps\)'
        $text | Should -Match 'Attributions\s+: \(5, 8, 3\) float32'
        $text | Should -Match 'ConvergenceDelta : '
    }
}

Describe 'Get-RnnActivation' {
    It 'returns an LSTM''s h, i, f, g, o, c per step, with h = o ⊙ tanh(c) and the last h the output' {
        $model = New-Classifier LSTM
        $act = $model | Get-RnnActivation -X $X -Layer lstm
        $act.LayerIndex | Should -Be 0
        @($act.Gates.Keys) | Should -Be @('h', 'i', 'f', 'g', 'o', 'c')
        $act.Output.Shape | Should -Be @(5, 6)
        foreach ($name in $act.Gates.Keys) { $act.Gates[$name].Shape | Should -Be @(5, 8, 6) }
        for ($s = 0; $s -lt 5; $s += 2) {
            for ($u = 0; $u -lt 6; $u++) {
                $act.Gates.h.GetValue($s, 7, $u) | Should -Be $act.Output.GetValue($s, $u)
                for ($t = 0; $t -lt 8; $t += 3) {
                    $expected = $act.Gates.o.GetValue($s, $t, $u) * [math]::Tanh($act.Gates.c.GetValue($s, $t, $u))
                    [math]::Abs($act.Gates.h.GetValue($s, $t, $u) - $expected) | Should -BeLessThan 1e-5
                    $act.Gates.f.GetValue($s, $t, $u) | Should -BeGreaterThan 0
                    $act.Gates.f.GetValue($s, $t, $u) | Should -BeLessThan 1
                }
            }
        }
    }

    It 'returns a GRU''s z, r, n, with h = z ⊙ h₋₁ + (1 − z) ⊙ n' {
        $act = New-Classifier GRU | Get-RnnActivation -X $X -Layer 0
        @($act.Gates.Keys) | Should -Be @('h', 'z', 'r', 'n')
        for ($t = 1; $t -lt 8; $t++) {
            $z = $act.Gates.z.GetValue(1, $t, 2)
            $expected = $z * $act.Gates.h.GetValue(1, $t - 1, 2) + (1 - $z) * $act.Gates.n.GetValue(1, $t, 2)
            [math]::Abs($act.Gates.h.GetValue(1, $t, 2) - $expected) | Should -BeLessThan 1e-6
        }
    }

    It 'names a Bidirectional layer''s directions, and gives other layers their output only' {
        $model = New-RnnModel -InputShape 8, 3 -Seed 2 | Add-GruLayer 4 -Bidirectional -ReturnSequences | Add-DenseLayer 2
        $act = $model | Get-RnnActivation -X $X -Layer 0
        @($act.Gates.Keys) | Should -Be @('forward_h', 'forward_z', 'forward_r', 'forward_n', 'backward_h', 'backward_z', 'backward_r', 'backward_n')
        $act.Output.Shape | Should -Be @(5, 8, 8)
        # The backward direction's step 0 is the last it ran: its h is the output's second half at step 0.
        $act.Gates.backward_h.GetValue(3, 0, 1) | Should -Be $act.Output.GetValue(3, 0, 5)
        $act.Gates.forward_h.GetValue(3, 7, 1) | Should -Be $act.Output.GetValue(3, 7, 1)
        $dense = $model | Get-RnnActivation -X $X -Layer -1
        $dense.Gates.Count | Should -Be 0
        $dense.Output.Shape | Should -Be @(5, 8, 2)
        ($dense | Out-String) | Should -Match 'Gates\s+: \(none'
    }
}

Describe 'Export-RnnAttributionPlot and Export-RnnActivationPlot' {
    It 'draws a heat map and per-step bars of the default size, with axis labels' {
        $path = Join-Path $TestDrive 'attr.png'
        New-Classifier GRU | Measure-RnnAttribution -X $X -Steps 16 | Export-RnnAttributionPlot $path -Sample 2 | Should -BeNullOrEmpty
        $png = [PSRnnTests.PngImage]::Read($path)
        $png.Width | Should -Be 900
        $png.Height | Should -Be 650
        $png.InkedFraction() | Should -BeGreaterThan 0.3 -Because 'the heat map fills much of the picture'
        $png.DistinctColors() | Should -BeGreaterThan 30 -Because 'cells of different attributions get different colours, and there is text'
        Get-DarkPixels $png 0 100 30 400 | Should -BeGreaterThan 20 -Because 'the feature axis is labelled on the left'
        Get-DarkPixels $png 300 400 600 440 | Should -BeGreaterThan 20 -Because 'the time axis is labelled under the heat map'
        Get-DarkPixels $png 200 0 700 35 | Should -BeGreaterThan 20 -Because 'there is a title'
    }

    It 'draws gate traces of a few units, honouring -Gate, -Unit, -Width, -Height and -PassThru' {
        $act = New-Classifier LSTM | Get-RnnActivation -X $X -Layer 0
        $path = Join-Path $TestDrive 'gates.png'
        $file = $act | Export-RnnActivationPlot -LiteralPath $path -Sample 1 -Gate f, c -Unit 0, 3 -Width 700 -Height 400 -PassThru
        $file | Should -BeOfType [IO.FileInfo]
        $png = [PSRnnTests.PngImage]::Read($path)
        $png.Width | Should -Be 700
        $png.Height | Should -Be 400
        $png.InkedFraction() | Should -BeGreaterThan 0.01
        $png.InkedFraction() | Should -BeLessThan 0.5 -Because 'line charts on white'
        $png.DistinctColors() | Should -BeGreaterThan 10
        Get-DarkPixels $png 0 50 25 350 | Should -BeGreaterThan 10 -Because 'the value axis is labelled'
    }

    It 'refuses to overwrite without -Force, and writes nothing with -WhatIf' {
        $attr = New-Classifier SimpleRNN | Measure-RnnAttribution -X $X -Method GradientTimesInput
        $path = Join-Path $TestDrive 'exists.png'
        Set-Content -LiteralPath $path -Value 'x'
        { $attr | Export-RnnAttributionPlot $path } | Should -Throw -ErrorId 'ExportFileExists,PSRnn.Commands.ExportRnnAttributionPlotCommand'
        $attr | Export-RnnAttributionPlot (Join-Path $TestDrive 'whatif.png') -WhatIf 6>$null
        Test-Path (Join-Path $TestDrive 'whatif.png') | Should -BeFalse
    }
}
