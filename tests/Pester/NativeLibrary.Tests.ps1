# Without GTK 3 (a headless server or slim container) OpenCV's native library cannot load: the first cmdlet that needs
# it must say which system library is missing and how to install it. Made real, without touching the system: an
# empty libgtk-3.so.0 first on LD_LIBRARY_PATH makes the dynamic loader reject GTK exactly as a broken install would.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestEnvironment.ps1')
    $script:work = New-TestFolder 'native'
    New-Item -ItemType File -Path (Join-Path $work 'libgtk-3.so.0') | Out-Null
}
AfterAll { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'A missing native dependency' -Skip:(-not $IsLinux) {
    It 'gives NativeLibraryMissing naming libgtk-3.so.0 and the libgtk-3-0 package at first use' {
        $photo = Join-Path $DemoPhotos 'sample1.jpg'
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module FaceCluster
Get-Command Get-FaceEncoding | Out-Null   # importing still works
try { Get-FaceEncoding -LiteralPath '$photo' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message; exit 3 }
"@
        $run = Invoke-FreshPwsh $script @{ LD_LIBRARY_PATH = $work; PSModulePath = $env:PSModulePath }
        $run.ExitCode | Should -Be 3 -Because $run.Error
        $run.Output | Should -Match 'NativeLibraryMissing,'
        $run.Output | Should -Match 'libgtk-3\.so\.0'
        $run.Output | Should -Match 'sudo apt-get install libgtk-3-0'
        $run.Output | Should -Not -Match 'TypeInitializationException'
    }
}
