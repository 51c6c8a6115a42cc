using System.Management.Automation;
using FaceCluster.Dataset;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Reports dataset work through the cmdlet that runs it. The dataset engine runs on the pipeline thread, so it may
/// write progress, warnings and "What if" lines directly.
/// </summary>
/// <param name="cmdlet">The running cmdlet.</param>
/// <param name="whatIf">Plan mode: every planned write becomes a "What if" line.</param>
/// <param name="progressActivity">The Write-Progress activity, or null for work too quick to be worth a progress bar.</param>
internal sealed class CmdletDatasetReporter(Cmdlet cmdlet, bool whatIf, string? progressActivity = null) : IDatasetReporter
{
    private DateTime lastProgress;

    public void Progress(DatasetProgress progress)
    {
        if (progressActivity is null || DateTime.UtcNow - lastProgress < TimeSpan.FromMilliseconds(200)) return;
        lastProgress = DateTime.UtcNow;
        cmdlet.WriteProgress(new ProgressRecord(1, progressActivity, $"{progress.Activity}: {progress.Status}") { PercentComplete = progress.PercentComplete });
    }

    public void Warning(string message) => cmdlet.WriteWarning(message);

    public void PlannedWrite(string path, DatasetWriteAction action)
    {
        if (whatIf) cmdlet.ShouldProcess(path, action.ToString());
    }

    /// <summary>
    /// The ShouldProcess delegate the dataset engine asks about every file operation: in -WhatIf each becomes a
    /// "What if" line (and nothing is applied); otherwise the change was confirmed as a whole, so each goes ahead.
    /// </summary>
    public Func<string, string, bool> ShouldProcess => whatIf ? cmdlet.ShouldProcess : (_, _) => true;
}
