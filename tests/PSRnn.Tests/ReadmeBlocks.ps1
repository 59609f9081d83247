# Dot-sourced by ReadmeBlocks.Tests.ps1 (at discovery and at run time): the README's fenced blocks.

# Every ```powershell block of a markdown file: its number, the heading it stands under (with a bold lead-in such as
# **Your first model** when one starts the paragraph before), the line its code starts on, the code, and whether the
# line before its fence is <!-- readme-test: skip -->.
function Get-ReadmeBlock {
    param([string] $Path)
    $lines = Get-Content -LiteralPath $Path
    $heading = ''; $lead = ''; $previous = ''; $number = 0
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^```(\S*)') {
            # A fence: read to its end; blocks of other languages (sh) are passed over, and a # inside is no heading.
            $language = $Matches[1]; $start = $i + 2; $code = [Collections.Generic.List[string]]::new()
            for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^```'; $i++) { $code.Add($lines[$i]) }
            if ($language -eq 'powershell') {
                $number++
                @{ Number = $number; Title = $(if ($lead) { "${heading}: $lead" } else { $heading }); Line = $start
                    Code = $code -join "`n"; Skip = $previous -eq '<!-- readme-test: skip -->' }
            }
            $previous = ''
            continue
        }
        if ($line -match '^#{1,6}\s+(.+)$') { $heading = $Matches[1]; $lead = '' }
        elseif ($line -match '^\*\*([^*]+)\*\*') { $lead = $Matches[1].TrimEnd('.', ':', ' ') }
        if ($line.Trim()) { $previous = $line.Trim() }
    }
}
