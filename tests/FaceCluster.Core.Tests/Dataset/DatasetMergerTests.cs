using System.Globalization;
using System.Text.Json;
using FaceCluster.Dataset;
using OpenCvSharp;
using static FaceCluster.Tests.Dataset.DatasetTestData;

namespace FaceCluster.Tests.Dataset;

public sealed class DatasetMergerTests : IDisposable
{
    private readonly string temp = TestEnvironment.NewTempDirectory();
    private string Out => Path.Combine(temp, "dataset");

    public void Dispose()
    {
        try { Directory.Delete(temp, recursive: true); }
        catch (IOException) { }
    }

    private List<FaceCluster> WriteDataset()
    {
        var people = People();
        new DatasetWriter(Options(Out, DatasetContent.All) with { IncludeNoise = true }).Write(people);
        return people;
    }

    private List<string> YamlNames() =>
        DatasetWriterTests.ParseNames(File.ReadAllLines(Path.Combine(Out, DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName))
            .Single(l => l.StartsWith("names:", StringComparison.Ordinal)));

    /// <summary>Every YOLO label line as (class, box in pixels, label file), with the image size of its source.</summary>
    private List<(int Class, FaceBox Box, string File)> LabelLines(DatasetManifest manifest)
    {
        var lines = new List<(int, FaceBox, string)>();
        foreach (var group in manifest.Faces.Where(f => f.YoloLabel is not null).GroupBy(f => f.YoloLabel!))
        {
            var face = group.First();
            foreach (string line in File.ReadAllLines(DatasetLayout.ToFullPath(Out, group.Key)).Where(l => l.Length > 0))
            {
                var v = line.Split(' ');
                double[] n = v.Skip(1).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                var box = new FaceBox((float)((n[0] - n[2] / 2) * face.ImageWidth), (float)((n[1] - n[3] / 2) * face.ImageHeight),
                    (float)(n[2] * face.ImageWidth), (float)(n[3] * face.ImageHeight));
                lines.Add((int.Parse(v[0], CultureInfo.InvariantCulture), box, group.Key));
            }
        }
        return lines;
    }

    private static DatasetManifest Manifest(string root) =>
        JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(Path.Combine(root, DatasetLayout.ManifestJsonFileName)),
            new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase })!;

    [Fact]
    public void Merge_moves_faces_rebuilds_the_montage_and_renumbers_yolo_classes()
    {
        WriteDataset();
        Assert.Equal([Alice, Zoe, Carol], YamlNames());
        Assert.Equal(3, MontageTiles.Filled(Path.Combine(Out, Alice, DatasetLayout.MontageFileName)));

        var result = DatasetMerger.Merge(Out, [Alice, Zoe]);

        Assert.False(result.WhatIf);
        Assert.Equal(Alice, result.Person.Label);
        Assert.Equal(1, result.Person.ClusterId);
        Assert.Equal(6, result.Person.FaceCount);
        Assert.Equal([Zoe], result.MergedLabels);
        Assert.Equal([2], result.MergedClusterIds);
        Assert.Equal([Path.Combine(Out, Zoe)], result.RemovedFolders);
        Assert.Empty(result.KeptFolders);
        Assert.False(Directory.Exists(Path.Combine(Out, Zoe)));
        foreach (var id in new[] { "a1", "a2", "a3", "b1", "b2", "b3" })
        {
            Assert.True(File.Exists(Path.Combine(Out, Alice, $"portrait_{id}.jpg")), id);
            Assert.True(File.Exists(Path.Combine(Out, Alice, $"chip_{id}.png")), id);
            Assert.Contains(Path.Combine(Out, Alice, $"portrait_{id}.jpg"), result.Person.Files);
        }
        Assert.Equal(6, MontageTiles.Filled(Path.Combine(Out, Alice, DatasetLayout.MontageFileName)));

        // Zoë's class 1 is gone; Carol moves down from 2 to 1, and every label line follows.
        Assert.Equal([Alice, Carol], YamlNames());
        Assert.Contains("nc: 2", File.ReadAllText(Path.Combine(Out, DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName)));
        var manifest = Manifest(Out);
        Assert.Equal([Alice, Carol, FaceCluster.NoiseLabel], manifest.People.Select(p => p.Label));
        Assert.Equal([0, 1, null], manifest.People.Select(p => p.YoloClass));
        Assert.Equal(6, manifest.People[0].Count);
        Assert.All(manifest.Faces.Where(f => f.ClusterId == 1), f =>
        {
            Assert.Equal(Alice, f.Label);
            Assert.StartsWith(Alice + "/", f.Portrait);
            Assert.True(File.Exists(DatasetLayout.ToFullPath(Out, f.Portrait!)));
        });
        var lines = LabelLines(manifest);
        Assert.Equal(7, lines.Count); // Alice 3 + Zoë 3 + Carol 1; noise has no label line
        var names = YamlNames();
        foreach (var (cls, box, file) in lines)
        {
            var face = manifest.Faces.Where(f => f.YoloLabel == file)
                .MaxBy(f => new FaceBox(f.BoxX, f.BoxY, f.BoxWidth, f.BoxHeight).IntersectionOverUnion(box))!;
            Assert.Equal(face.Label, names[cls]);
        }
        var csv = File.ReadAllLines(Path.Combine(Out, DatasetLayout.ManifestCsvFileName));
        Assert.Equal(6, csv.Count(l => l.StartsWith("Alice,1,", StringComparison.Ordinal)));
        Assert.DoesNotContain(csv, l => l.Contains("Zo", StringComparison.Ordinal));
        string index = DatasetReaderRenamerTests.AssertIndexIsValid(Out);
        Assert.Contains("6 faces", index);
        Assert.DoesNotContain("Zo", index);
        string marker = File.ReadAllText(Path.Combine(Out, DatasetLayout.MarkerFileName));
        Assert.Contains("\"Alice/portrait_b1.jpg\"", marker);
        Assert.DoesNotContain("\"Zo", marker);

        var read = DatasetReader.Read(Out);
        Assert.Equal([Alice, Carol], read.People.Select(p => p.Label));
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3"], read.People[0].Faces.Select(f => f.Id));
    }

    [Fact]
    public void Merge_by_id_with_a_new_label_keeps_foreign_files_and_file_names_unique()
    {
        WriteDataset();
        File.WriteAllText(Path.Combine(Out, Alice, "notes.txt"), "mine");
        // A file of ours would land on a name the kept folder already uses.
        File.WriteAllText(Path.Combine(Out, Zoe, "portrait_a1.jpg"), "not a portrait");
        var reporter = new CollectingDatasetReporter();

        var result = DatasetMerger.Merge(Out, [2, 1, 3], "Zed", reporter: reporter);

        Assert.Equal(("Zed", 2, 7), (result.Person.Label, result.Person.ClusterId, result.Person.FaceCount));
        Assert.False(Directory.Exists(Path.Combine(Out, Zoe)));
        Assert.False(Directory.Exists(Path.Combine(Out, Carol)));
        Assert.Equal("not a portrait", File.ReadAllText(Path.Combine(Out, "Zed", "portrait_a1.jpg")));
        Assert.True(File.Exists(Path.Combine(Out, "Zed", "portrait_a1_2.jpg")));
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(Path.Combine(Out, Alice)).Select(Path.GetFileName));
        Assert.Equal([Path.Combine(Out, Alice)], result.KeptFolders);
        Assert.Contains(reporter.Warnings, w => w.Contains("notes.txt", StringComparison.Ordinal));

        var read = DatasetReader.Read(Out);
        var zed = Assert.Single(read.People);
        Assert.Equal(("Zed", 2), (zed.Label, zed.ClusterId));
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3", "c1"], zed.Faces.Select(f => f.Id));
        Assert.Equal("Zed/portrait_a1_2.jpg", Manifest(Out).Faces.Single(f => f.FaceId == "a1").Portrait);
        Assert.Equal(["Zed"], YamlNames());
        Assert.All(LabelLines(Manifest(Out)), l => Assert.Equal(0, l.Class));
    }

    [Fact]
    public void Merge_refuses_bad_requests_and_plans_without_writing()
    {
        WriteDataset();
        var before = Snapshot(Out);
        DatasetException Fails(Action merge) => Assert.Throws<DatasetException>(merge);

        var unknown = Fails(() => DatasetMerger.Merge(Out, [Alice, "Nobody"]));
        Assert.Equal((DatasetErrors.ClusterNotFound, DatasetErrorKind.ObjectNotFound, "Nobody"), (unknown.ErrorId, unknown.Kind, unknown.Target));
        Assert.Equal(DatasetErrors.ClusterNotFound, Fails(() => DatasetMerger.Merge(Out, [1, 42])).ErrorId);
        var one = Fails(() => DatasetMerger.Merge(Out, [Alice, "alice"]));
        Assert.Equal((DatasetErrors.TooFewPeople, DatasetErrorKind.InvalidArgument), (one.ErrorId, one.Kind));
        Assert.Equal(DatasetErrors.TooFewPeople, Fails(() => DatasetMerger.Merge(Out, [Alice])).ErrorId);
        var taken = Fails(() => DatasetMerger.Merge(Out, [Alice, Zoe], "carol"));
        Assert.Equal((DatasetErrors.LabelConflict, "carol"), (taken.ErrorId, taken.Target));
        Assert.Equal(DatasetErrors.LabelConflict, Fails(() => DatasetMerger.Merge(Out, [Alice, Zoe], Zoe)).ErrorId);
        Assert.Equal(DatasetErrors.LabelInvalid, Fails(() => DatasetMerger.Merge(Out, [Alice, Zoe], "a/b")).ErrorId);
        Assert.Equal(DatasetErrors.LabelInvalid, Fails(() => DatasetMerger.Merge(Out, [1, 0])).ErrorId);

        var reporter = new CollectingDatasetReporter();
        var plan = DatasetMerger.Merge(Out, [Alice, Carol], "Ada", whatIf: true, reporter);
        Assert.True(plan.WhatIf);
        Assert.Equal(4, plan.Person.FaceCount);
        Assert.Contains(reporter.PlannedWrites, p => p == (Path.Combine(Out, Alice), DatasetWriteAction.Move));
        Assert.Contains(reporter.PlannedWrites, p => p == (Path.Combine(Out, Carol, "portrait_c1.jpg"), DatasetWriteAction.Move));
        Assert.Contains(reporter.PlannedWrites, p => p == (Path.Combine(Out, Carol), DatasetWriteAction.Delete));
        DatasetWriterTests.AssertSame(before, Snapshot(Out));
    }
}
