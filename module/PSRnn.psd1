@{
    # The version is stamped from Directory.Build.props by build.ps1; edit it there.
    ModuleVersion        = '0.0.0'
    GUID                 = '5b0c3f0e-7d4a-4e55-9a57-2f1f0d6c9b31'
    RootModule           = 'PSRnn.dll'
    # Imported before RootModule: puts PSRnn's dependencies (Dependencies/) in their own AssemblyLoadContext.
    NestedModules        = @('PSRnn.Loader.dll')
    Author               = 'PSRnn developers'
    CompanyName          = 'PSRnn'
    Copyright            = '(c) PSRnn developers. MIT License.'
    Description          = 'Recurrent neural networks (SimpleRNN, LSTM, GRU) for PowerShell: NumPy data in and out, Keras-compatible layers, a fast CPU engine.'
    # PowerShell 7.4+ on .NET 8+; Windows PowerShell 5.1 is not supported.
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    TypesToProcess       = @('PSRnn.Types.ps1xml')
    FormatsToProcess     = @('PSRnn.Format.ps1xml')
    CmdletsToExport      = @(
        'Import-NpyData'
        'Export-NpyData'
        'Import-RnnAudio'
        'Set-RnnAudioRecipe'
        'New-RnnAudioAugmentation'
        'ConvertTo-RnnTensor'
        'ConvertTo-RnnOneHot'
        'ConvertTo-RnnWindow'
        'ConvertTo-RnnSequenceBatch'
        'Split-RnnDataset'
        'Select-RnnSample'
        'Join-RnnTensor'
        'New-RnnVocabulary'
        'ConvertTo-RnnTokenId'
        'ConvertFrom-RnnTokenId'
        'Set-RnnVocabulary'
        'New-RnnModel'
        'Add-SimpleRnnLayer'
        'Add-LstmLayer'
        'Add-GruLayer'
        'Add-IndRnnLayer'
        'Add-MinGruLayer'
        'Add-MinLstmLayer'
        'Add-DenseLayer'
        'Add-DropoutLayer'
        'Add-SpecAugmentLayer'
        'Add-EmbeddingLayer'
        'Add-MaskingLayer'
        'Add-GlobalPoolingLayer'
        'Add-LayerNormalizationLayer'
        'Add-Conv1DLayer'
        'Add-AttentionLayer'
        'Add-MultiHeadAttentionLayer'
        'Add-NormalizationLayer'
        'Invoke-RnnAdapt'
        'Invoke-RnnTraining'
        'Invoke-RnnSweep'
        'New-RnnLearningRateSchedule'
        'Measure-RnnModel'
        'Invoke-RnnPrediction'
        'Measure-RnnAttribution'
        'Get-RnnActivation'
        'New-RnnStream'
        'Reset-RnnStream'
        'Get-RnnStreamState'
        'Set-RnnStreamState'
        'Get-RnnLayerWeight'
        'Set-RnnLayerWeight'
        'Export-RnnModel'
        'Export-RnnTrainingPlot'
        'Export-RnnConfusionMatrix'
        'Export-RnnAttributionPlot'
        'Export-RnnActivationPlot'
        'Import-RnnModel'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('RNN', 'LSTM', 'GRU', 'NeuralNetwork', 'DeepLearning', 'MachineLearning', 'Keras', 'NumPy', 'ONNX',
                'Speech', 'TimeSeries', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            # The project's public address: change it here when the repository is published elsewhere.
            ProjectUri = 'https://github.com/PSRnn/PSRnn'
            # MIT; the text ships as LICENSE beside this manifest.
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
