# Dot-sourced by every *.Tests.ps1: imports the module the build laid out, and names the shared fixtures.
$script:ModulePath = if ($env:PSRNN_MODULE_PATH) { $env:PSRNN_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1' }
Import-Module $script:ModulePath -Force -ErrorAction Stop
$script:NpyFixtures = Join-Path $PSScriptRoot '../fixtures/npy'

# A tensor's values in the manifest's exact form: bools, integers as text, floats as their IEEE bits in hex.
function ConvertTo-ExactText {
    param($Tensor)
    $data = $Tensor.Data
    switch ($Tensor.DType.ToString()) {
        'Bool' { return @($data | ForEach-Object { "$_" }) }
        'Float16' { return @($data | ForEach-Object { '0x{0:x4}' -f [BitConverter]::HalfToUInt16Bits($_) }) }
        'Float32' { return @($data | ForEach-Object { '0x{0:x8}' -f [BitConverter]::SingleToUInt32Bits($_) }) }
        'Float64' { return @($data | ForEach-Object { '0x{0:x16}' -f [BitConverter]::DoubleToUInt64Bits($_) }) }
        default { return @($data | ForEach-Object { $_.ToString([cultureinfo]::InvariantCulture) }) }
    }
}

# A small learnable sequence task: label 1 when the first feature sums to more than zero over the steps.
function New-ToyData {
    param([int] $Count = 128, [int] $Steps = 6, [int] $Features = 2, [int] $Seed = 1)
    $random = [Random]::new($Seed)
    $x = [float[]]::new($Count * $Steps * $Features)
    $labels = [long[]]::new($Count)
    for ($n = 0; $n -lt $Count; $n++) {
        $sum = 0.0
        for ($t = 0; $t -lt $Steps; $t++) {
            for ($f = 0; $f -lt $Features; $f++) {
                $v = $random.NextDouble() * 2 - 1
                $x[($n * $Steps + $t) * $Features + $f] = $v
                if ($f -eq 0) { $sum += $v }
            }
        }
        $labels[$n] = [long]($sum -gt 0)
    }
    [pscustomobject]@{
        X      = ConvertTo-RnnTensor -InputObject $x -Shape $Count, $Steps, $Features
        Labels = ConvertTo-RnnTensor -InputObject $labels
        OneHot = ConvertTo-RnnTensor -InputObject $labels | ConvertTo-RnnOneHot -NumClasses 2
    }
}

# Every weight of a model, flattened, for bit-exact comparisons.
function Get-AllWeights {
    param($Model)
    @(Get-RnnLayerWeight -Model $Model | ForEach-Object { $_.Data })
}

# A regularized model's penalty as Keras counts it, from the weights, independently of the engine: l1·Σ|w| + l2·Σw².
function Get-Penalty($Model) {
    $total = 0.0
    foreach ($p in $Model.Parameters) {
        if ($p.Regularizer) {
            foreach ($w in $p.Value) { $total += $p.Regularizer.L1 * [math]::Abs($w) + $p.Regularizer.L2 * $w * $w }
        }
    }
    $total
}

# Equal within a relative tolerance (absolute below 1).
function Assert-Near([double] $Actual, [double] $Expected, [double] $Tolerance = 1e-6) {
    [math]::Abs($Actual - $Expected) | Should -BeLessOrEqual ($Tolerance * [math]::Max(1, [math]::Abs($Expected)))
}

# Where no progress bar can show, as in this run, training prints a line an epoch: the tests keep those lines out of
# their output (a run that passes prints what a reader needs). The tests of the lines run scripts in a child process.
$PSDefaultParameterValues = $PSDefaultParameterValues.Clone()
$PSDefaultParameterValues['Invoke-RnnTraining:InformationAction'] = 'Ignore'

# Runs $Code (its pieces one after another) as a saved .ps1 in a fresh process of this PowerShell, after importing the module under test, as a user
# runs a script: its output redirected (here, as in a CI log) or, with -Terminal, on a pseudo-terminal (util-linux
# `script`). Returns the text it printed (stdout and stderr, ANSI sequences removed) and its exit code.
function Invoke-ScriptFile {
    param([Parameter(Mandatory)] [string[]] $Code, [switch] $Terminal)
    $path = Join-Path $TestDrive "script-$([guid]::NewGuid().ToString('n')).ps1"
    Set-Content -LiteralPath $path -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '{0}'`n{1}" -f ($ModulePath -replace "'", "''"), ($Code -join "`n"))
    $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    [string[]] $command = @($exe) + @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -ne 'pwsh') { Join-Path $PSHOME 'pwsh.dll' }) +
        @('-NoProfile', '-NonInteractive', '-File', $path)
    $text = if ($Terminal) {
        # script(1) gives the child a terminal of its own and copies what it shows to our (redirected) output.
        $line = ($command | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
        $null | & script -qec $line /dev/null 2>&1 | Out-String
    }
    else { & $command[0] $command[1..($command.Count - 1)] 2>&1 | Out-String }
    [pscustomobject]@{ Text = $text -replace '\x1b(\[[0-9;?]*[A-Za-z]|[=>])' -replace "`r"; ExitCode = $LASTEXITCODE }
}

# Runs $Script in a fresh runspace of this process, with the module imported and $Arguments as its arguments, and
# returns its output. That runspace's host has no console: what a cmdlet writes to the host itself, past every stream
# (the "What if:" lines of -WhatIf), stays out of the test run's output.
function Invoke-WithoutHost {
    param([Parameter(Mandatory)] [scriptblock] $Script, [object[]] $Arguments = @())
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement().AddScript($Script.ToString())
        foreach ($argument in $Arguments) { $null = $ps.AddArgument($argument) }
        $output = $ps.Invoke()
        if ($ps.Streams.Error.Count -gt 0) { throw $ps.Streams.Error[0] }
        $output
    }
    finally { $ps.Dispose() }
}

# The embedded speech sets (examples/data): how many frames of every $Every-th row of a padded (N, T, F) x disagree with
# its length (a frame is all zeros exactly when it is padding, at or after the row's length: what a Masking layer finds).
function Get-PaddingMismatch {
    param([Parameter(Mandatory)] $X, [Parameter(Mandatory)] [int[]] $Lengths, [int] $Every = 1)
    $data = $X.Data; $steps = $X.Shape[1]; $features = $X.Shape[2]; $wrong = 0
    for ($row = 0; $row -lt $Lengths.Length; $row += $Every) {
        for ($step = 0; $step -lt $steps; $step++) {
            $zero = $true
            for ($c = 0; $c -lt $features -and $zero; $c++) { $zero = $data[($row * $steps + $step) * $features + $c] -eq 0 }
            if ($zero -ne ($step -ge $Lengths[$row])) { $wrong++ }
        }
    }
    $wrong
}

# What is wrong with the layout of a speech set's extra-speaker file (Import-NpyData -AsHashtable), one line a problem:
# x, lengths, y and speaker; x float16 (extraUtterances, extraMaxFrames, 13) as the JSON's counts say, lengths int16
# reaching extraMaxFrames, y int8, speaker int16.
function Get-ExtraFileProblem {
    param([Parameter(Mandatory)] [hashtable] $Extra, [Parameter(Mandatory)] $Meta)
    $keys = @($Extra.Keys | Sort-Object) -join ','
    if ($keys -ne 'lengths,speaker,x,y') { "keys $keys, not lengths,speaker,x,y" ; return }
    $shape = @($Meta.counts.extraUtterances, $Meta.counts.extraMaxFrames, 13) -join ','
    if (($Extra['x'].Shape -join ',') -ne $shape) { "x is ($($Extra['x'].Shape -join ', ')), not ($shape)" }
    foreach ($k in @(@('x', 'Float16'), @('lengths', 'Int16'), @('y', 'Int8'), @('speaker', 'Int16'))) {
        if ("$($Extra[$k[0]].DType)" -ne $k[1]) { "$($k[0]) is $($Extra[$k[0]].DType), not $($k[1])" }
    }
    $longest = ($Extra['lengths'].ToArray() | Measure-Object -Maximum).Maximum
    if ($longest -ne $Meta.counts.extraMaxFrames) { "the longest row has $longest frames, not $($Meta.counts.extraMaxFrames)" }
}

# What is wrong with a speech set's extra training speakers (its JSON's extraSpeakers), one line a problem: each must be a
# voice and variant pair no speaker of the set is, no pair twice, extraSpeakersPerVoice of them for every voice of the set.
function Get-ExtraSpeakerProblem {
    param([Parameter(Mandatory)] $Meta)
    $pairs = @{}; foreach ($s in $Meta.speakers) { $pairs["$($s.voice)+$($s.variant)"] = $true }
    foreach ($s in $Meta.extraSpeakers) { if ($pairs.ContainsKey("$($s.voice)+$($s.variant)")) { "extra speaker $($s.id) ($($s.voice)+$($s.variant)) is a speaker of the set" } }
    $distinct = @($Meta.extraSpeakers | ForEach-Object { "$($_.voice)+$($_.variant)" } | Sort-Object -Unique).Count
    if ($distinct -ne $Meta.counts.extraSpeakers) { "$distinct distinct voice and variant pairs for $($Meta.counts.extraSpeakers) extra speakers" }
    $perVoice = @{}; foreach ($g in ($Meta.extraSpeakers | Group-Object voice)) { $perVoice[$g.Name] = $g.Count }
    foreach ($voice in @($Meta.speakers.voice | Sort-Object -Unique)) {
        if ($perVoice[$voice] -ne $Meta.recipe.extraSpeakersPerVoice) { "voice $voice has $([int] $perVoice[$voice]) extra speakers, not $($Meta.recipe.extraSpeakersPerVoice)" }
    }
    foreach ($voice in $perVoice.Keys) { if ($voice -notin $Meta.speakers.voice) { "extra speakers of $voice, a voice the set does not have" } }
}

# The speakers of the rows in each part of a speech set's split (Train, Test: sets of speaker indexes), and how many rows
# the test mask marks otherwise than their speaker's "test" in the JSON (Disagree).
function Get-SpeakerSplit {
    param([Parameter(Mandatory)] [int[]] $Speaker, [Parameter(Mandatory)] [bool[]] $Test, [Parameter(Mandatory)] [object[]] $Speakers)
    $train = [Collections.Generic.HashSet[int]]::new(); $held = [Collections.Generic.HashSet[int]]::new(); $disagree = 0
    for ($i = 0; $i -lt $Speaker.Length; $i++) {
        $null = if ($Test[$i]) { $held.Add($Speaker[$i]) } else { $train.Add($Speaker[$i]) }
        if ($Test[$i] -ne $Speakers[$Speaker[$i]].test) { $disagree++ }
    }
    [pscustomobject]@{ Train = $train; Test = $held; Disagree = $disagree }
}
