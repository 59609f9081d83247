<#
.SYNOPSIS
    The SHA-256 (hex) of everything tools/New-MamlHelp.ps1 reads: build.ps1 reuses the help cached in out/help-cache
    while this hash is unchanged, and generates it anew (seconds: a fresh PowerShell imports the module) otherwise.
.DESCRIPTION
    The inputs are PSRnn's own assemblies in the publish folder (reflected over for cmdlets, parameters and defaults;
    builds are deterministic, so unchanged sources give the same bytes), the compiler's XML documentation PSRnn.xml
    (the text), the stamped manifest (the version) and the generator script. Each file's name and hash enter the sum.
.EXAMPLE
    ./tools/Get-HelpInputHash.ps1 -PublishPath out/publish -ManifestPath out/PSRnn/PSRnn.psd1
#>
param(
    # The folder dotnet publish wrote (out/publish): PSRnn*.dll and PSRnn.xml.
    [Parameter(Mandatory)] [string] $PublishPath,
    # The laid-out manifest, with its version stamped.
    [Parameter(Mandatory)] [string] $ManifestPath,
    [string] $GeneratorPath = (Join-Path $PSScriptRoot 'New-MamlHelp.ps1')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$files = @(Get-ChildItem -LiteralPath $PublishPath -Filter 'PSRnn*.dll' | Sort-Object Name) +
    @(Get-Item -LiteralPath (Join-Path $PublishPath 'PSRnn.xml'), $ManifestPath, $GeneratorPath)
$lines = foreach ($file in $files) { '{0} {1}' -f $file.Name, (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash }
[Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($lines -join "`n")))
