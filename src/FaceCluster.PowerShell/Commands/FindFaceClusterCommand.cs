using System.Management.Automation;
using FaceCluster.Models;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Files new faces under known people, or Unknown.</summary>
[Cmdlet(VerbsCommon.Find, "FaceCluster", HelpUri = HelpLinks.Online + "Find-FaceCluster.md")]
[OutputType(typeof(FaceMatch))]
public sealed class FindFaceClusterCommand : FaceClusterCmdlet
{
    /// <summary>The known people: FaceCluster objects (Invoke-FaceClustering) or dataset folders (Export-FaceDataset).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public object[] Reference { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 1)]
    public FaceEncoding[] InputObject { get; set; } = [];

    [Parameter]
    [ValidateRange(0.01, 4.0)]
    public double? Threshold { get; set; }

    [Parameter]
    public MatchMode Mode { get; set; } = MatchMode.NearestNeighbor;

    private FaceMatcher? matcher;
    private readonly System.Diagnostics.Stopwatch clock = new();
    private int matched, unknown;

    protected override void BeginProcessing()
    {
        var people = ReferenceResolver.Resolve(this, Reference, ResolveOutputPath, out _).Where(c => !c.IsNoise && c.Count > 0).ToList();
        if (people.Count == 0)
        {
            ThrowTerminatingError(FaceClusterErrors.Create(new ArgumentException("The reference holds no people."), FaceClusterErrors.ReferenceEmpty, ErrorCategory.InvalidArgument, Reference));
        }
        // Without -Threshold, the reference faces' model's calibrated value (see DescriptorModels).
        var model = people.SelectMany(c => c.Faces).Select(f => f.Model).FirstOrDefault();
        double threshold = Threshold ?? DescriptorModels.ForName(model).MatchThreshold;
        matcher = new FaceMatcher(people, new MatchOptions { Threshold = threshold, Mode = Mode });
        WriteVerbose($"Reference: {people.Count} people, {people.Sum(p => p.Count)} faces ({model}); {Mode}, threshold {threshold}.");
        clock.Start();
    }

    protected override void EndProcessing() =>
        WriteVerbose($"{matched + unknown} faces: {matched} filed under a known person, {unknown} Unknown, in {clock.Elapsed.TotalMilliseconds:0} ms.");

    protected override void ProcessRecord()
    {
        foreach (var face in InputObject)
        {
            if (face is null) continue;
            try
            {
                var match = matcher!.Match(face);
                if (match.IsUnknown) unknown++; else matched++;
                WriteDebug($"{face.Id}: {match.Label} at {match.Distance:0.000} (runner-up {match.RunnerUpLabel ?? "none"}, margin {match.Margin:0.000}).");
                WriteObject(match);
            }
            catch (ArgumentException ex)
            {
                WriteError(FaceClusterErrors.Create(ex, FaceClusterErrors.InvalidEncoding, ErrorCategory.InvalidData, face));
            }
        }
    }
}
