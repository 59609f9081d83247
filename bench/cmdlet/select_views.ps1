<#
.SYNOPSIS
    Issue 22, point 3: what a row selection allocates. Select-RnnSample -Skip/-First/-Last and a one-block .Slice() are
    views of the source's array (no copy); -Index of the same rows copies them.
.DESCRIPTION
    A (20000, 50, 25) float32 tensor (100 MB); the bytes the process allocates during each call
    ([GC]::GetTotalAllocatedBytes), not timings. Run after `dotnet pwsh ./build.ps1 -Task Build`:

        dotnet pwsh ./bench/cmdlet/select_views.ps1
#>
Import-Module (Join-Path $PSScriptRoot '../../out/PSRnn/PSRnn.psd1')
$x = ConvertTo-RnnTensor -InputObject ([float[,,]]::new(20000, 50, 25))
$null = $x | Select-RnnSample -First 10   # warm up the cmdlet
function Measure-Allocation([scriptblock] $action) {
    $before = [GC]::GetTotalAllocatedBytes($true)
    $result = & $action
    [pscustomobject]@{ Bytes = [GC]::GetTotalAllocatedBytes($true) - $before; IsWindow = $result.IsWindow }
}
$view = Measure-Allocation { $x | Select-RnnSample -Skip 1000 -First 15000 }
$copy = Measure-Allocation { $x | Select-RnnSample -Index (1000..15999) }
$slice = Measure-Allocation { $x.Slice('1000:16000') }
"Select-RnnSample -Skip 1000 -First 15000 (75 MB of rows): {0:N0} bytes allocated, view: {1}" -f $view.Bytes, $view.IsWindow
"Select-RnnSample -Index 1000..15999 (the same rows):     {0:N0} bytes allocated, view: {1}" -f $copy.Bytes, $copy.IsWindow
".Slice('1000:16000'):                                    {0:N0} bytes allocated, view: {1}" -f $slice.Bytes, $slice.IsWindow
