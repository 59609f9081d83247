@{
    # ONNX Runtime's own version: the native libraries here are Microsoft.ML.OnnxRuntime's, which PSRnn's managed API matches.
    ModuleVersion        = '1.31.1'
    GUID                 = '9f3c2a71-4b8e-4d1f-a6c5-0e7b2d9c4f18'
    Author               = 'PSRnn developers'
    CompanyName          = 'PSRnn'
    Copyright            = '(c) PSRnn developers. MIT License; ONNX Runtime (c) Microsoft Corporation, MIT License.'
    Description          = 'ONNX Runtime''s native CPU libraries (Windows, Linux and macOS, x64 and ARM64) for PSRnn''s Invoke-RnnPrediction -Engine OnnxRuntime. No commands: PSRnn finds this module''s runtimes/ folder itself. Kept apart from PSRnn because it is 130 MB, and a GPU user wants ONNX Runtime''s GPU build instead ($env:PSRNN_ONNXRUNTIME).'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FunctionsToExport    = @()
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('PSRnn', 'ONNX', 'OnnxRuntime', 'Inference')
            LicenseUri = 'https://github.com/microsoft/onnxruntime/blob/main/LICENSE'
            ProjectUri = 'https://onnxruntime.ai'
        }
    }
}
