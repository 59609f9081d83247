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
