#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the peer (PyTorch with OpenBLAS, ../shared/bench/torch_peer.py) and PSRnn's workload runner side by side,
    alternating, at 1 and 2 threads, and prints the ratio per workload against the targets of issue 6.
.DESCRIPTION
    Order: for each pass, for each thread count: peer, then PSRnn (peer T1, PSRnn T1, peer T2, PSRnn T2, ...), so a
    change in the machine's load hits both alike. Every run's JSON is kept in -OutDir, with compare.md (the table).

    Figures (WORKLOADS.md): training samples/s, inference samples/s, W5 ms per call. The PSRnn figure is its default
    (all cores, -PsrnnThreads); the peer figure is the better of its 1- and 2-thread runs. Ratio = PSRnn / peer
    (W5: PSRnn ms / peer ms, lower is better). With several passes each figure is the median of the passes' medians.
    'foreign' is the largest median CPU (in cores) other processes used during the runs behind a row: above 0.25 the
    row was measured on a busy machine and is marked 'busy'.

    Set-up of the peer (once per machine): see ../shared/bench/README.md (python3-torch, and OpenBLAS unpacked into
    /tmp/peer-blas). Run through the pinned PowerShell: dotnet pwsh ./bench/Compare-Peer.ps1, or ./build.ps1 -Task Compare.
.EXAMPLE
    dotnet pwsh ./bench/Compare-Peer.ps1 -Passes 2 -Reps 5
.EXAMPLE
    dotnet pwsh ./bench/Compare-Peer.ps1 -Workloads W2_seqmnist,W6_simple -Threads 2
#>
[CmdletBinding()]
param(
    # Workloads (the peer's names); default all seven.
    [string[]] $Workloads = @('W1_seed', 'W2_seqmnist', 'W3_mfcc_gru', 'W3_mfcc_lstm', 'W4_charlm', 'W5_latency', 'W6_simple'),

    # Thread counts to run both programs at.
    [string[]] $Threads = @('1', '2'),

    # The PSRnn thread count whose figure goes in the table (the default: all cores).
    [int] $PsrnnThreads = [Environment]::ProcessorCount,

    # Full alternating passes.
    [int] $Passes = 1,

    # Repetitions per figure and seconds per repetition (both programs).
    [int] $Reps = 5,
    [double] $RepSeconds = 1.0,

    # Before each repetition, wait at most this long for other processes to go quiet (both programs).
    [double] $QuietWait = 5,

    # PSRnn's training driver: fit (Trainer.Fit, what a user gets) or loop (the per-batch loop, the peer's train_step).
    [ValidateSet('fit', 'loop')]
    [string] $Mode = 'fit',

    [string] $PeerScript = (Join-Path $PSScriptRoot '../../shared/bench/torch_peer.py'),
    [string] $PeerBlas = $(if ($env:PEER_BLAS) { $env:PEER_BLAS } else { '/tmp/peer-blas/root/usr/lib/x86_64-linux-gnu/openblas-openmp' }),
    [string] $Python = '/usr/bin/python3',
    [string] $OutDir = (Join-Path $PSScriptRoot '../out/compare'),

    # Only rebuild the table from the JSON files of an earlier run in -OutDir (nothing is measured).
    [switch] $TableOnly
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$inv = [Globalization.CultureInfo]::InvariantCulture
# 'pwsh -File' hands "a,b" over as one string: accept both forms.
$Workloads = @($Workloads | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
[int[]] $Threads = @($Threads | ForEach-Object { $_ -split ',' } | Where-Object { $_ } | ForEach-Object { [int] $_ })

if ($TableOnly) { $Passes = 0 }
elseif (-not (Test-Path -LiteralPath $PeerScript)) { throw "The peer script is not at $PeerScript (see ../shared/bench/README.md)." }
if (-not $TableOnly -and -not (Test-Path -LiteralPath (Join-Path $PeerBlas 'libblas.so.3'))) {
    throw "OpenBLAS for the peer is not at $PeerBlas; unpack it as ../shared/bench/README.md says, or pass -PeerBlas."
}

$null = New-Item -ItemType Directory -Force -Path $OutDir
$OutDir = (Resolve-Path -LiteralPath $OutDir).Path
$project = Join-Path $PSScriptRoot 'PSRnn.Workloads/PSRnn.Workloads.csproj'
if (-not $TableOnly) {
    dotnet build $project -c Release --nologo -v quiet -clp:ErrorsOnly | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Building the workload runner failed (exit code $LASTEXITCODE)." }
}
$runner = Join-Path $PSScriptRoot 'PSRnn.Workloads/bin/Release/net10.0/PSRnn.Workloads.dll'
$list = $Workloads -join ','
$common = @('--workloads', $list, '--reps', $Reps.ToString($inv), '--rep-seconds', $RepSeconds.ToString($inv),
    '--quiet-wait', $QuietWait.ToString($inv))

$runs = [Collections.Generic.List[object]]::new()
$started = Get-Date
for ($pass = 1; $pass -le $Passes; $pass++) {
    foreach ($t in $Threads) {
        $peerOut = Join-Path $OutDir "peer-T$t-pass$pass.json"
        Write-Host "pass $pass, peer, $t thread(s)" -ForegroundColor Cyan
        & /usr/bin/env "LD_LIBRARY_PATH=$PeerBlas" "OMP_NUM_THREADS=$t" $Python $PeerScript --threads $t @common `
            --label peer --out $peerOut | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The peer failed (exit code $LASTEXITCODE)." }
        $peer = Get-Content -LiteralPath $peerOut -Raw | ConvertFrom-Json
        if (-not ($peer.blas_libs -match 'openblas')) { Write-Warning "The peer did not load OpenBLAS: $($peer.blas_libs -join ', ')" }
        $runs.Add([pscustomobject]@{ Program = 'peer'; Threads = $t; Pass = $pass; Data = $peer })

        $psOut = Join-Path $OutDir "psrnn-T$t-pass$pass.json"
        Write-Host "pass $pass, PSRnn, $t thread(s)" -ForegroundColor Cyan
        dotnet $runner --threads $t @common --mode $Mode --label psrnn --out $psOut | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The PSRnn runner failed (exit code $LASTEXITCODE)." }
        $runs.Add([pscustomobject]@{ Program = 'psrnn'; Threads = $t; Pass = $pass; Data = (Get-Content -LiteralPath $psOut -Raw | ConvertFrom-Json) })
    }
}

if ($TableOnly) {
    foreach ($file in Get-ChildItem -LiteralPath $OutDir -Filter '*-T*-pass*.json') {
        if ($file.BaseName -match '^(peer|psrnn)-T(\d+)-pass(\d+)$') {
            $runs.Add([pscustomobject]@{ Program = $Matches[1]; Threads = [int]$Matches[2]; Pass = [int]$Matches[3]
                Data = (Get-Content -LiteralPath $file.FullName -Raw | ConvertFrom-Json) })
        }
    }
    $started = $file.LastWriteTime
    $Passes = ($runs | Measure-Object Pass -Maximum).Maximum
}

function Get-Median([double[]] $Values) {
    $s = @($Values | Sort-Object)
    if ($s.Count -eq 0) { return [double]::NaN }
    if ($s.Count % 2) { return $s[[int][math]::Floor($s.Count / 2)] }
    return ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2
}

# One figure: the median over passes of a run's median, and the worst foreign CPU seen behind it.
function Get-Figure([string] $Program, [int] $T, [string] $Workload, [string] $Key, [string] $ForeignKey) {
    $values = @(); $foreign = @()
    foreach ($run in $runs | Where-Object { $_.Program -eq $Program -and $_.Threads -eq $T }) {
        $r = $run.Data.results | Where-Object { $_.workload -eq $Workload }
        if ($r -and $r.PSObject.Properties[$Key]) {
            $values += [double] $r.$Key.median
            $foreign += [double] $r.$ForeignKey.median
        }
    }
    if ($values.Count -eq 0) { return $null }
    [pscustomobject]@{ Value = (Get-Median $values); Foreign = ($foreign | Measure-Object -Maximum).Maximum }
}

# Issue 6 targets: training ratio at least, inference ratio at least, W5 latency ratio at most.
$trainTargets = @{ W1_seed = 1.5; W2_seqmnist = 3; W3_mfcc_gru = 2; W3_mfcc_lstm = 2; W4_charlm = 1.5; W6_simple = 3 }
$inferTargets = @{ W1_seed = 1.5; W2_seqmnist = 1.5; W3_mfcc_gru = 1.5; W3_mfcc_lstm = 1.5; W4_charlm = 1.5 }

$rows = foreach ($w in $Workloads) {
    $kinds = [Collections.Generic.List[object[]]]::new()
    if ($w -eq 'W5_latency') { $kinds.Add(@('latency', 'infer_ms_per_call', 'infer_foreign_cores', $true)) }
    else {
        $kinds.Add(@('train', 'train_samples_per_s', 'train_foreign_cores', $false))
        $kinds.Add(@('infer', 'infer_samples_per_s', 'infer_foreign_cores', $false))
    }
    foreach ($k in $kinds) {
        $what, $key, $foreignKey, $lowerIsBetter = $k
        $ps = Get-Figure 'psrnn' $PsrnnThreads $w $key $foreignKey
        $ps1 = if ($PsrnnThreads -ne 1) { Get-Figure 'psrnn' 1 $w $key $foreignKey } else { $null }
        $peers = @($Threads | ForEach-Object { $p = Get-Figure 'peer' $_ $w $key $foreignKey; if ($p) { $p | Add-Member -PassThru Threads $_ } })
        if (-not $ps -or $peers.Count -eq 0) { continue }
        $best = if ($lowerIsBetter) { $peers | Sort-Object Value | Select-Object -First 1 } else { $peers | Sort-Object Value -Descending | Select-Object -First 1 }
        $ratio = $ps.Value / $best.Value
        $target = switch ($what) {
            'train' { $trainTargets[$w] }
            'infer' { $inferTargets[$w] }
            'latency' { 0.25 }
        }
        $met = if ($null -eq $target) { '—' } elseif ($lowerIsBetter) { if ($ratio -le $target) { 'met' } else { 'missed' } } else { if ($ratio -ge $target) { 'met' } else { 'missed' } }
        $foreign = (@($ps.Foreign) + @($peers.Foreign) | Measure-Object -Maximum).Maximum
        $fmt = if ($lowerIsBetter) { '{0:F3} ms' } else { '{0:F0}/s' }
        [pscustomobject]@{
            Workload = $w
            Figure = $what
            PSRnn = [string]::Format($inv, $fmt, $ps.Value)
            'PSRnn T1' = if ($ps1) { [string]::Format($inv, $fmt, $ps1.Value) } else { '' }
            Peer = [string]::Format($inv, $fmt + ' (T{1})', $best.Value, $best.Threads)
            Ratio = [string]::Format($inv, '{0:F2}x', $ratio)
            Target = if ($null -eq $target) { '—' } elseif ($lowerIsBetter) { [string]::Format($inv, '<= {0}x', $target) } else { [string]::Format($inv, '>= {0}x', $target) }
            Result = $met
            Foreign = [string]::Format($inv, '{0:F2}{1}', $foreign, $(if ($foreign -gt 0.25) { ' busy' } else { '' }))
        }
    }
}

$header = "| workload | figure | PSRnn (T$PsrnnThreads) | PSRnn T1 | peer, best of T$($Threads -join '/T') | ratio | target | result | foreign cores |"
$md = @(
    if ($TableOnly) { "Compare-Peer, table rebuilt from the JSON in $OutDir (last written $($started.ToString('yyyy-MM-dd HH:mm', $inv))), passes $Passes" }
    else { "Compare-Peer, $($started.ToString('yyyy-MM-dd HH:mm', $inv)), passes $Passes, reps $Reps x $RepSeconds s, PSRnn mode $Mode, threads $($Threads -join ',')" }
    ''
    $header
    '|---|---|---|---|---|---|---|---|---|'
    $rows | ForEach-Object { "| $($_.Workload) | $($_.Figure) | $($_.PSRnn) | $($_.'PSRnn T1') | $($_.Peer) | $($_.Ratio) | $($_.Target) | $($_.Result) | $($_.Foreign) |" }
)
$mdPath = Join-Path $OutDir 'compare.md'
Set-Content -LiteralPath $mdPath -Value $md
$md | Out-Host
Write-Host "Table written to $mdPath; the runs' JSON is beside it."
