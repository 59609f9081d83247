# Invoke-RnnPrediction -Engine OnnxRuntime (issue 23, point 3): the exported model run by ONNX Runtime agrees with PSRnn's
# engine within 1e-5, finds its native library in the companion module PSRnn.OnnxRuntime next to the module (as build.ps1
# lays them out, and as an install side by side does), or where $env:PSRNN_ONNXRUNTIME says; a provider the library lacks,
# provider settings without the engine, and a missing library are errors with their IDs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $data = New-ToyData -Count 48 -Steps 7 -Features 3 -Seed 9
    # Ragged: zero tails behind a Masking layer, so the graph's sequence_lens path runs.
    $values = [float[]] $data.X.Data
    for ($n = 0; $n -lt 48; $n++) {
        $length = 2 + ($n % 6)
        for ($i = ($n * 7 + $length) * 3; $i -lt ($n + 1) * 21; $i++) { $values[$i] = 0 }
    }
    $script:X = ConvertTo-RnnTensor -InputObject $values -Shape 48, 7, 3
    $script:Model = New-RnnModel -InputShape 0, 3 -Seed 3 | Add-MaskingLayer | Add-GruLayer 8 -ReturnSequences -Bidirectional |
        Add-LstmLayer 6 | Add-DenseLayer 2 -Activation softmax |
        Invoke-RnnTraining -X $X -Y $data.Labels -Epochs 2 -BatchSize 16
    $script:Library = $Model.GetType().Assembly.GetType('PSRnn.Engine.Layers.ModelException', $true).Assembly
    function Get-MaxDifference($a, $b) {
        $worst = 0.0
        for ($i = 0; $i -lt $a.Length; $i++) { $worst = [Math]::Max($worst, [Math]::Abs($a.Data[$i] - $b.Data[$i])) }
        $worst
    }

    # A child PowerShell with the built module copied where no companion sits beside it, for the library search.
    $script:Isolated = Join-Path $TestDrive 'isolated'
    $null = New-Item -ItemType Directory -Path $Isolated
    Copy-Item -LiteralPath (Split-Path $ModulePath) -Destination (Join-Path $Isolated 'PSRnn') -Recurse
    $script:Companion = Join-Path (Split-Path (Split-Path $ModulePath)) 'PSRnn.OnnxRuntime'
    $script:ChildScript = Join-Path $TestDrive 'child.ps1'
    Set-Content -LiteralPath $ChildScript -Value @'
param([string] $Module)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$x = ConvertTo-RnnTensor -InputObject ([float[]] (1..24)) -Shape 4, 3, 2
$model = New-RnnModel -InputShape 3, 2 -Seed 1 | Add-SimpleRnnLayer 3 | Add-DenseLayer 2 -Activation softmax
try {
    $p = $model | Invoke-RnnPrediction -X $x -Engine OnnxRuntime
    $q = $model | Invoke-RnnPrediction -X $x
    $worst = 0.0; for ($i = 0; $i -lt 8; $i++) { $worst = [Math]::Max($worst, [Math]::Abs($p.Data[$i] - $q.Data[$i])) }
    "ok $worst"
}
catch { "error $($_.FullyQualifiedErrorId) $($_.Exception.Message)" }
'@
    function Invoke-Child([hashtable] $Environment) {
        $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -ne 'pwsh') { Join-Path $PSHOME 'pwsh.dll' }
        $saved = @{}
        foreach ($name in $Environment.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $Environment[$name]) }
        try {
            $lines = & $exe @prefix -NoProfile -NonInteractive -File $ChildScript -Module (Join-Path $Isolated 'PSRnn/PSRnn.psd1') 2>&1
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        ($lines | Select-Object -Last 1).ToString()
    }
}

Describe 'Invoke-RnnPrediction -Engine OnnxRuntime' {
    It 'gives the probabilities of PSRnn''s engine within 1e-5 on a ragged batch' {
        $ours = $Model | Invoke-RnnPrediction -X $X
        $theirs = $Model | Invoke-RnnPrediction -X $X -Engine OnnxRuntime -BatchSize 10
        $theirs.Shape | Should -Be @(48, 2)
        Get-MaxDifference $ours $theirs | Should -BeLessThan 1e-5
    }

    It 'gives the same classes with -Class' {
        $ours = $Model | Invoke-RnnPrediction -X $X -Class
        $theirs = $Model | Invoke-RnnPrediction -X $X -Class -Engine OnnxRuntime -ExecutionProvider CPU -ThreadCount 1
        $theirs.DType | Should -Be 'Int64'
        $theirs.Data | Should -Be $ours.Data
    }

    It 'loads the native library from the companion module laid out beside the module' {
        $null = $Model | Invoke-RnnPrediction -X $X -Engine OnnxRuntime
        $loaded = $Model.GetType().Assembly.GetType('PSRnn.Engine.Layers.ModelException', $true)
        $from = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'PSRnn.Serving' } |
            ForEach-Object { $_.GetType('PSRnn.Serving.OnnxRuntimeLibrary', $true)::LoadedFrom } | Select-Object -First 1
        $from | Should -BeLike "*PSRnn.OnnxRuntime*runtimes*native*"
        $null = $loaded
    }

    It 'follows the weights: a retrained model is not served by the old session' {
        $copy = $Model | Invoke-RnnTraining -X $X -Y $data.Labels -Epochs 1 -BatchSize 16
        $ours = $copy | Invoke-RnnPrediction -X $X
        $theirs = $copy | Invoke-RnnPrediction -X $X -Engine OnnxRuntime
        Get-MaxDifference $ours $theirs | Should -BeLessThan 1e-5
    }

    It 'refuses a provider the library was not built with, naming the ones it has' {
        { $Model | Invoke-RnnPrediction -X $X -Engine OnnxRuntime -ExecutionProvider CUDA } |
            Should -Throw -ErrorId 'OnnxRuntimeProviderUnavailable,PSRnn.Commands.InvokeRnnPredictionCommand' -ExpectedMessage '*CPUExecutionProvider*'
    }

    It 'refuses provider settings without -Engine OnnxRuntime' {
        { $Model | Invoke-RnnPrediction -X $X -ExecutionProvider CUDA } | Should -Throw -ErrorId 'ExecutionProviderNeedsOnnxRuntime,PSRnn.Commands.InvokeRnnPredictionCommand'
        { $Model | Invoke-RnnPrediction -X $X -DeviceId 1 } | Should -Throw -ErrorId 'ExecutionProviderNeedsOnnxRuntime,PSRnn.Commands.InvokeRnnPredictionCommand'
    }

    It 'refuses a provider option without a value' {
        { $Model | Invoke-RnnPrediction -X $X -Engine OnnxRuntime -ExecutionProvider XNNPACK -ExecutionProviderOption @{ intra_op_num_threads = $null } } |
            Should -Throw -ErrorId 'ExecutionProviderOptionInvalid,PSRnn.Commands.InvokeRnnPredictionCommand'
    }

    It 'is not offered with -Stream, -Decode, -Path or -Text (they run on PSRnn''s engine)' {
        $parameters = (Get-Command Invoke-RnnPrediction).ParameterSets | Where-Object { $_.Parameters.Name -contains 'Engine' } | ForEach-Object Name
        $parameters | Sort-Object | Should -Be @('Class', 'Probabilities', 'Sample')
    }
}

Describe 'Finding ONNX Runtime''s native library' {
    It 'says how to install it when neither the companion nor the variable nor the system has it' {
        $result = Invoke-Child @{ PSModulePath = $Isolated; PSRNN_ONNXRUNTIME = $null }
        $result | Should -BeLike 'error OnnxRuntimeNotFound,*Install-PSResource PSRnn.OnnxRuntime*'
    }

    It 'loads the library $env:PSRNN_ONNXRUNTIME names (a folder)' {
        $native = Join-Path $Companion 'runtimes/linux-x64/native'
        if (-not $IsLinux -or -not (Test-Path $native)) { Set-ItResult -Skipped -Because 'the laid-out companion holds linux-x64 here' ; return }
        $result = Invoke-Child @{ PSModulePath = $Isolated; PSRNN_ONNXRUNTIME = $native }
        $result | Should -Match '^ok '
        [double] ($result -replace '^ok ', '') | Should -BeLessThan 1e-5
    }

    It 'finds the companion module on PSModulePath, in its version folder' {
        $modules = Join-Path $TestDrive 'modules'
        $null = New-Item -ItemType Directory -Path (Join-Path $modules 'PSRnn.OnnxRuntime')
        # A link keeps the test from copying 130 MB; an install puts the same files in Modules/PSRnn.OnnxRuntime/<version>.
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $modules 'PSRnn.OnnxRuntime/1.31.1') -Target $Companion
        $result = Invoke-Child @{ PSModulePath = "$Isolated$([IO.Path]::PathSeparator)$modules"; PSRNN_ONNXRUNTIME = $null }
        $result | Should -Match '^ok '
    }
}
