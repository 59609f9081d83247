BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    $data = New-ToyData -Count 96
    # Four different runs: architectures, seeds, optimizers, dropout and thread counts. Each returns its trained
    # weights' bits and its history, so "the same result" means the same bits.
    $script:Runs = @(
        @{ Id = 'lstm-t1'; Seed = 11; Layer = 'Add-LstmLayer'; Optimizer = 'adam'; Threads = 1; Dropout = 0.0 }
        @{ Id = 'gru-t2'; Seed = 12; Layer = 'Add-GruLayer'; Optimizer = 'rmsprop'; Threads = 2; Dropout = 0.2 }
        @{ Id = 'rnn-t1'; Seed = 13; Layer = 'Add-SimpleRnnLayer'; Optimizer = 'sgd'; Threads = 1; Dropout = 0.0 }
        @{ Id = 'lstm-t2'; Seed = 14; Layer = 'Add-LstmLayer'; Optimizer = 'adamw'; Threads = 2; Dropout = 0.1 }
    )
    $script:Train = {
        param($Run, $X, $Y)
        $model = New-RnnModel -InputShape 6, 2 -Seed $Run.Seed | & $Run.Layer 12 -Dropout $Run.Dropout -ReturnSequences |
            & $Run.Layer 8 | Add-DenseLayer 2 -Activation softmax
        # Runspaces of their own, past TestSetup's default: their epoch lines would reach the shared host.
        $model | Invoke-RnnTraining -X $X -Y $Y -Epochs 4 -BatchSize 16 -Optimizer $Run.Optimizer -ValidationSplit 0.25 -ThreadCount $Run.Threads `
            -InformationAction Ignore | Out-Null
        $bits = foreach ($w in Get-RnnLayerWeight -Model $model) { foreach ($v in $w.Data) { [BitConverter]::SingleToUInt32Bits($v) } }
        [pscustomobject]@{
            Id     = $Run.Id
            Bits   = [uint32[]] $bits
            Losses = [double[]] $model.History.Loss
            Thread = [Threading.Thread]::CurrentThread.ManagedThreadId
        }
    }
    $X = $data.X; $Y = $data.Labels
    # Each run alone, one after the other, on this thread.
    $script:Alone = @{}
    foreach ($run in $Runs) { $Alone[$run.Id] = & $Train $run $X $Y }

    function Assert-SameAsAlone($results) {
        $results | Should -HaveCount $Runs.Count
        foreach ($r in $results) {
            $r.Bits.Count | Should -Be $Alone[$r.Id].Bits.Count
            [Linq.Enumerable]::SequenceEqual($r.Bits, $Alone[$r.Id].Bits) | Should -BeTrue -Because "$($r.Id) trained at once with others ends with the weights it has alone"
            $r.Losses | Should -Be $Alone[$r.Id].Losses
        }
    }
}

Describe 'Several models trained at once in one process' {
    It 'gives different runs different weights (the comparison can tell them apart)' {
        [Linq.Enumerable]::SequenceEqual($Alone['lstm-t1'].Bits, $Alone['lstm-t2'].Bits) | Should -BeFalse
    }

    It 'with ForEach-Object -Parallel, each run ends exactly as alone' {
        $module = $ModulePath; $train = $Train.ToString(); $x = $X; $y = $Y
        $results = $Runs | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:module
            & ([scriptblock]::Create($using:train)) $_ $using:x $using:y
        }
        @($results.Thread | Sort-Object -Unique).Count | Should -BeGreaterThan 1 -Because 'the runs were on several threads'
        Assert-SameAsAlone $results
    }

    It 'with Start-ThreadJob, each run ends exactly as alone' {
        $jobs = foreach ($run in $Runs) {
            Start-ThreadJob -ThrottleLimit 4 -ArgumentList $ModulePath, $Train.ToString(), $run, $X, $Y -ScriptBlock {
                param($module, $train, $run, $x, $y)
                Import-Module $module
                & ([scriptblock]::Create($train)) $run $x $y
            }
        }
        $results = $jobs | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        Assert-SameAsAlone $results
    }

    It 'twice at once with the same model settings, both runs agree with each other and with the lone run' {
        $module = $ModulePath; $train = $Train.ToString(); $x = $X; $y = $Y
        $same = @($Runs[1], $Runs[1], $Runs[1])
        $results = $same | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:module
            & ([scriptblock]::Create($using:train)) $_ $using:x $using:y
        }
        foreach ($r in $results) { [Linq.Enumerable]::SequenceEqual($r.Bits, $Alone['gru-t2'].Bits) | Should -BeTrue }
    }
}
