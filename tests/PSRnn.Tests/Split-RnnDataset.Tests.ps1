BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # Expected indices are scikit-learn 1.2's train_test_split on this machine (Debian python3-sklearn):
    #   train_test_split(np.arange(10), test_size=0.2, random_state=42)
    #   train_test_split(np.arange(12), test_size=0.25, random_state=7, stratify=y)        with y below
    #   train_test_split(np.arange(12), test_size=0.25, random_state=7, stratify=eye(3)[y]) (one-hot rows)
    $labels = @(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2)
}

Describe 'Split-RnnDataset' {
    It 'gives the split scikit-learn gives for the same seed' {
        $x = ConvertTo-RnnTensor (0..9)
        $split = Split-RnnDataset -X $x -TestFraction 0.2 -Seed 42
        $split.TrainIndex | Should -Be @(5, 0, 7, 2, 9, 4, 3, 6)
        $split.TestIndex | Should -Be @(8, 1)
        $split.XTest.Data | Should -Be @(8, 1)
        $split.YTrain | Should -BeNullOrEmpty
    }

    It 'splits X and Y rows together' {
        $x = ConvertTo-RnnTensor (0..29) -Shape 10, 3
        $y = ConvertTo-RnnTensor (100..109)
        $split = Split-RnnDataset -X $x -Y $y -TestFraction 0.2 -Seed 42
        $split.XTrain.Shape | Should -Be @(8, 3)
        $split.XTest.Shape | Should -Be @(2, 3)
        $split.YTest.Data | Should -Be @(108, 101)
        $split.XTest.GetValue(0, 0) | Should -Be 24
    }

    It 'stratifies by integer labels as scikit-learn does' {
        $split = Split-RnnDataset -X (ConvertTo-RnnTensor (0..11)) -Y (ConvertTo-RnnTensor $labels) -TestFraction 0.25 -Seed 7 -Stratify
        $split.TrainIndex | Should -Be @(8, 6, 5, 11, 4, 1, 3, 2, 9)
        $split.TestIndex | Should -Be @(10, 7, 0)
    }

    It 'stratifies by one-hot rows as scikit-learn does' {
        $oneHot = ConvertTo-RnnOneHot -InputObject $labels -NumClasses 3
        $split = Split-RnnDataset -X (ConvertTo-RnnTensor (0..11)) -Y $oneHot -TestFraction 0.25 -Seed 7 -Stratify
        $split.TrainIndex | Should -Be @(10, 6, 8, 9, 11, 4, 3, 1, 0)
        $split.TestIndex | Should -Be @(5, 7, 2)
        $split.YTest.Shape | Should -Be @(3, 3)
    }

    It 'gives the same split for the same seed, and another for another seed' {
        $x = ConvertTo-RnnTensor (0..99)
        $a = Split-RnnDataset $x -Seed 1
        $b = Split-RnnDataset $x -Seed 1
        $c = Split-RnnDataset $x -Seed 2
        $a.TestIndex | Should -Be $b.TestIndex
        $a.TestIndex | Should -Not -Be $c.TestIndex
        $a.TestIndex.Count | Should -Be 25
    }

    It 'holds out -TestCount rows' {
        (Split-RnnDataset (ConvertTo-RnnTensor (0..9)) -TestCount 3 -Seed 0).XTest.Shape | Should -Be @(3)
    }

    It 'takes the last rows as the test set with -NoShuffle' {
        $split = Split-RnnDataset (ConvertTo-RnnTensor (0..9)) -TestFraction 0.3 -NoShuffle
        $split.TestIndex | Should -Be @(7, 8, 9)
        $split.TrainIndex | Should -Be @(0, 1, 2, 3, 4, 5, 6)
    }

    It 'takes X and Y by property name from the pipeline' {
        $data = [pscustomobject]@{ X = ConvertTo-RnnTensor (0..9); Y = ConvertTo-RnnTensor (0..9) }
        $split = $data | Split-RnnDataset -TestFraction 0.2 -Seed 42
        $split.YTest.Data | Should -Be @(8, 1)
    }

    It 'accepts plain arrays for -X and -Y' {
        $split = Split-RnnDataset -X ([float[]](0..9)) -Y (0..9) -Seed 42 -TestFraction 0.2
        $split.XTest.DType | Should -Be 'Float32'
        $split.YTest.Data | Should -Be @(8, 1)
    }

    It 'refuses X and Y of different lengths' {
        { Split-RnnDataset -X (0..9) -Y (0..8) -ErrorAction Stop } |
            Should -Throw -ErrorId 'SplitLengthMismatch,PSRnn.Commands.SplitRnnDatasetCommand'
    }

    It 'refuses -Stratify without -Y' {
        { Split-RnnDataset -X (0..9) -Stratify -ErrorAction Stop } |
            Should -Throw -ErrorId 'SplitStratifyNeedsY,PSRnn.Commands.SplitRnnDatasetCommand'
    }

    It 'refuses a class with a single member when stratifying' {
        { Split-RnnDataset -X (0..9) -Y @(0, 0, 0, 0, 0, 1, 1, 1, 1, 2) -Stratify -Seed 0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'SplitStratifyTooFewMembers,PSRnn.Commands.SplitRnnDatasetCommand'
    }

    It 'refuses a split that leaves a side empty' {
        { Split-RnnDataset -X (0..1) -TestFraction 0.99 -ErrorAction Stop } |
            Should -Throw -ErrorId 'SplitEmptySide,PSRnn.Commands.SplitRnnDatasetCommand'
    }
}
