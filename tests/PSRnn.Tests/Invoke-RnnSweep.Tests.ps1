BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Toy = New-ToyData -Count 24 -Steps 4 -Features 2
    $script:ModelScript = { param($p) New-RnnModel -InputShape 4, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax }
    $script:Grid = @{ Units = 2, 3; LearningRate = 0.01, 0.03 }
    # Every weight of every layer, flat, in layer order.
    function Get-AllWeight {
        param($Model)
        for ($i = 0; $i -lt $Model.Layers.Count; $i++) { Get-RnnLayerWeight -Model $Model -Layer $i | ForEach-Object { $_.Data } }
    }
    # The seed the help documents, computed here on its own: SHA-256 of "seed\n" and the sorted "name=value\n" lines.
    function Get-TrialSeed {
        param([uint64] $SweepSeed, [hashtable] $Values)
        $text = "$SweepSeed`n" + (($Values.Keys | ForEach-Object { $_.ToLowerInvariant() } | Sort-Object -CaseSensitive | ForEach-Object {
                    $key = $_; $value = $Values[($Values.Keys | Where-Object { $_.ToLowerInvariant() -eq $key })]
                    '{0}={1}' -f $key, $(if ($value -is [double]) { $value.ToString('R', [cultureinfo]::InvariantCulture) } else { "$value" })
                }) -join "`n") + "`n"
        $hash = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($text))
        [BitConverter]::ToUInt64($hash, 0)
    }
}

Describe 'Invoke-RnnSweep' {
    BeforeAll {
        $script:Serial = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript)
    }

    It 'runs the grid, first name varying slowest (names sorted for a plain hashtable), and reports each trial' {
        $Serial.Count | Should -Be 4
        $Serial.Trial | Should -Be 1, 2, 3, 4
        @($Serial | ForEach-Object { '{0}/{1}' -f $_.Parameters.LearningRate, $_.Parameters.Units }) | Should -Be '0.01/2', '0.01/3', '0.03/2', '0.03/3'
        foreach ($t in $Serial) {
            $t.Error | Should -BeNullOrEmpty
            $t.Epochs | Should -Be 2
            $t.Model.History.Count | Should -Be 2
            $t.Loss | Should -Be $t.Model.History[1].Loss
            $t.ValLoss | Should -Be $t.Model.History[1].ValidationLoss
            $t.ValMetrics['accuracy'] | Should -Be $t.Model.History[1].ValidationMetrics['accuracy']
            $t.Machine | Should -Be ([Environment]::MachineName)
            $t.Model.Layers[0].Units | Should -Be $t.Parameters.Units
        }
    }

    It 'gives each trial the seed its values hash to, as the model''s seed and the training''s' {
        foreach ($t in $Serial) {
            $t.Seed | Should -Be (Get-TrialSeed -SweepSeed 0 -Values @{ Units = $t.Parameters.Units; LearningRate = $t.Parameters.LearningRate })
            $t.Model.Seed | Should -Be $t.Seed
            $alone = & $ModelScript $t.Parameters | Invoke-RnnTraining -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 `
                -LearningRate $t.Parameters.LearningRate -Seed $t.Seed -Quiet
            # The model script names no seed: the weights are the trial's only because the sweep passes its seed on.
            $seeded = New-RnnModel -InputShape 4, 2 -Seed $t.Seed | Add-GruLayer $t.Parameters.Units | Add-DenseLayer 2 -Activation softmax |
                Invoke-RnnTraining -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -LearningRate $t.Parameters.LearningRate -Seed $t.Seed -Quiet
            Get-AllWeight $t.Model | Should -Be (Get-AllWeight $seeded)
            Get-AllWeight $t.Model | Should -Not -Be (Get-AllWeight $alone)
        }
    }

    It 'gives a trial the same weights in parallel runspaces, in another order, or drawn by -Random' {
        $parallel = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript -ThrottleLimit 2)
        $reordered = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -ModelScript $ModelScript `
                -Parameters ([ordered]@{ Units = 3, 2; LearningRate = 0.03, 0.01 }))
        $drawn = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript -Random 2 -Seed 0)
        $parallel.Count | Should -Be 4
        $drawn.Count | Should -Be 2
        ($reordered | Select-Object -First 1).Parameters.Keys | Should -Be 'Units', 'LearningRate'
        foreach ($other in @($parallel) + $reordered + $drawn) {
            $same = $Serial | Where-Object { $_.Parameters.Units -eq $other.Parameters.Units -and $_.Parameters.LearningRate -eq $other.Parameters.LearningRate }
            $other.Seed | Should -Be $same.Seed
            $other.ValLoss | Should -Be $same.ValLoss
            Get-AllWeight $other.Model | Should -Be (Get-AllWeight $same.Model)
        }
    }

    It 'draws -Random trials by -Seed: the same draws for the same seed, the grid when n covers it' {
        $a = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Parameters @{ Units = 1..6 } -ModelScript $ModelScript -Random 3 -Seed 5)
        $b = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Parameters @{ Units = 1..6 } -ModelScript $ModelScript -Random 3 -Seed 5)
        $a.Parameters.Units | Should -Be $b.Parameters.Units
        @($a.Parameters.Units | Sort-Object -Unique).Count | Should -Be 3
        @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Parameters @{ Units = 1, 2 } -ModelScript $ModelScript -Random 5).Count | Should -Be 2
    }

    It 'passes parameters that name Invoke-RnnTraining''s settings to it, and a single value as a list of one' {
        $t = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Parameters @{ Units = 2; Optimizer = 'sgd'; Epochs = 3; LearningRate = 0.05 } -ModelScript $ModelScript)
        $t.Count | Should -Be 1
        $t[0].Epochs | Should -Be 3
        $t[0].Model.Optimizer.KerasName | Should -Be 'SGD'
        $t[0].Model.Optimizer.LearningRate | Should -Be ([float] 0.05)
    }

    It 'writes the CSV after each trial, and a rerun skips the finished trials and runs the failed one' {
        $csv = Join-Path $TestDrive 'resume.csv'
        $failing = { param($p) if ($p.Units -eq 3 -and $env:PSRNN_SWEEP_TEST_FAIL) { throw 'three units are refused today' }; New-RnnModel -InputShape 4, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax }
        $env:PSRNN_SWEEP_TEST_FAIL = '1'
        try {
            $first = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $failing -ResultPath $csv -ErrorVariable failures -ErrorAction SilentlyContinue)
        } finally {
            Remove-Item Env:PSRNN_SWEEP_TEST_FAIL
        }
        $first.Count | Should -Be 4
        $failures.Count | Should -Be 2
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SweepTrialFailed,*'
        $failures[0].Exception.Message | Should -Match 'Trial 2 \(LearningRate=0\.01, Units=3\) failed on .*: three units are refused today'
        $rows = Import-Csv $csv
        $rows.trial | Should -Be 1, 2, 3, 4
        ($rows | Where-Object error).trial | Should -Be 2, 4
        $rows[1].error | Should -Match '^\[SweepTrialFailed\] three units'
        $rows[0].params_Units | Should -Be 2
        $rows[0].seed | Should -Be $Serial[0].Seed
        [double] $rows[0].val_loss | Should -Be $Serial[0].ValLoss
        [double] $rows[0].val_accuracy | Should -Be $Serial[0].ValMetrics['accuracy']
        Get-ChildItem -LiteralPath $TestDrive -Filter '.*.tmp' -Force | Should -BeNullOrEmpty -Because 'the file is replaced by a rename'

        $second = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $failing -ResultPath $csv)
        ($second | Where-Object Resumed).Trial | Should -Be 1, 3
        ($second | Where-Object { -not $_.Resumed }).Trial | Should -Be 2, 4
        ($second | Where-Object Resumed)[0].ValLoss | Should -Be $Serial[0].ValLoss
        Get-AllWeight ($second | Where-Object Trial -eq 4).Model | Should -Be (Get-AllWeight $Serial[3].Model)
        $rows = Import-Csv $csv
        $rows.trial | Should -Be 1, 2, 3, 4
        $rows.error | Where-Object { $_ } | Should -BeNullOrEmpty
        [double[]] $rows.val_loss | Should -Be $Serial.ValLoss
    }

    It 'keeps the file''s rows of other trials (another -Seed) when it adds its own' {
        $csv = Join-Path $TestDrive 'two-seeds.csv'
        $null = Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Parameters @{ Units = 2, 3 } -ModelScript $ModelScript -ResultPath $csv -Seed 1
        $first = Import-Csv $csv
        $null = Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Parameters @{ Units = 2, 3 } -ModelScript $ModelScript -ResultPath $csv -Seed 2
        $rows = Import-Csv $csv
        $rows.Count | Should -Be 4
        ($rows | Select-Object -Last 2 | ConvertTo-Csv) | Should -Be ($first | ConvertTo-Csv) -Because 'the other seed''s rows are kept as they were'
        ($rows | Select-Object -First 2).seed | Should -Not -Be $first.seed
    }

    It 'saves the best trial''s model by val_loss, or by a -Monitor metric' {
        $best = Join-Path $TestDrive 'best.safetensors'
        $null = Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript -BestModelPath $best
        $winner = $Serial | Sort-Object ValLoss | Select-Object -First 1
        Get-AllWeight (Import-RnnModel $best) | Should -Be (Get-AllWeight $winner.Model)
        $null = Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript -BestModelPath $best -Monitor loss
        Get-AllWeight (Import-RnnModel $best) | Should -Be (Get-AllWeight ($Serial | Sort-Object Loss | Select-Object -First 1).Model)
        $null = Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript -BestModelPath $best -Monitor val_accuracy
        $top = $Serial | Sort-Object { $_.ValMetrics['accuracy'] } -Descending -Stable | Select-Object -First 1
        Get-AllWeight (Import-RnnModel $best) | Should -Be (Get-AllWeight $top.Model)
    }

    It 'passes a trial''s warnings on, named by the trial, from this runspace and from parallel ones' {
        $loud = ConvertTo-RnnTensor -InputObject ([float[]] ($Toy.X.Data | ForEach-Object { $_ * 100 })) -Shape 24, 4, 2
        foreach ($limit in 1, 2) {
            $null = Invoke-RnnSweep -X $loud -Y $Toy.Labels -Parameters @{ Units = 2, 3 } -ModelScript $ModelScript -ThrottleLimit $limit -WarningVariable warned 3>$null
            @($warned | Where-Object { "$_" -match '^Trial [12] \(Units=[23]\): X holds values up to' }).Count | Should -Be 2
        }
    }

    It 'warns once when no trial has the -Monitor figure' {
        $null = Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Parameters @{ Units = 2, 3 } -ModelScript $ModelScript -Monitor val_accuracy -WarningVariable warned 3>$null
        @($warned).Count | Should -Be 1
        "$($warned[0])" | Should -Match "^Trial 1 \(Units=2\) has no figure 'val_accuracy' to rank it by \(it has loss, accuracy\)"
    }

    It 'leaves the caller''s $PSDefaultParameterValues as they were' {
        $PSDefaultParameterValues.ContainsKey('New-RnnModel:Seed') | Should -BeFalse
    }
}
