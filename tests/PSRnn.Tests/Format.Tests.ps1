BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # Each statement its own Out-String, as each prompt line is its own pipeline (a view chosen for one object type
    # would otherwise shape the next ones).
    function Show { param([Parameter(ValueFromPipeline)] $InputObject) begin { $all = @() } process { $all += $InputObject } end { ($all | Out-String) -replace '\x1b\[[0-9;]*m' } }
    # The views are out of band, so Format-List alone prints them too; `Format-List * -Force` lists every property.
    function Show-List { param([Parameter(ValueFromPipeline)] $InputObject) process { ($InputObject | Format-List * -Force | Out-String) -replace '\x1b\[[0-9;]*m' } }
    # Losses and metrics as Keras prints them.
    function Keras([double] $Value) { [PSRnn.Infrastructure.KerasFormat]::Number($Value) }

    $data = New-ToyData -Count 40
    $script:Model = New-RnnModel -InputShape 6, 2 -Seed 3 -Name toy | Add-LstmLayer 4 -ReturnSequences | Add-GruLayer 3 |
        Add-DropoutLayer 0.1 | Add-DenseLayer 2 -Activation softmax
    $script:Untrained = $Model | Out-String
    $Model | Invoke-RnnTraining -X $data.X -Y $data.Labels -Epochs 2 -ValidationSplit 0.25 | Out-Null
    $script:Evaluation = $Model | Measure-RnnModel $data.X $data.Labels
    $script:Detailed = $Model | Measure-RnnModel $data.X $data.Labels -Detailed -ClassNames negative, positive
    $regressor = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 2 | Add-DenseLayer 1
    $script:Regression = $regressor | Measure-RnnModel $data.X (ConvertTo-RnnTensor -InputObject ([float[]]::new(40)) -Shape 40, 1)
    $script:Split = Split-RnnDataset -X $data.X -Y $data.Labels -TestFraction 0.25 -Seed 1
    $script:Windows = 1..30 | ConvertTo-RnnWindow -Lookback 5
    $script:Padded = @(@(1, 2, 3), @(4)) | ConvertTo-RnnSequenceBatch -IncludeLength
    $wav = Get-ChildItem (Join-Path $PSScriptRoot '../../examples/data/speech-digits-wav') -Recurse -Filter *.wav | Select-Object -First 3
    # Not normalized, and so warned about: the views show them as they are.
    $script:AudioFeatures = @($wav | Import-RnnAudio -Frames 20 -WarningAction SilentlyContinue)
    $script:AudioDataset = $wav | Import-RnnAudio -Frames 20 -LabelFrom Directory -Stack -WarningAction SilentlyContinue
    $audioModel = New-RnnModel -InputShape 20, 13 -Seed 1 | Add-GruLayer 2 | Add-DenseLayer $AudioDataset.Classes.Count -Activation softmax |
        Set-RnnAudioRecipe -Dataset $AudioDataset -PassThru
    $script:AudioPredictions = @($wav | Invoke-RnnPrediction -Model $audioModel)
    $ctcModel = New-RnnModel -InputShape 0, 2 -Seed 2 | Add-GruLayer 3 -ReturnSequences | Add-DenseLayer 3 -Activation softmax
    $script:Attribution = $regressor | Measure-RnnAttribution -X $data.X -Steps 8
    $script:Activation = $Model | Get-RnnActivation -X $data.X -Layer 0
    $script:Transcriptions = @($ctcModel | Invoke-RnnPrediction -X $data.X -Decode Greedy -ClassNames a, b -Separator ' ')
    $npz = Join-Path $TestDrive 'pair.npz'
    Export-NpyData $npz -InputObject ([ordered]@{ a = (1..3 | ConvertTo-RnnTensor) })
    $script:Archive = Import-NpyData $npz -AsHashtable
    $script:File = $Model | Export-RnnTrainingPlot (Join-Path $TestDrive 'plot.png') -PassThru
    $script:Vocabulary = 'foo bar', 'bar baz', 'baz bada boom' | New-RnnVocabulary
    $textModel = New-RnnModel -InputShape 4 -Seed 1 | Add-EmbeddingLayer $Vocabulary.Count 2 -MaskZero | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax |
        Set-RnnVocabulary -Vocabulary $Vocabulary -ClassNames yes, no -PassThru
    $script:TextPredictions = @(Invoke-RnnPrediction -Model $textModel -Text 'foo bar', 'qux')
    $script:Stream = New-RnnModel -InputShape 0, 2 -Name watcher -Seed 1 | Add-LstmLayer 3 -ReturnSequences | Add-GruLayer 2 | New-RnnStream -BatchSize 2
    $script:SweepData = $data
    $script:Trials = @(Invoke-RnnSweep -X $data.X -Y $data.Labels -ValidationSplit 0.25 -Parameters ([ordered]@{ Units = 2, 3; LearningRate = 0.01 }) -ModelScript {
            param($p) New-RnnModel -InputShape 6, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax
        } -ResultPath (Join-Path $TestDrive 'sweep.csv'))
}

Describe 'Default views' {
    It 'prints a model as Keras''s model.summary()' {
        $Untrained | Should -Match 'Model: "toy"'
        $Untrained | Should -Match 'Layer \(type\)\s+Output Shape\s+Param #'
        # LSTM(4) on 2 features: 4·4·(2+4+1) = 112; GRU(3) on 4, reset_after: 3·3·(4+3+2) = 81; Dense 3→2: 8.
        $Untrained | Should -Match 'lstm \(LSTM\)\s+\(None, 6, 4\)\s+112'
        $Untrained | Should -Match 'gru \(GRU\)\s+\(None, 3\)\s+81'
        $Untrained | Should -Match 'dropout \(Dropout\)\s+\(None, 3\)\s+0'
        $Untrained | Should -Match 'dense \(Dense\)\s+\(None, 2\)\s+8'
        $Untrained | Should -Match 'Total params: 201 '
        $Untrained | Should -Match 'Trainable params: 201 '
        $Untrained | Should -Match 'Non-trainable params: 0 '
        $Untrained | Should -Not -Match 'Trained'
    }

    It 'adds the last epoch''s figures to a trained model''s summary' {
        $last = $Model.History[-1]
        $Model | Show | Should -Match ([regex]::Escape(('Trained 2 epochs: loss {0}, accuracy {1}, val_loss {2}' -f
                    (Keras $last.Loss), (Keras $last.Metrics['accuracy']), (Keras $last.ValidationLoss))))
    }

    It 'prints the history as a table of epoch, loss, metrics, validation figures, learning rate and duration' {
        $text = $Model.History | Show
        $text | Should -Match 'Epoch\s+Loss\s+Metric\s+ValLoss\s+ValMetric\s+LearningRate\s+Seconds'
        foreach ($r in $Model.History) {
            $text | Should -Match ('(?m)^\s+{0}\s+{1}\s+accuracy {2}\s+{3}\s+accuracy {4}\s+0\.001\s+\d+\.\d$' -f
                $r.Epoch, ([regex]::Escape((Keras $r.Loss))), ([regex]::Escape((Keras $r.Metrics['accuracy']))),
                ([regex]::Escape((Keras $r.ValidationLoss))), ([regex]::Escape((Keras $r.ValidationMetrics['accuracy']))))
        }
    }

    It 'prints a learning-rate schedule as its kind, initial rate and Keras''s arguments' {
        $text = New-RnnLearningRateSchedule -CosineRestarts -InitialRate 0.1 -FirstDecaySteps 50 | Show
        $text | Should -Match '(?m)^Schedule\s+: CosineDecayRestarts$'
        $text | Should -Match '(?m)^InitialRate : 0\.1$'
        $text | Should -Match '(?m)^Arguments\s+: initial_learning_rate=0\.1, first_decay_steps=50, t_mul=2, m_mul=1, alpha=0$'
    }

    It 'prints a tensor as its shape, dtype and a NumPy-style preview' {
        $text = 1..6 | ConvertTo-RnnTensor -Shape 2, 3 | Show
        $text.Trim() | Should -Be ("Tensor (2, 3) int32`n[[1 2 3]`n [4 5 6]]" -replace "`n", [Environment]::NewLine)
        $big = ConvertTo-RnnTensor -InputObject ([float[]] (1..2000)) -Shape 40, 50 | Show
        $big | Should -Match 'Tensor \(40, 50\) float32'
        $big | Should -Match '\[\[\s+1\.\s+2\.\s+3\. \.\.\.\s+48\.\s+49\.\s+50\.\]' -Because 'large tensors are summarized as NumPy does'
        $Archive['a'] | Show | Should -Match '^\s*a: Tensor \(3,\) int32'
    }

    It 'prints an evaluation as a compact list, its figures as Keras prints them' {
        $text = $Evaluation | Show
        $text.Trim() -split '\r?\n' | Should -HaveCount 3
        $text | Should -Match "(?m)^Loss\s+: $([regex]::Escape((Keras $Evaluation.Loss)))$"
        $text | Should -Match "(?m)^Accuracy : $([regex]::Escape((Keras $Evaluation.Accuracy)))$"
        $text | Should -Match '(?m)^Samples\s+: 40$'
        $Regression | Show | Should -Match '(?m)^MAE\s+: \d'
    }

    It 'prints a detailed evaluation as scikit-learn''s classification_report and the confusion matrix' {
        $text = $Detailed | Show
        $text | Should -Match ([regex]::Escape(('Loss {0}, accuracy {1}, 40 samples' -f (Keras $Detailed.Loss), (Keras $Detailed.Accuracy))))
        $text | Should -Match 'precision\s+recall\s+f1-score\s+support'
        foreach ($c in $Detailed.PerClass) {
            $text | Should -Match ('{0}\s+{1:F2}\s+{2:F2}\s+{3:F2}\s+{4}' -f $c.Class, $c.Precision, $c.Recall, $c.F1, $c.Support)
        }
        $text | Should -Match ('accuracy\s+{0:F2}\s+40' -f $Detailed.Accuracy)
        $text | Should -Match ('macro avg\s+{0:F2}\s+{1:F2}\s+{2:F2}\s+40' -f $Detailed.MacroPrecision, $Detailed.MacroRecall, $Detailed.MacroF1)
        $text | Should -Match ('weighted avg\s+{0:F2}\s+{1:F2}\s+{2:F2}\s+40' -f $Detailed.WeightedPrecision, $Detailed.WeightedRecall, $Detailed.WeightedF1)
        $m = $Detailed.ConfusionMatrix.Counts
        $text | Should -Match ('(?m)^negative\s+{0}\s+{1}$' -f $m[0, 0], $m[0, 1])
        $text | Should -Match ('(?m)^positive\s+{0}\s+{1}$' -f $m[1, 0], $m[1, 1])
    }

    It 'prints per-class figures as a table and a confusion matrix as a grid' {
        $table = $Detailed.PerClass | Show
        $table | Should -Match 'Class\s+Precision\s+Recall\s+F1\s+Support'
        $table | Should -Match ('negative\s+{0:F4}\s+{1:F4}\s+{2:F4}\s+{3}' -f $Detailed.PerClass[0].Precision, $Detailed.PerClass[0].Recall, $Detailed.PerClass[0].F1, $Detailed.PerClass[0].Support)
        $Detailed.ConfusionMatrix | Show | Should -Match 'true\\pred\s+negative\s+positive'
    }

    It 'prints an attribution as its method, shape and per-sample figures, and activations as the layer and its gates' {
        $text = $Attribution | Show
        $text | Should -Match '(?m)^Method\s+: IntegratedGradients \(8 steps\)$'
        $text | Should -Match '(?m)^Attributions\s+: \(40, 6, 2\) float32$'
        $text | Should -Match ('(?m)^Output\s+: {0:0.0000}, ' -f $Attribution.Output[0])
        $text | Should -Match '(?m)^ConvergenceDelta : .*, \.\.\.$' -Because 'the first eight samples are shown'
        $act = $Activation | Show
        $act | Should -Match '(?m)^Layer\s+: lstm \(layer 0\)$'
        $act | Should -Match '(?m)^Output : \(40, 6, 4\) float32$'
        $act | Should -Match '(?m)^Gates\s+: h, i, f, g, o, c \(40, 6, 4\)$'
    }

    It 'prints a split, windows, padded sequences and audio data as their shapes' {
        $text = $Split | Show
        $text | Should -Match 'XTrain : \(30, 6, 2\) float32'
        $text | Should -Match 'YTest  : \(10,\) int64'
        $text | Should -Not -Match 'TrainIndex' -Because 'the default view is the summary'
        $w = $Windows | Show
        $w | Should -Match 'X\s+: \(25, 5, 1\) float32'
        $w | Should -Match 'Lookback\s+: 5'
        $Padded | Show | Should -Match 'X\s+: \(2, 3, 1\) float32'
        $Padded | Show | Should -Match 'Lengths\s+: 3, 1'
        $AudioDataset | Show | Should -Match 'X\s+: \(3, 20, 13\) float32'
        $AudioDataset | Show | Should -Match 'Files\s+: 3'
        $AudioFeatures | Show | Should -Match '(?m)^Label\s+Features\s+Duration\s+SampleRate\s+Path'
        $AudioFeatures | Show | Should -Match '\(20, 13\) float32\s+\d\.\d{3} s\s+16000'
        $AudioPredictions | Show | Should -Match '(?m)^Class\s+Probability\s+ClassIndex\s+Path'
        $AudioPredictions | Show | Should -Match '(?m)^\S+\s+0\.\d{4}\s+\d+\s+/'
    }

    It 'prints transcriptions as a table of samples, labels, text and log probabilities' {
        $text = $Transcriptions | Show
        $text | Should -Match '(?m)^\s*Sample\s+Labels\s+Text\s+LogProbability'
        $withLabels = $Transcriptions | Where-Object { $_.Labels.Count -gt 1 } | Select-Object -First 1
        $withLabels | Should -Not -BeNullOrEmpty
        $withLabels | Show | Should -Match ('(?m)^\s*{0}\s+{1}\s+{2}\s+-\d+\.\d{{4}}\s*$' -f $withLabels.Sample, ($withLabels.Labels -join ' '), [regex]::Escape($withLabels.Text))
    }

    It 'prints a stream as its model, batch, steps, layers and state names with their shapes' {
        $text = $Stream | Show
        $text | Should -Match 'Model\s+: watcher'
        $text | Should -Match 'Batch\s+: 2'
        $text | Should -Match 'Steps\s+: 0'
        $text | Should -Match 'Layers\s+: lstm \(LSTM\), gru \(GRU\)'
        $text | Should -Match 'States\s+: lstm\.h \(2, 3\), lstm\.c \(2, 3\), gru\.h \(2, 2\)'
    }

    It 'leaves files and archives to PowerShell''s own views' {
        $File | Show | Should -Match 'plot\.png'
        $Archive | Show | Should -Match '(?m)^a\s+a: Tensor \(3,\) int32'
    }

    It 'prints a number as Keras does: four decimals, or scientific below 1e-3' {
        Keras 0.43216 | Should -Be '0.4322'
        Keras 12.5 | Should -Be '12.5000'
        Keras 0.0005 | Should -Be '5.0000e-04'
        Keras 0 | Should -Be '0.0000e+00'
        Keras -0.25 | Should -Be '-0.2500'
    }
}

Describe 'The file from <Command> -PassThru' -ForEach @(
    @{ Command = 'Export-NpyData'; Write = { param($Path) 1..3 | ConvertTo-RnnTensor | Export-NpyData $Path -PassThru }; Name = 'x.npy' }
    @{ Command = 'Export-RnnModel'; Write = { param($Path) $Model | Export-RnnModel $Path -PassThru }; Name = 'm.safetensors' }
    @{ Command = 'Export-RnnTrainingPlot'; Write = { param($Path) $Model | Export-RnnTrainingPlot $Path -PassThru }; Name = 'p.png' }
    @{ Command = 'Export-RnnConfusionMatrix'; Write = { param($Path) $Detailed | Export-RnnConfusionMatrix $Path -PassThru }; Name = 'c.png' }
    @{ Command = 'Export-RnnAttributionPlot'; Write = { param($Path) $Attribution | Export-RnnAttributionPlot $Path -PassThru }; Name = 'a.png' }
    @{ Command = 'Export-RnnActivationPlot'; Write = { param($Path) $Activation | Export-RnnActivationPlot $Path -PassThru }; Name = 'g.png' }
) {
    It 'is the file as Get-Item returns it, and prints as Get-Item''s does' {
        $path = Join-Path $TestDrive $Name
        $file = & $Write $path
        $file.GetType().FullName | Should -Be 'System.IO.FileInfo'
        $file.PSProvider.Name | Should -Be 'FileSystem'
        $file.PSPath | Should -Be (Get-Item -LiteralPath $path).PSPath
        $file.Length | Should -BeGreaterThan 0
        $file | Show | Should -Be (Get-Item -LiteralPath $path | Show) -Because 'the file system''s table fills every column'
    }
}

Describe 'Format-List shows every property of <Name>' -ForEach @(
    @{ Name = 'a model'; Get = { $Model } }
    @{ Name = 'a history record'; Get = { $Model.History[0] } }
    @{ Name = 'a tensor'; Get = { 1..6 | ConvertTo-RnnTensor -Shape 2, 3 } }
    @{ Name = 'an evaluation'; Get = { $Evaluation } }
    @{ Name = 'a detailed evaluation'; Get = { $Detailed } }
    @{ Name = 'per-class figures'; Get = { $Detailed.PerClass[0] } }
    @{ Name = 'a confusion matrix'; Get = { $Detailed.ConfusionMatrix } }
    @{ Name = 'a split'; Get = { $Split } }
    @{ Name = 'windows'; Get = { $Windows } }
    @{ Name = 'padded sequences'; Get = { $Padded } }
    @{ Name = 'audio features'; Get = { $AudioFeatures[0] } }
    @{ Name = 'an audio dataset'; Get = { $AudioDataset } }
    @{ Name = 'an audio prediction'; Get = { $AudioPredictions[0] } }
    @{ Name = 'a transcription'; Get = { $Transcriptions[0] } }
    @{ Name = 'an attribution'; Get = { $Attribution } }
    @{ Name = 'activations'; Get = { $Activation } }
    @{ Name = 'a stream'; Get = { $Stream } }
    @{ Name = 'a sweep trial'; Get = { $Trials[0] } }
    @{ Name = 'a learning-rate schedule'; Get = { New-RnnLearningRateSchedule -Polynomial -InitialRate 0.1 -DecaySteps 10 -Cycle } }
    @{ Name = 'audio augmentation settings'; Get = { New-RnnAudioAugmentation -Speed 0.9, 1.1 -NoiseSnr 10, 30 -GainDb -3, 3 -ShiftMs 10 -ReverbRt60 0.3 } }
) {
    It 'lists them all' {
        $object = & $Get
        $text = $object | Show-List
        foreach ($property in $object.PSObject.Properties.Name) {
            $text | Should -Match "(?m)^$property\s*:" -Because "Format-List shows everything, $property too"
        }
    }
}

Describe 'Every output type has a view test' {
    It 'shows a vocabulary''s settings and first tokens, as Keras''s get_config() and get_vocabulary()' {
        $text = $Vocabulary | Show
        $text | Should -Match 'Count\s+: 7'
        $text | Should -Match 'Standardize\s+: LowerAndStripPunctuation'
        $text | Should -Match 'MaxTokens\s+: none'
        $text | Should -Match "Tokens\s+: '', '\[UNK\]', 'baz', 'bar', 'foo', 'boom', 'bada'"
    }

    It 'shows text predictions as a table of class, probability and text' {
        $text = $TextPredictions | Show
        $text | Should -Match 'Class\s+Probability\s+ClassIndex\s+Text'
        $text | Should -Match '(yes|no)\s+0\.\d{4}\s+[01]\s+foo bar'
    }

    It 'shows sweep trials as a table of number, parameters, figures, duration and machine' {
        $text = $Trials | Show
        $text | Should -Match 'Trial\s+Parameters\s+Epochs\s+Loss\s+ValLoss\s+Duration\s+Machine'
        $text | Should -Match ('(?m)^\s+1 Units=2, LearningRate=0\.01\s+1\s+{0:0.0000}\s+{1:0.0000}\s+\d+\.\d s {2}' -f $Trials[0].Loss, $Trials[0].ValLoss, [regex]::Escape([Environment]::MachineName))
        $resumed = @(Invoke-RnnSweep -X $SweepData.X -Y $SweepData.Labels -Parameters ([ordered]@{ Units = 2, 3; LearningRate = 0.01 }) -ModelScript { throw 'not run: both trials are in the file' } -ResultPath (Join-Path $TestDrive 'sweep.csv'))
        $resumed | Show | Should -Match "(?m)^\s+2 Units=3, LearningRate=0\.01 .*$([regex]::Escape([Environment]::MachineName)) \(resumed\)"
    }

    It 'covers the OutputType of every cmdlet' {
        # Types PowerShell formats itself, and those this file checks above.
        $covered = 'FileInfo', 'OrderedDictionary', 'Sequential', 'Tensor', 'PSRnn.Evaluation', 'PSRnn.DetailedEvaluation',
            'RnnDatasetSplit', 'WindowedSeries', 'PaddedSequences', 'RnnAudioFeatures', 'RnnAudioDataset', 'RnnAudioPrediction', 'RnnTranscription', 'RnnAttribution', 'RnnActivation', 'RnnStream',
            'TextVocabulary', 'RnnTextPrediction', 'String', 'RnnSweepTrial',
            'LearningRateSchedule', 'WaveformAugmentation'
        foreach ($command in Get-Command -Module PSRnn -CommandType Cmdlet) {
            foreach ($type in $command.OutputType) {
                ($type.Name -split '\.')[-1] | Should -BeIn ($covered | ForEach-Object { ($_ -split '\.')[-1] }) -Because "$($command.Name) outputs $($type.Name)"
            }
        }
    }
}
