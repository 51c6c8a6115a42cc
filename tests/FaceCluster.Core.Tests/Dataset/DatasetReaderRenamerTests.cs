using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FaceCluster.Dataset;
using OpenCvSharp;
using static FaceCluster.Tests.Dataset.DatasetTestData;

namespace FaceCluster.Tests.Dataset;

public sealed partial class DatasetReaderRenamerTests : IDisposable
{
    private readonly string temp = TestEnvironment.NewTempDirectory();
    private string Out => Path.Combine(temp, "dataset");

    public void Dispose()
    {
        try { Directory.Delete(temp, recursive: true); }
        catch (IOException) { }
    }

    private List<FaceCluster> WriteDataset(DatasetContent include = DatasetContent.All)
    {
        var people = People();
        new DatasetWriter(Options(Out, include) with { IncludeNoise = true }).Write(people);
        return people;
    }

    [Fact]
    public void Reads_the_people_back_with_descriptors()
    {
        var people = WriteDataset();
        var reporter = new CollectingDatasetReporter();
        var contents = DatasetReader.Read(Out, reporter: reporter);
        // Every person folder holds a montage.jpg: same name, not a face moved between people.
        Assert.Empty(reporter.Warnings);
        Assert.Equal([Alice, Zoe, Carol], contents.People.Select(p => p.Label));
        Assert.Equal([1, 2, 3], contents.People.Select(p => p.ClusterId));
        var alice = contents.People[0];
        Assert.Equal(people[0].Faces.Select(f => f.Id), alice.Faces.Select(f => f.Id));
        Assert.Equal(people[0].Faces[1].Descriptor, alice.Faces[1].Descriptor);
        Assert.Equal(people[0].Faces[1].Box, alice.Faces[1].Box);
        Assert.Equal(people[0].Faces[1].Landmarks, alice.Faces[1].Landmarks);
        Assert.Equal(Path.Combine(Out, Alice, DatasetLayout.MontageFileName), alice.Montage);

        var clusters = contents.ToFaceClusters();
        Assert.Equal(3, clusters[0].Count);
        Assert.InRange(clusters[0].MeanDistance, 0.01, 1);

        var withNoise = DatasetReader.Read(Out, includeNoise: true);
        var noise = Assert.Single(withNoise.People, p => p.IsNoise);
        Assert.Equal(0, noise.ClusterId);
        Assert.Equal(2, noise.Count);
    }

    [Fact]
    public void A_folder_renamed_by_hand_gives_the_new_label()
    {
        WriteDataset();
        Directory.Move(Path.Combine(Out, Alice), Path.Combine(Out, "Alice Smith"));
        // A portrait moved by hand into another person's folder moves the face too.
        File.Move(Path.Combine(Out, Zoe, "portrait_b3.jpg"), Path.Combine(Out, Carol, "portrait_b3.jpg"));
        File.Delete(Path.Combine(Out, Zoe, "chip_b3.png"));

        var contents = DatasetReader.Read(Out);
        var alice = Assert.Single(contents.People, p => p.ClusterId == 1);
        Assert.Equal("Alice Smith", alice.Label);
        Assert.Equal(Alice, alice.ManifestLabel);
        Assert.Equal(3, alice.Count);
        Assert.Equal(["b1", "b2"], contents.People.Single(p => p.Label == Zoe).Faces.Select(f => f.Id));
        Assert.Equal(["b3", "c1"], contents.People.Single(p => p.Label == Carol).Faces.Select(f => f.Id));
        Assert.Throws<DatasetException>(() => DatasetReader.Read(temp));
    }

    [Fact]
    public void A_hand_renamed_folder_of_a_montage_only_dataset_is_found_too()
    {
        WriteDataset(DatasetContent.Montage);
        Directory.Move(Path.Combine(Out, Carol), Path.Combine(Out, "Caroline"));
        var contents = DatasetReader.Read(Out);
        Assert.Equal([Alice, Zoe, "Caroline"], contents.People.Select(p => p.Label));
        Assert.Equal(3, contents.People[2].ClusterId);
        DatasetRenamer.Rename(Out, "Caroline", "Carla");
        Assert.True(File.Exists(Path.Combine(Out, "Carla", DatasetLayout.MontageFileName)));
        Assert.Equal("Carla", DatasetReader.Read(Out).People[2].Label);
    }

    [Fact]
    public void A_deleted_person_folder_leaves_the_person_out()
    {
        WriteDataset(DatasetContent.Default);
        Directory.Delete(Path.Combine(Out, Carol), recursive: true);
        var reporter = new CollectingDatasetReporter();
        Assert.Equal([Alice, Zoe], DatasetReader.Read(Out, reporter: reporter).People.Select(p => p.Label));
        Assert.Contains(reporter.Warnings, w => w.Contains(Carol, StringComparison.Ordinal));
    }

    [Fact]
    public void Rename_updates_folder_montage_manifest_yaml_index_and_marker()
    {
        WriteDataset();
        using var oldMontage = Cv2.ImRead(Path.Combine(Out, Alice, DatasetLayout.MontageFileName));

        var result = DatasetRenamer.Rename(Out, Alice, "Alicia");

        Assert.Equal(1, result.ClusterId);
        Assert.False(Directory.Exists(Path.Combine(Out, Alice)));
        Assert.True(File.Exists(Path.Combine(Out, "Alicia", "portrait_a1.jpg")));
        using (var montage = Cv2.ImRead(Path.Combine(Out, "Alicia", DatasetLayout.MontageFileName)))
        {
            Assert.Equal(new Size(480, 600), montage.Size());
            using var oldBand = new Mat(oldMontage, new Rect(0, 600 - Montage.BandHeight, 480, Montage.BandHeight));
            using var newBand = new Mat(montage, new Rect(0, 600 - Montage.BandHeight, 480, Montage.BandHeight));
            Assert.True(Cv2.Norm(oldBand, newBand, NormTypes.L1) > 1000, "the caption was re-rendered");
            using var oldTop = new Mat(oldMontage, new Rect(0, 0, 480, 400));
            using var newTop = new Mat(montage, new Rect(0, 0, 480, 400));
            Assert.True(Cv2.Norm(oldTop, newTop, NormTypes.L1) / (480 * 400 * 3) < 3, "the tiles stay");
        }
        var csv = File.ReadAllLines(Path.Combine(Out, DatasetLayout.ManifestCsvFileName));
        Assert.Equal(3, csv.Count(l => l.StartsWith("Alicia,1,", StringComparison.Ordinal)));
        Assert.DoesNotContain(csv, l => l.Contains("Alice", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, DatasetLayout.ManifestJsonFileName)));
        var person = json.RootElement.GetProperty("people").EnumerateArray().Single(p => p.GetProperty("clusterId").GetInt32() == 1);
        Assert.Equal("Alicia", person.GetProperty("label").GetString());
        Assert.Equal("Alicia/montage.jpg", person.GetProperty("montage").GetString());
        Assert.All(json.RootElement.GetProperty("faces").EnumerateArray().Where(f => f.GetProperty("clusterId").GetInt32() == 1),
            f => Assert.StartsWith("Alicia/", f.GetProperty("portrait").GetString()));
        var yaml = File.ReadAllLines(Path.Combine(Out, DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName));
        Assert.Equal(["Alicia", Zoe, Carol], DatasetWriterTests.ParseNames(yaml.Single(l => l.StartsWith("names:", StringComparison.Ordinal))));
        string index = File.ReadAllText(Path.Combine(Out, DatasetLayout.IndexFileName));
        Assert.Contains(">Alicia<", index);
        Assert.DoesNotContain("Alice", index);
        AssertIndexIsValid(Out);
        string marker = File.ReadAllText(Path.Combine(Out, DatasetLayout.MarkerFileName));
        Assert.Contains("\"Alicia/portrait_a1.jpg\"", marker);
        Assert.DoesNotContain("\"Alice/", marker);
        Assert.Equal("Alicia", DatasetReader.Read(Out).People[0].Label);

        // By cluster id, and back; a label with characters that need escaping.
        DatasetRenamer.Rename(Out, 1, "Ada <Lovelace>".Replace("<", "(").Replace(">", ")"));
        Assert.True(Directory.Exists(Path.Combine(Out, "Ada (Lovelace)")));
        AssertIndexIsValid(Out);

        // The unclustered faces are labelled "Noise" but live in _unclustered: a person may be called Noise.
        DatasetRenamer.Rename(Out, Carol, FaceCluster.NoiseLabel);
        Assert.True(Directory.Exists(Path.Combine(Out, FaceCluster.NoiseLabel)));
        Assert.Equal(DatasetErrors.LabelInvalid, Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, 0, "Someone")).ErrorId);
    }

    [Fact]
    public void Rename_refuses_duplicates_invalid_names_and_unknown_people_and_plans_without_writing()
    {
        WriteDataset();
        var before = DatasetTestData.Snapshot(Out);
        Assert.Equal(DatasetErrors.LabelConflict, Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, Alice, "carol")).ErrorId);
        Assert.Equal(DatasetErrors.LabelInvalid, Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, Alice, "a/b")).ErrorId);
        Assert.Equal(DatasetErrors.LabelInvalid, Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, Alice, "yolo")).ErrorId);
        Assert.Equal(DatasetErrors.ClusterNotFound, Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, "Nobody", "X")).ErrorId);
        Assert.Equal(DatasetErrors.ClusterNotFound, Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, 42, "X")).ErrorId);
        Directory.CreateDirectory(Path.Combine(Out, "Taken"));
        Assert.Equal(DatasetErrors.LabelConflict, Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, Alice, "Taken")).ErrorId);
        Directory.Delete(Path.Combine(Out, "Taken"));

        var reporter = new CollectingDatasetReporter();
        var plan = DatasetRenamer.Rename(Out, Alice, "Alicia", whatIf: true, reporter);
        Assert.True(plan.WhatIf);
        Assert.Contains(reporter.PlannedWrites, p => p.Action == DatasetWriteAction.Move && p.Path == Path.Combine(Out, Alice));
        DatasetWriterTests.AssertSame(before, DatasetTestData.Snapshot(Out));
    }

    [Fact]
    public void Rename_after_a_hand_rename_uses_the_folder_on_disk()
    {
        WriteDataset(DatasetContent.Default);
        Directory.Move(Path.Combine(Out, Zoe), Path.Combine(Out, "Zoe"));
        DatasetRenamer.Rename(Out, "Zoe", "Zoé");
        var contents = DatasetReader.Read(Out);
        Assert.Equal([Alice, "Zoé", Carol], contents.People.Select(p => p.Label));
        Assert.Equal(2, contents.People[1].ClusterId);
        Assert.Equal("Zoé", contents.Manifest.People.Single(p => p.ClusterId == 2).Label);
        AssertIndexIsValid(Out);
    }

    [Fact]
    public void Index_references_only_existing_files_escapes_labels_and_is_balanced()
    {
        WriteDataset();
        string html = AssertIndexIsValid(Out);
        Assert.Contains("Zoë &amp; Bob&#39;s", html);
        Assert.Contains("src=\"Zo%C3%AB%20%26%20Bob%27s/montage.jpg\"", html);
        Assert.Contains("3 faces", html);
        Assert.Contains("(unclustered)", html);

        // Without montages the index shows a portrait instead.
        string other = Path.Combine(temp, "portraits-only");
        new DatasetWriter(Options(other, DatasetContent.Portraits)).Write(People());
        Assert.Contains("portrait_a1.jpg", AssertIndexIsValid(other));
    }

    /// <summary>Doctype, balanced tags (void elements aside), and every href/src a file or folder that exists.</summary>
    internal static string AssertIndexIsValid(string root)
    {
        string html = File.ReadAllText(Path.Combine(root, DatasetLayout.IndexFileName));
        Assert.StartsWith("<!DOCTYPE html>", html);
        var stack = new Stack<string>();
        string[] voids = ["meta", "img", "br", "link", "input", "hr"];
        foreach (Match tag in TagPattern().Matches(html))
        {
            string name = tag.Groups["name"].Value.ToLowerInvariant();
            if (voids.Contains(name)) continue;
            if (tag.Groups["close"].Success)
            {
                Assert.True(stack.Count > 0, $"</{name}> without an opening tag");
                Assert.Equal(stack.Pop(), name);
            }
            else
            {
                stack.Push(name);
            }
        }
        Assert.Empty(stack);
        var links = LinkPattern().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups["url"].Value)).ToList();
        Assert.NotEmpty(links);
        foreach (var link in links)
        {
            Assert.DoesNotContain("://", link);
            Assert.False(link.StartsWith('/'), link);
            string path = Path.Combine(root, Uri.UnescapeDataString(link));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"index.html links to '{link}', which does not exist");
        }
        return html;
    }

    [GeneratedRegex(@"<(?<close>/)?(?<name>[a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\b(?:href|src)=""(?<url>[^""]*)""")]
    private static partial Regex LinkPattern();
}
