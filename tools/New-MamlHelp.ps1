<#
.SYNOPSIS
    Writes PowerShell's MAML help (PSRnn.dll-Help.xml) for the module's binary cmdlets from their C# doc comments.
.DESCRIPTION
    No help generator is served on NuGet here (platyPS and XmlDoc2CmdletDoc are not), so the build makes the help
    itself: cmdlet and parameter metadata come from reflection over the built cmdlet assembly, the text from the compiler's
    XML documentation file, using XmlDoc2CmdletDoc's conventions:
      <summary><para type="synopsis">…</para><para type="description">…</para></summary>   on the cmdlet class
      <example><code>…</code><para>…</para></example>                                       on the class, two or more
      <example runnable="true">…</example>   an example that runs as written in an empty folder of a fresh session
                                             with only PSRnn imported (it makes its own small data); its help title
                                             says "(runnable)", and the help meta-test (tests/PSRnn.Tests/Module.Tests.ps1)
                                             runs it. Every cmdlet has at least one; Get-Help lists them first.
      <summary><para type="description">…</para></summary>                                   on each parameter
    build.ps1 runs this in a child process, so the module is not loaded into the build session.
.EXAMPLE
    ./tools/New-MamlHelp.ps1 -ModulePath out/PSRnn/PSRnn.psd1 -DocumentationPath out/publish/PSRnn.xml -OutputPath out/PSRnn/en-US/PSRnn.dll-Help.xml
#>
param(
    # The built module's manifest (out/PSRnn/PSRnn.psd1): imported as a user imports it, so the engine's types,
    # loaded from its Dependencies folder, resolve.
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocumentationPath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

[xml] $docs = Get-Content -LiteralPath $DocumentationPath -Raw
$members = @{}
foreach ($member in $docs.doc.members.member) { $members[$member.name] = $member }

function Get-Paras([System.Xml.XmlNode] $node, [string] $type) {
    if ($null -eq $node) { return @() }
    $paras = @($node.SelectNodes(".//para[@type='$type']"))
    @($paras | ForEach-Object { ($_.InnerText -replace '\s+', ' ').Trim() } | Where-Object { $_ })
}

$assembly = (Import-Module (Resolve-Path -LiteralPath $ModulePath).ProviderPath -PassThru).ImplementingAssembly
$common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
    [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$null = New-Item -ItemType Directory -Path (Split-Path -Parent $OutputPath) -Force
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paras([string[]] $text) {
    $writer.WriteStartElement('maml', 'description', $maml)
    foreach ($p in $text) { $writer.WriteElementString('maml', 'para', $maml, $p) }
    $writer.WriteEndElement()
}

function Get-TypeName([type] $type) {
    $inner = [Nullable]::GetUnderlyingType($type)
    if ($inner) { $type = $inner }
    if ($type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    return $type.Name
}

function Write-Parameter($property, $attribute, [string[]] $description, $instance) {
    $pipeline = @(
        if ($attribute.ValueFromPipeline) { 'true (ByValue)' }
        if ($attribute.ValueFromPipelineByPropertyName) { 'true (ByPropertyName)' }
    )
    $writer.WriteStartElement('command', 'parameter', $command)
    $writer.WriteAttributeString('required', "$($attribute.Mandatory)".ToLowerInvariant())
    $writer.WriteAttributeString('globbing', "$($null -ne ($property.GetCustomAttributes([System.Management.Automation.SupportsWildcardsAttribute], $true) | Select-Object -First 1))".ToLowerInvariant())
    $writer.WriteAttributeString('pipelineInput', $(if ($pipeline) { $pipeline -join ', ' } else { 'false' }))
    $writer.WriteAttributeString('position', $(if ($attribute.Position -ge 0) { "$($attribute.Position)" } else { 'named' }))
    $aliases = @($property.GetCustomAttributes([System.Management.Automation.AliasAttribute], $true) | ForEach-Object AliasNames)
    $writer.WriteAttributeString('aliases', $(if ($aliases) { $aliases -join ', ' } else { 'none' }))
    $writer.WriteElementString('maml', 'name', $maml, $property.Name)
    Write-Paras $description
    # A switch takes no value: Get-Help shows it as [-Name], not [-Name <SwitchParameter>].
    if ($property.PropertyType -ne [System.Management.Automation.SwitchParameter]) {
        $writer.WriteStartElement('command', 'parameterValue', $command)
        $writer.WriteAttributeString('required', 'true')
        $writer.WriteString((Get-TypeName $property.PropertyType))
        $writer.WriteEndElement()
    }
    $writer.WriteStartElement('dev', 'type', $dev)
    $writer.WriteElementString('maml', 'name', $maml, $property.PropertyType.FullName)
    $writer.WriteEndElement()
    # The default is the value a fresh cmdlet object holds (a property initializer); none for mandatory parameters,
    # null, '' and off switches.
    $default = $property.GetValue($instance)
    if ($default -is [System.Management.Automation.SwitchParameter]) { $default = if ($default.IsPresent) { 'True' } else { $null } }
    if (-not $attribute.Mandatory -and $null -ne $default -and "$default" -ne '' -and -not ($default -is [array] -and $default.Count -eq 0)) {
        $writer.WriteElementString('dev', 'defaultValue', $dev, "$($default -join ', ')")
    }
    $writer.WriteEndElement()
}

$writer.WriteStartElement('helpItems', 'http://msh')
$writer.WriteAttributeString('schema', 'maml')
$cmdlets = $assembly.GetExportedTypes() | Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } | Sort-Object Name
foreach ($type in $cmdlets) {
    $cmdlet = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
    $instance = [Activator]::CreateInstance($type)
    $doc = $members["T:$($type.FullName)"]
    if ($null -eq $doc) { throw "$($type.FullName) has no doc comment: every cmdlet needs a synopsis, a description and an example." }
    $synopsis = Get-Paras $doc 'synopsis'
    $description = Get-Paras $doc 'description'
    # Runnable examples first, so the first example a reader meets works as written; otherwise the source's order.
    $all = @($doc.SelectNodes('example'))
    $examples = @($all | Where-Object { $_.GetAttribute('runnable') -eq 'true' }) + @($all | Where-Object { $_.GetAttribute('runnable') -ne 'true' })
    if (-not $synopsis -or -not $description -or $examples.Count -lt 2 -or -not ($examples | Where-Object { $_.GetAttribute('runnable') -eq 'true' })) {
        throw "$($type.FullName) needs a synopsis, a description, two examples and one of them runnable=""true"" in its doc comment."
    }

    # Base-class parameters (the model, the data) first, then the cmdlet's own, each in declaration order.
    $depth = { $d = 0; for ($t = $_.DeclaringType; $t; $t = $t.BaseType) { $d++ }; $d }
    $parameters = foreach ($property in $type.GetProperties() | Sort-Object $depth, MetadataToken) {
        $attributes = @($property.GetCustomAttributes([System.Management.Automation.ParameterAttribute], $true))
        # A hidden parameter (DontShow: the one that catches a value after a switch) is not part of the help.
        if ($attributes.Count -eq 0 -or $property.Name -in $common -or ($attributes | Where-Object DontShow)) { continue }
        $text = Get-Paras $members["P:$($property.DeclaringType.FullName).$($property.Name)"] 'description'
        if (-not $text) { throw "Parameter -$($property.Name) of $($type.FullName) has no description." }
        [pscustomobject]@{ Property = $property; Attributes = $attributes; Description = $text }
    }

    $writer.WriteStartElement('command', 'command', $command)
    $writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $writer.WriteStartElement('command', 'details', $command)
    $writer.WriteElementString('command', 'name', $command, "$($cmdlet.VerbName)-$($cmdlet.NounName)")
    $writer.WriteElementString('command', 'verb', $command, $cmdlet.VerbName)
    $writer.WriteElementString('command', 'noun', $command, $cmdlet.NounName)
    Write-Paras $synopsis
    $writer.WriteEndElement()
    Write-Paras $description

    # One syntax item a parameter set, as Get-Help prints them.
    $sets = @($parameters.Attributes.ParameterSetName | Sort-Object -Unique | Where-Object { $_ -ne '__AllParameterSets' })
    if (-not $sets) { $sets = @('__AllParameterSets') }
    $writer.WriteStartElement('command', 'syntax', $command)
    foreach ($set in $sets) {
        $writer.WriteStartElement('command', 'syntaxItem', $command)
        $writer.WriteElementString('maml', 'name', $maml, "$($cmdlet.VerbName)-$($cmdlet.NounName)")
        foreach ($p in $parameters) {
            $attribute = $p.Attributes | Where-Object { $_.ParameterSetName -in $set, '__AllParameterSets' } | Select-Object -First 1
            if ($attribute) { Write-Parameter $p.Property $attribute $p.Description $instance }
        }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'parameters', $command)
    foreach ($p in $parameters) { Write-Parameter $p.Property $p.Attributes[0] $p.Description $instance }
    $writer.WriteEndElement()

    $outputs = $type.GetCustomAttributes([System.Management.Automation.OutputTypeAttribute], $false).Type
    $writer.WriteStartElement('command', 'returnValues', $command)
    foreach ($output in $outputs) {
        $writer.WriteStartElement('command', 'returnValue', $command)
        $writer.WriteStartElement('dev', 'type', $dev)
        $writer.WriteElementString('maml', 'name', $maml, $output.Name)
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'examples', $command)
    $number = 0
    foreach ($example in $examples) {
        $number++
        $writer.WriteStartElement('command', 'example', $command)
        $runnable = if ($example.GetAttribute('runnable') -eq 'true') { ' (runnable)' } else { '' }
        $writer.WriteElementString('maml', 'title', $maml, "-------------------------- Example $number$runnable --------------------------")
        # Drop the doc comment's common indentation, keep the example's own.
        $lines = @($example.SelectSingleNode('code').InnerText -split '\r?\n' | ForEach-Object TrimEnd | Where-Object { $_ -ne '' })
        $indent = ($lines | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
        $writer.WriteElementString('dev', 'code', $dev, (($lines | ForEach-Object { $_.Substring($indent) }) -join "`n"))
        $writer.WriteStartElement('dev', 'remarks', $dev)
        foreach ($para in $example.SelectNodes('para')) { $writer.WriteElementString('maml', 'para', $maml, ($para.InnerText -replace '\s+', ' ').Trim()) }
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}
$writer.WriteEndElement()
$writer.Dispose()
Write-Host "Help for $(@($cmdlets).Count) cmdlets written to $OutputPath"
