# Dot-sourced by Reliability.Tests.ps1 (short runs) and tools/Invoke-Reliability.ps1 (long runs): probes that run PSRnn
# in child processes and kill them, so that a real SIGKILL/TerminateProcess lands in the middle of a write.

# Starts the same PowerShell as this one on a script file, with extra environment variables (and in another folder if
# given); stdout is redirected.
function Start-PwshChild {
    param([string] $ScriptPath, [string[]] $Arguments, [hashtable] $Environment = @{}, [string] $WorkingDirectory)
    $hostPath = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $info = [System.Diagnostics.ProcessStartInfo]::new($hostPath)
    if ($WorkingDirectory) { $info.WorkingDirectory = $WorkingDirectory }
    if ([IO.Path]::GetFileNameWithoutExtension($hostPath) -ne 'pwsh') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $Arguments) { $info.ArgumentList.Add($a) }
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = $Environment[$key] }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($info)
}

# The child of the kill probe: writes the target over and over, alternating two versions, until it is killed.
$script:KillChildScript = @'
param($ModulePath, $Kind, $Target, $A, $B)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
switch ($Kind) {
    'Model' {
        $versions = (Import-RnnModel -LiteralPath $A), (Import-RnnModel -LiteralPath $B)
        [Console]::Out.WriteLine('ready')
        for ($i = 1; ; $i++) { $versions[$i % 2] | Export-RnnModel -LiteralPath $Target -Force }
    }
    'Npy' {
        $versions = (Import-NpyData -LiteralPath $A), (Import-NpyData -LiteralPath $B)
        [Console]::Out.WriteLine('ready')
        for ($i = 1; ; $i++) { Export-NpyData -LiteralPath $Target -InputObject $versions[$i % 2] -Force }
    }
    'Checkpoint' {
        # A large model on a few short samples: each epoch is quick and its checkpoint (weights and Adam slots) large,
        # so most of the child's time goes to writing checkpoints.
        $x = ConvertTo-RnnTensor -InputObject ([float[]]::new(4 * 2 * 8)) -Shape 4, 2, 8
        $y = ConvertTo-RnnTensor -InputObject ([long[]](0, 1, 0, 1))
        $model = New-RnnModel -InputShape 2, 8 -Seed 5 -Name ckpt | Add-LstmLayer 192 | Add-DenseLayer 2 -Activation softmax
        [Console]::Out.WriteLine('ready')
        # -Quiet: a line an epoch would fill the redirected stdout nobody reads after 'ready', and block the writer.
        $model | Invoke-RnnTraining -X $x -Y $y -Epochs 1000000 -BatchSize 4 -CheckpointPath $Target -Quiet | Out-Null
    }
}
'@

# Kills a writing child after a random delay, $Times times, and checks the target each time. Returns one record a kill:
# what the target read as afterwards ('A', 'B', or for checkpoints the epochs it holds), whether the kill left a
# temporary file (it landed inside a write), and whether the next write removed that leftover.
function Invoke-KillDuringWrite {
    param(
        [Parameter(Mandatory)] [ValidateSet('Model', 'Npy', 'Checkpoint')] [string] $Kind,
        [Parameter(Mandatory)] [string] $Folder,
        [Parameter(Mandatory)] [string] $ModulePath,
        [int] $Times = 5,
        [int] $MaxDelayMilliseconds = 700,
        [int] $Seed = 1
    )
    $random = [Random]::new($Seed)
    $script = Join-Path $Folder 'kill-child.ps1'
    Set-Content -LiteralPath $script -Value $script:KillChildScript
    $a = $b = $null
    switch ($Kind) {
        'Model' {
            # Two versions of a ~1 MB model file: same architecture, different weights.
            $a = Join-Path $Folder 'a.safetensors'; $b = Join-Path $Folder 'b.safetensors'
            foreach ($pair in @(@($a, 1), @($b, 2))) {
                New-RnnModel -InputShape 10, 13 -Seed $pair[1] | Add-LstmLayer 192 | Add-DenseLayer 10 -Activation softmax |
                    Export-RnnModel -LiteralPath $pair[0] -Force
                # As the child writes it: exported from the imported file.
                Import-RnnModel -LiteralPath $pair[0] | Export-RnnModel -LiteralPath $pair[0] -Force
            }
            $target = Join-Path $Folder 'model.safetensors'
        }
        'Npy' {
            # Two versions of a 4 MB array.
            $a = Join-Path $Folder 'a.npy'; $b = Join-Path $Folder 'b.npy'
            Export-NpyData -LiteralPath $a -InputObject (ConvertTo-RnnTensor -InputObject ([float[]]::new(1MB)) -Shape 1024, 1024) -Force
            $ones = [float[]]::new(1MB); [Array]::Fill($ones, [float] 1)
            Export-NpyData -LiteralPath $b -InputObject (ConvertTo-RnnTensor -InputObject $ones -Shape 1024, 1024) -Force
            $target = Join-Path $Folder 'data.npy'
        }
        'Checkpoint' {
            $target = Join-Path $Folder 'ckpt'
            $null = New-Item -ItemType Directory -Path $target -Force
        }
    }
    $versions = if ($a) { @{ A = [IO.File]::ReadAllBytes($a); B = [IO.File]::ReadAllBytes($b) } } else { $null }
    if ($versions) { Copy-Item -LiteralPath $a -Destination $target -Force }
    $file = if ($Kind -eq 'Checkpoint') { Join-Path $target 'ckpt.last.safetensors' } else { $target }
    $tempFolder = Split-Path $file
    $tempFilter = ".$(Split-Path $file -Leaf).*.tmp"

    for ($k = 0; $k -lt $Times; $k++) {
        $child = Start-PwshChild $script @($ModulePath, $Kind, $target, $a, $b)
        try {
            $line = $child.StandardOutput.ReadLine()
            if ($line -ne 'ready') { throw "The writing child did not start: $line $($child.StandardError.ReadToEnd())" }
            if ($Kind -eq 'Checkpoint') {
                # Until the first checkpoint exists: a kill before it proves nothing about checkpoints.
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while (-not (Test-Path -LiteralPath $file) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
            }
            Start-Sleep -Milliseconds ($random.Next(0, $MaxDelayMilliseconds))
            if ($child.HasExited) { throw "The writing child stopped by itself: $($child.StandardError.ReadToEnd())" }
        }
        finally {
            $child.Kill()   # SIGKILL on Linux and macOS, TerminateProcess on Windows: nothing runs after it
            $child.WaitForExit()
            $child.Dispose()
        }

        $leftover = @(Get-ChildItem -LiteralPath $tempFolder -Force -Filter $tempFilter).Count -gt 0
        $bytes = [IO.File]::ReadAllBytes($file)
        $content = if ($versions) {
            if ([Linq.Enumerable]::SequenceEqual($bytes, $versions.A)) { 'A' }
            elseif ([Linq.Enumerable]::SequenceEqual($bytes, $versions.B)) { 'B' }
            else { 'neither' }
        }
        else {
            try { "epochs $((Import-RnnModel -LiteralPath $file).History.Count)" } catch { "unreadable: $($_.FullyQualifiedErrorId)" }
        }

        # The next write of the same target (here: this process, which the killed child is not) removes the leftover.
        # For checkpoints that write is the killed run resumed from its last checkpoint, until it writes the next one.
        if ($Kind -eq 'Checkpoint') { $content += Resume-Checkpoint -File $file -Folder $target -ModulePath $ModulePath }
        elseif ($Kind -eq 'Model') { Import-RnnModel -LiteralPath $a | Export-RnnModel -LiteralPath $target -Force }
        else { Import-NpyData -LiteralPath $a | Export-NpyData -LiteralPath $target -Force }
        $cleaned = @(Get-ChildItem -LiteralPath $tempFolder -Force -Filter $tempFilter).Count -eq 0
        [pscustomobject]@{ Kind = $Kind; Kill = $k + 1; Content = $content; LeftTempFile = $leftover; TempFileRemoved = $cleaned }
    }
}

# Resumes the checkpoint child's run from its last checkpoint in a runspace of this process and stops it once it has
# written the next checkpoint. Returns ', resumed' or what went wrong.
function Resume-Checkpoint {
    param([string] $File, [string] $Folder, [string] $ModulePath)
    $done = (Import-RnnModel -LiteralPath $File).History.Count
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddScript({
                param($ModulePath, $File, $Folder)
                Import-Module $ModulePath
                $x = ConvertTo-RnnTensor -InputObject ([float[]]::new(4 * 2 * 8)) -Shape 4, 2, 8
                $y = ConvertTo-RnnTensor -InputObject ([long[]](0, 1, 0, 1))
                Invoke-RnnTraining -X $x -Y $y -ResumeFrom $File -CheckpointPath $Folder -Quiet | Out-Null
            }).AddArgument($ModulePath).AddArgument($File).AddArgument($Folder)
        $null = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ((Import-RnnModel -LiteralPath $File).History.Count -le $done -and $ps.InvocationStateInfo.State -eq 'Running' -and
            [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $ps.Stop()
        if ((Import-RnnModel -LiteralPath $File).History.Count -gt $done) { ', resumed' } else { ", not resumed: $($ps.Streams.Error)" }
    }
    finally { $ps.Dispose() }
}

# Trains the determinism probe's model in a fresh process (optionally with a narrower instruction set) and returns its
# weights, each as its IEEE bits, and the final loss.
$script:TrainChildScript = @'
param($ModulePath, $Out, $Epochs)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$random = [Random]::new(3)
$x = [float[]]::new(64 * 15 * 4); for ($i = 0; $i -lt $x.Length; $i++) { $x[$i] = $random.NextDouble() * 2 - 1 }
$labels = [long[]]::new(64); for ($n = 0; $n -lt 64; $n++) { $labels[$n] = [long]($x[$n * 60] -gt 0) }
$model = New-RnnModel -InputShape 15, 4 -Seed 9 | Add-GruLayer 20 -ReturnSequences | Add-LstmLayer 20 | Add-DenseLayer 2 -Activation softmax
$model | Invoke-RnnTraining -X (ConvertTo-RnnTensor -InputObject $x -Shape 64, 15, 4) -Y (ConvertTo-RnnTensor -InputObject $labels) `
    -Epochs $Epochs -BatchSize 16 | Out-Null
$model | Export-RnnModel -LiteralPath $Out -Force
'@

function Invoke-TrainingInChild {
    param([string] $Folder, [string] $ModulePath, [string] $Name, [hashtable] $Environment = @{}, [int] $Epochs = 3)
    $script = Join-Path $Folder 'train-child.ps1'
    Set-Content -LiteralPath $script -Value $script:TrainChildScript
    $out = Join-Path $Folder "$Name.safetensors"
    $child = Start-PwshChild $script @($ModulePath, $out, "$Epochs") $Environment
    $errors = $child.StandardError.ReadToEndAsync()
    $null = $child.StandardOutput.ReadToEnd()
    $child.WaitForExit()
    if ($child.ExitCode -ne 0) { throw "Training in a child process failed: $($errors.Result)" }
    $model = Import-RnnModel -LiteralPath $out
    [pscustomobject]@{
        Name    = $Name
        Weights = [float[]] @(Get-RnnLayerWeight -Model $model | ForEach-Object { $_.Data })
        Loss    = $model.History[-1].Loss
    }
}
