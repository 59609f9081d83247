BeforeDiscovery {
    # The help cases are generated from the module's commands, so it must be loaded at discovery.
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $cmdlets = @(Get-Command -Module PSRnn -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
    if ($cmdlets.Count -lt 5) { throw "Found only $($cmdlets.Count) PSRnn cmdlets at discovery." }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'PSRnn module' {
    It 'has a valid manifest with the build''s version' {
        $manifest = Test-ModuleManifest -Path $ModulePath
        [xml] $props = Get-Content (Join-Path $PSScriptRoot '../../Directory.Build.props') -Raw
        $manifest.Version.ToString() | Should -Be ([string] ($props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1))
    }

    It 'exports exactly the cmdlets its manifest lists' {
        $exported = (Get-Module PSRnn).ExportedCmdlets.Keys | Sort-Object
        $listed = (Import-PowerShellDataFile $ModulePath).CmdletsToExport | Sort-Object
        $exported | Should -Be $listed
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        (Get-Command -Module PSRnn).Verb | ForEach-Object { $_ | Should -BeIn $approved }
    }
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $Command = Get-Command $Name
        $help = Get-Help $Name -Full
        $common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
            [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name
    }

    It 'has a synopsis of its own' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "$Name *"  # without help, PowerShell shows the syntax here
    }

    It 'has a description' {
        ($help.Description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has an example' {
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        $help.Examples.Example[0].Code | Should -Match $Name.Split('-')[1]
    }

    It 'describes every parameter' {
        foreach ($parameter in $Command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = $help.Parameters.Parameter | Where-Object Name -EQ $parameter
            ($entry.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$parameter needs help"
        }
    }
}
