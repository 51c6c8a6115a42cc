using System.Management.Automation;
using Person = global::FaceCluster.FaceCluster;

namespace FaceCluster.Tests;

/// <summary>Invoke-FaceClustering in the real engine, on the faces of the sample footage.</summary>
[Collection(FootageFacesCollection.Name)]
public class ClusteringCmdletTests(DatasetFootageFixture fixture)
{
    private static string Signature(IEnumerable<Person> clusters) => string.Join("\n",
        clusters.Select(c => $"{c.Id}|{c.Label}|{c.IsNoise}|{c.Medoid.Id}|{string.Join(",", c.Faces.Select(f => f.Id))}"));

    private static FaceEncoding WithDescriptor(FaceEncoding face, string id, float[] descriptor, string? model = null) => new()
    {
        Id = id,
        Path = face.Path,
        VideoPath = face.VideoPath,
        FrameIndex = face.FrameIndex,
        Timestamp = face.Timestamp,
        ImageWidth = face.ImageWidth,
        ImageHeight = face.ImageHeight,
        Box = face.Box,
        Landmarks = face.Landmarks,
        Confidence = face.Confidence,
        Sharpness = face.Sharpness,
        Descriptor = descriptor,
        Model = model ?? face.Model,
    };

    [Fact]
    public void ClustersAreLargestFirstWithMedoidsAndDoNotDependOnOrderOrThrottleLimit()
    {
        using var session = new ModuleSession();
        var faces = fixture.Faces.ToArray();
        var reversed = faces.Reverse().ToArray();
        var first = session.Run("$args[0] | Invoke-FaceClustering -ThrottleLimit 1", (object)faces);
        var second = session.Run("$args[0] | Invoke-FaceClustering -ThrottleLimit 2", (object)reversed);
        Assert.Empty(first.Errors);
        Assert.Empty(second.Errors);
        var clusters = first.Objects<Person>().ToList();
        Assert.Equal(Signature(clusters), Signature(second.Objects<Person>()));

        Assert.True(clusters.Count >= 10, $"{clusters.Count} people in footage of 21");
        Assert.Equal(Enumerable.Range(1, clusters.Count), clusters.Select(c => c.Id));
        Assert.Equal(clusters.Select(c => c.Count).OrderDescending(), clusters.Select(c => c.Count));
        Assert.Equal(faces.Length, clusters.Sum(c => c.Count));
        Assert.All(clusters, c =>
        {
            Assert.Equal($"Person_{c.Id}", c.Label);
            Assert.False(c.IsNoise);
            Assert.Contains(c.Medoid, c.Faces);
            // The medoid has the least total distance to the others.
            double Total(FaceEncoding m) => c.Faces.Sum(f => FaceDistance.Euclidean(m.Descriptor, f.Descriptor));
            Assert.All(c.Faces, f => Assert.True(Total(c.Medoid) <= Total(f) + 1e-4));
            Assert.InRange(c.MeanDistance, 0, c.MaxDistance + 1e-9);
            // Two faces of one frame are two people.
            Assert.Equal(c.Faces.Count, c.Faces.Select(f => (f.VideoPath, f.FrameIndex)).Distinct().Count());
        });
        Assert.NotEmpty(first.Progress);
    }

    [Fact]
    public void FacesOfThePipelineCarryTheirShotAndClusteringLinksThemIntoTracks()
    {
        // Export-VideoFrames | Get-FaceEncoding: one 3 s shot per photo, so the shot is the frame index / 3.
        Assert.All(fixture.Faces, f => Assert.Equal(f.FrameIndex / 3, f.Shot));
        using var session = new ModuleSession();
        var with = session.Run("$args[0] | Invoke-FaceClustering", (object)fixture.Faces.ToArray());
        var without = session.Run("$args[0] | Invoke-FaceClustering -UseTracks:$false", (object)fixture.Faces.ToArray());
        Assert.Empty(with.Errors);
        Assert.Empty(without.Errors);
        var tracked = with.Objects<Person>().SelectMany(c => c.Faces.Select(f => (f.TrackId, c.Id))).Where(x => x.TrackId is not null).ToList();
        Assert.True(tracked.Count >= fixture.Faces.Count / 2, $"{tracked.Count} of {fixture.Faces.Count} faces in tracks");
        // A track is one person: all its faces in one cluster.
        Assert.All(tracked.GroupBy(x => x.TrackId), t => Assert.Single(t.Select(x => x.Id).Distinct()));
        Assert.All(without.Objects<Person>().SelectMany(c => c.Faces), f => Assert.Null(f.TrackId));
    }

    [Fact]
    public void ABadDescriptorIsAnErrorRecordAndTheRestIsStillClustered()
    {
        using var session = new ModuleSession();
        var good = fixture.Faces.ToList();
        var nan = WithDescriptor(good[0], "nan-face", Enumerable.Repeat(float.NaN, FaceEncoding.DescriptorLength).ToArray());
        var shortOne = WithDescriptor(good[1], "short-face", new float[12]);
        var result = session.Run("$args[0] | Invoke-FaceClustering", (object)good.Append(nan).Append(shortOne).ToArray());

        Assert.Equal(["InvalidEncoding", "InvalidEncoding"], result.ErrorIds);
        Assert.All(result.Errors, e => Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category));
        Assert.Same(nan, result.Errors[0].TargetObject);
        Assert.Same(shortOne, result.Errors[1].TargetObject);
        var clusters = result.Objects<Person>().ToList();
        Assert.Equal(good.Count, clusters.Sum(c => c.Count));
        Assert.Equal(Signature(session.Run("$args[0] | Invoke-FaceClustering", (object)good.ToArray()).Objects<Person>()), Signature(clusters));
    }

    [Fact]
    public void FacesOfAnotherModelAreRefusedAndEmptyInputGivesNothing()
    {
        using var session = new ModuleSession();
        var faces = fixture.Faces.Take(5).ToList();
        var other = WithDescriptor(faces[0], "other-model", faces[0].Descriptor, model: "some-other-descriptor");
        var mixed = session.Run("$args[0] | Invoke-FaceClustering", (object)faces.Append(other).ToArray());
        Assert.Equal(["StoreModelMismatch"], mixed.ErrorIds);
        Assert.Same(other, mixed.Errors[0].TargetObject);
        Assert.Empty(mixed.Objects<Person>());

        var empty = session.Run("@() | Invoke-FaceClustering");
        Assert.Empty(empty.Errors);
        Assert.Empty(empty.Output);

        var single = session.Run("$args[0] | Invoke-FaceClustering", (object)new[] { faces[0] });
        Assert.Empty(single.Errors);
        var one = Assert.Single(single.Objects<Person>());
        Assert.Same(faces[0], one.Medoid);
        Assert.Equal(0, one.MaxDistance);
    }
}
