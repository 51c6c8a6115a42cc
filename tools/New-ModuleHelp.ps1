<#
.SYNOPSIS
    Writes the module's MAML help (en-US/FaceCluster.PowerShell.dll-Help.xml) from the cmdlets' own metadata
    and the prose in src/FaceCluster.PowerShell/Help/CmdletHelp.psd1.
.DESCRIPTION
    Syntax, parameter types, positions and pipeline input come from Get-Command, so they cannot drift from the code;
    synopsis, descriptions and examples come from the psd1. Parameter aliases and default values come from the cmdlet
    class itself (a fresh instance's property values), related links from the cmdlets each help text names.
    Run after a build, in a fresh pwsh (it imports artifacts/FaceCluster):
        dotnet pwsh ./tools/New-ModuleHelp.ps1
    A test fails when a cmdlet or parameter lacks prose, or when docs/cmdlets differs from what this script writes, so
    regenerate and commit after changing a cmdlet.
#>
[CmdletBinding()]
param(
    [string] $Source = [IO.Path]::Combine($PSScriptRoot, '..', 'src', 'FaceCluster.PowerShell', 'Help', 'CmdletHelp.psd1'),
    [string] $Destination = [IO.Path]::Combine($PSScriptRoot, '..', 'src', 'FaceCluster.PowerShell', 'en-US', 'FaceCluster.PowerShell.dll-Help.xml'),
    # The online pages (each cmdlet's HelpUri): Markdown from the same prose and metadata as the MAML.
    [string] $MarkdownDestination = [IO.Path]::Combine($PSScriptRoot, '..', 'docs', 'cmdlets'),
    [string] $AboutSource = [IO.Path]::Combine($PSScriptRoot, '..', 'src', 'FaceCluster.PowerShell', 'en-US', 'about_FaceCluster.help.txt')
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module FaceCluster)) { Import-Module ([IO.Path]::Combine($PSScriptRoot, '..', 'artifacts', 'FaceCluster', 'FaceCluster.psd1')) }
$prose = & ([scriptblock]::Create([IO.File]::ReadAllText($Source)))
# -WhatIf and -Confirm stay in the syntax of the writers (pwsh's own help shows them); the other common ones do not.
$common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name
$shouldProcess = @{
    WhatIf  = 'Shows what the cmdlet would write, move or remove, one line per file, and changes nothing.'
    Confirm = 'Asks for confirmation before the cmdlet changes anything.'
}
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$temporary = "$Destination.tmp"
[IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($Destination)) | Out-Null
$xml = [System.Xml.XmlWriter]::Create($temporary, $settings)

function Write-Paragraphs([string] $text) {
    foreach ($paragraph in ($text.Trim() -split "\r?\n\s*\r?\n")) {
        $xml.WriteElementString('para', $maml, ($paragraph -replace '\s*\r?\n\s*', ' ').Trim())
    }
}

function Write-Parameter($parameter, $help, [bool] $inSyntax, $cmdlet) {
    $cmdletName = $cmdlet.Name
    $description = $help.Parameters[$parameter.Name] ?? $shouldProcess[$parameter.Name]
    if (-not $description) { throw "$cmdletName -$($parameter.Name) has no description in $Source." }
    $pipeline = @()
    if ($parameter.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($parameter.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $xml.WriteStartElement('command', 'parameter', $command)
    $xml.WriteAttributeString('required', $parameter.IsMandatory.ToString().ToLowerInvariant())
    $xml.WriteAttributeString('globbing', ($parameter.Name -eq 'Path').ToString().ToLowerInvariant())
    $xml.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $xml.WriteAttributeString('position', $(if ($parameter.Position -ge 0) { [string]$parameter.Position } else { 'named' }))
    $xml.WriteAttributeString('aliases', $(if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }))
    $xml.WriteElementString('name', $maml, $parameter.Name)
    $xml.WriteStartElement('description', $maml); Write-Paragraphs $description; $xml.WriteEndElement()
    $type = $parameter.ParameterType
    if ([Nullable]::GetUnderlyingType($type)) { $type = [Nullable]::GetUnderlyingType($type) }
    $typeName = $type.Name
    if ($parameter.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
        $xml.WriteStartElement('command', 'parameterValue', $command)
        $xml.WriteAttributeString('required', 'true')
        $xml.WriteString($typeName)
        $xml.WriteEndElement()
    }
    $xml.WriteStartElement('dev', 'type', $dev); $xml.WriteElementString('name', $maml, $type.FullName); $xml.WriteEndElement()
    if (-not $inSyntax) { $xml.WriteElementString('defaultValue', $dev, (Get-DefaultValue $parameter $cmdlet)) }
    $xml.WriteEndElement()
}

# What a parameter is when not given: the property's value on a fresh instance of the cmdlet class.
function Get-DefaultValue($parameter, $cmdlet) {
    if ($shouldProcess.ContainsKey($parameter.Name)) { return 'False' }
    $property = $cmdlet.ImplementingType.GetProperty($parameter.Name)
    if (-not $property) { return 'None' }
    $value = $property.GetValue([Activator]::CreateInstance($cmdlet.ImplementingType))
    if ($null -eq $value -or ($value -is [string] -and $value -eq '') -or ($value -is [Array] -and $value.Count -eq 0)) { return 'None' }
    if ($value -is [System.Management.Automation.SwitchParameter]) { return [string]$value.IsPresent }
    if ($value -is [double] -or $value -is [float]) { return $value.ToString([Globalization.CultureInfo]::InvariantCulture) }
    [string]$value
}

$markdown = [ordered]@{}
$fence = '```'
function ConvertTo-MarkdownParagraphs([string] $text) {
    (($text.Trim() -split "\r?\n\s*\r?\n") | ForEach-Object { ($_ -replace '\s*\r?\n\s*', ' ').Trim() }) -join "`n`n"
}
function Get-ParameterMarkdown($parameter, $help, $cmdlet) {
    $description = $help.Parameters[$parameter.Name] ?? $shouldProcess[$parameter.Name]
    $pipeline = @()
    if ($parameter.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($parameter.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $type = $parameter.ParameterType
    if ([Nullable]::GetUnderlyingType($type)) { $type = [Nullable]::GetUnderlyingType($type) }
    $row = '| {0} | {1} | {2} | {3} | {4} | {5} |' -f $type.Name, $parameter.IsMandatory,
        $(if ($parameter.Position -ge 0) { $parameter.Position } else { 'named' }), (Get-DefaultValue $parameter $cmdlet),
        $(if ($pipeline) { $pipeline -join ', ' } else { 'False' }), $(if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' })
    "### -$($parameter.Name)`n`n$(ConvertTo-MarkdownParagraphs $description)`n`n| Type | Required | Position | Default | Pipeline input | Aliases |`n|---|---|---|---|---|---|`n$row`n"
}

$xml.WriteStartDocument()
$xml.WriteStartElement('helpItems', 'http://msh')
$xml.WriteAttributeString('schema', 'maml')
$names = [string[]]@((Get-Command -Module FaceCluster -CommandType Cmdlet).Name)
[Array]::Sort($names, [StringComparer]::Ordinal)
foreach ($cmdlet in $names.ForEach({ Get-Command -Name $_ -Module FaceCluster })) {
    $help = $prose[$cmdlet.Name]
    if (-not $help) { throw "$($cmdlet.Name) has no entry in $Source." }
    $xml.WriteStartElement('command', 'command', $command)
    $xml.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $xml.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $xml.WriteStartElement('command', 'details', $command)
    $xml.WriteElementString('name', $command, $cmdlet.Name)
    $xml.WriteElementString('verb', $command, $cmdlet.Verb)
    $xml.WriteElementString('noun', $command, $cmdlet.Noun)
    $xml.WriteStartElement('description', $maml); Write-Paragraphs $help.Synopsis; $xml.WriteEndElement()
    $xml.WriteEndElement()
    $xml.WriteStartElement('description', $maml); Write-Paragraphs $help.Description; $xml.WriteEndElement()

    $xml.WriteStartElement('command', 'syntax', $command)
    foreach ($set in $cmdlet.ParameterSets) {
        $xml.WriteStartElement('command', 'syntaxItem', $command)
        $xml.WriteElementString('name', $maml, $cmdlet.Name)
        foreach ($parameter in $set.Parameters) {
            if ($common -contains $parameter.Name) { continue }
            # Parameters marked DontShow are filled by the pipeline; pwsh hides them from the syntax too.
            if ($parameter.Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })) { continue }
            Write-Parameter $parameter $help $true $cmdlet
        }
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    $xml.WriteStartElement('command', 'parameters', $command)
    $seen = @{}
    foreach ($set in $cmdlet.ParameterSets) {
        foreach ($parameter in $set.Parameters) {
            if ($common -contains $parameter.Name -or $seen.ContainsKey($parameter.Name)) { continue }
            $seen[$parameter.Name] = $true
            Write-Parameter $parameter $help $false $cmdlet
        }
    }
    $xml.WriteEndElement()

    $xml.WriteStartElement('command', 'inputTypes', $command)
    foreach ($inputType in $help.Inputs) {
        $xml.WriteStartElement('command', 'inputType', $command)
        $xml.WriteStartElement('dev', 'type', $dev); $xml.WriteElementString('name', $maml, $inputType); $xml.WriteEndElement()
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()
    $xml.WriteStartElement('command', 'returnValues', $command)
    foreach ($outputType in $cmdlet.OutputType) {
        $xml.WriteStartElement('command', 'returnValue', $command)
        $xml.WriteStartElement('dev', 'type', $dev); $xml.WriteElementString('name', $maml, $outputType.Name); $xml.WriteEndElement()
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    $xml.WriteStartElement('command', 'examples', $command)
    $number = 0
    foreach ($example in $help.Examples) {
        $number++
        $xml.WriteStartElement('command', 'example', $command)
        $xml.WriteElementString('title', $maml, "-------------------------- Example $number --------------------------")
        $xml.WriteElementString('code', $dev, $example.Code.Trim())
        $xml.WriteStartElement('remarks', $dev); Write-Paragraphs $example.Remarks; $xml.WriteEndElement()
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()

    # Related links: the other cmdlets this help names (in order of first mention), then the workflow topic.
    $text = $help.Description + ' ' + (($help.Examples | ForEach-Object { $_.Code + ' ' + $_.Remarks }) -join ' ')
    $related = [regex]::Matches($text, '\b[A-Z][a-z]+-Face[A-Za-z]+|\bExport-VideoFrame\b').Value |
        Where-Object { $_ -ne $cmdlet.Name -and $names -contains $_ } | Select-Object -Unique
    $xml.WriteStartElement('maml', 'relatedLinks', $maml)
    # The first link with an http uri is what Get-Help -Online opens (the platyPS convention).
    $xml.WriteStartElement('maml', 'navigationLink', $maml)
    $xml.WriteElementString('linkText', $maml, 'Online Version:')
    $xml.WriteElementString('uri', $maml, $cmdlet.HelpUri)
    $xml.WriteEndElement()
    foreach ($link in @($related) + 'about_FaceCluster') {
        $xml.WriteStartElement('maml', 'navigationLink', $maml)
        $xml.WriteElementString('linkText', $maml, $link)
        $xml.WriteElementString('uri', $maml, '')
        $xml.WriteEndElement()
    }
    $xml.WriteEndElement()
    $xml.WriteEndElement()

    $page = [Text.StringBuilder]::new()
    [void]$page.Append("# $($cmdlet.Name)`n`n$(ConvertTo-MarkdownParagraphs $help.Synopsis)`n`n")
    [void]$page.Append("<!-- Written by tools/New-ModuleHelp.ps1 from the module's help source; Get-Help shows the same text. -->`n`n")
    $syntax = (Get-Command $cmdlet.Name -Syntax).Trim() -split '\r?\n' | Where-Object { $_.Trim() }
    [void]$page.Append("## Syntax`n`n$fence" + "powershell`n" + ($syntax -join "`n`n") + "`n$fence`n`n")
    [void]$page.Append("## Description`n`n$(ConvertTo-MarkdownParagraphs $help.Description)`n`n## Parameters`n`n")
    $seen = @{}
    foreach ($set in $cmdlet.ParameterSets) {
        foreach ($parameter in $set.Parameters) {
            if ($common -contains $parameter.Name -or $seen.ContainsKey($parameter.Name)) { continue }
            $seen[$parameter.Name] = $true
            [void]$page.Append((Get-ParameterMarkdown $parameter $help $cmdlet)).Append("`n")
        }
    }
    $inputs = @($help.Inputs).ForEach({ '- `' + $_ + '`' }) -join "`n"
    [void]$page.Append("## Inputs`n`n$inputs`n`n")
    $outputs = @($cmdlet.OutputType).ForEach({ '- `' + $_.Name + '`' }) -join "`n"
    [void]$page.Append("## Outputs`n`n$outputs`n`n## Examples`n`n")
    $number = 0
    foreach ($example in $help.Examples) {
        $number++
        [void]$page.Append("### Example $number`n`n$fence" + "powershell`n" + $example.Code.Trim() + "`n$fence`n`n" + (ConvertTo-MarkdownParagraphs $example.Remarks) + "`n`n")
    }
    $links = @(@($related) + 'about_FaceCluster').ForEach({ "- [$_]($_.md)" }) -join "`n"
    [void]$page.Append("## Related links`n`n$links`n")
    $markdown["$($cmdlet.Name).md"] = $page.ToString()
}
$xml.WriteEndElement()
$xml.WriteEndDocument()
$xml.Dispose()
[IO.File]::Move($temporary, $Destination, $true)
"Help written: $([IO.Path]::GetFullPath($Destination))"

$about = [IO.File]::ReadAllText($AboutSource)
$markdown['about_FaceCluster.md'] = "# about_FaceCluster`n`n<!-- Written by tools/New-ModuleHelp.ps1 from en-US/about_FaceCluster.help.txt. -->`n`n$fence" + "text`n" + $about.TrimEnd() + "`n$fence`n"
$index = "# FaceCluster cmdlets`n`n<!-- Written by tools/New-ModuleHelp.ps1. -->`n`n" +
    (($names | ForEach-Object { "- [$_]($_.md): $((ConvertTo-MarkdownParagraphs $prose[$_].Synopsis) -replace '\n+', ' ')" }) -join "`n") +
    "`n- [about_FaceCluster](about_FaceCluster.md): the labelling workflow, from footage to named people.`n"
$markdown['README.md'] = $index
[IO.Directory]::CreateDirectory($MarkdownDestination) | Out-Null
foreach ($stale in Get-ChildItem -LiteralPath $MarkdownDestination -Filter *.md | Where-Object Name -notin $markdown.Keys) { Remove-Item -LiteralPath $stale.FullName }
foreach ($entry in $markdown.GetEnumerator()) {
    $target = Join-Path $MarkdownDestination $entry.Key
    [IO.File]::WriteAllText("$target.tmp", $entry.Value, [Text.UTF8Encoding]::new($false))
    [IO.File]::Move("$target.tmp", $target, $true)
}
"Online pages written: $([IO.Path]::GetFullPath($MarkdownDestination)) ($($markdown.Count) files)"
