# Invoke-RnnSweep -Session for real (issue 23 item 2): an OpenSSH server of this machine's (Debian's openssh-server),
# started here at user level on a loopback port with a throwaway host key and client key, whose "powershell" subsystem
# runs this very PowerShell with PSRnn on its module path; PowerShell's SSH remoting (New-PSSession -HostName) reaches it.
# The server starts in BeforeAll and stops in AfterAll: .ci/run needs nothing else.
Describe 'Invoke-RnnSweep over SSH sessions to this machine' {
    BeforeAll {
        # The issue asks for Debian's openssh-server on the CI machine: run as root on Debian without it (a fresh image),
        # the test installs it (DEBIAN_FRONTEND=noninteractive, no recommends; an apt-get update first if the index is
        # stale). Only the package's files are used: this test starts its own sshd on a loopback port and stops it.
        if ($IsLinux -and -not (Test-Path -LiteralPath /usr/sbin/sshd) -and (Get-Command apt-get -CommandType Application -ErrorAction Ignore) -and
            (& id -u) -eq '0') {
            $env:DEBIAN_FRONTEND = 'noninteractive'
            $null = & apt-get install -y -q --no-install-recommends openssh-server openssh-client 2>&1
            if (-not (Test-Path -LiteralPath /usr/sbin/sshd)) {
                $null = & apt-get update -q 2>&1
                $null = & apt-get install -y -q --no-install-recommends openssh-server openssh-client 2>&1
            }
        }

        # Without OpenSSH's server and client (not root, not Debian, no network for apt) the tests are skipped, and say why.
        $script:SkipReason = if (-not $IsLinux) { 'the loopback SSH server is set up for Linux only' }
        elseif (-not (Test-Path -LiteralPath /usr/sbin/sshd)) { '/usr/sbin/sshd is missing (Debian: apt-get install openssh-server)' }
        elseif (-not (Get-Command ssh -CommandType Application -ErrorAction Ignore) -or -not (Get-Command ssh-keygen -CommandType Application -ErrorAction Ignore)) { 'ssh or ssh-keygen is missing (Debian: apt-get install openssh-client)' }
        if ($SkipReason) { return }
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        $script:Toy = New-ToyData -Count 24 -Steps 4 -Features 2
        $script:ModelScript = { param($p) New-RnnModel -InputShape 4, 2 | Add-LstmLayer $p.Units | Add-DenseLayer 2 -Activation softmax }
        $script:Grid = [ordered]@{ Units = 2, 3; LearningRate = 0.01, 0.03 }
        function Get-AllWeight {
            param($Model)
            for ($i = 0; $i -lt $Model.Layers.Count; $i++) { Get-RnnLayerWeight -Model $Model -Layer $i | ForEach-Object { $_.Data } }
        }

        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'ssh')
        & ssh-keygen -q -t ed25519 -N '' -C psrnn-test-host -f (Join-Path $dir 'host_key')
        & ssh-keygen -q -t ed25519 -N '' -C psrnn-test-client -f (Join-Path $dir 'client_key')
        $script:ClientKey = Join-Path $dir 'client_key'

        # A free loopback port: the system picks one, the listener closes, sshd takes it.
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $probe.Start()
        $script:Port = $probe.LocalEndpoint.Port
        $probe.Stop()

        # The subsystem runs this PowerShell (a dotnet tool: dotnet + pwsh.dll; else the pwsh executable) with the
        # module under test first on the module path.
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        $command = if (Test-Path -LiteralPath $pwshDll) { "exec '$((Get-Process -Id $PID).Path)' '$pwshDll'" } else { "exec '$(Join-Path $PSHOME 'pwsh')'" }
        $modules = Split-Path -Parent (Split-Path -Parent (Resolve-Path $ModulePath))
        $wrapper = Join-Path $dir 'pwsh-sshs.sh'
        Set-Content -LiteralPath $wrapper -Value "#!/bin/sh`nexport PSModulePath='${modules}'`n$command -sshs -NoLogo -NoProfile`n"
        & chmod 700 $wrapper
        Copy-Item -LiteralPath "$ClientKey.pub" -Destination (Join-Path $dir 'authorized_keys')
        $config = Join-Path $dir 'sshd_config'
        Set-Content -LiteralPath $config -Value @"
Port $Port
ListenAddress 127.0.0.1
HostKey $(Join-Path $dir 'host_key')
PidFile $(Join-Path $dir 'sshd.pid')
AuthorizedKeysFile $(Join-Path $dir 'authorized_keys')
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem powershell $wrapper
"@
        # Run as root, sshd wants its privilege-separation folder (Debian's service makes it at boot).
        if ((& id -u) -eq '0' -and -not (Test-Path -LiteralPath /run/sshd)) { $null = New-Item -ItemType Directory -Path /run/sshd }
        $script:Server = Start-Process -FilePath /usr/sbin/sshd -ArgumentList '-D', '-e', '-f', $config -PassThru `
            -RedirectStandardError (Join-Path $dir 'sshd.log') -RedirectStandardOutput (Join-Path $dir 'sshd.out')
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ($true) {
            $client = [Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', $Port); break } catch { if ([DateTime]::UtcNow -gt $deadline -or $Server.HasExited) { throw "sshd did not start: $(Get-Content -Raw (Join-Path $dir 'sshd.log'))" } } finally { $client.Dispose() }
            Start-Sleep -Milliseconds 100
        }

        $script:SshOptions = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
        $script:Opened = [Collections.Generic.List[object]]::new()
        function New-LoopbackSession {
            $session = New-PSSession -HostName 127.0.0.1 -Port $Port -UserName ([Environment]::UserName) -KeyFilePath $ClientKey -Options $SshOptions -ErrorAction Stop
            $Opened.Add($session)
            $session
        }
        $script:Sessions = @(New-LoopbackSession; New-LoopbackSession)
        $script:Local = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript)
    }

    AfterAll {
        if ($Opened) { $Opened | Remove-PSSession }
        # Removing the sessions ended their processes (and sshd's per-connection children); then the server goes.
        if ($Server -and -not $Server.HasExited) { Stop-Process -Id $Server.Id -Force; $Server.WaitForExit() }
    }

    BeforeEach {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason }
    }

    It 'runs the trials in the sessions'' processes, with the results of the same sweep run here' {
        $remotePids = @(Invoke-Command -Session $Sessions { $PID })
        $remotePids | Should -Not -Contain $PID

        $csv = Join-Path $TestDrive 'remote.csv'
        $remote = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $Grid -ModelScript $ModelScript -Session $Sessions -ResultPath $csv)
        $remote.Count | Should -Be 4
        foreach ($r in $remote) {
            $here = $Local | Where-Object Trial -eq $r.Trial
            $r.Error | Should -BeNullOrEmpty
            $r.Seed | Should -Be $here.Seed
            $r.Loss | Should -Be $here.Loss
            $r.ValLoss | Should -Be $here.ValLoss
            $r.ValMetrics['accuracy'] | Should -Be $here.ValMetrics['accuracy']
            Get-AllWeight $r.Model | Should -Be (Get-AllWeight $here.Model)
        }
        (Import-Csv $csv).trial | Should -Be 1, 2, 3, 4
        Invoke-Command -Session $Sessions { (Get-Module PSRnn).ModuleBase } | Should -Be @((Split-Path -Parent (Resolve-Path $ModulePath)), (Split-Path -Parent (Resolve-Path $ModulePath)))
        # The data stays in a session only for its sweep.
        Invoke-Command -Session $Sessions[0] { Test-Path Variable:global:PSRnnSweepData } | Should -BeFalse
    }

    It 'goes on when a session dies mid-sweep: the other trials are in the CSV, and a rerun runs the lost one' {
        $doomed = @(New-LoopbackSession; New-LoopbackSession)
        $csv = Join-Path $TestDrive 'killed.csv'
        $marker = Join-Path $TestDrive 'kill-once'
        # The trial with 3 units and the rate 0.01 ends the PowerShell process it runs in, while the marker file exists.
        $killing = {
            param($p)
            if ($p.Units -eq 3 -and $p.LearningRate -eq 0.01 -and (Test-Path -LiteralPath $p.Marker)) { Remove-Item -LiteralPath $p.Marker; Stop-Process -Id $PID -Force }
            New-RnnModel -InputShape 4, 2 | Add-LstmLayer $p.Units | Add-DenseLayer 2 -Activation softmax
        }
        $grid = [ordered]@{ Units = 2, 3; LearningRate = 0.01, 0.03; Marker = $marker }
        # The marker is a parameter, so part of the seeds: the reference is this grid run here, before the marker exists.
        $reference = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $grid -ModelScript $killing)
        $null = New-Item -ItemType File -Path $marker
        $first = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $grid -ModelScript $killing -Session $doomed -ResultPath $csv -ErrorVariable lost -ErrorAction SilentlyContinue)
        $first.Count | Should -Be 4
        $lost.Count | Should -Be 1
        $lost[0].FullyQualifiedErrorId | Should -BeLike 'SweepSessionBroken,*'
        $lost[0].Exception.Message | Should -Match '^Trial 3 \(Units=3, LearningRate=0\.01, Marker=.*\) failed: The session to 127\.0\.0\.1 broke during the trial'
        @($doomed | Where-Object { $_.State -ne 'Opened' }).Count | Should -Be 1
        $rows = Import-Csv $csv
        $rows.trial | Should -Be 1, 2, 3, 4
        ($rows | Where-Object error).trial | Should -Be 3
        ($rows | Where-Object { -not $_.error }).val_loss | ForEach-Object { [double] $_ } |
            Should -Be ($reference | Where-Object Trial -ne 3).ValLoss -Because 'the other trials ran on the live session, as here'

        $alive = @($doomed | Where-Object State -eq 'Opened')
        $second = @(Invoke-RnnSweep -X $Toy.X -Y $Toy.Labels -Epochs 2 -BatchSize 8 -ValidationSplit 0.25 -Parameters $grid -ModelScript $killing -Session $alive -ResultPath $csv)
        ($second | Where-Object { -not $_.Resumed }).Trial | Should -Be 3
        ($second | Where-Object Resumed).Trial | Should -Be 1, 2, 4
        $rows = Import-Csv $csv
        $rows.error | Where-Object { $_ } | Should -BeNullOrEmpty
        [double[]] $rows.val_loss | Should -Be $reference.ValLoss
        Get-AllWeight ($second | Where-Object Trial -eq 3).Model | Should -Be (Get-AllWeight ($reference | Where-Object Trial -eq 3).Model)
    }
}
