# The package of ./build.ps1 -Task Package, installed as a user installs a module: PSResourceGet from a folder registered
# as a repository, then Import-Module by name. Everything happens under a throwaway home: HOME and the XDG folders (where
# PowerShell keeps the user's modules and PSResourceGet its repository list on Linux and macOS) and PSModulePath point
# into TestDrive, so the real user's repositories and module folders are never read or written. On Windows those
# folders do not follow environment variables, so the test does not run there.
BeforeDiscovery { $script:NotIsolatable = $IsWindows }

Describe 'The module package (build.ps1 -Task Package)' -Skip:$NotIsolatable {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'ReliabilityProbes.ps1')

        $script:ModuleFolder = (Resolve-Path -LiteralPath (Split-Path -Parent $ModulePath)).ProviderPath
        $script:Version = (Import-PowerShellDataFile -LiteralPath $ModulePath).ModuleVersion
        $feed = Join-Path $TestDrive 'feed'
        $script:Package = & (Join-Path $PSScriptRoot '../../tools/New-ModulePackage.ps1') -ModulePath $ModuleFolder -DestinationPath $feed

        $script:UserHome = Join-Path $TestDrive 'home'
        # .NET reports a special folder that does not exist as '' (PSResourceGet would then write to the current folder);
        # macOS keeps its local application data in Library/Application Support.
        foreach ($folder in '.local/share', '.config', '.cache', 'Library/Application Support') {
            $null = New-Item -ItemType Directory -Path (Join-Path $UserHome $folder)
        }
        $script:UserModules = Join-Path $UserHome '.local/share/powershell/Modules'
        $isolated = @{
            HOME = $UserHome; XDG_DATA_HOME = Join-Path $UserHome '.local/share'; XDG_CONFIG_HOME = Join-Path $UserHome '.config'
            XDG_CACHE_HOME = Join-Path $UserHome '.cache'; PSModulePath = $UserModules
            POWERSHELL_TELEMETRY_OPTOUT = '1'; POWERSHELL_UPDATECHECK = 'Off'; NO_COLOR = '1'
        }

        # Runs a script in a fresh PowerShell of the throwaway user; the script writes its findings as JSON to the file
        # given last (its output streams are the training's and PSResourceGet's business).
        function Invoke-AsNewUser([string] $Name, [string] $Script, [string[]] $Arguments = @(), [string] $WorkingDirectory = $TestDrive) {
            $path = Join-Path $TestDrive "$Name.ps1"
            $result = Join-Path $TestDrive "$Name.json"
            Set-Content -LiteralPath $path -Value $Script
            $process = Start-PwshChild -ScriptPath $path -Arguments (@($Arguments) + $result) -Environment $isolated -WorkingDirectory $WorkingDirectory
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEnd()
            $process.WaitForExit()
            if ($process.ExitCode -ne 0 -or -not (Test-Path -LiteralPath $result)) {
                throw "$Name failed (exit code $($process.ExitCode)): $($stdout.Result) $stderr"
            }
            Get-Content -LiteralPath $result -Raw | ConvertFrom-Json
        }

        # The module's files, relative to its folder, as the package and the installed copies must hold them.
        function Get-RelativeFile([string] $Folder) {
            @(Get-ChildItem -LiteralPath $Folder -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($Folder, $_.FullName) -replace '\\', '/' } |
                Sort-Object)
        }
        $script:ModuleFiles = Get-RelativeFile $ModuleFolder

        $saved = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'saved')
        $script:Installed = Invoke-AsNewUser 'install' -Arguments $feed, $saved -Script @'
param([string] $Feed, [string] $SaveTo, [string] $Result)
$ErrorActionPreference = 'Stop'
# Refuse to register anything unless PSResourceGet's settings would land in the throwaway home.
$settings = [Environment]::GetFolderPath('LocalApplicationData')
if (-not $settings -or -not $settings.StartsWith($env:HOME)) { throw "Not isolated: user data would go to '$settings'." }
Register-PSResourceRepository -Name local -Uri $Feed -Trusted
Install-PSResource PSRnn -Repository local -Quiet
Save-PSResource PSRnn -Repository local -Path $SaveTo -Quiet
[ordered]@{
    Location     = (Get-InstalledPSResource PSRnn).InstalledLocation
    Repositories = @(Get-Content -LiteralPath (Join-Path $settings 'PSResourceGet/PSResourceRepository.xml') -Raw)
} | ConvertTo-Json | Set-Content -LiteralPath $Result
'@

        $elsewhere = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'elsewhere')
        $script:Used = Invoke-AsNewUser 'use' -WorkingDirectory $elsewhere -Script @'
param([string] $Result)
$ErrorActionPreference = 'Stop'
Import-Module PSRnn
$x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
$model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
# The plot draws through SkiaSharp's native library: it works only if the native assets arrived.
$plot = $model | Invoke-RnnTraining -X $x -Y ([long[]] (0, 1, 0, 1, 0, 1, 0, 1)) -Epochs 2 | Export-RnnTrainingPlot ./curves.png -PassThru
$help = Get-Help New-RnnModel
[ordered]@{
    ModuleBase = (Get-Module PSRnn).ModuleBase; Version = "$((Get-Module PSRnn).Version)"; Folder = "$PWD"
    Epochs = @($model.History).Count; PlotBytes = $plot.Length; PlotFolder = $plot.DirectoryName
    Synopsis = $help.Synopsis; Examples = @($help.Examples.Example).Count; About = (Get-Help about_PSRnn | Out-String)
} | ConvertTo-Json | Set-Content -LiteralPath $Result
'@
    }

    It 'is PSRnn.<version>.nupkg holding every file of the built module' {
        $Package.Name | Should -Be "PSRnn.$Version.nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Package.FullName)
        try {
            $nuspec = [xml] [IO.StreamReader]::new($zip.GetEntry('PSRnn.nuspec').Open()).ReadToEnd()
            # NuGet's own parts (the nuspec, the relationships, the content types, the core properties) aside.
            $entries = @($zip.Entries.FullName | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|PSRnn\.nuspec$)' } | Sort-Object)
        }
        finally { $zip.Dispose() }
        $nuspec.package.metadata.id | Should -Be 'PSRnn'
        $nuspec.package.metadata.version | Should -Be $Version
        $entries | Should -Be $ModuleFiles
        $ModuleFiles | Should -Contain 'Dependencies/PSRnn.Engine.dll'
        $ModuleFiles | Should -Contain 'en-US/PSRnn.dll-Help.xml'
        $ModuleFiles | Should -Contain 'Dependencies/runtimes/linux-x64/native/libSkiaSharp.so'
    }

    It 'installs with Install-PSResource from a registered folder, into the throwaway home only' {
        $Installed.Location | Should -BeLike "$UserHome*"
        $Installed.Repositories | Should -Match '<Repository Name="local"'
        # PSResourceGet adds its own record of the installation; every module file arrives as built.
        Get-RelativeFile (Join-Path $Installed.Location "PSRnn/$Version") | Where-Object { $_ -ne 'PSGetModuleInfo.xml' } | Should -Be $ModuleFiles
    }

    It 'imports by name in a fresh PowerShell started in another folder, and its cmdlets run' {
        $Used.Folder | Should -Be (Join-Path $TestDrive 'elsewhere')
        $Used.ModuleBase | Should -Be (Join-Path $Installed.Location "PSRnn/$Version")
        $Used.Version | Should -Be $Version
        $Used.Epochs | Should -Be 2
        $Used.PlotFolder | Should -Be $Used.Folder
        $Used.PlotBytes | Should -BeGreaterThan 1000
    }

    It 'brings the cmdlet help and the about topic' {
        $Used.Synopsis | Should -Be (Get-Help New-RnnModel).Synopsis
        $Used.Synopsis | Should -Not -Match 'New-RnnModel'    # a module without its help shows the syntax instead
        $Used.Examples | Should -BeGreaterOrEqual 2
        $Used.About | Should -Match 'about_PSRnn'
    }

    It 'saves with Save-PSResource: the same files in the folder given, under PSRnn/<version>' {
        Get-RelativeFile (Join-Path $TestDrive "saved/PSRnn/$Version") | Should -Be $ModuleFiles
    }
}
