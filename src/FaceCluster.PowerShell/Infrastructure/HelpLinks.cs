namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>Where the module's help lives online, for <c>Get-Help -Online</c> and <c>Update-Help</c>.</summary>
/// <remarks>
/// The cmdlet pages are the Markdown that tools/New-ModuleHelp.ps1 writes into docs/cmdlets from the same source as
/// the shipped MAML, so the online page and <c>Get-Help</c> say the same thing. The manifest's HelpInfoURI points at
/// the release assets that <c>build.ps1 -Task Package</c> writes (artifacts/help); keep the two in step.
/// </remarks>
internal static class HelpLinks
{
    public const string Online = "https://github.com/facecluster/FaceCluster.PowerShell/blob/main/docs/cmdlets/";
}
