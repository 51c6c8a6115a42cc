using FaceCluster.Dataset;
using FaceCluster.Clustering;

namespace FaceCluster.Tests.Clustering;

/// <summary>
/// Shots and tracks on the real sample footage of <see cref="FootageFixture"/> (six photos, one shot each); part of
/// the footage tests so that the footage is built and encoded once.
/// </summary>
public sealed partial class FootageAccuracyTests
{
    [Fact]
    public void Every_cut_of_the_footage_is_found_and_no_cut_inside_a_shot()
    {
        // One shot per photo: the shot of a sampled frame is the index of the photo it shows.
        var expected = fx.Frames.Select(f => fx.Truth.FrameAt(f.Timestamp)!.Photo).ToArray();
        var found = fx.Frames.Select(f => f.Shot).ToArray();
        output.WriteLine($"shots of the {fx.Frames.Count} frames: {string.Join(" ", found)}");
        Assert.Equal(expected, found);
        Assert.All(fx.Faces, f => Assert.Equal(fx.Frames.Single(fr => fr.Index == f.FrameIndex).Shot, f.Shot));
    }

    [Fact]
    public void Tracks_never_hold_two_people_nor_two_faces_of_one_frame()
    {
        var sorted = FaceClusterer.Canonical(fx.Faces);
        var tracks = Tracks.Build(sorted, new DescriptorMatrix(sorted));
        var multi = tracks.Items.Where(t => t.Length > 1).ToArray();
        int linked = multi.Sum(t => t.Length);
        output.WriteLine($"{multi.Length} tracks of 2+ faces hold {linked} of {sorted.Length} faces; lengths {string.Join(" ", multi.Select(t => t.Length))}");
        foreach (var track in multi)
        {
            var faces = track.Select(i => sorted[i]).ToArray();
            // The same annotated face of the same photo, which is stricter than the same person.
            Assert.Single(faces.Select(f => fx.TruthOf.GetValueOrDefault(f.Id, "?" + f.Id)).Distinct());
            Assert.Equal(faces.Length, faces.Select(f => f.FrameIndex).Distinct().Count());
            Assert.Single(faces.Select(f => (f.VideoPath, f.Shot)).Distinct());
            Assert.Single(faces.Select(f => tracks.TrackIds[Array.IndexOf(sorted, f)]).Distinct());
        }
        // Measured: 19 tracks hold 66 of the 71 faces; the others are faces seen in one frame only or moved too far.
        Assert.True(linked >= 0.8 * sorted.Length, $"only {linked} of {sorted.Length} faces are in tracks");
    }

    [Fact]
    public void Clustered_faces_carry_their_track_and_clustering_with_tracks_is_as_good()
    {
        foreach (var options in new ClusteringOptions[]
                 {
                     new(),
                     new() { Algorithm = ClusteringAlgorithm.Agglomerative },
                     new() { Algorithm = ClusteringAlgorithm.DBSCAN },
                 })
        {
            options.DegreeOfParallelism = 2;
            options.IncludeNoise = true;
            var without = options.Clone();
            without.UseTracks = false;
            var with = FaceClusterer.Cluster(fx.Faces, options);
            var plain = FaceClusterer.Cluster(fx.Faces, without);
            var sWith = ClusteringMetrics.Evaluate(with, f => fx.PersonOf.GetValueOrDefault(f.Id, "?" + f.Id));
            var sWithout = ClusteringMetrics.Evaluate(plain, f => fx.PersonOf.GetValueOrDefault(f.Id, "?" + f.Id));
            output.WriteLine($"{options.Algorithm}: tracks on {sWith}; off {sWithout}");
            Assert.True(sWith.BCubedF1 >= sWithout.BCubedF1 - 1e-9, $"{options.Algorithm}: BCubed F1 {sWith.BCubedF1:0.000} with tracks, {sWithout.BCubedF1:0.000} without");

            var faces = with.SelectMany(c => c.Faces).ToArray();
            Assert.All(plain.SelectMany(c => c.Faces), f => Assert.Null(f.TrackId));
            var byTrack = faces.Where(f => f.TrackId is not null).GroupBy(f => f.TrackId).ToArray();
            Assert.NotEmpty(byTrack);
            // A track is a must-link: all its faces are in one cluster.
            foreach (var track in byTrack)
            {
                Assert.Single(with, c => c.Faces.Any(f => f.TrackId == track.Key));
                Assert.StartsWith("demo#", track.Key);
            }
        }
    }

    [Fact]
    public void Shots_and_tracks_reach_the_dataset_manifest_and_come_back()
    {
        var clusters = FaceClusterer.Cluster(fx.Faces, new ClusteringOptions { DegreeOfParallelism = 2 });
        var output = Path.Combine(fx.Directory, "dataset-tracks");
        new DatasetWriter(new DatasetWriterOptions { OutputDirectory = output, Include = DatasetContent.Portraits }).Write(clusters);
        var clustered = clusters.SelectMany(c => c.Faces).ToDictionary(f => f.Id);
        var read = DatasetReader.Read(output);
        Assert.Equal(clustered.Count, read.Manifest.Faces.Count);
        foreach (var m in read.Manifest.Faces)
        {
            Assert.Equal(clustered[m.FaceId].Shot, m.Shot);
            Assert.Equal(clustered[m.FaceId].TrackId, m.TrackId);
            Assert.Equal(m.TrackId, m.ToEncoding().TrackId);
        }
        Assert.Contains(read.Manifest.Faces, m => m.TrackId is not null);
        var header = File.ReadLines(Path.Combine(output, "manifest.csv")).First();
        Assert.Contains("frame_index,timestamp,shot,track_id", header);
    }
}
