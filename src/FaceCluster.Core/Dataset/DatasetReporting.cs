namespace FaceCluster.Dataset;

/// <summary>What a planned write would do to the file.</summary>
public enum DatasetWriteAction
{
    /// <summary>The file does not exist yet.</summary>
    Create,
    /// <summary>The file exists and was written by FaceCluster (listed in the dataset marker).</summary>
    Replace,
    /// <summary>The file exists but FaceCluster did not write it: it is left untouched.</summary>
    Skip,
    /// <summary>A folder is renamed (<see cref="DatasetRenamer"/>), or a face file moves to another person (<see cref="DatasetMerger"/>).</summary>
    Move,
    /// <summary>A file FaceCluster wrote, or a person folder emptied by a merge, is removed (<see cref="DatasetMerger"/>).</summary>
    Delete,
}

/// <summary>Progress of a dataset operation.</summary>
public readonly record struct DatasetProgress(string Activity, string Status, int Completed, int Total)
{
    public int PercentComplete => Total <= 0 ? -1 : (int)Math.Min(100, 100L * Completed / Total);
}

/// <summary>Receives progress, warnings and planned writes. Implemented by the cmdlets (WriteProgress/WriteWarning/ShouldProcess output); never the console.</summary>
public interface IDatasetReporter
{
    void Progress(DatasetProgress progress);
    void Warning(string message);
    /// <summary>In plan (WhatIf) mode: one call per file or folder that would be written.</summary>
    void PlannedWrite(string path, DatasetWriteAction action);
}

/// <summary>Collects everything; handy for tests and for callers that report afterwards.</summary>
public sealed class CollectingDatasetReporter : IDatasetReporter
{
    private readonly object gate = new();
    public List<DatasetProgress> ProgressReports { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<(string Path, DatasetWriteAction Action)> PlannedWrites { get; } = [];

    public void Progress(DatasetProgress progress) { lock (gate) ProgressReports.Add(progress); }
    public void Warning(string message) { lock (gate) Warnings.Add(message); }
    public void PlannedWrite(string path, DatasetWriteAction action) { lock (gate) PlannedWrites.Add((path, action)); }
}
