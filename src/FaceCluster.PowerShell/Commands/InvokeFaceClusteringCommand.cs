using System.Management.Automation;
using FaceCluster.Clustering;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Store;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Groups faces into people without supervision.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "FaceClustering", DefaultParameterSetName = InputSet)]
[OutputType(typeof(FaceCluster))]
public sealed class InvokeFaceClusteringCommand : FaceClusterCmdlet
{
    private const string InputSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowEmptyCollection]
    public FaceEncoding[] InputObject { get; set; } = [];

    /// <summary>Encoding stores to cluster (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Encoding stores, used exactly as typed; a store's FileInfo (Get-Item faces.jsonl) binds here.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    [Parameter]
    public ClusteringAlgorithm Algorithm { get; set; } = ClusteringAlgorithm.ChineseWhispers;

    /// <summary>Agglomerative and Chinese whispers: the distance below which faces are the same person. Default 0.5 for Chinese whispers, 0.6 for agglomerative.</summary>
    [Parameter]
    [ValidateRange(0.01, 4.0)]
    public double? Threshold { get; set; }

    [Parameter]
    [ValidateRange(0.01, 4.0)]
    public double Epsilon { get; set; } = ClusteringOptions.DefaultEpsilon;

    [Parameter]
    [ValidateRange(1, 1000)]
    public int MinSamples { get; set; } = ClusteringOptions.DefaultMinSamples;

    [Parameter]
    [ValidateRange(1, 100000)]
    public int MinClusterSize { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, 10000)]
    public int Iterations { get; set; } = ClusteringOptions.DefaultIterations;

    /// <summary>Lets two faces of the same image join one cluster (off by default: they are different people).</summary>
    [Parameter]
    public SwitchParameter AllowSameImage { get; set; }

    [Parameter]
    public SwitchParameter IncludeNoise { get; set; }

    /// <summary>Earlier, named people (FaceCluster objects or a dataset folder): clusters that match them keep their names.</summary>
    [Parameter]
    public object[]? Reference { get; set; }

    [Parameter]
    [ValidateRange(0.01, 4.0)]
    public double ReferenceThreshold { get; set; } = MatchOptions.DefaultThreshold;

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    private readonly List<FaceEncoding> faces = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName is PathSet or LiteralPathSet)
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (var store in ResolveExistingFiles(literal ? LiteralPath : Path, literal)) ReadStore(store);
            return;
        }
        foreach (var face in InputObject)
        {
            if (face is null) continue;
            if (!IsUsable(face, out string? problem))
            {
                WriteError(FaceClusterErrors.InvalidData(FaceClusterErrors.InvalidEncoding, $"Face {face.Id} is left out: {problem}", face));
                continue;
            }
            faces.Add(face);
        }
    }

    protected override void EndProcessing()
    {
        var known = Reference is null ? null : ReferenceResolver.Resolve(this, Reference, ResolveOutputPath);
        string? model = faces.Count > 0 ? faces[0].Model : null;
        var otherModel = faces.FirstOrDefault(f => f.Model != model);
        if (otherModel is not null)
        {
            ThrowTerminatingError(FaceClusterErrors.Create(
                new InvalidOperationException($"The faces come from different descriptor models ('{model}' and '{otherModel.Model}', face {otherModel.Id}); their distances mean nothing together."),
                StoreErrorIds.StoreModelMismatch, ErrorCategory.InvalidData, otherModel));
        }
        // Same face twice (a store merged with itself, a frame encoded twice) counts once.
        var unique = faces.DistinctBy(f => f.Id, StringComparer.Ordinal).ToList();
        if (unique.Count < faces.Count) WriteVerbose($"{faces.Count - unique.Count} duplicate faces (same Id) were counted once.");

        var options = new ClusteringOptions
        {
            Algorithm = Algorithm,
            Threshold = Threshold,
            Epsilon = Epsilon,
            MinSamples = MinSamples,
            MinClusterSize = MinClusterSize,
            Iterations = Iterations,
            UseCannotLink = !AllowSameImage,
            IncludeNoise = IncludeNoise,
            DegreeOfParallelism = ThrottleLimit,
        };
        const string activity = "Invoke-FaceClustering";
        WriteVerbose($"Clustering {unique.Count} faces ({model ?? "no model"}) with {Algorithm}, {ThrottleLimit} workers.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<FaceCluster> clusters;
        try
        {
            clusters = BackgroundWork.Run<IReadOnlyList<FaceCluster>, ClusteringProgress>(
                progress => FaceClusterer.Cluster(unique, options, progress, CancellationToken),
                p => WriteProgress(new ProgressRecord(1, activity, $"{p.Stage}: {p.Completed} of {p.Total}") { PercentComplete = (int)(p.Fraction * 100) }),
                CancellationToken);
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(FaceClusterErrors.Create(ex, FaceClusterErrors.InvalidEncoding, ErrorCategory.InvalidData, null));
            return;
        }
        WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });

        if (known is not null)
        {
            foreach (var named in ReferenceNaming.Apply(clusters, known, ReferenceThreshold, CancellationToken))
            {
                if (named.Cluster.IsNoise) continue;
                WriteVerbose(named.IsNew
                    ? $"Cluster {named.Cluster.Id} ({named.Cluster.Count} faces) matches nobody in the reference: new person '{named.Cluster.Label}'."
                    : $"Cluster {named.Cluster.Id} ({named.Cluster.Count} faces) is '{named.ReferenceLabel}' ({named.Votes} faces matched).");
            }
        }
        int people = clusters.Count(c => !c.IsNoise);
        int noise = unique.Count - clusters.Where(c => !c.IsNoise).Sum(c => c.Count);
        WriteVerbose($"{unique.Count} faces: {people} people, {noise} faces in no cluster ({Algorithm}, {clock.Elapsed.TotalSeconds:0.00} s).");
        foreach (var cluster in clusters) WriteObject(cluster);
    }

    private void ReadStore(string store)
    {
        int before = faces.Count;
        try
        {
            foreach (var face in EncodingStoreReader.ReadAll(store, issue => WriteError(FaceClusterErrors.StoreIssue(issue)), cancellationToken: CancellationToken))
            {
                faces.Add(face);
            }
            WriteVerbose($"'{store}': {faces.Count - before} faces read.");
        }
        catch (EncodingStoreException ex)
        {
            WriteError(FaceClusterErrors.StoreError(ex));
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
    }

    private static bool IsUsable(FaceEncoding face, out string? problem)
    {
        problem = face.Descriptor is not { Length: FaceEncoding.DescriptorLength } ? $"its descriptor has {face.Descriptor?.Length ?? 0} values, not {FaceEncoding.DescriptorLength}"
            : face.Descriptor.Any(v => !float.IsFinite(v)) ? "its descriptor holds NaN or infinite values"
            : null;
        return problem is null;
    }
}
