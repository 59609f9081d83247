BeforeDiscovery {
    # The help cases are generated from the module's commands, so it must be loaded at discovery.
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $cmdlets = @(Get-Command -Module PSRnn -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
    if ($cmdlets.Count -lt 5) { throw "Found only $($cmdlets.Count) PSRnn cmdlets at discovery." }
    # Examples whose help title says "(runnable)" (runnable="true" in the doc comment, tools/New-MamlHelp.ps1) run as
    # written in an empty folder of a fresh scope.
    $runnable = @(foreach ($c in $cmdlets) {
            $number = 0
            foreach ($example in (Get-Help $c.Name -Full).Examples.Example) {
                $number++
                if ($example.Title -match '\(runnable\)') { @{ Name = $c.Name; Number = $number; Code = $example.Code } }
            }
        })
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

    It 'lists in CmdletsToExport every cmdlet its assembly defines, and nothing else' {
        $defined = (Get-Module PSRnn).ImplementingAssembly.GetExportedTypes() |
            Where-Object { $_.IsDefined([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" }
        $listed = (Import-PowerShellDataFile $ModulePath).CmdletsToExport
        $listed | Should -Not -Contain '*'
        $listed | Sort-Object | Should -Be ($defined | Sort-Object)
        @(Get-Command -Module PSRnn -CommandType Function, Alias).Count | Should -Be 0
    }

    It 'has a complete manifest: PowerShell 7.4 Core, tags, project and licence links, the licence shipped' {
        $data = Import-PowerShellDataFile $ModulePath
        $data.PowerShellVersion | Should -Be '7.4'
        $data.CompatiblePSEditions | Should -Be @('Core')
        $data.RootModule | Should -Be 'PSRnn.dll'
        $data.PrivateData.PSData.Tags | Should -Contain 'LSTM'
        $data.PrivateData.PSData.Tags | Where-Object { $_ -match '\s' } | Should -BeNullOrEmpty -Because 'the gallery splits tags at spaces'
        foreach ($uri in $data.PrivateData.PSData.ProjectUri, $data.PrivateData.PSData.LicenseUri) {
            [uri]::IsWellFormedUriString($uri, 'Absolute') | Should -BeTrue
        }
        Join-Path (Split-Path $ModulePath) 'LICENSE' | Should -Exist
        Get-Content (Join-Path (Split-Path $ModulePath) 'LICENSE') -TotalCount 1 | Should -Be 'MIT License'
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

    It 'has at least two examples, one of them runnable, each using the cmdlet' {
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        @($help.Examples.Example | Where-Object Title -Match '\(runnable\)').Count | Should -BeGreaterOrEqual 1
        foreach ($example in $help.Examples.Example) {
            $example.Code | Should -Match $Name
            ($example.Remarks.Text -join '') | Should -Not -BeNullOrEmpty -Because 'each example says what it shows'
        }
    }

    It 'describes every parameter' {
        # Hidden parameters (DontShow: the one that catches a value after a switch) are left out of the help.
        $shown = $Command.Parameters.Values | Where-Object { -not ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow }) }
        foreach ($parameter in $shown.Name | Where-Object { $_ -notin $common }) {
            $entry = $help.Parameters.Parameter | Where-Object Name -EQ $parameter
            ($entry.Description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$parameter needs help"
        }
    }
}

Describe 'Example <Number> of <Name>' -ForEach $runnable {
    It 'runs as written' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive "$Name-$Number")
        Push-Location -LiteralPath $folder
        try {
            # A child scope: the example's variables do not leak into the next one.
            $output = & {
                $ErrorActionPreference = 'Stop'
                & ([scriptblock]::Create($Code)) | Out-String
            } 3>$null
        }
        finally { Pop-Location }
        $output | Should -Not -BeNullOrEmpty -Because 'each runnable example shows its result'
    }
}

Describe 'The README''s first model' {
    It 'runs as written and learns' {
        $readme = Get-Content (Join-Path $PSScriptRoot '../../README.md') -Raw
        $code = [regex]::Match($readme, '(?s)\*\*Your first model\*\*.*?```powershell\r?\n(.*?)```').Groups[1].Value
        $code | Should -Match 'Invoke-RnnTraining'
        $report = @(& { $ErrorActionPreference = 'Stop'; & ([scriptblock]::Create($code)) } 3>$null)[-1]
        $report.Accuracy | Should -BeGreaterThan 0.8
    }
}

Describe 'about_PSRnn' {
    BeforeAll { $about = Get-Help about_PSRnn | Out-String }

    It 'is shipped with the module and found by Get-Help' {
        Join-Path (Split-Path $ModulePath) 'en-US/about_PSRnn.help.txt' | Should -Exist
        $about | Should -Match 'about_PSRnn'
    }

    It 'has a first-model walk-through that runs as written and learns' {
        $help = Get-Content (Join-Path (Split-Path $ModulePath) 'en-US/about_PSRnn.help.txt') -Raw
        $code = [regex]::Match($help, '(?s)A first model.*?:\r?\n\r?\n(.*?)\r?\n\r?\nTHE CMDLETS').Groups[1].Value
        $code | Should -Match 'Invoke-RnnTraining'
        $code = $code -replace '(?m)^        ', '' -replace 'Import-Module PSRnn.*', ''  # imported already, from the build
        $report = @(& { $ErrorActionPreference = 'Stop'; & ([scriptblock]::Create($code)) } 3>$null)[-1]
        $report.PSObject.TypeNames[0] | Should -Be 'PSRnn.DetailedEvaluation'
        $report.Accuracy | Should -BeGreaterThan 0.8 -Because 'the walk-through promises a model that learns'
    }

    It 'names every exported cmdlet' {
        foreach ($command in Get-Command -Module PSRnn -CommandType Cmdlet) { $about | Should -Match $command.Name }
    }
}
