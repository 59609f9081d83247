<#
.SYNOPSIS
    Builds, tests, packages and demonstrates PSRnn: the one entry point for developers and CI.
.DESCRIPTION
    -Task Build    restores and compiles the module (src/PSRnn and the projects it references, nothing else), publishes
                   it and lays it out in out/PSRnn (git-ignored), with its help. A first build takes about 25 s on an idle
                   2-core machine (more when it is busy); a repeated one reuses the compiler's outputs and the help
                   (cached in out/help-cache while its inputs' hash is unchanged).
    -Task Test     builds the whole solution (the module, the xunit tests, the benchmarks, so that they keep compiling),
                   runs the xunit engine tests and the Pester cmdlet tests, and ends with the line 'N passed, N failed'
                   over both suites; exits non-zero on any failure.
    -Task Demo     builds the module as -Task Build does and runs the main example (examples/speech-digits.ps1): a
                   spoken-digit recognizer trained on the embedded dataset and tested on speakers it never heard.
    -Task Package  builds the module and writes out/PSRnn.<version>.nupkg (Compress-PSResource) and the companion
                   module's out/PSRnn.OnnxRuntime.<version>.nupkg, which
                   Install-PSResource installs from a folder registered as a repository (README: Install).
    -Task Bench    runs the BenchmarkDotNet micro-benchmarks in bench/PSRnn.Bench (GEMM, fused LSTM cell, softmax-CE;
                   -BenchFilter picks them).
    -Task Compare  runs bench/Compare-Peer.ps1 with its defaults: the W1–W6 workload runner against the PyTorch peer,
                   alternating, at 1 and 2 threads, and prints the ratios (options: run the script itself).
    Each stage prints one line with the seconds since the task began.
    Run it through the pinned PowerShell: `dotnet tool restore` once, then `dotnet pwsh ./build.ps1 -Task Test`.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Demo
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Package
#>
# After the help block: a #Requires line above it hid the help from Get-Help.
#Requires -Version 7.4
[CmdletBinding()]
param(
    # What to do (see the description): Build by default.
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench', 'Compare')]
    [string] $Task = 'Build',

    # BenchmarkDotNet's --filter for -Task Bench.
    [string] $BenchFilter = '*',

    # The .NET build configuration of every task; the demo and the tests run at Release speed.
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'PSRnn'
# Keep the .NET CLI quiet and offline-friendly on fresh machines and in CI.
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
$clock = [Diagnostics.Stopwatch]::StartNew()

function Invoke-Native {
    param([string] $What, [scriptblock] $Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Invoke-ChildPwsh {
    # The same pinned PowerShell, in a fresh process: nothing it loads stays in this session.
    param([string] $Script, [string[]] $Arguments)
    $host_ = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $pwsh = Join-Path $PSHOME 'pwsh.dll'
    if ([IO.Path]::GetFileNameWithoutExtension($host_) -eq 'pwsh') { & $host_ -NoProfile -NonInteractive -File $Script @Arguments }
    else { & $host_ $pwsh -NoProfile -NonInteractive -File $Script @Arguments }
}

function Get-ModuleVersion {
    # The one version number lives in Directory.Build.props; the manifest is stamped from it.
    [xml] $props = Get-Content -LiteralPath (Join-Path $root 'Directory.Build.props') -Raw
    return [string] ($props.Project.PropertyGroup | Where-Object { $_['Version'] } | Select-Object -First 1).Version
}

function Write-Stage([string] $Text) {
    # One line a stage, with the seconds since the task began: a first build is never silent for minutes.
    Write-Host ('[{0,5:0.0} s] {1}' -f $clock.Elapsed.TotalSeconds, $Text)
}

function Invoke-Build {
    # -Solution (the Test task) compiles every project, tests and benchmarks too; otherwise only the module's projects.
    param([switch] $Solution)
    $project = if ($Solution) { Join-Path $root 'PSRnn.sln' } else { Join-Path $root 'src/PSRnn/PSRnn.csproj' }
    $what = if ($Solution) { 'the solution (module, tests, benchmarks)' } else { 'src/PSRnn and the projects it references' }
    # One MSBuild run restores and compiles (a separate restore costs another start and evaluation, seconds here).
    Write-Stage "Restoring and compiling $what ($Configuration)"
    Invoke-Native 'dotnet build' { dotnet build $project -c $Configuration --nologo -v quiet -clp:ErrorsOnly }
    Write-Stage 'Publishing the module to out/publish'
    $publish = Join-Path $out 'publish'
    Invoke-Native 'dotnet publish' { dotnet publish (Join-Path $root 'src/PSRnn/PSRnn.csproj') -c $Configuration --no-build -o $publish --nologo -v quiet }

    Write-Stage "Laying out the module in $moduleOut"
    if (Test-Path -LiteralPath $moduleOut) { Remove-Item -LiteralPath $moduleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $moduleOut
    # The loader and the cmdlet assembly alone at the top; PSRnn's engine and plotting assemblies and every library they use in
    # Dependencies/, loaded into the module's own AssemblyLoadContext (src/PSRnn.Loader/ModuleInitializer.cs),
    # so another module's versions of the same libraries never meet PSRnn's.
    $dependencies = Join-Path $moduleOut 'Dependencies'
    $null = New-Item -ItemType Directory -Path $dependencies
    $top = 'PSRnn.dll', 'PSRnn.Loader.dll'
    Get-ChildItem -LiteralPath $publish -Filter '*.dll' | Where-Object Name -In $top | Copy-Item -Destination $moduleOut
    Get-ChildItem -LiteralPath $publish -Filter '*.dll' | Where-Object Name -NotIn $top | Copy-Item -Destination $dependencies
    # Native libraries (SkiaSharp and HarfBuzzSharp, for the plots) of the platforms the module supports. PowerShell does
    # not probe runtimes/ itself; the plotting assembly's resolver (src/PSRnn.Plotting/NativeAssets.cs) does.
    foreach ($rid in 'linux-x64', 'linux-arm64', 'linux-musl-x64', 'linux-musl-arm64', 'osx', 'win-x64', 'win-arm64') {
        $native = Join-Path $publish "runtimes/$rid/native"
        if (Test-Path -LiteralPath $native) {
            $target = Join-Path $dependencies "runtimes/$rid/native"
            $null = New-Item -ItemType Directory -Force -Path $target
            Get-ChildItem -LiteralPath $native -File | Copy-Item -Destination $target
        }
    }
    # The manifest, format file and the about_ help topic(s) in en-US/ (the companion module's folder is laid out below).
    Get-ChildItem -LiteralPath (Join-Path $root 'module') | Where-Object Name -NE 'PSRnn.OnnxRuntime' |
        Copy-Item -Destination $moduleOut -Recurse
    Copy-Item -LiteralPath (Join-Path $root 'LICENSE') -Destination $moduleOut
    $manifest = Join-Path $moduleOut 'PSRnn.psd1'
    $text = (Get-Content -LiteralPath $manifest -Raw) -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$(Get-ModuleVersion)'"
    Set-Content -LiteralPath $manifest -Value $text -NoNewline

    # The help generator imports the module in a fresh PowerShell (seconds); its output is kept in out/help-cache and
    # reused while nothing it reads has changed.
    $help = Join-Path $moduleOut 'en-US/PSRnn.dll-Help.xml'
    $cache = Join-Path $out 'help-cache'
    $cachedHelp = Join-Path $cache 'PSRnn.dll-Help.xml'
    $cachedHash = Join-Path $cache 'inputs.sha256'
    $hash = & (Join-Path $root 'tools/Get-HelpInputHash.ps1') -PublishPath $publish -ManifestPath $manifest
    if ((Test-Path -LiteralPath $cachedHelp) -and (Test-Path -LiteralPath $cachedHash) -and
        (Get-Content -LiteralPath $cachedHash -Raw).Trim() -eq $hash) {
        Write-Stage 'Help unchanged: reusing out/help-cache'
        Copy-Item -LiteralPath $cachedHelp -Destination $help
    }
    else {
        Write-Stage 'Generating the cmdlet help from the doc comments'
        Invoke-ChildPwsh (Join-Path $root 'tools/New-MamlHelp.ps1') @(
            '-ModulePath', $manifest, '-DocumentationPath', (Join-Path $publish 'PSRnn.xml'), '-OutputPath', $help) | Out-Host
        if ($LASTEXITCODE -ne 0) { throw 'Making the help failed.' }
        $null = New-Item -ItemType Directory -Path $cache -Force
        Copy-Item -LiteralPath $help -Destination $cachedHelp
        Set-Content -LiteralPath $cachedHash -Value $hash
    }
    Write-Stage "Module laid out in $moduleOut"
    Invoke-CompanionLayout
}

function Invoke-CompanionLayout {
    # PSRnn.OnnxRuntime, the companion module: ONNX Runtime's native CPU libraries for Invoke-RnnPrediction -Engine
    # OnnxRuntime, from the NuGet package src/PSRnn.Serving restores (PackageDownload). 130 MB: copied only when the
    # laid-out version differs.
    $manifest = Join-Path $root 'module/PSRnn.OnnxRuntime/PSRnn.OnnxRuntime.psd1'
    $version = (Import-PowerShellDataFile -LiteralPath $manifest).ModuleVersion
    $companion = Join-Path $out 'PSRnn.OnnxRuntime'
    $stamp = Join-Path $out 'PSRnn.OnnxRuntime.stamp'
    if ((Test-Path -LiteralPath $stamp) -and (Get-Content -LiteralPath $stamp -Raw).Trim() -eq $version) {
        Write-Stage "Companion module unchanged: $companion"
        return
    }
    $packages = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $package = Join-Path $packages "microsoft.ml.onnxruntime/$version"
    if (-not (Test-Path -LiteralPath $package)) { throw "Microsoft.ML.OnnxRuntime $version is not in $packages (restore src/PSRnn.Serving)." }
    Write-Stage "Laying out the companion module in $companion (ONNX Runtime $version)"
    if (Test-Path -LiteralPath $companion) { Remove-Item -LiteralPath $companion -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $companion
    Copy-Item -LiteralPath $manifest -Destination $companion
    foreach ($file in 'LICENSE', 'ThirdPartyNotices.txt') { Copy-Item -LiteralPath (Join-Path $package $file) -Destination $companion }
    foreach ($rid in 'linux-x64', 'linux-arm64', 'osx-arm64', 'win-x64', 'win-arm64') {
        $target = Join-Path $companion "runtimes/$rid/native"
        $null = New-Item -ItemType Directory -Force -Path $target
        # The import libraries (.lib) are for C++ linking, not for loading.
        Get-ChildItem -LiteralPath (Join-Path $package "runtimes/$rid/native") -File | Where-Object Extension -NE '.lib' |
            Copy-Item -Destination $target
    }
    Set-Content -LiteralPath $stamp -Value $version
}

function Invoke-Package {
    Write-Stage 'Packing the module'
    $package = & (Join-Path $root 'tools/New-ModulePackage.ps1') -ModulePath $moduleOut -DestinationPath $out
    Write-Stage "Package written: $($package.FullName)"
    # The companion module (ONNX Runtime's native libraries, for Invoke-RnnPrediction -Engine OnnxRuntime): its own package.
    $companion = Compress-PSResource -Path (Join-Path $out 'PSRnn.OnnxRuntime') -DestinationPath $out -PassThru
    Write-Stage "Package written: $($companion.FullName)"
}

function Invoke-XunitTests {
    $results = Join-Path $out 'test-results'
    if (Test-Path -LiteralPath $results) { Remove-Item -LiteralPath $results -Recurse -Force }
    dotnet test (Join-Path $root 'tests/PSRnn.Engine.Tests/PSRnn.Engine.Tests.csproj') -c $Configuration --no-build --nologo `
        --logger 'trx;LogFileName=engine.trx' --logger 'console;verbosity=minimal' --results-directory $results | Out-Host
    $trx = Join-Path $results 'engine.trx'
    if (-not (Test-Path -LiteralPath $trx)) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    [xml] $doc = Get-Content -LiteralPath $trx -Raw
    $counters = $doc.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int] $counters.passed; Failed = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout }
}

function Invoke-PesterTests {
    # Pester comes from NuGet (tests/PSRnn.Tests restores it), so nothing is installed by hand.
    Invoke-Native 'dotnet restore (Pester)' { dotnet restore (Join-Path $root 'tests/PSRnn.Tests/PSRnn.Tests.csproj') --nologo -v quiet }
    $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $pester = Join-Path $packages.Trim() 'pester/5.7.1/tools/Pester.psd1'
    $summary = Join-Path $out 'pester-summary.json'
    if (Test-Path -LiteralPath $summary) { Remove-Item -LiteralPath $summary }
    # A child process: the suite imports the built module fresh and cannot disturb this session.
    $runner = Join-Path $root 'tests/PSRnn.Tests/Invoke-PesterSuite.ps1'
    Invoke-ChildPwsh $runner @('-PesterPath', $pester, '-ModulePath', (Join-Path $moduleOut 'PSRnn.psd1'), '-SummaryPath', $summary) |
        Out-Host
    if (-not (Test-Path -LiteralPath $summary)) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    Get-Content -LiteralPath $summary -Raw | ConvertFrom-Json
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Demo' {
        Invoke-Build
        Write-Stage 'Running the demo: examples/speech-digits.ps1'
        & (Join-Path $root 'examples/speech-digits.ps1')
        Write-Stage 'Demo finished'
    }
    'Package' {
        Invoke-Build
        Invoke-Package
    }
    'Bench' {
        Invoke-Native 'benchmarks' { dotnet run -c Release --project (Join-Path $root 'bench/PSRnn.Bench/PSRnn.Bench.csproj') -- --filter $BenchFilter }
    }
    'Compare' {
        Invoke-ChildPwsh (Join-Path $root 'bench/Compare-Peer.ps1') @()
        if ($LASTEXITCODE -ne 0) { throw "The comparison failed (exit code $LASTEXITCODE)." }
    }
    'Test' {
        $xunit = $pester = $null
        try {
            Invoke-Build -Solution
            Write-Stage 'Running the xunit engine tests'
            $xunit = Invoke-XunitTests
            Write-Stage 'Running the Pester cmdlet tests'
            $pester = Invoke-PesterTests
        }
        catch {
            Write-Host "Test run stopped: $($_.Exception.Message)" -ForegroundColor Red
        }
        $passed = 0; $failed = 0
        foreach ($suite in @($xunit, $pester)) {
            if ($null -eq $suite) { $failed++ } else { $passed += $suite.Passed; $failed += $suite.Failed }
        }
        if ($xunit) { Write-Host "xunit:  $($xunit.Passed) passed, $($xunit.Failed) failed" }
        if ($pester) { Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed" }
        Write-Host "$passed passed, $failed failed"
        exit ([int]($failed -gt 0))
    }
}
