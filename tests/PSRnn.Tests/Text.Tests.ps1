# Issue 22, item 1: Keras TextVectorization's rules (fixture from tests/fixtures/text22/make_cases.py, which applies
# Keras 3's standardize/split/ngrams/adapt/int-output rules on UTF-8 bytes), token ids back to text, the vocabulary in
# the model file, raw-text prediction, and Embedding -MaskZero with padding id 0.
BeforeDiscovery {
    $script:Cases = Get-Content -Raw -Encoding utf8 (Join-Path $PSScriptRoot '../fixtures/text22/cases.json') | ConvertFrom-Json -NoEnumerate
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    function Standardize([string] $Keras) {
        switch ($Keras) { 'lower_and_strip_punctuation' { 'LowerAndStripPunctuation' } 'lower' { 'Lower' } 'strip_punctuation' { 'StripPunctuation' } default { 'None' } }
    }
}

Describe 'New-RnnVocabulary and ConvertTo-RnnTokenId as Keras TextVectorization' {
    It '<name>: the vocabulary and ids Keras''s rules give' -ForEach $Cases {
        $o = $_.options
        $settings = @{ Standardize = (Standardize $o.standardize); Split = ($o.split -eq 'character' ? 'Character' : 'Whitespace'); NGrams = $o.ngrams; OovToken = $o.oov_token }
        if ($null -ne $o.max_tokens) { $settings.MaxTokens = $o.max_tokens }
        $v = if ($null -ne $_.vocabulary) { New-RnnVocabulary -Vocabulary ([string[]] $_.vocabulary) @settings } else { [string[]] $_.adapt | New-RnnVocabulary @settings }
        [string[]] $v.Tokens | Should -Be ([string[]] $_.expected_vocabulary)
        $v.Count | Should -Be $_.expected_vocabulary.Count
        $convert = @{ Vocabulary = $v; Padding = ($_.padding -eq 'pre' ? 'Pre' : 'Post'); Truncating = ($_.truncating -eq 'pre' ? 'Pre' : 'Post') }
        if ($null -ne $_.sequence_length) { $convert.SequenceLength = $_.sequence_length }
        $ids = ConvertTo-RnnTokenId -InputObject ([object[]] [string[]] $_.inputs) @convert
        $ids.DType | Should -Be 'Int64'
        $ids.Shape | Should -Be @($_.inputs.Count, $_.expected_ids[0].Count)
        [long[]] $ids.Data | Should -Be ([long[]] @($_.expected_ids | ForEach-Object { $_ }))
    }

    It 'takes strings from the pipeline one by one, as one batch' {
        $v = 'foo bar', 'bar baz', 'baz bada boom' | New-RnnVocabulary
        $ids = 'foo qux bar', 'qux baz' | ConvertTo-RnnTokenId -Vocabulary $v -SequenceLength 4
        [long[]] $ids.Data | Should -Be 4, 1, 3, 0, 1, 2, 0, 0
    }
}

Describe 'ConvertFrom-RnnTokenId' {
    It 'gives the standardized text back, padding dropped and OOV shown' {
        $v = 'foo bar', 'bar baz', 'baz bada boom' | New-RnnVocabulary
        $ids = 'Foo, qux BAR!', 'baz' | ConvertTo-RnnTokenId -Vocabulary $v -SequenceLength 5 -Padding Pre
        ConvertFrom-RnnTokenId $ids -Vocabulary $v | Should -Be 'foo [UNK] bar', 'baz'
        ConvertFrom-RnnTokenId $ids -Vocabulary $v -Separator '|' | Should -Be 'foo|[UNK]|bar', 'baz'
    }

    It 'joins characters with nothing, spaces kept' {
        $v = 'héllo wörld' | New-RnnVocabulary -Split Character
        'Héllo wörld' | ConvertTo-RnnTokenId -Vocabulary $v | ConvertFrom-RnnTokenId -Vocabulary $v | Should -Be 'héllo wörld'
    }
}

Describe 'The vocabulary in the model file' {
    BeforeAll {
        $script:Lines = 'ERROR disk full on sda1', 'error disk failure', 'warning disk almost full', 'warning cpu hot', 'info user login', 'info user logout'
        $script:Labels = ConvertTo-RnnTensor ([int[]](0, 0, 1, 1, 2, 2))
        $script:Vocab = $Lines | New-RnnVocabulary
        $script:Model = New-RnnModel -InputShape 6 -Seed 3 | Add-EmbeddingLayer $Vocab.Count 8 -MaskZero | Add-GruLayer 8 |
            Add-DenseLayer 3 -Activation softmax | Set-RnnVocabulary -Vocabulary $Vocab -ClassNames error, warning, info -PassThru
        $x = $Lines | ConvertTo-RnnTokenId -Vocabulary $Vocab -SequenceLength 6
        $Model | Invoke-RnnTraining -X $x -Y $Labels -Epochs 60 -BatchSize 6 -LearningRate 0.05 | Out-Null
        $script:Path = Join-Path $TestDrive 'logs.safetensors'
        $Model | Export-RnnModel $Path
        $script:Loaded = Import-RnnModel $Path
    }

    It 'keeps the vocabulary, its settings, the length, the sides and the class names' {
        $r = $Loaded.TextRecipe
        [string[]] $r.Vocabulary.Tokens | Should -Be ([string[]] $Vocab.Tokens)
        $r.Vocabulary.Standardize | Should -Be 'LowerAndStripPunctuation'
        $r.SequenceLength | Should -Be 6
        $r.Padding | Should -Be 'Post'
        [string[]] $r.Classes | Should -Be error, warning, info
    }

    It 'gives the same ids and the same predictions from raw strings after loading' {
        $new = 'Disk full on /dev/sda1!', 'User LOGIN', 'cpu very hot', 'unknown words only'
        $a = $new | ConvertTo-RnnTokenId -Vocabulary $Vocab -SequenceLength 6
        $b = $new | ConvertTo-RnnTokenId -Vocabulary $Loaded.TextRecipe.Vocabulary -SequenceLength 6
        [long[]] $b.Data | Should -Be ([long[]] $a.Data)
        $before = @(Invoke-RnnPrediction -Model $Model -Text $new)
        $after = @(Invoke-RnnPrediction -Model $Loaded -Text $new)
        $after.Count | Should -Be 4
        $after.Probability | Should -Be $before.Probability
        $after.Class | Should -Be $before.Class
        $after[0].Text | Should -Be 'Disk full on /dev/sda1!'
        # -Text predicts what -X predicts on the ids.
        $p = $Loaded | Invoke-RnnPrediction -X $a
        $after[0].Probability | Should -Be $p.GetValue(0, $after[0].ClassIndex)
    }

    It 'has learned the training lines' {
        (Invoke-RnnPrediction -Model $Loaded -Text $Lines).Class | Should -Be error, error, warning, warning, info, info
    }

    It 'is kept by Set-RnnVocabulary -WhatIf unchanged' {
        $m = New-RnnModel -InputShape 6 | Add-EmbeddingLayer $Vocab.Count 2
        $m | Set-RnnVocabulary -Vocabulary $Vocab -WhatIf
        $m.TextRecipe | Should -BeNullOrEmpty
    }
}

Describe 'Add-EmbeddingLayer -MaskZero with padding id 0' {
    It 'predicts a text the same alone and padded in a batch beside a longer one' {
        $v = 'a b c d e f g' | New-RnnVocabulary
        $model = New-RnnModel -InputShape 0, 1 -Seed 5 | Add-EmbeddingLayer $v.Count 4 -MaskZero | Add-LstmLayer 5 | Add-DenseLayer 2 -Activation softmax |
            Set-RnnVocabulary -Vocabulary $v -PassThru
        $alone = Invoke-RnnPrediction -Model $model -Text 'a b'
        $batch = Invoke-RnnPrediction -Model $model -Text 'a b', 'c d e f g'
        $batch[0].Probability | Should -BeExactly $alone.Probability
        # Without the mask the padding steps change the output.
        $plain = New-RnnModel -InputShape 0, 1 -Seed 5 | Add-EmbeddingLayer $v.Count 4 | Add-LstmLayer 5 | Add-DenseLayer 2 -Activation softmax |
            Set-RnnVocabulary -Vocabulary $v -PassThru
        (Invoke-RnnPrediction -Model $plain -Text 'a b', 'c d e f g')[0].Probability | Should -Not -Be (Invoke-RnnPrediction -Model $plain -Text 'a b').Probability
    }
}
