<#
.SYNOPSIS
    Classifying log lines as error, warning or info from their raw text: a vocabulary, an Embedding with mask_zero and a GRU.
.DESCRIPTION
    Generates a seeded corpus of syslog-style lines from a few sources (sshd, kernel, nginx, postgres, cron, backup) —
    timestamps, hosts, users, paths, numbers and punctuation varying line to line, the level word present on only some
    lines — and labels each error, warning or info. New-RnnVocabulary builds the vocabulary from the training lines
    (Keras TextVectorization: lowercase, punctuation stripped, split on whitespace, at most 400 tokens), and
    ConvertTo-RnnTokenId makes each line 16 token ids padded with 0. The network is Embedding(mask_zero) -> GRU(24) ->
    Dense(3, softmax). It prints the held-out accuracy, saves the model with its vocabulary and class names
    (Set-RnnVocabulary), loads the file back and classifies raw strings with Invoke-RnnPrediction -Text.
    Run it after a build with: dotnet pwsh ./examples/log-lines.ps1   (-Quick for a smoke run of a few seconds)
#>
[CmdletBinding()]
param(
    # Lines to generate (a fifth are held out).
    [ValidateRange(100, 100000)] [int] $Count = 2000,
    # Training epochs.
    [ValidateRange(1, 1000)] [int] $Epochs = 6,
    # Where the model is saved (a temporary file by default).
    [string] $ModelPath,
    # A smoke run: fewer lines and epochs.
    [switch] $Quick,
    [int] $Seed = 22
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
if ($Quick) { $Count = 600; $Epochs = 4 }
$watch = [Diagnostics.Stopwatch]::StartNew()

# 1. The corpus: templates per level, filled at random. {n} a number, {h} a host, {u} a user, {p} a path.
$random = [Random]::new($Seed)
function Pick([object[]] $from) { $from[$random.Next($from.Count)] }
$templates = @{
    error   = @('kernel: disk full on {p}', 'postgres[{n}]: FATAL: connection refused by {h}:5432', 'kernel: Out of memory: killed process {n}',
                'nginx: upstream {h} timed out, request failed', 'backup: job {n} failed: no space left on {p}', 'sshd[{n}]: fatal: cannot bind port 22',
                'cron[{n}]: job crashed with exit code {n}', 'kernel: I/O error on {p}, sector {n}')
    warning = @('kernel: disk usage at {n}% on {p}', 'nginx: slow response from {h} ({n} ms)', 'postgres[{n}]: WARNING: too many connections for {u}',
                'sshd[{n}]: failed password for {u} from {h}', 'backup: job {n} retrying (attempt {n})', 'cron[{n}]: job took {n} s, longer than expected',
                'kernel: CPU temperature high, throttling', 'nginx: certificate for {h} expires in {n} days')
    info    = @('sshd[{n}]: accepted publickey for {u} from {h}', 'backup: job {n} completed in {n} s', 'nginx: GET {p} 200 {n} bytes',
                'cron[{n}]: job started by {u}', 'postgres[{n}]: checkpoint complete, {n} buffers written', 'kernel: eth0 link up, {n} Mbps',
                'sshd[{n}]: session opened for {u}', 'backup: {n} files copied to {p}')
}
$prefix = @{ error = 'ERROR', 'error:', 'E'; warning = 'WARN', 'warning:', 'W'; info = 'INFO', 'info:', 'I' }
$classes = 'error', 'warning', 'info'
function New-LogLine([string] $level) {
    $text = (Pick $templates[$level]) -replace '\{n\}', { $random.Next(1, 9999) } -replace '\{h\}', { 'db-{0}.{1}' -f $random.Next(1, 9), (Pick 'lan', 'prod', 'eu') } `
        -replace '\{u\}', { Pick 'alice', 'bob', 'carol', 'deploy', 'root' } -replace '\{p\}', { Pick '/dev/sda1', '/dev/sdb2', '/var/log', '/srv/data', '/api/v1/items' }
    # The level word is on a third of the lines only; the model must read the message.
    $level = if ($random.NextDouble() -lt 0.33) { (Pick $prefix[$level]) + ' ' } else { '' }
    '2026-12-{0:00}T{1:00}:{2:00}:{3:00}Z {4}{5}' -f $random.Next(1, 29), $random.Next(24), $random.Next(60), $random.Next(60), $level, $text
}
$labels = [int[]]::new($Count)
$lines = [string[]]::new($Count)
for ($i = 0; $i -lt $Count; $i++) { $labels[$i] = $random.Next(3); $lines[$i] = New-LogLine $classes[$labels[$i]] }
Write-Host ("{0:N0} log lines, for example:" -f $Count)
$lines[0..2] | ForEach-Object { Write-Host "    $_" }

# 2. Vocabulary from the training part, token ids for all, a held-out fifth.
$train = [int] ($Count * 0.8)
$vocabulary = $lines[0..($train - 1)] | New-RnnVocabulary -MaxTokens 400
Write-Host ("Vocabulary of {0} tokens (with '' and '[UNK]'): {1} …" -f $vocabulary.Count, ($vocabulary.Tokens[2..9] -join ', '))
$ids = ConvertTo-RnnTokenId -InputObject $lines -Vocabulary $vocabulary -SequenceLength 16
$y = ConvertTo-RnnTensor $labels
$xTrain = $ids | Select-RnnSample -First $train
$yTrain = $y | Select-RnnSample -First $train
$xTest = $ids | Select-RnnSample -Skip $train
$yTest = $y | Select-RnnSample -Skip $train

# 3. Embedding(mask_zero) -> GRU -> softmax, with the vocabulary and class names kept in the model.
$model = New-RnnModel -InputShape 16 -Seed $Seed -Name log-lines | Add-EmbeddingLayer $vocabulary.Count 16 -MaskZero | Add-GruLayer 24 |
    Add-DenseLayer 3 -Activation softmax | Set-RnnVocabulary -Vocabulary $vocabulary -ClassNames $classes -PassThru
$model | Invoke-RnnTraining -X $xTrain -Y $yTrain -Epochs $Epochs -BatchSize 32 -LearningRate 0.01 -Seed $Seed | Out-Null
$accuracy = ($model | Measure-RnnModel -X $xTest -Y $yTest).Accuracy
Write-Host ("Held-out accuracy: {0:P1} on {1} lines" -f $accuracy, ($Count - $train))

# 4. Saved with its vocabulary; the loaded file classifies raw strings.
if (-not $ModelPath) { $ModelPath = Join-Path ([IO.Path]::GetTempPath()) "log-lines-$PID.safetensors" }
$model | Export-RnnModel $ModelPath -Force
$loaded = Import-RnnModel $ModelPath
Write-Host "Saved to $ModelPath; the loaded model reads raw lines:"
$new = 'disk full on /dev/sda1', 'nginx: slow response from web-7 (2300 ms)', 'sshd[77]: accepted publickey for dave from 10.0.0.9', 'Kernel: CPU temperature high!'
Invoke-RnnPrediction -Model $loaded -Text $new | Format-Table Class, @{ n = 'Probability'; e = { '{0:0.000}' -f $_.Probability } }, Text -AutoSize | Out-String | Write-Host
Write-Host ("done in {0:N1} s" -f $watch.Elapsed.TotalSeconds)
