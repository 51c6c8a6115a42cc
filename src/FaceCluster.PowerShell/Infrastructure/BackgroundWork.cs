using System.Management.Automation;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Runs long engine work on a worker thread while the pipeline thread waits, relays its latest progress
/// (workers never call Write*) and stays responsive to Ctrl+C.
/// </summary>
internal static class BackgroundWork
{
    public static T Run<T, TProgress>(Func<IProgress<TProgress>, T> work, Action<TProgress> report, CancellationToken cancellation)
        where TProgress : struct
    {
        var latest = new LatestProgress<TProgress>();
        var task = Task.Run(() => work(latest), cancellation);
        while (!task.Wait(100))
        {
            if (latest.Take() is TProgress progress) report(progress);
        }
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Keeps only the newest value: the pipeline thread shows the current state, not a backlog.</summary>
    private sealed class LatestProgress<TProgress> : IProgress<TProgress> where TProgress : struct
    {
        private readonly object gate = new();
        private TProgress? value;

        public void Report(TProgress progress)
        {
            lock (gate) value = progress;
        }

        public TProgress? Take()
        {
            lock (gate)
            {
                var taken = value;
                value = null;
                return taken;
            }
        }
    }
}
