<#
.SYNOPSIS
  Installs NodeAgent as a Windows service (run as Administrator, from the folder holding nodeagent.exe).
.DESCRIPTION
  Copies the agent to "$env:ProgramFiles\NodeAgent", its configuration to "$env:ProgramData\NodeAgent\agent.yaml"
  (kept if present; serviceManager: windows), creates the state directory with access for SYSTEM and
  Administrators only, registers the "nodeagent" service (automatic start, restart on failure) and does not
  start it: check the catalog first, then Start-Service nodeagent.
  -Uninstall stops and removes the service and the program, keeping configuration and state; -Purge removes
  those too.
#>
param(
    [switch]$Uninstall,
    [switch]$Purge
)
$ErrorActionPreference = 'Stop'
$program = Join-Path $env:ProgramFiles 'NodeAgent'
$data = Join-Path $env:ProgramData 'NodeAgent'
$config = Join-Path $data 'agent.yaml'
$name = 'nodeagent'

if ($Uninstall -or $Purge) {
    if (Get-Service -Name $name -ErrorAction SilentlyContinue) {
        Stop-Service -Name $name -ErrorAction SilentlyContinue
        & sc.exe delete $name | Out-Null
    }
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $program
    if ($Purge) { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $data }
    Write-Output 'removed'
    return
}

New-Item -ItemType Directory -Force -Path $program, $data, (Join-Path $data 'state') | Out-Null
Copy-Item -Force (Join-Path $PSScriptRoot 'nodeagent.exe') $program
if (Test-Path (Join-Path $PSScriptRoot 'agentctl.exe')) { Copy-Item -Force (Join-Path $PSScriptRoot 'agentctl.exe') $program }
if (-not (Test-Path $config)) { Copy-Item (Join-Path $PSScriptRoot 'agent.yaml') $config }

function Invoke-Checked([string]$what, [scriptblock]$command) {
    & $command | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "$what failed with exit code $LASTEXITCODE" }
}

# State and configuration: SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) only, whatever the system's
# language, and no inheritance from ProgramData.
Invoke-Checked 'icacls' { icacls.exe $data /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' }

$binary = '"{0}" --config "{1}"' -f (Join-Path $program 'nodeagent.exe'), $config
$existing = Get-CimInstance -ClassName Win32_Service -Filter "Name='$name'"
if ($existing) {
    # Through CIM rather than sc.exe: Windows PowerShell 5.1 does not pass embedded quotes to native programs intact.
    $change = Invoke-CimMethod -InputObject $existing -MethodName Change -Arguments @{ PathName = $binary; StartMode = 'Automatic' }
    if ($change.ReturnValue -ne 0) { throw "updating the service failed with code $($change.ReturnValue)" }
} else {
    New-Service -Name $name -BinaryPathName $binary -DisplayName 'NodeAgent' -StartupType Automatic `
        -Description 'In-place Kubernetes node upgrades without restarting containers' | Out-Null
}
# Restart after 5 s, 5 s, then 30 s; forget failures after a day.
Invoke-Checked 'sc.exe failure' { sc.exe failure $name reset= 86400 actions= restart/5000/restart/5000/restart/30000 }
Write-Output "installed in $program; check $config (serviceManager: windows), then: Start-Service $name"
