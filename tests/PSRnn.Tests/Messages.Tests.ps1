# Every error a user meets reads as PSRnn's (issue 15, item 6): a broad table of bad inputs through every cmdlet and the
# tensor methods scripts call, and every refused fixture file through the cmdlet that reads its kind. Each error must
# carry a FullyQualifiedErrorId of PSRnn's own (not a .NET exception's type name, not PowerShell's binder's), and a
# message in plain words: no "(Parameter 'x')" that .NET appends to an ArgumentException, no raw exception type names,
# no .NET default messages. The issue's examples also check the ID and the words that point the right way.
# Cases marked Binder are PowerShell's parameter binder answering under its own IDs (ValidateRange and the like, as for
# every cmdlet); only their wording is checked, for the text PSRnn's validation and transformation attributes add.
BeforeDiscovery {
    $cases = @(
        # The issue's examples.
        @{ Name = 'Import-RnnModel on a folder'; Id = 'PathIsFolder'; Match = 'model \(\.safetensors, \.onnx or Keras \.h5\)'; Script = { Import-RnnModel -LiteralPath $TestDrive } }
        @{ Name = '-MergeMode without -Bidirectional'; Id = 'MergeModeWithoutBidirectional'; Match = 'add -Bidirectional'; Script = { New-RnnModel -InputShape 5, 2 | Add-LstmLayer 3 -MergeMode Sum } }
        @{ Name = 'Add-LstmLayer -ProjectionSize as large as the units'; Id = 'LstmProjectionSizeInvalid'; Match = 'projects h to 1 to 3 values \(PyTorch''s proj_size < hidden_size\); 4 is outside'; Script = { New-RnnModel -InputShape 5, 2 | Add-LstmLayer 4 -ProjectionSize 4 } }
        @{ Name = 'Add-IndRnnLayer -RecurrentMax 0'; Id = 'IndRnnRecurrentMaxInvalid'; Match = 'a positive number .*0 is not'; Script = { New-RnnModel -InputShape 5, 2 | Add-IndRnnLayer 4 -RecurrentMax 0 } }
        @{ Name = 'Add-LstmLayer -ProjectionSize -1'; Binder = $true; Script = { New-RnnModel -InputShape 5, 2 | Add-LstmLayer 4 -ProjectionSize -1 } }
        @{ Name = 'Export-RnnModel -Format Onnx of a projected LSTM'; Id = 'OnnxUnsupported'; Match = 'ONNX LSTM operator has no projection'; Script = { New-RnnModel -InputShape 5, 2 | Add-LstmLayer 4 -ProjectionSize 2 | Export-RnnModel (Join-Path $TestDrive 'proj.onnx') -Format Onnx } }
        @{ Name = 'Add-LayerNormalizationLayer -Epsilon 0'; Id = 'LayerNormalizationEpsilon'; Match = 'positive number'; Script = { New-RnnModel -InputShape 5, 2 | Add-LayerNormalizationLayer -Epsilon 0 } }
        @{ Name = 'Add-Conv1DLayer -Strides 2 -DilationRate 2'; Id = 'ConvStridesWithDilation'; Match = 'give one of them'; Script = { New-RnnModel -InputShape 9, 2 | Add-Conv1DLayer 3 2 -Strides 2 -DilationRate 2 } }
        @{ Name = 'Add-MultiHeadAttentionLayer after a layer without sequences'; Id = 'LayerNeedsSequence'; Match = 'needs sequences.*-ReturnSequences'; Script = { New-RnnModel -InputShape 5, 2 | Add-GruLayer 3 | Add-MultiHeadAttentionLayer 2 2 } }
        @{ Name = 'Add-MultiHeadAttentionLayer -Heads 0'; Binder = $true; Match = 'Heads'; Script = { New-RnnModel -InputShape 5, 2 | Add-MultiHeadAttentionLayer -Heads 0 -KeyDim 2 } }
        @{ Name = 'Add-MultiHeadAttentionLayer -KeyDim 0'; Binder = $true; Match = 'KeyDim'; Script = { New-RnnModel -InputShape 5, 2 | Add-MultiHeadAttentionLayer -Heads 2 -KeyDim 0 } }
        @{ Name = 'Add-MultiHeadAttentionLayer -ValueDim -1'; Binder = $true; Match = 'ValueDim'; Script = { New-RnnModel -InputShape 5, 2 | Add-MultiHeadAttentionLayer 2 2 -ValueDim -1 } }
        @{ Name = 'Add-MultiHeadAttentionLayer too large'; Id = 'LayerTooLarge'; Match = 'shape \(65536, 4096, 65536\).*more than one \.NET array holds'; Script = { New-RnnModel -InputShape 5, 65536 | Add-MultiHeadAttentionLayer 4096 65536 } }
        @{ Name = 'Add-MinGruLayer on vectors'; Id = 'LayerNeedsSequence'; Match = 'needs sequences'; Script = { New-RnnModel -InputShape 4, 2 | Add-LstmLayer 3 | Add-MinGruLayer 3 } }
        @{ Name = 'Add-MinLstmLayer -Units 0'; Binder = $true; Script = { New-RnnModel -InputShape 4, 2 | Add-MinLstmLayer 0 } }
        @{ Name = 'New-RnnStream of a -GoBackwards minGRU'; Id = 'StreamGoBackwards'; Match = 'a stream has no end'; Script = { New-RnnModel -InputShape 0, 2 | Add-MinGruLayer 3 -GoBackwards | New-RnnStream } }
        @{ Name = 'Export-RnnModel to ONNX of a minLSTM model'; Id = 'OnnxUnsupported'; Match = 'no ONNX export'; Script = { New-RnnModel -InputShape 0, 2 | Add-MinLstmLayer 3 | Export-RnnModel (Join-Path $TestDrive 'min.onnx') -Format Onnx } }
        @{ Name = 'Add-Conv1DLayer wider than the sequence'; Id = 'ConvInputTooShort'; Match = 'needs at least 5 steps'; Script = { New-RnnModel -InputShape 4, 2 | Add-Conv1DLayer 3 5 } }
        @{ Name = 'Import-RnnModel on a text file'; Id = 'ModelFormatUnknown'; Match = 'not a safetensors, ONNX or Keras HDF5 model file'; Script = { Import-RnnModel $files.Text } }
        @{ Name = 'Import-RnnModel on a NumPy .npy file'; Id = 'ModelFormatUnknown'; Match = 'NumPy \.npy file.*Import-NpyData'; Script = { Import-RnnModel $files.Npy } }
        @{ Name = 'Import-RnnModel on a NumPy .npz archive'; Id = 'ModelFormatUnknown'; Match = 'zip archive.*Import-NpyData'; Script = { Import-RnnModel $files.Npz } }
        @{ Name = 'Import-RnnModel on a WAV file'; Id = 'ModelFormatUnknown'; Match = 'WAV file.*Import-RnnAudio'; Script = { Import-RnnModel $files.Wav } }
        @{ Name = 'Import-RnnModel on text named .safetensors'; Id = 'ModelFormatUnknown'; Match = 'not a safetensors'; Script = { Import-RnnModel $files.TextSafetensors } }
        @{ Name = 'Invoke-RnnTraining -ResumeFrom a .npy file'; Id = 'SafetensorsNotRecognized'; Match = 'NumPy \.npy file.*Import-NpyData'; Script = { Invoke-RnnTraining -X $x -Y $labels -ResumeFrom $files.Npy } }
        @{ Name = 'Invoke-RnnTraining -ResumeFrom a text file'; Id = 'SafetensorsNotRecognized'; Match = 'not a safetensors file'; Script = { Invoke-RnnTraining -X $x -Y $labels -ResumeFrom $files.TextSafetensors } }
        @{ Name = 'Invoke-RnnTraining -Optimizer ftrl'; Id = 'OptimizerUnknown'; Match = 'sgd, rmsprop, adam, adamw'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Optimizer ftrl } }
        @{ Name = 'Invoke-RnnTraining -Optimizer adam -Momentum 0.9'; Id = 'MomentumNeedsSgd'; Match = 'add -Optimizer sgd'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Optimizer adam -Momentum 0.9 } }
        @{ Name = 'Invoke-RnnTraining -Optimizer sgd -Nesterov'; Id = 'NesterovNeedsMomentum'; Match = 'add -Momentum'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Optimizer sgd -Nesterov } }
        @{ Name = 'Invoke-RnnTraining -Momentum 1.5'; Id = 'MomentumOutOfRange'; Match = 'below 1'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Optimizer sgd -Momentum 1.5 } }
        @{ Name = 'Invoke-RnnTraining -WeightDecay -1'; Id = 'WeightDecayOutOfRange'; Match = 'finite number ≥ 0'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -WeightDecay -1 } }
        @{ Name = 'Add-LstmLayer -KernelRegularizer l3:1e-4'; Id = 'RegularizerInvalid'; Match = 'l2:1e-4, l1:1e-5 or l1_l2:1e-5,1e-4'; Script = { New-RnnModel -InputShape 6, 2 | Add-LstmLayer 3 -KernelRegularizer 'l3:1e-4' } }
        # Invoke-RnnSweep (issue 23): its own inputs, and a trial's error under its cause's ID.
        @{ Name = 'Invoke-RnnSweep -Parameters @{}'; Id = 'SweepParametersEmpty'; Match = 'name at least one hyper-parameter'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{} -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -Parameters of a hashtable value'; Id = 'SweepParameterNotList'; Match = 'Units is a hashtable; give its candidate values as a list'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = @{ a = 1 } } -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -Parameters of a script block value'; Id = 'SweepParameterNotList'; Match = 'Units is a script block'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = { 2 } } -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -Parameters of an empty list'; Id = 'SweepParameterEmpty'; Match = 'Units has no values'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = @() } -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -ModelScript that returns no model'; Id = 'SweepModelScriptNoModel'; Match = 'Trial 1 \(Units=2\) failed on .*returned 1 object\(s\), 0 of them models; it must return one model'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = 2 } -ModelScript { 'a model, I promise' } } }
        @{ Name = 'Invoke-RnnSweep -ThrottleLimit 0'; Id = 'SweepThrottleLimitInvalid'; Match = 'must be 1 or more'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = 2 } -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } -ThrottleLimit 0 } }
        @{ Name = 'Invoke-RnnSweep -Random 0'; Id = 'SweepRandomInvalid'; Match = 'must be 1 or more'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = 2 } -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } -Random 0 } }
        @{ Name = 'Invoke-RnnSweep of a grid past a million trials'; Id = 'SweepGridTooLarge'; Match = '1002001 trials.*-Random n'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ A = 1..1001; B = 1..1001 } -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -Epochs and -Parameters Epochs'; Id = 'SweepParameterConflict'; Match = 'give it in one place'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = 2; Epochs = 1, 2 } -Epochs 3 -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -ValidationData and -ValidationSplit'; Id = 'SweepValidationTwice'; Match = 'not both'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = 2 } -ValidationData $x, $labels -ValidationSplit 0.5 -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -ResultPath in a missing folder'; Id = 'SweepOutputPathInvalid'; Match = 'does not exist'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = 2 } -ResultPath (Join-Path $TestDrive 'no/such/sweep.csv') -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnSweep -ResultPath of a sweep over other parameters'; Id = 'SweepResultFileMismatch'; Match = 'holds a sweep over Units, not Rate: give another file'; Script = { $csv = Join-Path $TestDrive 'other-sweep.csv'; Set-Content -LiteralPath $csv -Value 'trial,seed,params_Units,epochs,loss,val_loss,seconds,machine,error'; Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Rate = 0.1 } -ResultPath $csv -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-DenseLayer 2 } } }
        @{ Name = 'Invoke-RnnSweep of a trial whose training fails'; Id = 'OptimizerUnknown'; Match = 'Trial 1 \(Optimizer=ftrl, Units=2\) failed on .*sgd, rmsprop, adam'; Script = { Invoke-RnnSweep -X $x -Y $labels -Parameters @{ Units = 2; Optimizer = 'ftrl' } -ModelScript { param($p) New-RnnModel -InputShape 3, 2 | Add-GruLayer $p.Units | Add-DenseLayer 2 -Activation softmax } } }
        @{ Name = 'Invoke-RnnTraining -Loss crossentropy'; Id = 'LossUnknown'; Match = 'categorical_crossentropy'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Loss crossentropy } }
        @{ Name = 'Invoke-RnnTraining -Metric f1_score'; Id = 'MetricUnknown'; Match = 'binary_accuracy, mae, precision, recall, auc'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Metric f1_score } }
        @{ Name = 'Invoke-RnnTraining -LossOption of an option the loss lacks'; Id = 'LossOptionUnknown'; Match = 'huber has no option gamma; its options are delta'; Script = { $model | Invoke-RnnTraining -X $x -Y $oneHot -Loss huber -LossOption @{ gamma = 2 } } }
        @{ Name = 'Invoke-RnnTraining -LossOption gamma -1'; Id = 'LossOptionInvalid'; Match = 'gamma is -1; it must be a finite number, 0 or more'; Script = { $model | Invoke-RnnTraining -X $x -Y $oneHot -Loss categorical_focal_crossentropy -LossOption @{ gamma = -1 } } }
        @{ Name = 'Invoke-RnnTraining -LossOption without -Loss'; Id = 'LossOptionWithoutLoss'; Match = 'name the loss they are for'; Script = { $model | Invoke-RnnTraining -X $x -Y $oneHot -LossOption @{ delta = 1 } } }
        @{ Name = 'Invoke-RnnTraining -Loss poisson with negative targets'; Id = 'LossTargetNegative'; Match = 'poisson takes counts as targets'; Script = { $model | Invoke-RnnTraining -X $x -Y (ConvertTo-RnnTensor -InputObject ([float[]](-1, 0, 0, 1, 1, 0, 0, 1)) -Shape 4, 2) -Loss poisson } }
        @{ Name = 'Invoke-RnnTraining -Loss categorical_focal_crossentropy with class labels'; Id = 'LossTargetMismatch'; Match = 'one-hot encode them'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Loss categorical_focal_crossentropy } }
        @{ Name = 'ConvertTo-RnnTensor -Shape -1,1,22050 of 100 values'; Id = 'TensorShapeMismatch'; Match = '^Cannot reshape 100 values of shape \(100,\) into \(-1, 1, 22050\): 100 is not a multiple of 22050'; Script = { ConvertTo-RnnTensor -InputObject ([float[]]::new(100)) -Shape -1, 1, 22050 } }
        @{ Name = 'ConvertTo-RnnTensor -Shape 4,2 of 6 values'; Id = 'TensorShapeMismatch'; Match = 'that shape holds 8 elements'; Script = { ConvertTo-RnnTensor -InputObject ([float[]]::new(6)) -Shape 4, 2 } }
        @{ Name = 'ConvertTo-RnnTensor -Shape -1,-1'; Id = 'TensorShapeMismatch'; Match = 'only one dimension can be -1'; Script = { ConvertTo-RnnTensor -InputObject ([float[]]::new(6)) -Shape -1, -1 } }
        @{ Name = 'the .Reshape() method'; Id = 'TensorShapeMismatch'; Match = '^Cannot reshape 6 elements into \(4, 2\): that shape holds 8 elements\.$'; Script = { $six.Reshape(4, 2) } }
        @{ Name = 'the .GetValue() method out of range'; Id = 'TensorIndexInvalid'; Match = 'Index 5 is out of range for axis 0'; Script = { $six.GetValue(5, 0) } }
        @{ Name = 'the .GetValue() method with too few indices'; Id = 'TensorIndexInvalid'; Match = 'takes 2 indices, not 1'; Script = { $six.GetValue(0) } }
        @{ Name = 'the .SetValue() method with text'; Id = 'TensorValueInvalid'; Match = "'abc' is not a number"; Script = { $six.SetValue('abc', 0, 0) } }
        @{ Name = 'the .SetValue() method with a fraction for integers'; Id = 'TensorValueInvalid'; Match = 'not an integer'; Script = { (ConvertTo-RnnTensor -InputObject ([long[]](0, 1))).SetValue(0.5, 0) } }
        @{ Name = 'the .ToScalar() method of six values'; Id = 'TensorNotScalar'; Match = 'exactly one element'; Script = { $six.ToScalar() } }
        @{ Name = 'Invoke-RnnTraining with fractional labels'; Id = 'LabelNotInteger'; Match = 'class label 0\.5, which is not a whole number'; Script = { $model | Invoke-RnnTraining -X $x -Y ([double[]](0.5, 1, 0, 1)) } }
        @{ Name = 'Measure-RnnModel with fractional labels'; Id = 'LabelNotInteger'; Match = 'not a whole number'; Script = { $model | Measure-RnnModel -X $x -Y ([double[]](0.5, 1, 0, 1)) } }
        @{ Name = 'Invoke-RnnTraining with a label the model lacks'; Id = 'LabelOutOfRange'; Match = 'class label 7'; Script = { $model | Invoke-RnnTraining -X $x -Y ([long[]](0, 7, 0, 1)) } }
        @{ Name = 'Add-LstmLayer -ReturnSequences $true'; Id = 'SwitchTakesNoValue'; Match = '-ReturnSequences is a switch.*-ReturnSequences alone, or with a colon \(-ReturnSequences:\$true\)'; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 4 -ReturnSequences $true } }
        @{ Name = 'Add-GruLayer -Bidirectional $false'; Id = 'SwitchTakesNoValue'; Match = '-Bidirectional:\$false'; Script = { New-RnnModel -InputShape 3, 2 | Add-GruLayer 4 -Bidirectional $false } }
        @{ Name = 'Add-EmbeddingLayer -MaskZero $true'; Id = 'SwitchTakesNoValue'; Match = '-MaskZero'; Script = { New-RnnModel -InputShape 3 | Add-EmbeddingLayer 10 4 -MaskZero $true } }
        @{ Name = 'Invoke-RnnTraining -Shuffle $false'; Id = 'SwitchTakesNoValue'; Match = '-Shuffle:\$false'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Shuffle $false } }
        @{ Name = 'Split-RnnDataset -Stratify $true'; Id = 'SwitchTakesNoValue'; Match = '-Stratify'; Script = { Split-RnnDataset -X $x -Y $labels -Stratify $true } }
        @{ Name = 'Add-LstmLayer with a second value by position'; Id = 'ArgumentNotExpected'; Match = "'5' was left over"; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 4 5 } }
        @{ Name = 'Invoke-RnnTraining -Metric mae with class labels'; Id = 'MetricTargetMismatch'; Match = 'class labels; one-hot encode them'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Metric mae } }
        @{ Name = 'Measure-RnnModel -Metric mae with class labels'; Id = 'MetricTargetMismatch'; Match = 'class labels'; Script = { $model | Measure-RnnModel -X $x -Y $labels -Metric mae } }
        @{ Name = 'Invoke-RnnTraining -Metric categorical_accuracy with class labels'; Id = 'MetricTargetMismatch'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Metric categorical_accuracy } }
        @{ Name = 'Invoke-RnnTraining -Metric sparse_categorical_accuracy with one-hot rows'; Id = 'MetricTargetMismatch'; Match = 'takes class labels'; Script = { $model | Invoke-RnnTraining -X $x -Y $oneHot -Metric sparse_categorical_accuracy } }

        # Issue 16: learning-rate schedules and ReduceLROnPlateau.
        @{ Name = 'New-RnnLearningRateSchedule -DecaySteps 0'; Id = 'LearningRateScheduleStepsNotPositive'; Match = 'greater than 0'; Script = { New-RnnLearningRateSchedule -Exponential -InitialRate 0.1 -DecaySteps 0 -DecayRate 0.5 } }
        @{ Name = 'New-RnnLearningRateSchedule -InitialRate -1'; Id = 'LearningRateScheduleRateInvalid'; Match = 'finite number ≥ 0'; Script = { New-RnnLearningRateSchedule -Polynomial -InitialRate -1 -DecaySteps 5 } }
        @{ Name = 'New-RnnLearningRateSchedule -DecayRate -0.5'; Id = 'LearningRateScheduleInvalidFactor'; Match = 'negative or NaN'; Script = { New-RnnLearningRateSchedule -Exponential -InitialRate 0.1 -DecaySteps 5 -DecayRate -0.5 } }
        @{ Name = 'New-RnnLearningRateSchedule -Boundaries 10, 5'; Id = 'LearningRateScheduleBoundariesNotIncreasing'; Match = '5 follows 10'; Script = { New-RnnLearningRateSchedule -PiecewiseConstant -Boundaries 10, 5 -Values 1, 2, 3 } }
        @{ Name = 'New-RnnLearningRateSchedule -Values one short'; Id = 'LearningRateScheduleValuesCountMismatch'; Match = 'one value more than boundaries'; Script = { New-RnnLearningRateSchedule -PiecewiseConstant -Boundaries 10 -Values 1 } }
        @{ Name = 'Invoke-RnnTraining -LearningRate with -LearningRateSchedule'; Id = 'LearningRateWithSchedule'; Match = 'Give one of them'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -LearningRate 0.1 -LearningRateSchedule (New-RnnLearningRateSchedule -Cosine -InitialRate 0.1 -DecaySteps 5) } }
        @{ Name = 'Invoke-RnnTraining -ReduceLRFactor 2'; Id = 'ReduceLRFactorOutOfRange'; Match = 'less than 1'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ReduceLROnPlateau -ReduceLRFactor 2 } }
        @{ Name = 'Invoke-RnnTraining -ReduceLRPatience without -ReduceLROnPlateau'; Id = 'ReduceLRWithoutSwitch'; Match = 'add -ReduceLROnPlateau'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ReduceLRPatience 2 } }
        @{ Name = 'Invoke-RnnTraining -ReduceLROnPlateau with a schedule'; Id = 'ReduceLROnPlateauWithSchedule'; Match = 'Use one or the other'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ReduceLROnPlateau -LearningRateSchedule (New-RnnLearningRateSchedule -Cosine -InitialRate 0.1 -DecaySteps 5) } }
        @{ Name = 'Invoke-RnnTraining with a schedule whose rate turns NaN'; Id = 'ScheduledLearningRateInvalid'; Match = 'learning rate NaN at step'; Script = { (New-RnnModel -InputShape 3, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax) | Invoke-RnnTraining -X $x -Y $labels -Epochs 9 -BatchSize 1 -LearningRateSchedule (New-RnnLearningRateSchedule -CosineRestarts -InitialRate 0.1 -FirstDecaySteps 2 -TMul 0.5) } }

        # Issue 22: text vocabularies.
        @{ Name = 'New-RnnVocabulary of punctuation only'; Id = 'VocabularyEmpty'; Match = 'give no tokens after standardizing'; Script = { '?!', '...' | New-RnnVocabulary } }
        @{ Name = 'New-RnnVocabulary -Vocabulary @()'; Id = 'VocabularyEmpty'; Match = 'has no tokens besides the padding'; Script = { New-RnnVocabulary -Vocabulary @() } }
        @{ Name = 'New-RnnVocabulary -MaxTokens 1'; Id = 'VocabularyMaxTokensTooSmall'; Match = 'give 2 or more'; Script = { 'a b' | New-RnnVocabulary -MaxTokens 1 } }
        @{ Name = 'New-RnnVocabulary -NGrams 0'; Id = 'VocabularyBadNGrams'; Match = 'give 1 \(plain tokens\)'; Script = { 'a b' | New-RnnVocabulary -NGrams 0 } }
        @{ Name = 'New-RnnVocabulary -OovToken empty'; Id = 'VocabularyBadOovToken'; Match = 'cannot be empty'; Script = { 'a b' | New-RnnVocabulary -OovToken '' } }
        @{ Name = 'New-RnnVocabulary of numbers'; Id = 'TextInputNotString'; Match = 'Input 0 is Int32, not a string'; Script = { 1, 2 | New-RnnVocabulary } }
        @{ Name = 'New-RnnVocabulary -Vocabulary with a repeat'; Id = 'VocabularyRepeatedToken'; Match = "the token 'a' more than once"; Script = { New-RnnVocabulary -Vocabulary a, b, a } }
        @{ Name = 'New-RnnVocabulary -Vocabulary with the OOV token inside'; Id = 'VocabularyReservedToken'; Match = 'which is reserved'; Script = { New-RnnVocabulary -Vocabulary a, '[UNK]' } }
        @{ Name = 'New-RnnVocabulary -Vocabulary over -MaxTokens'; Id = 'VocabularyTooLarge'; Match = 'more than -MaxTokens 3'; Script = { New-RnnVocabulary -Vocabulary a, b -MaxTokens 3 } }
        @{ Name = 'ConvertTo-RnnTokenId of an object'; Id = 'TextInputNotString'; Match = 'is Hashtable, not a string'; Script = { ConvertTo-RnnTokenId -InputObject @{ a = 1 } -Vocabulary (New-RnnVocabulary -Vocabulary a) } }
        @{ Name = 'ConvertFrom-RnnTokenId of an id past the vocabulary'; Id = 'TokenIdOutOfRange'; Match = 'ids run from 0 \(padding\) to 2'; Script = { ConvertFrom-RnnTokenId (ConvertTo-RnnTensor ([long[]](1, 5)) -Shape 1, 2) -Vocabulary (New-RnnVocabulary -Vocabulary a) } }
        @{ Name = 'Invoke-RnnPrediction -Text with a model without a vocabulary'; Id = 'TextRecipeMissing'; Match = 'has no vocabulary.*Set-RnnVocabulary -Model \$model -Vocabulary \$v'; Script = { Invoke-RnnPrediction -Model $model -Text 'disk full' } }
        @{ Name = 'Set-RnnVocabulary on an Embedding too small'; Id = 'TextRecipeMismatch'; Match = 'embeds 3 ids, fewer than the vocabulary'; Script = { New-RnnModel -InputShape 4 | Add-EmbeddingLayer 3 2 | Add-GruLayer 2 | Set-RnnVocabulary -Vocabulary (New-RnnVocabulary -Vocabulary a, b, c) } }
        @{ Name = 'Set-RnnVocabulary -SequenceLength other than the model'; Id = 'TextRecipeMismatch'; Match = 'takes 4 token ids, not 6'; Script = { New-RnnModel -InputShape 4 | Add-EmbeddingLayer 9 2 | Set-RnnVocabulary -Vocabulary (New-RnnVocabulary -Vocabulary a) -SequenceLength 6 } }

        # Issue 17: the audio recipe in the model.
        @{ Name = 'Import-RnnAudio -Model of a model without a recipe'; Id = 'AudioRecipeMissing'; Match = 'has no audio recipe.*Set-RnnAudioRecipe -Model \$model -Dataset \$data'; Script = { Import-RnnAudio $files.Wav -Model $model } }
        @{ Name = 'Invoke-RnnPrediction -Path with a model without a recipe'; Id = 'AudioRecipeMissing'; Match = 'saved before recipes were kept'; Script = { Invoke-RnnPrediction -Model $model -Path $files.Wav } }
        @{ Name = 'Import-RnnAudio -Model with -Frames'; Id = 'AudioRecipeConflict'; Match = '-Frames cannot be given too'; Script = { $d = Import-RnnAudio $files.Wav -Frames 3 -Normalize -Stack; Import-RnnAudio $files.Wav -Frames 3 -Model (New-RnnModel -InputShape 3, 13 | Add-GruLayer 2 | Set-RnnAudioRecipe -Dataset $d -PassThru) } }
        @{ Name = 'Set-RnnAudioRecipe on a model of other features'; Id = 'AudioRecipeMismatch'; Match = 'takes 2 features per step, the recipe makes 13'; Script = { $model | Set-RnnAudioRecipe -Dataset (Import-RnnAudio $files.Wav -Frames 3 -Normalize -Stack) } }
        @{ Name = 'Invoke-RnnPrediction -Path with per-step outputs'; Id = 'AudioPredictionPerStep'; Match = 'output per step, not one per file'; Script = { $d = Import-RnnAudio $files.Wav -Frames 3 -Normalize -Stack; Invoke-RnnPrediction -Path $files.Wav -Model (New-RnnModel -InputShape 3, 13 | Add-DenseLayer 2 | Set-RnnAudioRecipe -Dataset $d -PassThru) } }

        # Rows, slices and tables (issue 22).
        @{ Name = 'Select-RnnSample -Index beyond the samples'; Id = 'SampleIndexOutOfRange'; Match = 'Index 9 .* out of range for axis 0 with size 2'; Script = { Select-RnnSample $six -Index 9 } }
        @{ Name = 'Select-RnnSample -Mask of the wrong length'; Id = 'SampleMaskLengthMismatch'; Match = '-Mask has 3 values; the tensor of shape \(2, 3\) has 2 samples'; Script = { Select-RnnSample $six -Mask ([bool[]](1, 0, 1)) } }
        @{ Name = 'Select-RnnSample -Mask of numbers'; Id = 'SampleMaskNotBool'; Match = 'give bool values'; Script = { Select-RnnSample $six -Mask ([int[]](1, 0)) } }
        @{ Name = 'Select-RnnSample -Random beyond the samples'; Id = 'SampleRandomTooMany'; Match = 'more samples than the 2 there are'; Script = { Select-RnnSample $six -Random 3 } }
        @{ Name = 'Select-RnnSample -Random of tensors of other counts'; Id = 'SampleCountMismatch'; Match = 'the same random samples need the same count'; Script = { $six, $x | Select-RnnSample -Random 1 } }
        @{ Name = 'Select-RnnSample -First with -Last'; Id = 'SampleRangeConflict'; Match = '-First or -Last, not both'; Script = { Select-RnnSample $six -First 1 -Last 1 } }
        @{ Name = 'Select-RnnSample of a scalar'; Id = 'SampleTensorScalar'; Match = 'has no samples'; Script = { Select-RnnSample (ConvertTo-RnnTensor 5) -First 1 } }
        @{ Name = 'Join-RnnTensor of other shapes'; Id = 'JoinShapeMismatch'; Match = 'Tensor 1 has shape \(4, 3, 2\) and tensor 0 \(2, 3\)'; Script = { $six, $x | Join-RnnTensor } }
        @{ Name = 'Join-RnnTensor of other dtypes'; Id = 'JoinDTypeMismatch'; Match = 'Tensor 1 is int64 and tensor 0 float32'; Script = { $six, (ConvertTo-RnnTensor ([long[]](1..3)) -Shape 1, 3) | Join-RnnTensor } }
        @{ Name = 'Join-RnnTensor -Axis 2 of matrices'; Id = 'JoinAxisOutOfRange'; Match = 'Axis 2 is out of range for a tensor of rank 2'; Script = { $six, $six | Join-RnnTensor -Axis 2 } }
        @{ Name = 'the .Slice() method beyond an axis'; Id = 'TensorIndexInvalid'; Match = 'Index 5 is out of range for axis 0 with size 2'; Script = { $six.Slice(5) } }
        @{ Name = 'the .Slice() method with a bad range'; Id = 'TensorIndexInvalid'; Match = "give a whole number or a range such as '1:3'"; Script = { $six.Slice('1:x') } }
        @{ Name = 'ConvertTo-RnnTensor -Property of a missing column'; Id = 'TableColumnMissing'; Match = "Row 1 has no property 'c'; it has a, b"; Script = { [pscustomobject]@{ a = 1; b = 2 } | ConvertTo-RnnTensor -Property a, c } }
        @{ Name = 'ConvertTo-RnnTensor -Property of a bad cell'; Id = 'TableValueInvalid'; Match = "Row 2, column 'a': '1,5' is not a number"; Script = { @{ a = '1' }, @{ a = '1,5' } | ConvertTo-RnnTensor -Property a } }
        @{ Name = 'ConvertTo-RnnTensor -Property of dates without features'; Id = 'TableDateTimeColumn'; Match = 'give -DateTimeFeatures'; Script = { [pscustomobject]@{ t = '2024-01-01T10:00' } | ConvertTo-RnnTensor -Property t } }
        @{ Name = 'ConvertTo-RnnTensor -DateTimeFeatures without -Property'; Id = 'DateTimeFeaturesWithoutProperty'; Match = 'give the columns with -Property'; Script = { ConvertTo-RnnTensor 1 -DateTimeFeatures Hour } }
        @{ Name = 'ConvertTo-RnnWindow -TargetProperty not among -Property'; Id = 'WindowTargetPropertyInvalid'; Match = "-TargetProperty 'c' is not among -Property \(a, b\)"; Script = { 1..9 | ForEach-Object { [pscustomobject]@{ a = $_; b = $_ } } | ConvertTo-RnnWindow -Property a, b -TargetProperty c -Lookback 2 } }
        @{ Name = 'ConvertTo-RnnWindow -TargetProperty without -Property'; Id = 'WindowPropertyMissing'; Match = 'name their columns with -Property'; Script = { 1..9 | ConvertTo-RnnWindow -TargetProperty a -Lookback 2 } }
        # The sweep: every cmdlet at least once, and the engine's checks they reach.
        @{ Name = 'Import-NpyData on a folder'; Script = { Import-NpyData -LiteralPath $TestDrive } }
        @{ Name = 'Import-NpyData on a text file'; Script = { Import-NpyData $files.TextNpy } }
        @{ Name = 'Import-NpyData on a missing file'; Script = { Import-NpyData (Join-Path $TestDrive 'missing.npy') } }
        @{ Name = 'Import-NpyData on a model file'; Script = { Import-NpyData $files.Model } }
        @{ Name = 'Export-NpyData over an existing file'; Script = { $x | Export-NpyData $files.Npy } }
        @{ Name = 'Export-NpyData of text'; Script = { Export-NpyData (Join-Path $TestDrive 's.npy') -InputObject 'abc' } }
        @{ Name = 'Export-NpyData into a missing folder'; Script = { $x | Export-NpyData (Join-Path $TestDrive 'nofolder/x.npy') } }
        @{ Name = 'Export-NpyData to another extension'; Script = { $x | Export-NpyData (Join-Path $TestDrive 'x.txt') } }
        @{ Name = 'Export-NpyData of an unsafe .npz entry name'; Script = { Export-NpyData (Join-Path $TestDrive 'a.npz') -InputObject @{ '../a' = $x } } }
        @{ Name = 'Import-RnnAudio on a text file'; Script = { Import-RnnAudio $files.TextWav } }
        @{ Name = 'Import-RnnAudio on a folder'; Script = { Import-RnnAudio -LiteralPath $TestDrive } }
        @{ Name = 'Import-RnnAudio -LabelFrom Csv without -LabelCsv'; Script = { Import-RnnAudio $files.Wav -LabelFrom Csv } }
        @{ Name = 'Import-RnnAudio -LabelCsv of a missing file'; Script = { Import-RnnAudio $files.Wav -LabelFrom Csv -LabelCsv (Join-Path $TestDrive 'nope.csv') } }
        @{ Name = 'Import-RnnAudio -Copies without -Augment'; Id = 'AudioCopiesWithoutAugment'; Match = 'add -Augment'; Script = { Import-RnnAudio $files.Wav -Copies 2 } }
        @{ Name = 'New-RnnAudioAugmentation -NoiseSnr 30, 10'; Id = 'AudioAugmentationRangeReversed'; Match = 'low end is above the high end'; Script = { New-RnnAudioAugmentation -NoiseSnr 30, 10 } }
        @{ Name = 'New-RnnAudioAugmentation -Speed 3'; Id = 'AudioAugmentationInvalid'; Match = 'outside 0\.5 to 2'; Script = { New-RnnAudioAugmentation -Speed 3 } }
        @{ Name = 'New-RnnAudioAugmentation -ReverbRt60 0'; Id = 'AudioAugmentationInvalid'; Match = 'above 0 and at most 5 s'; Script = { New-RnnAudioAugmentation -ReverbRt60 0 } }
        @{ Name = 'New-RnnAudioAugmentation -NoiseColor without -NoiseSnr'; Id = 'AudioAugmentationNoiseColorWithoutSnr'; Match = 'add -NoiseSnr'; Script = { New-RnnAudioAugmentation -NoiseColor Pink } }
        @{ Name = 'New-RnnAudioAugmentation with nothing'; Id = 'AudioAugmentationEmpty'; Match = 'changes nothing'; Script = { New-RnnAudioAugmentation } }
        @{ Name = 'New-RnnAudioAugmentation -VtlpWarp 2'; Id = 'AudioAugmentationInvalid'; Match = 'must lie within 0\.7 to 1\.4'; Script = { New-RnnAudioAugmentation -VtlpWarp 2 } }
        @{ Name = 'Import-RnnAudio -Feature Raw with VTLP'; Id = 'AudioVtlpUnsupported'; Match = 'has none'; Script = { Import-RnnAudio $files.Wav -Feature Raw -Augment (New-RnnAudioAugmentation -VtlpWarp 1.1) } }
        @{ Name = 'Import-RnnAudio -LabelCsv of text'; Script = { Import-RnnAudio $files.Wav -LabelFrom Csv -LabelCsv $files.Text } }
        @{ Name = 'Import-RnnAudio -Coefficients above -MelBands'; Script = { Import-RnnAudio $files.Wav -Coefficients 80 -MelBands 40 } }
        @{ Name = 'ConvertTo-RnnTensor -DType Int32 of a fraction'; Script = { ConvertTo-RnnTensor -InputObject 0.5 -DType Int32 } }
        @{ Name = 'ConvertTo-RnnTensor -DType UInt8 of 300'; Script = { ConvertTo-RnnTensor -InputObject 300 -DType UInt8 } }
        @{ Name = 'ConvertTo-RnnTensor of text'; Script = { ConvertTo-RnnTensor -InputObject 'abc' } }
        @{ Name = 'ConvertTo-RnnTensor of ragged lists'; Script = { ConvertTo-RnnTensor @(@(1, 2), @(3)) } }
        @{ Name = 'ConvertTo-RnnTensor of a hashtable'; Script = { ConvertTo-RnnTensor @{ a = 1 } } }
        @{ Name = 'ConvertTo-RnnOneHot of fractions'; Id = 'OneHotNonIntegerLabel'; Script = { ConvertTo-RnnTensor -InputObject ([double[]](0.5, 1)) | ConvertTo-RnnOneHot -NumClasses 2 } }
        @{ Name = 'ConvertTo-RnnOneHot beyond -NumClasses'; Script = { ConvertTo-RnnOneHot -InputObject ([long[]](0, 5)) -NumClasses 3 } }
        @{ Name = 'ConvertTo-RnnOneHot of text'; Script = { ConvertTo-RnnOneHot -InputObject 'abc' } }
        @{ Name = 'ConvertTo-RnnWindow longer than the series'; Script = { ConvertTo-RnnWindow -InputObject ([float[]](1..10)) -Lookback 20 } }
        @{ Name = 'ConvertTo-RnnWindow -TargetColumn outside'; Script = { ConvertTo-RnnWindow -InputObject ([float[, ]]::new(10, 2)) -Lookback 3 -TargetColumn 5 } }
        @{ Name = 'ConvertTo-RnnWindow of a 3-D tensor'; Script = { ConvertTo-RnnWindow -InputObject $x -Lookback 2 } }
        @{ Name = 'ConvertTo-RnnSequenceBatch of tables'; Script = { ConvertTo-RnnSequenceBatch -InputObject @(, ([float[, ]]::new(2, 2)), ([float[, ]]::new(2, 3))) } }
        @{ Name = 'ConvertTo-RnnSequenceBatch of text'; Script = { ConvertTo-RnnSequenceBatch -InputObject @('ab', 'c') } }
        @{ Name = 'ConvertTo-RnnSequenceBatch of nothing'; Script = { ConvertTo-RnnSequenceBatch -InputObject @() } }
        @{ Name = 'Split-RnnDataset of X and Y of other lengths'; Script = { Split-RnnDataset -X $x -Y (ConvertTo-RnnTensor -InputObject ([long[]](0, 1))) } }
        @{ Name = 'Split-RnnDataset -Stratify with a class of one'; Script = { Split-RnnDataset -X $x -Y (ConvertTo-RnnTensor -InputObject ([long[]](0, 0, 0, 1))) -Stratify -TestFraction 0.5 } }
        @{ Name = 'Split-RnnDataset -TestCount beyond the rows'; Script = { Split-RnnDataset -X $x -Y $labels -TestCount 10 } }
        @{ Name = 'New-RnnModel -InputShape 0'; Script = { New-RnnModel -InputShape 0 } }
        @{ Name = 'New-RnnModel -InputShape -5, 3'; Script = { New-RnnModel -InputShape -5, 3 } }
        @{ Name = 'Add-LstmLayer -Activation foo'; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 4 -Activation foo } }
        @{ Name = 'Add-GruLayer -RecurrentActivation foo'; Script = { New-RnnModel -InputShape 3, 2 | Add-GruLayer 4 -RecurrentActivation foo } }
        @{ Name = 'Add-SimpleRnnLayer after a vector output'; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 4 | Add-SimpleRnnLayer 4 } }
        @{ Name = 'Add-DenseLayer with a name taken'; Script = { New-RnnModel -InputShape 3, 2 | Add-DenseLayer 2 -Name a | Add-DenseLayer 2 -Name a } }
        @{ Name = 'Add-DropoutLayer with a value by position too many'; Script = { New-RnnModel -InputShape 3, 2 | Add-DropoutLayer 0.2 0.3 } }
        @{ Name = 'Add-EmbeddingLayer not first'; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 4 -ReturnSequences | Add-EmbeddingLayer 10 4 } }
        @{ Name = 'Add-EmbeddingLayer too large'; Script = { New-RnnModel -InputShape 3 | Add-EmbeddingLayer 2000000000 2000 } }
        @{ Name = 'Add-MaskingLayer not first'; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 4 -ReturnSequences | Add-MaskingLayer } }
        @{ Name = 'Add-SpecAugmentLayer -FrequencyMaskWidth above the features'; Id = 'SpecAugmentWidthTooLarge'; Match = 'give at most 2'; Script = { New-RnnModel -InputShape 3, 2 | Add-SpecAugmentLayer -FrequencyMasks 1 -FrequencyMaskWidth 3 } }
        @{ Name = 'Add-SpecAugmentLayer -TimeMaskProportion 0'; Id = 'LayerBadArgument'; Match = 'above 0 and at most 1'; Script = { New-RnnModel -InputShape 3, 2 | Add-SpecAugmentLayer -TimeMasks 1 -TimeMaskWidth 2 -TimeMaskProportion 0 } }
        @{ Name = 'Invoke-RnnTraining with other features'; Script = { $model | Invoke-RnnTraining -X $wide -Y $labels } }
        @{ Name = 'Invoke-RnnTraining with fewer targets'; Script = { $model | Invoke-RnnTraining -X $x -Y ([long[]](0, 1)) } }
        @{ Name = 'Invoke-RnnTraining with 2-D input to a recurrent layer'; Script = { $model | Invoke-RnnTraining -X ([float[, ]]::new(4, 2)) -Y $labels } }
        @{ Name = 'Invoke-RnnTraining with NaN'; Script = { $model | Invoke-RnnTraining -X (ConvertTo-RnnTensor -InputObject ([float[]]@([float]::NaN) * 24) -Shape 4, 3, 2) -Y $labels } }
        @{ Name = 'Invoke-RnnTraining with one-hot rows of other width'; Script = { $model | Invoke-RnnTraining -X $x -Y (ConvertTo-RnnOneHot -InputObject ([long[]](0, 1, 2, 1))) } }
        @{ Name = 'Invoke-RnnTraining -Loss mae with class labels'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Loss mae } }
        @{ Name = 'Invoke-RnnTraining -Loss sparse_categorical_crossentropy with one-hot rows'; Script = { $model | Invoke-RnnTraining -X $x -Y $oneHot -Loss sparse_categorical_crossentropy } }
        @{ Name = 'Invoke-RnnTraining of an empty model'; Script = { New-RnnModel -InputShape 3, 2 | Invoke-RnnTraining -X $x -Y $labels } }
        @{ Name = 'Invoke-RnnTraining -TruncatedBptt 0'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -TruncatedBptt 0 } }
        @{ Name = 'Invoke-RnnTraining -TruncatedBptt of a fixed-length model'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -TruncatedBptt 2 } }
        @{ Name = 'Invoke-RnnTraining -TruncatedBptt of a bidirectional model'; Script = { $bidirectional | Invoke-RnnTraining -X $x -Y $labels -TruncatedBptt 2 } }
        @{ Name = 'Invoke-RnnTraining -TruncatedBptt of a model with a convolution'; Id = 'TruncatedBpttAcrossSteps'; Match = 'without -TruncatedBptt'; Script = { New-RnnModel -InputShape 0, 2 | Add-Conv1DLayer 3 2 | Add-GruLayer 2 | Add-DenseLayer 2 -Activation softmax | Invoke-RnnTraining -X $x -Y $labels -TruncatedBptt 2 } }
        @{ Name = 'Invoke-RnnTraining -ValidationData of other features'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ValidationData $wide, $labels } }
        @{ Name = 'Invoke-RnnTraining -ValidationData of text'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ValidationData 'a', 'b' } }
        @{ Name = 'Invoke-RnnTraining -ResumeFrom a missing file'; Script = { Invoke-RnnTraining -X $x -Y $labels -ResumeFrom (Join-Path $TestDrive 'missing.safetensors') } }
        @{ Name = 'Invoke-RnnTraining -ResumeFrom a model file'; Script = { Invoke-RnnTraining -X $x -Y $labels -ResumeFrom $files.Model } }
        @{ Name = 'Invoke-RnnTraining -LogPath in a missing folder'; Id = 'LogFolderNotFound'; Match = 'does not exist'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -LogPath (Join-Path $TestDrive 'nofolder/run.csv') } }
        @{ Name = 'Invoke-RnnTraining -LogPath a folder'; Id = 'LogPathIsFolder'; Match = 'give the CSV file'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -LogPath $TestDrive } }
        @{ Name = 'Invoke-RnnTraining -TensorBoardPath a file'; Id = 'TensorBoardPathIsFile'; Match = 'give a folder'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -TensorBoardPath $files.Text } }
        @{ Name = 'Invoke-RnnTraining in its own -OnEpochEnd'; Id = 'ModelInTraining'; Match = 'is being trained'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Quiet -OnEpochEnd { param($r, $m) $m | Invoke-RnnTraining -X $x -Y $labels } } }
        @{ Name = 'Add-DenseLayer in -OnEpochEnd'; Id = 'ModelInTraining'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Quiet -OnEpochEnd { param($r, $m) $m | Add-DenseLayer 2 } } }
        @{ Name = 'Invoke-RnnTraining -OnEpochEnd of text'; Binder = $true; Match = 'script block in braces'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -OnEpochEnd 'Write-Host hi' } }
        @{ Name = 'Invoke-RnnTraining with an Embedding id outside the vocabulary'; Script = { $embedding | Invoke-RnnTraining -X (ConvertTo-RnnTensor @(@(1, 2, 9), @(1, 2, 3))) -Y ([long[]](0, 1)) } }
        @{ Name = 'Measure-RnnModel -Detailed -ClassNames of other count'; Script = { $model | Measure-RnnModel -X $x -Y $labels -Detailed -ClassNames a, b, c } }
        @{ Name = 'Measure-RnnModel -Detailed of a regression model'; Script = { $dense | Measure-RnnModel -X $x -Y (ConvertTo-RnnTensor -InputObject ([float[]]::new(24)) -Shape 4, 3, 2) -Detailed } }
        @{ Name = 'Measure-RnnModel -Loss foo'; Script = { $model | Measure-RnnModel -X $x -Y $labels -Loss foo } }
        @{ Name = 'Measure-RnnModel with fewer targets'; Script = { $model | Measure-RnnModel -X $x -Y ([long[]](0, 1)) } }
        @{ Name = 'Invoke-RnnPrediction with other features'; Script = { $model | Invoke-RnnPrediction -X $wide } }
        @{ Name = 'Invoke-RnnPrediction -Sample -Temperature -1'; Script = { $model | Invoke-RnnPrediction -X $x -Sample -Temperature -1 } }
        @{ Name = 'Invoke-RnnPrediction -Sample of a linear output'; Script = { $dense | Invoke-RnnPrediction -X $x -Sample } }
        @{ Name = 'Invoke-RnnPrediction -Stream of another batch'; Script = { $stream | Invoke-RnnPrediction -X (ConvertTo-RnnTensor -InputObject ([float[]]::new(12)) -Shape 2, 3, 2) } }
        @{ Name = 'Invoke-RnnPrediction with a fractional Embedding id'; Script = { $embedding | Invoke-RnnPrediction -X (ConvertTo-RnnTensor @(@(1, 2, 0.5), @(1, 2, 3))) } }
        @{ Name = 'New-RnnStream of a bidirectional model'; Script = { $bidirectional | New-RnnStream } }
        @{ Name = 'New-RnnStream of a model without a recurrent layer'; Script = { $dense | New-RnnStream } }
        @{ Name = 'New-RnnStream of a -GoBackwards layer'; Script = { New-RnnModel -InputShape 0, 2 | Add-LstmLayer 3 -GoBackwards | New-RnnStream } }
        @{ Name = 'New-RnnStream of a model with attention'; Id = 'StreamAcrossSteps'; Match = 'reads across the steps'; Script = { New-RnnModel -InputShape 0, 2 | Add-LstmLayer 3 -ReturnSequences | Add-AttentionLayer | New-RnnStream } }
        @{ Name = 'Reset-RnnStream -Index beyond the stream'; Script = { $stream | Reset-RnnStream -Index 5 } }
        @{ Name = 'Invoke-RnnPrediction -Stream of a model that changed since'; Script = { $m = New-RnnModel -InputShape 0, 2 | Add-LstmLayer 3 -ReturnSequences; $s = $m | New-RnnStream; $null = $m | Add-DenseLayer 1; $s | Invoke-RnnPrediction -X ([float[, ]]::new(2, 2)) } }
        @{ Name = 'Set-RnnStreamState of an unknown state'; Script = { $stream | Set-RnnStreamState -Name nope -Value 1 } }
        @{ Name = 'Set-RnnStreamState of another shape'; Script = { $stream | Set-RnnStreamState -Name lstm.h -Value ([float[]](1, 2)) } }
        @{ Name = 'Set-RnnStreamState of text'; Script = { $stream | Set-RnnStreamState -State @{ 'lstm.h' = 'abc' } } }
        @{ Name = 'Get-RnnLayerWeight of layer 9'; Script = { Get-RnnLayerWeight -Model $model -Layer 9 } }
        @{ Name = 'Get-RnnLayerWeight of an unknown layer name'; Script = { Get-RnnLayerWeight -Model $model -Layer nope } }
        @{ Name = 'Get-RnnLayerWeight of an unknown weight'; Script = { Get-RnnLayerWeight -Model $model -Layer 0 -Name nope } }
        @{ Name = 'Set-RnnLayerWeight of another shape'; Script = { Set-RnnLayerWeight -Model $model -Layer 0 -Name kernel -Value $six } }
        @{ Name = 'Set-RnnLayerWeight of an unknown weight'; Script = { Set-RnnLayerWeight -Model $model -Layer 0 -Name nope -Value $six } }
        @{ Name = 'Export-RnnModel over an existing file'; Script = { $model | Export-RnnModel $files.Model } }
        @{ Name = 'Export-RnnModel of an empty model'; Script = { New-RnnModel -InputShape 3, 2 | Export-RnnModel (Join-Path $TestDrive 'e.safetensors') } }
        @{ Name = 'Export-RnnModel -Streaming of a bidirectional model'; Script = { $bidirectional | Export-RnnModel (Join-Path $TestDrive 'b.onnx') -Format Onnx -Streaming } }
        @{ Name = 'Export-RnnModel -Streaming of a masked model'; Script = { New-RnnModel -InputShape 0, 2 | Add-MaskingLayer | Add-LstmLayer 3 | Export-RnnModel (Join-Path $TestDrive 'm.onnx') -Format Onnx -Streaming } }
        @{ Name = 'Export-RnnTrainingPlot over an existing file'; Script = { $model | Export-RnnTrainingPlot $files.Text } }
        @{ Name = 'Export-RnnConfusionMatrix over an existing file'; Script = { $report | Export-RnnConfusionMatrix $files.Text } }
        @{ Name = 'Import-RnnModel of a missing file'; Script = { Import-RnnModel (Join-Path $TestDrive 'missing.safetensors') } }
        @{ Name = 'Import-RnnModel -Into of weights for other layers'; Script = { Import-RnnModel (Join-Path $fixtures 'keras/lstm_gru_dense.weights.h5') -Into $model } }
        @{ Name = 'Import-RnnModel -Into with a safetensors file'; Script = { Import-RnnModel $files.Model -Into $model } }
        @{ Name = 'Export-RnnModel -Format Keras of an attention model'; Id = 'KerasExportUnsupported'; Match = 'takes a query and a value in Keras.*own format or to ONNX'; Script = { New-RnnModel -InputShape 5, 2 | Add-AttentionLayer | Export-RnnModel (Join-Path $TestDrive 'a.keras') -Format Keras } }
        @{ Name = 'Export-RnnModel -Format Keras -IncludeOptimizerState'; Id = 'KerasNoOptimizerState'; Match = 'needs -Format Safetensors'; Script = { $model | Export-RnnModel (Join-Path $TestDrive 'o.keras') -Format Keras -IncludeOptimizerState } }
        @{ Name = 'Import-RnnModel of a .keras archive with npz weights'; Id = 'KerasArchiveIncomplete'; Match = 'model\.weights\.npz; PSRnn reads the default, model\.weights\.h5'; Script = { Import-RnnModel (Join-Path $fixtures 'keras/npz_weights.keras') } }
        @{ Name = 'Import-RnnModel of a .keras archive missing a weight'; Id = 'KerasWeightMismatch'; Match = 'layers/gru/cell/vars holds 2 variables; the model''s layer has 3'; Script = { Import-RnnModel (Join-Path $fixtures 'keras/missing_weight.keras') } }
        @{ Name = 'Import-RnnModel of a Keras layer PSRnn lacks'; Script = { Import-RnnModel (Join-Path $fixtures 'keras/unknown_layer.h5') } }
        @{ Name = 'Import-RnnModel of a model file with units 0'; Script = { Import-RnnModel (Edit-ModelFile 'units0' 'units\u0022:4' 'units\u0022:0') } }
        @{ Name = 'Import-RnnModel of a model file with an unknown activation'; Script = { Import-RnnModel (Edit-ModelFile 'activation' 'activation\u0022:\u0022tanh' 'activation\u0022:\u0022tanx') } }
        @{ Name = 'Import-RnnModel of a model file with an unknown loss'; Script = { Import-RnnModel (Edit-ModelFile 'loss' 'sparse_categorical_crossentropy' 'sparse_categorical_crossentropx') } }

        # Sample and class weights (issue 16, point 2).
        @{ Name = 'Invoke-RnnTraining -SampleWeight of the wrong count'; Id = 'SampleWeightCountMismatch'; Match = 'has 3 weights, but there are 4 samples'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -SampleWeight ([float[]](1, 1, 1)) } }
        @{ Name = 'Invoke-RnnTraining -SampleWeight per step without per-step targets'; Id = 'SampleWeightShapeMismatch'; Match = 'a weight per step needs a model that returns sequences'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -SampleWeight (ConvertTo-RnnTensor ([float[]]::new(12)) -Shape 4, 3) } }
        @{ Name = 'Invoke-RnnTraining -SampleWeight negative'; Id = 'SampleWeightNegative'; Match = 'sample 2 has the weight -1'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -SampleWeight ([float[]](1, 1, -1, 1)) } }
        @{ Name = 'Invoke-RnnTraining -SampleWeight NaN'; Id = 'SampleWeightNotFinite'; Match = 'finite and not negative'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -SampleWeight ([float[]](1, [float]::NaN, 1, 1)) } }
        @{ Name = 'Invoke-RnnTraining -SampleWeight of text'; Id = 'TensorConversionFailed'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ValidationData $x, $labels, 'heavy' } }
        @{ Name = 'Invoke-RnnTraining -ClassWeight for a class the model lacks'; Id = 'ClassWeightUnknownClass'; Match = 'class 5, but the model has 2 classes'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ClassWeight @{ 5 = 2.0 } } }
        @{ Name = 'Invoke-RnnTraining -ClassWeight negative'; Id = 'ClassWeightInvalid'; Match = 'finite and not negative'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ClassWeight @{ 0 = -2.0 } } }
        @{ Name = 'Invoke-RnnTraining -ClassWeight of a word'; Id = 'ClassWeightNotMap'; Match = "or 'balanced'"; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ClassWeight heavy } }
        @{ Name = 'Invoke-RnnTraining -ClassWeight with a key that is no class'; Id = 'ClassWeightNotMap'; Match = 'not a whole class index'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ClassWeight @{ cat = 2.0 } } }
        @{ Name = 'Invoke-RnnTraining -ClassWeight with -SampleWeight'; Id = 'ClassWeightWithSampleWeight'; Match = 'not both'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ClassWeight balanced -SampleWeight ([float[]](1, 1, 1, 1)) } }
        @{ Name = 'Invoke-RnnTraining -ClassWeight with per-step targets'; Id = 'ClassWeightPerStepTargets'; Match = '3\+ dimensional targets'; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 2 -ReturnSequences | Add-DenseLayer 2 -Activation softmax | Invoke-RnnTraining -X $x -Y (ConvertTo-RnnTensor ([long[]]::new(12)) -Shape 4, 3) -ClassWeight @{ 0 = 2.0 } } }
        @{ Name = 'Measure-RnnModel -SampleWeight of the wrong count'; Id = 'SampleWeightCountMismatch'; Script = { $model | Measure-RnnModel -X $x -Y $labels -SampleWeight ([float[]](1, 1)) } }
        @{ Name = 'Invoke-RnnTraining -ResumeFrom a weighted run without its weights'; Id = 'ResumeSampleWeightMismatch'; Match = 'ClassWeight'; Script = { $stem = Join-Path $TestDrive 'weighted-resume'; New-RnnModel -InputShape 3, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax | Invoke-RnnTraining -X $x -Y $labels -ClassWeight @{ 0 = 2.0 } -CheckpointPath $stem -Quiet | Out-Null; Invoke-RnnTraining -X $x -Y $labels -Epochs 2 -ResumeFrom "$stem.last.safetensors" -Quiet } }
        @{ Name = 'Invoke-RnnTraining -ResumeFrom with another optimizer'; Id = 'ResumeOptimizerMismatch'; Match = 'checkpoint'; Script = { $stem = Join-Path $TestDrive 'optimizer-resume'; New-RnnModel -InputShape 3, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax | Invoke-RnnTraining -X $x -Y $labels -Optimizer nadam -CheckpointPath $stem -Quiet | Out-Null; Invoke-RnnTraining -X $x -Y $labels -Epochs 2 -Optimizer adam -ResumeFrom "$stem.last.safetensors" -Quiet } }

        # Issue 16's losses and logs, as the review of the merged parts found them missing here.
        @{ Name = 'Invoke-RnnTraining -Loss cosine_similarity on one output'; Id = 'LossWidthTooSmall'; Match = '2 or more output units'; Script = { New-RnnModel -InputShape 3, 2 | Add-LstmLayer 2 | Add-DenseLayer 1 | Invoke-RnnTraining -X $x -Y (ConvertTo-RnnTensor ([float[]](1, 0, 1, 0)) -Shape 4, 1) -Loss cosine_similarity -Quiet } }
        @{ Name = 'Invoke-RnnTraining -TensorBoardPath inside a file'; Id = 'TensorBoardPathIsFile'; Match = 'is a file, not a folder'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Quiet -TensorBoardPath (Join-Path $files.Text 'tb') } }
        @{ Name = 'Invoke-RnnTraining -LogPath inside a file'; Id = 'LogFolderNotFound'; Match = 'is a file\)'; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -Quiet -LogPath (Join-Path $files.Text 'run.csv') } }

        # PowerShell's binder answers these; PSRnn's attributes add to some of their messages.
        # CTC (issue 18): a per-step softmax over 2 symbols and the blank, 4 samples of 3 steps.
        @{ Name = 'Invoke-RnnTraining -Loss ctc with a target too long'; Id = 'CtcTargetTooLong'; Match = 'sample 2 has 3 labels, which need at least 4 steps'; Script = { $ctc | Invoke-RnnTraining -X $x -Y @(@(1), @(2), @(1, 1, 2), @()) -Quiet } }
        @{ Name = 'Invoke-RnnTraining -Loss ctc with a blank label'; Id = 'CtcLabelIsBlank'; Match = '0 is CTC''s blank'; Script = { $ctc | Invoke-RnnTraining -X $x -Y @(@(1), @(0), @(1), @()) -Quiet } }
        @{ Name = 'Invoke-RnnTraining -Loss ctc with a label past the symbols'; Id = 'LabelOutOfRange'; Match = 'has the label 7 at position 1'; Script = { $ctc | Invoke-RnnTraining -X $x -Y @(@(1, 7), @(2), @(1), @()) -Quiet } }
        @{ Name = 'Invoke-RnnTraining -Loss ctc on a last-step model'; Id = 'CtcNeedsPerStepSoftmax'; Match = 'softmax over the symbols at every step'; Script = { $model | Invoke-RnnTraining -X $x -Y @(@(1), @(1), @(1), @()) -Loss ctc -Quiet } }
        @{ Name = 'Invoke-RnnTraining with jagged targets for mse'; Id = 'TargetsRagged'; Match = 'only -Loss ctc reads'; Script = { $ctc | Invoke-RnnTraining -X $x -Y @(@(1), @(1, 2), @(1), @()) -Loss mse -Quiet } }
        @{ Name = 'Invoke-RnnPrediction -Decode on a last-step model'; Id = 'DecodeNeedsPerStepSoftmax'; Match = 'Decode a CTC model'; Script = { $model | Invoke-RnnPrediction -X $x -Decode Beam } }
        @{ Name = 'Invoke-RnnPrediction -Precision Int4'; Id = 'PrecisionUnknown'; Match = 'give Float32 \(the default: the weights as trained\), Int8'; Script = { $model | Invoke-RnnPrediction -X $x -Precision Int4 } }
        @{ Name = 'Invoke-RnnPrediction -Precision Int8 -Engine OnnxRuntime'; Id = 'PrecisionNeedsPSRnnEngine'; Match = 'ONNX Runtime runs the float32 model'; Script = { $model | Invoke-RnnPrediction -X $x -Precision Int8 -Engine OnnxRuntime } }
        @{ Name = 'Measure-RnnModel -Precision half'; Id = 'PrecisionUnknown'; Match = "-Precision 'half' is not a weight precision"; Script = { $model | Measure-RnnModel -X $x -Y $labels -Precision half } }
        @{ Name = 'Invoke-RnnPrediction -Engine OnnxRuntime -ExecutionProvider CUDA on the CPU build'; Id = 'OnnxRuntimeProviderUnavailable'; Match = 'not available.*This ONNX Runtime build has CPUExecutionProvider'; Script = { $model | Invoke-RnnPrediction -X $x -Engine OnnxRuntime -ExecutionProvider CUDA } }
        @{ Name = 'Invoke-RnnPrediction -ExecutionProvider without -Engine'; Id = 'ExecutionProviderNeedsOnnxRuntime'; Match = 'give it with -Engine OnnxRuntime'; Script = { $model | Invoke-RnnPrediction -X $x -ExecutionProvider CUDA } }
        @{ Name = 'Invoke-RnnPrediction -ExecutionProviderOption with a null value'; Id = 'ExecutionProviderOptionInvalid'; Match = 'has no value'; Script = { $model | Invoke-RnnPrediction -X $x -Engine OnnxRuntime -ExecutionProviderOption @{ a = $null } } }
        @{ Name = 'Measure-RnnModel of a CTC model with too few label sequences'; Id = 'SampleCountMismatch'; Match = 'X has 4 samples but Y has 2 label sequences'; Script = { $ctc | Measure-RnnModel -X $x -Y @(@(1), @(1, 2)) -Loss ctc } }
        @{ Name = 'Measure-RnnAttribution of X with the wrong features'; Id = 'InputShapeMismatch'; Match = 'X has 3 steps of 5 features per sample, but the model takes 3 steps of 2'; Script = { $model | Measure-RnnAttribution -X $wide } }
        @{ Name = 'Measure-RnnAttribution -Target out of range'; Id = 'AttributionTargetOutOfRange'; Match = 'it has 2 outputs \(0 to 1\)'; Script = { $model | Measure-RnnAttribution -X $x -Target 5 } }
        @{ Name = 'Measure-RnnAttribution -Target of the wrong count'; Id = 'AttributionTargetCountMismatch'; Match = 'give one, or one per sample \(4\)'; Script = { $model | Measure-RnnAttribution -X $x -Target 0, 1 } }
        @{ Name = 'Measure-RnnAttribution of an Embedding model'; Id = 'InputGradientUnavailable'; Match = 'token ids have no gradient'; Script = { $embedding | Measure-RnnAttribution -X (ConvertTo-RnnTensor -InputObject ([long[]](1, 2, 3)) -Shape 1, 3) } }
        @{ Name = 'Measure-RnnAttribution of a per-step model'; Id = 'AttributionSequenceOutput'; Match = 'one output vector per sample'; Script = { $ctc | Measure-RnnAttribution -X $x } }
        @{ Name = 'Measure-RnnAttribution -Method Occlusion -Window 9'; Id = 'AttributionWindowInvalid'; Match = '1 ≤ -Window ≤ 3 \(the steps of X\)'; Script = { $model | Measure-RnnAttribution -X $x -Method Occlusion -Window 9 } }
        @{ Name = 'Measure-RnnAttribution -Window without occlusion'; Id = 'AttributionWindowNeedsOcclusion'; Match = 'give them with -Method Occlusion'; Script = { $model | Measure-RnnAttribution -X $x -Window 2 } }
        @{ Name = 'Measure-RnnAttribution -Baseline of the wrong size'; Id = 'AttributionBaselineShapeMismatch'; Match = 'shaped like X \(N·T·F = 24\) or like one sample \(T·F = 6\)'; Script = { $model | Measure-RnnAttribution -X $x -Baseline ([float[]](1, 2, 3)) } }
        @{ Name = 'Measure-RnnAttribution -Baseline of text'; Id = 'AttributionBaselineInvalid'; Match = 'not a number or a tensor'; Script = { $model | Measure-RnnAttribution -X $x -Baseline 'abc' } }
        @{ Name = 'Measure-RnnAttribution -Steps 1 with a Riemann rule'; Id = 'AttributionStepsInvalid'; Match = 'at least 2 steps with RiemannTrapezoid'; Script = { $model | Measure-RnnAttribution -X $x -Steps 1 -Integration RiemannTrapezoid } }
        @{ Name = 'Get-RnnActivation -Layer 7'; Id = 'LayerNotFound'; Match = 'there is no layer 7'; Script = { $model | Get-RnnActivation -X $x -Layer 7 } }
        @{ Name = 'Get-RnnActivation -Layer of an unknown name'; Id = 'LayerNotFound'; Match = "no layer named 'nope'. Its layers: lstm, dense"; Script = { $model | Get-RnnActivation -X $x -Layer nope } }
        @{ Name = 'Get-RnnActivation of X with the wrong features'; Id = 'InputShapeMismatch'; Match = 'but the model takes 3 steps of 2'; Script = { $model | Get-RnnActivation -X $wide -Layer 0 } }
        @{ Name = 'Export-RnnAttributionPlot -Sample 9'; Id = 'AttributionPlotSampleOutOfRange'; Match = 'not one of the 4 attributed samples'; Script = { $model | Measure-RnnAttribution -X $x -Method Saliency | Export-RnnAttributionPlot (Join-Path $TestDrive 'a.png') -Sample 9 } }
        @{ Name = 'Export-RnnActivationPlot of a Dense layer'; Id = 'ActivationPlotNoGates'; Match = 'is not recurrent: it has no gates'; Script = { $model | Get-RnnActivation -X $x -Layer 1 | Export-RnnActivationPlot (Join-Path $TestDrive 'g.png') } }
        @{ Name = 'Export-RnnActivationPlot -Gate q'; Id = 'ActivationPlotGateNotFound'; Match = "no gate 'q'. Its gates: h, i, f, g, o, c"; Script = { $model | Get-RnnActivation -X $x -Layer 0 | Export-RnnActivationPlot (Join-Path $TestDrive 'g.png') -Gate q } }
        @{ Name = 'Export-RnnActivationPlot -Unit 9'; Id = 'ActivationPlotUnitOutOfRange'; Match = 'it has 4 \(0 to 3\)'; Script = { $model | Get-RnnActivation -X $x -Layer 0 | Export-RnnActivationPlot (Join-Path $TestDrive 'g.png') -Unit 9 } }
        @{ Name = 'Export-RnnActivationPlot -Sample 9'; Id = 'ActivationPlotSampleOutOfRange'; Match = 'not one of the 4 samples'; Script = { $model | Get-RnnActivation -X $x -Layer 0 | Export-RnnActivationPlot (Join-Path $TestDrive 'g.png') -Sample 9 } }
        @{ Name = 'Invoke-RnnTraining -X of text'; Binder = $true; Script = { $model | Invoke-RnnTraining -X 'abc' -Y $labels } }
        @{ Name = 'Invoke-RnnTraining -BatchSize 0'; Binder = $true; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -BatchSize 0 } }
        @{ Name = 'Invoke-RnnTraining -ValidationSplit 1.5'; Binder = $true; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ValidationSplit 1.5 } }
        @{ Name = 'Invoke-RnnTraining -ClipNorm -1'; Binder = $true; Script = { $model | Invoke-RnnTraining -X $x -Y $labels -ClipNorm -1 } }
        @{ Name = 'Set-RnnLayerWeight -Value of text'; Binder = $true; Script = { Set-RnnLayerWeight -Model $model -Layer 0 -Name bias -Value 'abc' } }
        @{ Name = 'Get-RnnStreamState -Stream of text'; Binder = $true; Script = { Get-RnnStreamState -Stream 'abc' } }
        @{ Name = 'Measure-RnnModel -Y of text'; Binder = $true; Script = { $model | Measure-RnnModel -X $x -Y 'abc' } }
        @{ Name = 'Export-RnnConfusionMatrix of a report without a matrix'; Binder = $true; Script = { $model | Measure-RnnModel -X $x -Y $labels | Export-RnnConfusionMatrix (Join-Path $TestDrive 'c.png') } }
    )

    # Every refused fixture file, through the cmdlet that reads its kind (the ones that load give no error and are passed).
    $fixtures = Join-Path $PSScriptRoot '../fixtures'
    $reader = @{ '.npy' = 'Import-NpyData'; '.npz' = 'Import-NpyData'; '.wav' = 'Import-RnnAudio'; '.safetensors' = 'Import-RnnModel'; '.onnx' = 'Import-RnnModel'; '.h5' = 'Import-RnnModel' }
    $fixtureFiles = @(foreach ($folder in 'fuzz/npy', 'fuzz/npz', 'fuzz/wav', 'fuzz/model', 'fuzz/onnx', 'fuzz/keras', 'npy/bad', 'audio/bad', 'keras/hostile') {
            foreach ($file in Get-ChildItem -LiteralPath (Join-Path $fixtures $folder) -File | Where-Object { $reader.ContainsKey($_.Extension) }) {
                @{ File = "$folder/$($file.Name)"; Path = $file.FullName; Command = $reader[$file.Extension] }
            }
        })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $fixtures = Join-Path $PSScriptRoot '../fixtures'

    $x = ConvertTo-RnnTensor -InputObject ([float[]](1..24 | ForEach-Object { $_ / 24 })) -Shape 4, 3, 2
    $wide = ConvertTo-RnnTensor -InputObject ([float[]]::new(60)) -Shape 4, 3, 5
    $labels = ConvertTo-RnnTensor -InputObject ([long[]](0, 1, 0, 1))
    $oneHot = $labels | ConvertTo-RnnOneHot -NumClasses 2
    $six = ConvertTo-RnnTensor -InputObject ([float[]](1..6)) -Shape 2, 3
    $model = New-RnnModel -InputShape 3, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
    $null = $model | Invoke-RnnTraining -X $x -Y $labels -Epochs 1 3>$null 6>$null
    $report = $model | Measure-RnnModel -X $x -Y $labels -Detailed
    $bidirectional = New-RnnModel -InputShape 3, 2 | Add-LstmLayer 4 -Bidirectional | Add-DenseLayer 2 -Activation softmax
    $dense = New-RnnModel -InputShape 3, 2 | Add-DenseLayer 2
    $embedding = New-RnnModel -InputShape 3 | Add-EmbeddingLayer 5 2 | Add-LstmLayer 2 | Add-DenseLayer 2 -Activation softmax
    $stream = New-RnnModel -InputShape 0, 2 | Add-LstmLayer 4 | New-RnnStream
    $ctc = New-RnnModel -InputShape 0, 2 -Seed 1 | Add-GruLayer 3 -ReturnSequences | Add-DenseLayer 3 -Activation softmax

    # Files of the wrong kind for the cmdlet they are given to.
    $files = @{
        Text = Join-Path $TestDrive 'notes.txt'; TextNpy = Join-Path $TestDrive 'notes.npy'; TextWav = Join-Path $TestDrive 'notes.wav'
        TextSafetensors = Join-Path $TestDrive 'notes.safetensors'; Npy = Join-Path $TestDrive 'x.npy'; Npz = Join-Path $TestDrive 'x.npz'
        Model = Join-Path $TestDrive 'model.safetensors'; Wav = (Get-ChildItem -LiteralPath (Join-Path $fixtures 'audio/good') -Filter *.wav | Select-Object -First 1).FullName
    }
    foreach ($text in 'Text', 'TextNpy', 'TextWav', 'TextSafetensors') { Set-Content -LiteralPath $files[$text] -Value 'just some text, not data' }
    $x | Export-NpyData -LiteralPath $files.Npy
    Export-NpyData -LiteralPath $files.Npz -InputObject ([ordered]@{ x = $x })
    $model | Export-RnnModel -LiteralPath $files.Model

    # The model file with one piece of its metadata replaced by another of the same length (the header keeps its size).
    function Edit-ModelFile([string] $Name, [string] $From, [string] $To) {
        $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($files.Model))
        if (-not $text.Contains($From) -or $From.Length -ne $To.Length) { throw "Cannot edit '$From' in the model file." }
        $path = Join-Path $TestDrive "$Name.safetensors"
        [IO.File]::WriteAllBytes($path, [Text.Encoding]::Latin1.GetBytes($text.Replace($From, $To)))
        $path
    }

    # The error records a script block writes or throws (its output, warnings and information are dropped).
    function Get-ErrorRecord([scriptblock] $Script) {
        @(try { & $Script 2>&1 3>$null 6>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } } catch { $_ })
    }

    # What is wrong with an error as a user reads it; nothing when it is PSRnn's own, in plain words.
    $script:PowerShellIds = 'PositionalParameterNotFound', 'NamedParameterNotFound', 'ParameterArgumentValidationError',
    'ParameterArgumentTransformationError', 'MissingArgument', 'CannotConvertArgument', 'CannotConvertArgumentNoMessage',
    'AmbiguousParameterSet', 'InputObjectNotBound', 'MissingMandatoryParameter', 'ParameterBindingFailed',
    'ParameterArgumentValidationErrorNullNotAllowed', 'MethodInvocationException', 'ScriptMethodRuntimeException',
    'RuntimeException', 'MethodCountCouldNotFindBest', 'NotSpecified', 'InvokeMethodOnNull'
    $script:DotNetWording = @(
        "\(Parameter '", 'Exception calling "', '\b\w+Exception\b', 'Actual value was', 'Object reference not set',
        'Index was outside the bounds', 'Input string was not in a correct format', 'Specified argument was out of the range',
        'Value cannot be null', 'Arithmetic operation resulted in an overflow', 'Sequence contains no', 'The given key',
        'Unable to cast object', 'Nullable object must have a value', 'Could not find (file|a part of the path)',
        'Operation is not valid due to the current state', 'was not in a correct format')
    function Get-MessageProblem($Record, [bool] $Binder) {
        $id, $command = "$($Record.FullyQualifiedErrorId)" -split ',', 2
        if (-not $Binder) {
            if ($id -cnotmatch '^[A-Z][A-Za-z0-9]+$' -or $id -match 'Exception$' -or $id -in $PowerShellIds) { "the ID '$id' is not PSRnn's own" }
            if ($command -and $command -notlike 'PSRnn.Commands.*') { "the error comes from '$command', not a PSRnn cmdlet" }
        }
        foreach ($text in "$Record", $Record.Exception.Message) {
            foreach ($pattern in $DotNetWording) { if ($text -match $pattern) { "the message has .NET wording ('$($Matches[0])'): $text" } }
        }
    }
}

Describe 'Error: <Name>' -ForEach $cases {
    It 'is PSRnn''s, in plain words' {
        $records = Get-ErrorRecord $Script
        $records | Should -Not -BeNullOrEmpty -Because 'the input is wrong'
        foreach ($record in $records) { Get-MessageProblem $record ([bool] $Binder) | Should -BeNullOrEmpty }
        if ($Id) { ("$($records[0].FullyQualifiedErrorId)" -split ',')[0] | Should -Be $Id }
        if ($Match) { "$($records[0])" | Should -Match $Match }
    }
}

Describe 'Refused fixture <File>' -ForEach $fixtureFiles {
    It 'is PSRnn''s error, in plain words, through <Command>' {
        foreach ($record in Get-ErrorRecord { & $Command -LiteralPath $Path }) { Get-MessageProblem $record $false | Should -BeNullOrEmpty }
    }
}
