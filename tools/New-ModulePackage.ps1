<#
.SYNOPSIS
    Packs a laid-out PSRnn module folder (out/PSRnn) into PSRnn.<version>.nupkg, the package PSResourceGet installs.
.DESCRIPTION
    Compress-PSResource (PSResourceGet, shipped with PowerShell 7.4+) writes the nuspec from the manifest (version,
    authors, description, tags, project and licence addresses) and packs every file of the folder: the manifest,
    the loader and cmdlet assemblies, Dependencies/ with its native assets for every platform, the format file and
    the help in en-US/. build.ps1 -Task Package calls it; tests/PSRnn.Tests/Package.Tests.ps1 packs the module under
    test with it, installs the package in a throwaway home and imports it by name.
    Returns the package's FileInfo. An existing package of the same version in DestinationPath is replaced.
.EXAMPLE
    ./tools/New-ModulePackage.ps1 -ModulePath out/PSRnn -DestinationPath out
#>
param(
    # The module folder: the one build.ps1 lays out, holding PSRnn.psd1.
    [Parameter(Mandatory)] [string] $ModulePath,
    # The folder the .nupkg is written to (created if missing); register it with Register-PSResourceRepository -Uri.
    [Parameter(Mandatory)] [string] $DestinationPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$folder = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$manifest = Join-Path $folder 'PSRnn.psd1'
if (-not (Test-Path -LiteralPath $manifest)) { throw "No PSRnn.psd1 in ${folder}: build the module first (./build.ps1 -Task Build)." }
# The help is made by the build, not by the packer: a package without it would install a module whose Get-Help is bare.
if (-not (Test-Path -LiteralPath (Join-Path $folder 'en-US/PSRnn.dll-Help.xml'))) { throw "No en-US/PSRnn.dll-Help.xml in ${folder}: build the module with ./build.ps1." }
# PowerShell 7.4's PSResourceGet (1.0) installs packages but cannot make them.
if (-not (Get-Command Compress-PSResource -ErrorAction SilentlyContinue)) {
    throw 'Compress-PSResource (PSResourceGet 1.1 or later) is missing: run the pinned PowerShell, dotnet pwsh ./build.ps1 -Task Package.'
}
$null = New-Item -ItemType Directory -Path $DestinationPath -Force
Compress-PSResource -Path $folder -DestinationPath (Resolve-Path -LiteralPath $DestinationPath).ProviderPath -PassThru
