BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    # A binary module of another vendor, built here: its cmdlet sums numbers with System.Numerics.Tensors 9.0.0 (NuGet,
    # restored by PSRnn.Tests.csproj), an older version than PSRnn's engine uses. Without PSRnn's own load context,
    # importing it first breaks PSRnn (the default context holds 9.0 and refuses PSRnn's 10.0).
    $packages = (Get-Module Pester).ModuleBase | Split-Path | Split-Path | Split-Path
    $tensors9 = Join-Path $packages 'system.numerics.tensors/9.0.0/lib/net8.0/System.Numerics.Tensors.dll'
    if (-not (Test-Path -LiteralPath $tensors9)) { throw "System.Numerics.Tensors 9.0.0 is not restored at $tensors9 (dotnet restore tests/PSRnn.Tests)." }
    $conflictFolder = New-Item -ItemType Directory (Join-Path $TestDrive 'ConflictModule')
    Copy-Item -LiteralPath $tensors9 -Destination $conflictFolder
    Add-Type -OutputType Library -OutputAssembly (Join-Path $conflictFolder 'ConflictModule.dll') -ReferencedAssemblies $tensors9, ([psobject].Assembly.Location) -IgnoreWarnings -WarningAction SilentlyContinue -TypeDefinition @'
using System.Management.Automation;
using System.Numerics.Tensors;

[Cmdlet(VerbsDiagnostic.Measure, "TensorSum")]
public sealed class MeasureTensorSumCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public float[] Values { get; set; }

    protected override void EndProcessing()
    {
        var result = new PSObject();
        result.Properties.Add(new PSNoteProperty("Sum", TensorPrimitives.Sum(Values)));
        result.Properties.Add(new PSNoteProperty("TensorsVersion", typeof(TensorPrimitives).Assembly.GetName().Version.ToString()));
        WriteObject(result);
    }
}
'@
    New-ModuleManifest -Path (Join-Path $conflictFolder 'ConflictModule.psd1') -RootModule 'ConflictModule.dll' -CmdletsToExport 'Measure-TensorSum'

    # One session, both modules, in the given order; the PSRnn part trains and predicts as ordinary use does.
    $script:Session = @'
param([string] $Conflict, [string] $PSRnn, [string] $Order)
$ErrorActionPreference = 'Stop'
$out = [ordered]@{}
foreach ($module in $Order -split ',') {
    if ($module -eq 'Conflict') {
        Import-Module $Conflict
        $out.Conflict = Measure-TensorSum 1, 2, 3.5
    }
    else {
        Import-Module $PSRnn
        $x = ConvertTo-RnnTensor -InputObject ([float[]] (0..47 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 3, 2
        $y = ConvertTo-RnnTensor -InputObject ([long[]] (0, 1, 1, 0, 1, 0, 0, 1))
        $model = New-RnnModel -InputShape 3, 2 -Seed 5 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
        $model | Invoke-RnnTraining -X $x -Y $y -Epochs 3 -BatchSize 4 -ThreadCount 1 | Out-Null
        $out.Predictions = @((Invoke-RnnPrediction -Model $model -X $x).Data | ForEach-Object { [BitConverter]::SingleToUInt32Bits($_) })
    }
}
$out.Loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'System.Numerics.Tensors' } |
    ForEach-Object { '{0} in {1}' -f $_.GetName().Version, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name } | Sort-Object)
$out | ConvertTo-Json -Compress
'@
    $script:SessionFile = Join-Path $TestDrive 'session.ps1'
    Set-Content -LiteralPath $SessionFile -Value $Session

    function Invoke-Session([string] $Order) {
        # A fresh process each time: which assembly version loads first is decided once per process.
        $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -ne 'pwsh') { Join-Path $PSHOME 'pwsh.dll' }
        $json = & $exe @prefix -NoProfile -NonInteractive -File $SessionFile -Conflict (Join-Path $conflictFolder 'ConflictModule.psd1') -PSRnn $ModulePath -Order $Order 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "the session should run: $json"
        ($json | Select-Object -Last 1) | ConvertFrom-Json
    }

    # The same training in a session with PSRnn alone.
    $script:Alone = Invoke-Session 'PSRnn'
}

Describe 'PSRnn next to a module with another System.Numerics.Tensors' {
    It 'trains alone, loading its System.Numerics.Tensors into its own context' {
        $Alone.Predictions.Count | Should -Be 16
        $Alone.Loaded | Should -HaveCount 1
        $Alone.Loaded[0] | Should -Match '^10\.\d+\.\d+\.\d+ in PSRnn$'
    }

    It 'imports and trains after the other module loaded version 9.0 into the default context' {
        $both = Invoke-Session 'Conflict,PSRnn'
        $both.Conflict.Sum | Should -Be 6.5
        $both.Conflict.TensorsVersion | Should -Be '9.0.0.0'
        $both.Loaded | Should -Be @('10.0.0.15 in PSRnn', '9.0.0.0 in Default')
        $both.Predictions | Should -Be $Alone.Predictions -Because 'the engine is the same, whatever else is loaded'
    }

    It 'leaves the other module working when PSRnn came first' {
        $both = Invoke-Session 'PSRnn,Conflict'
        $both.Conflict.Sum | Should -Be 6.5
        $both.Conflict.TensorsVersion | Should -Be '9.0.0.0' -Because 'PSRnn''s 10.0 is not in the default context to be handed out'
        $both.Predictions | Should -Be $Alone.Predictions
    }
}
