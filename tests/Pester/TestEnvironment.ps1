# Dot-sourced by every *.Tests.ps1: where the real test data is, and a fresh folder per test file.
$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
# The face-api demo photos (real faces), fetched from npm by the build.
$script:DemoPhotos = Join-Path $RepositoryRoot 'obj' 'models' 'npm' 'node_modules' '@vladmandic' 'face-api' 'demo'
# The pwsh running the tests, for tests that need a fresh process.
$script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function New-TestFolder([string] $Name) {
    $folder = Join-Path ([IO.Path]::GetTempPath()) "facecluster-pester-$Name-$([Guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Path $folder | Out-Null
    $folder
}

# Runs a script in a fresh pwsh (no profile) and returns its exit code and output; $Environment adds variables.
function Invoke-FreshPwsh([string] $Script, [hashtable] $Environment = @{}) {
    $start = [Diagnostics.ProcessStartInfo]::new($script:Pwsh)
    foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $Script) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.Environment['NO_COLOR'] = '1'
    $start.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
    $start.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    foreach ($key in $Environment.Keys) { $start.Environment[$key] = $Environment[$key] }
    $process = [Diagnostics.Process]::Start($start)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEnd()
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Error = $stderr }
}
