# The PowerShell Gallery story, end to end, as a user lives it: the module's nupkg (build.ps1 -Task Package) in a
# local PSResourceGet repository, Install-PSResource into a clean user module path (a temporary HOME), then a fresh
# pwsh that autoloads FaceCluster (no Import-Module), encodes a real photo, clusters and exports a dataset.
# One heavy run (a ~70 MB package): everything is checked on it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestEnvironment.ps1')
    $script:work = New-TestFolder 'gallery'
    $script:userHome = Join-Path $work 'home'
    $script:repository = Join-Path $work 'repository'
    New-Item -ItemType Directory -Path $userHome, $repository | Out-Null
    # The module folder as built (the Test task builds it first); Release packaging would rebuild it.
    $package = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $RepositoryRoot 'build.ps1') -Task Package -NoBuild -OutputDirectory $repository
    if ($LASTEXITCODE -ne 0) { throw "build.ps1 -Task Package failed: $package" }
    # A user's environment: nothing of this repository on PSModulePath, HOME (and so the CurrentUser scope) empty.
    $script:userEnvironment = @{ HOME = $userHome; PSModulePath = ''; XDG_DATA_HOME = ''; XDG_CONFIG_HOME = ''; XDG_CACHE_HOME = '' }
    $script:install = Invoke-FreshPwsh -Environment $userEnvironment -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name FaceClusterLocal -Uri '$repository' -Trusted
Find-PSResource FaceCluster -Repository FaceClusterLocal | ForEach-Object { "found `$(`$_.Name) `$(`$_.Version)" }
Install-PSResource FaceCluster -Repository FaceClusterLocal -Scope CurrentUser -TrustRepository -Quiet
(Get-Module FaceCluster -ListAvailable).ModuleBase
"@
}
AfterAll { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Install-PSResource from a local repository' {
    It 'packages the module, finds and installs it into the user''s module path' {
        Get-ChildItem -LiteralPath $repository -Filter 'FaceCluster.*.nupkg' | Should -HaveCount 1
        $install.ExitCode | Should -Be 0 -Because $install.Error
        $install.Output | Should -Match 'found FaceCluster \d+\.\d+\.\d+'
        $install.Output | Should -Match ([regex]::Escape((Join-Path $userHome '.local' 'share' 'powershell' 'Modules' 'FaceCluster')))
    }

    It 'autoloads in a fresh pwsh, encodes a real photo, clusters and exports a dataset' {
        $photo = Join-Path $DemoPhotos 'sample1.jpg'
        $dataset = Join-Path $work 'dataset'
        $run = Invoke-FreshPwsh -Environment $userEnvironment -Script @"
`$ErrorActionPreference = 'Stop'
`$faces = Get-FaceEncoding -LiteralPath '$photo' -ThrottleLimit 2
"module `$((Get-Module FaceCluster).ModuleBase)"
"faces `$(`$faces.Count)"
`$faces | Format-Table | Out-String -Width 80
`$people = `$faces | Invoke-FaceClustering
`$people | Export-FaceDataset -OutputPath '$dataset' | Out-Null
"people `$(@(`$people).Count)"
"alias `$((Get-Command Export-VideoFrames).ResolvedCommand.Name)"
"help `$((Get-Help about_FaceCluster | Out-String).Contains('THE LABELLING WORKFLOW'))"
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Output | Should -Match "module $([regex]::Escape($userHome))"
        [int]($run.Output -replace '(?s).*faces (\d+).*', '$1') | Should -BeGreaterThan 1
        $run.Output | Should -Match 'Conf'        # the module's table view for faces
        $run.Output | Should -Match 'people \d+'
        $run.Output | Should -Match 'alias Export-VideoFrame'
        $run.Output | Should -Match 'help True'
        Join-Path $dataset 'index.html' | Should -Exist
        (Get-ChildItem -LiteralPath $dataset -Directory | Where-Object Name -like 'Person_*').Count | Should -BeGreaterThan 1
    }

    It 'takes updatable help from the release assets the package step writes (Update-Help -SourcePath)' {
        $help = Join-Path $repository 'help'
        $guid = (Import-PowerShellDataFile -LiteralPath (Join-Path $RepositoryRoot 'FaceCluster.psd1')).GUID
        Join-Path $help "FaceCluster_$($guid)_HelpInfo.xml" | Should -Exist
        Join-Path $help "FaceCluster_$($guid)_en-US_HelpContent.zip" | Should -Exist
        # The installed copy loses its help; Update-Help must bring it back from the assets alone.
        $run = Invoke-FreshPwsh -Environment $userEnvironment -Script @"
`$ErrorActionPreference = 'Stop'
`$base = (Get-Module FaceCluster -ListAvailable).ModuleBase
Remove-Item -LiteralPath (Join-Path `$base 'en-US') -Recurse -Force
"before `$((Get-Help Get-FaceEncoding).Synopsis.Trim().StartsWith('Get-FaceEncoding ['))"
Update-Help -Module FaceCluster -SourcePath '$help' -UICulture en-US -Force
"after `$((Get-Help Get-FaceEncoding).Synopsis)"
# Get-Help does not search the user help folder for about topics (PowerShell issue 18397); the module ships its own.
"about `$(@(Get-ChildItem -LiteralPath `$HOME -Recurse -Force -Filter about_FaceCluster.help.txt | Where-Object FullName -like '*Help*FaceCluster*en-US*').Count)"
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Output | Should -Match 'before True'   # no help: Get-Help shows the syntax as synopsis
        $run.Output | Should -Match 'after Finds, aligns and describes every face'
        $run.Output | Should -Match 'about 1'
    }
}
