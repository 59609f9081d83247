# Every ```powershell block of the README runs as written: in order, in one fresh PowerShell session, each block saved as
# a .ps1 file of its own and run by dot-sourcing (so a block sees the variables of the blocks before it, and its output
# is formatted as a script's is), with the working directory a scratch folder that holds what the blocks read from the
# repository root (out/PSRnn, examples, tests/fixtures). Files the blocks write land there, never in the repository.
# A block fails on any error it writes or throws; warnings and output are not judged (other tests check the text).
# A block that cannot run by its nature (an install from a package repository) is skipped when the line before its
# fence is <!-- readme-test: skip -->.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'ReadmeBlocks.ps1')
    $blocks = @(Get-ReadmeBlock (Join-Path $PSScriptRoot '../../README.md'))
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    . (Join-Path $PSScriptRoot 'ReadmeBlocks.ps1')
    $repo = Join-Path $PSScriptRoot '../..'
    $blocks = @(Get-ReadmeBlock (Join-Path $repo 'README.md'))
    # What the repository holds before the run, to show afterwards that the blocks wrote nothing into it.
    function Get-RepositoryListing { @(Get-ChildItem -LiteralPath $repo -Force -Name) + @(Get-ChildItem -LiteralPath (Join-Path $repo 'examples') -Recurse -Force -Name) }
    $script:ListingBefore = Get-RepositoryListing
    $script:Scratch = Join-Path $TestDrive 'repo'
    $blockFolder = Join-Path $TestDrive 'blocks'
    $null = New-Item -ItemType Directory -Path $Scratch, $blockFolder, (Join-Path $Scratch 'out'), (Join-Path $Scratch 'tests')
    # The built module by reference (it is large and only read); what the blocks read besides, copied, so that nothing a
    # block or an example writes next to itself reaches the repository.
    $moduleFolder = Split-Path -Parent (Resolve-Path -LiteralPath $ModulePath).ProviderPath
    $linkType = if ($IsWindows) { 'Junction' } else { 'SymbolicLink' }
    $null = New-Item -ItemType $linkType -Path (Join-Path $Scratch 'out/PSRnn') -Target $moduleFolder
    Copy-Item -LiteralPath (Join-Path $repo 'examples') -Destination $Scratch -Recurse
    Copy-Item -LiteralPath (Join-Path $repo 'tests/fixtures') -Destination (Join-Path $Scratch 'tests') -Recurse

    $list = foreach ($block in $blocks) {
        if ($block.Skip) { continue }
        $file = Join-Path $blockFolder ('block{0:d2}.ps1' -f $block.Number)
        Set-Content -LiteralPath $file -Value $block.Code
        @{ Number = $block.Number; Path = $file }
    }
    $listPath = Join-Path $TestDrive 'blocks.json'
    ConvertTo-Json -InputObject @($list) | Set-Content -LiteralPath $listPath
    $resultPath = Join-Path $TestDrive 'results.jsonl'

    # The session: runs the blocks one after another in its script scope, where each block's variables stay for the next.
    # Its own variables carry a prefix no block uses. After each block: the errors it left in $Error, one JSON line.
    $driver = Join-Path $TestDrive 'driver.ps1'
    Set-Content -LiteralPath $driver -Value @'
param([string] $ReadmeTestList, [string] $ReadmeTestResults)
foreach ($ReadmeTestBlock in (Get-Content -LiteralPath $ReadmeTestList -Raw | ConvertFrom-Json)) {
    $Error.Clear()
    $ReadmeTestWatch = [Diagnostics.Stopwatch]::StartNew()
    try { . $ReadmeTestBlock.Path | Out-Default } catch { }
    $ReadmeTestErrors = @($Error | ForEach-Object {
            $where = if ($_.InvocationInfo -and $_.InvocationInfo.ScriptName -eq $ReadmeTestBlock.Path) { $_.InvocationInfo.ScriptLineNumber } else { 0 }
            @{ Id = "$($_.FullyQualifiedErrorId)"; Message = "$_"; BlockLine = $where }
        })
    [array]::Reverse($ReadmeTestErrors)
    @{ Number = $ReadmeTestBlock.Number; Seconds = $ReadmeTestWatch.Elapsed.TotalSeconds; Errors = $ReadmeTestErrors } |
        ConvertTo-Json -Compress -Depth 4 | Add-Content -LiteralPath $ReadmeTestResults
}
'@
    $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($exe) -ne 'pwsh') { Join-Path $PSHOME 'pwsh.dll' }
    Push-Location -LiteralPath $Scratch
    try {
        # The session's output is kept for a failing block's report, not shown.
        $script:SessionOutput = & $exe @prefix -NoProfile -NonInteractive -File $driver -ReadmeTestList $listPath -ReadmeTestResults $resultPath 2>&1 |
            Out-String
        $script:SessionExit = $LASTEXITCODE
    }
    finally { Pop-Location }
    $script:ListingAfter = Get-RepositoryListing
    $script:Results = @{}
    if (Test-Path -LiteralPath $resultPath) {
        foreach ($entry in Get-Content -LiteralPath $resultPath) { $r = $entry | ConvertFrom-Json; $Results[[int] $r.Number] = $r }
    }
}

Describe 'README block <Number>: <Title> (line <Line>)' -ForEach $blocks {
    It 'runs as written without an error' -Skip:$Skip {
        $result = $Results[$Number]
        $result | Should -Not -BeNullOrEmpty -Because "the session ended before this block finished (exit code $SessionExit): $SessionOutput"
        $report = @($result.Errors | ForEach-Object {
                $at = if ($_.BlockLine) { "README line $($Line + $_.BlockLine - 1): " } else { '' }
                "$at[$($_.Id)] $($_.Message)"
            }) -join "`n"
        $report | Should -BeNullOrEmpty -Because 'every README block must run as written'
    }
}

Describe 'The README blocks' {
    It 'write their files into the current folder, none into the repository' {
        Join-Path $Scratch 'kernel.npy' | Should -Exist -Because 'the weights block writes it into the current folder'
        Compare-Object $ListingBefore $ListingAfter | Should -BeNullOrEmpty
    }
}
