# What build.ps1 decides from its inputs: the help cache (out/help-cache) is reused only while the hash of everything
# the help generator reads is unchanged.
Describe 'The help input hash (tools/Get-HelpInputHash.ps1)' {
    BeforeAll {
        $script:HashScript = Join-Path $PSScriptRoot '../../tools/Get-HelpInputHash.ps1'
        $script:Publish = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'publish')
        $script:Inputs = @{
            'the cmdlet assembly'   = Join-Path $Publish 'PSRnn.dll'
            'the engine assembly'   = Join-Path $Publish 'PSRnn.Engine.dll'
            'the XML documentation' = Join-Path $Publish 'PSRnn.xml'
            'the manifest'          = Join-Path $TestDrive 'PSRnn.psd1'
            'the generator'         = Join-Path $TestDrive 'New-MamlHelp.ps1'
        }
        function Get-InputHash { & $HashScript -PublishPath $Publish -ManifestPath $Inputs['the manifest'] -GeneratorPath $Inputs['the generator'] }
    }

    BeforeEach {
        foreach ($name in $Inputs.Keys) { Set-Content -LiteralPath $Inputs[$name] -Value "first $name" }
        Set-Content -LiteralPath (Join-Path $Publish 'ScottPlot.dll') -Value 'a library'
    }

    It 'is the same for the same inputs' {
        $hash = Get-InputHash
        $hash | Should -Match '^[0-9A-F]{64}$'
        Get-InputHash | Should -Be $hash
    }

    It 'changes when <_> changes' -ForEach 'the cmdlet assembly', 'the engine assembly', 'the XML documentation', 'the manifest', 'the generator' {
        $before = Get-InputHash
        Add-Content -LiteralPath $Inputs[$_] -Value 'edited'
        Get-InputHash | Should -Not -Be $before
    }

    It 'does not depend on third-party libraries, which the help never describes' {
        $before = Get-InputHash
        Add-Content -LiteralPath (Join-Path $Publish 'ScottPlot.dll') -Value 'another version'
        Get-InputHash | Should -Be $before
    }
}

Describe 'build.ps1' {
    It 'shows its help to Get-Help, describing every task' {
        $script = Join-Path $PSScriptRoot '../../build.ps1'
        $help = Get-Help $script -Full
        $help.Synopsis | Should -Match 'entry point'
        $description = $help.Description | Out-String
        $tasks = (Get-Command $script).Parameters['Task'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues
        $tasks | Should -Contain 'Package'
        foreach ($task in $tasks) { $description | Should -Match "-Task $task\s" -Because "the help should describe -Task $task" }
    }
}
