# Help completeness for every cmdlet and parameter, as Get-Help shows it in real pwsh.
BeforeDiscovery {
    Import-Module FaceCluster
    $script:cmdlets = (Get-Command -Module FaceCluster -CommandType Cmdlet).Name | ForEach-Object { @{ Name = $_ } }
    $script:writers = (Get-Command -Module FaceCluster -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('WhatIf') }).Name | ForEach-Object { @{ Name = $_ } }
}
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestEnvironment.ps1')
    Import-Module FaceCluster
    $script:common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name
}

Describe 'Help of <Name>' -ForEach $cmdlets {
    BeforeAll { $script:help = Get-Help $Name -Full }

    It 'has a synopsis, a description and examples' {
        # A missing synopsis shows as the syntax line ("Name [-Path] <String[]> ...").
        $help.Synopsis | Should -Not -Match "^$([regex]::Escape($Name))\s*\["
        $help.Synopsis | Should -Not -BeNullOrEmpty
        ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 1
    }

    It 'describes every parameter, with its aliases and default' {
        $command = Get-Command $Name
        foreach ($parameter in $command.Parameters.Values | Where-Object Name -notin $common) {
            $entry = $help.parameters.parameter | Where-Object name -eq $parameter.Name
            $entry | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) of $Name needs help"
            ($entry.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) of $Name needs a description"
            $entry.defaultValue | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) of $Name shows its default"
            if ($parameter.Aliases.Count) { $entry.aliases | Should -Be ($parameter.Aliases -join ', ') }
        }
    }

    It 'opens its online page, docs/cmdlets/<Name>.md in the repository' {
        $uri = (Get-Command $Name).HelpUri
        $uri | Should -BeLike "https://*/docs/cmdlets/$Name.md"
        Join-Path $RepositoryRoot 'docs' 'cmdlets' "$Name.md" | Should -Exist
        # Get-Help -Online opens the first related link that is a URI.
        @($help.relatedLinks.navigationLink)[0].uri | Should -Be $uri
    }

    It 'links related cmdlets and about_FaceCluster' {
        $links = $help.relatedLinks.navigationLink.linkText
        $links | Should -Contain 'about_FaceCluster'
        @($links).Count | Should -BeGreaterOrEqual 2
    }
}

Describe 'Writers' {
    It '<Name> shows -WhatIf and -Confirm in its syntax' -ForEach $writers {
        $syntax = (Get-Help $Name).syntax | Out-String -Width 400
        $syntax | Should -Match '\[-WhatIf\]'
        $syntax | Should -Match '\[-Confirm\]'
    }
}

Describe 'Generated help' {
    It 'ships and publishes exactly what tools/New-ModuleHelp.ps1 writes from the help source' {
        $work = New-TestFolder 'help'
        try {
            & (Join-Path $RepositoryRoot 'tools' 'New-ModuleHelp.ps1') -Destination (Join-Path $work 'en-US' 'FaceCluster.PowerShell.dll-Help.xml') -MarkdownDestination (Join-Path $work 'cmdlets') | Out-Null
            $shipped = Join-Path (Get-Module FaceCluster).ModuleBase 'en-US' 'FaceCluster.PowerShell.dll-Help.xml'
            Get-Content -LiteralPath (Join-Path $work 'en-US' 'FaceCluster.PowerShell.dll-Help.xml') -Raw |
                Should -BeExactly (Get-Content -LiteralPath $shipped -Raw) -Because 'the MAML is stale: run tools/New-ModuleHelp.ps1 after a build'
            $published = Join-Path $RepositoryRoot 'docs' 'cmdlets'
            (Get-ChildItem -LiteralPath (Join-Path $work 'cmdlets')).Name | Should -Be (Get-ChildItem -LiteralPath $published).Name
            foreach ($page in Get-ChildItem -LiteralPath (Join-Path $work 'cmdlets')) {
                Get-Content -LiteralPath $page.FullName -Raw | Should -BeExactly (Get-Content -LiteralPath (Join-Path $published $page.Name) -Raw) -Because "docs/cmdlets/$($page.Name) is stale: run tools/New-ModuleHelp.ps1"
            }
        }
        finally { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'about_FaceCluster' {
    It 'ships in the module and walks the labelling workflow' {
        Join-Path (Get-Module FaceCluster).ModuleBase 'en-US' 'about_FaceCluster.help.txt' | Should -Exist
        $text = Get-Help about_FaceCluster | Out-String
        foreach ($step in 'Rename-FaceCluster', 'Merge-FaceCluster', 'Import-FaceDataset', 'Find-FaceCluster', 'index.html', 'libgtk-3-0', 'Merge-FaceEncoding') {
            $text | Should -Match ([regex]::Escape($step))
        }
    }
}
