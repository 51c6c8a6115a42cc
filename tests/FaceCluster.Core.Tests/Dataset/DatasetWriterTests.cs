using System.Globalization;
using System.Text.Json;
using FaceCluster.Dataset;
using OpenCvSharp;
using static FaceCluster.Tests.Dataset.DatasetTestData;

namespace FaceCluster.Tests.Dataset;

public sealed class DatasetWriterTests : IDisposable
{
    private readonly string temp = TestEnvironment.NewTempDirectory();
    private string Out => Path.Combine(temp, "dataset");

    public void Dispose()
    {
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(temp, "*", SearchOption.AllDirectories))
                SetMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(temp, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void Writes_people_folders_manifest_index_and_marker()
    {
        var reporter = new CollectingDatasetReporter();
        var result = new DatasetWriter(Options(Out, reporter: reporter)).Write(People());

        Assert.False(result.WhatIf);
        Assert.Equal([Alice, Zoe, Carol], result.People.Select(p => p.Label));
        Assert.False(Directory.Exists(Path.Combine(Out, DatasetLayout.NoiseFolderName)));
        var alice = result.People[0];
        Assert.Equal(3, alice.FaceCount);
        Assert.Equal(Path.Combine(Out, Alice), alice.Folder);
        // 3 portraits, 3 chips, 1 montage.
        Assert.Equal(7, alice.Files.Count);
        Assert.All(alice.Files, f => Assert.True(File.Exists(f), f));

        using (var portrait = Cv2.ImRead(Path.Combine(Out, Alice, "portrait_a1.jpg")))
        {
            // Box 410,370 190x230 + 100/150 margins: 390x530 -> 400 wide.
            Assert.Equal(400, portrait.Cols);
            Assert.Equal((int)Math.Round(530 * 400.0 / 390), portrait.Rows);
        }
        using (var chip = Cv2.ImRead(Path.Combine(Out, Alice, "chip_a1.png")))
        {
            Assert.Equal(new Size(150, 150), chip.Size());
        }
        // A margin clipped at the top of the frame (sample1 right face is noise; Carol is at y=300 of sample3: no clipping).
        var csv = File.ReadAllLines(Path.Combine(Out, DatasetLayout.ManifestCsvFileName));
        Assert.StartsWith("label,cluster_id,face_id,source_path,", csv[0]);
        Assert.Equal(1 + 7, csv.Length);
        Assert.Contains(csv, l => l.StartsWith("\"Zoë & Bob's\",2,b1,", StringComparison.Ordinal) || l.StartsWith("Zoë & Bob's,2,b1,", StringComparison.Ordinal));
        Assert.Contains(csv, l => l.Contains(",Alice/portrait_a1.jpg,Alice/chip_a1.png,", StringComparison.Ordinal));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, DatasetLayout.ManifestJsonFileName)));
        var faces = json.RootElement.GetProperty("faces");
        Assert.Equal(7, faces.GetArrayLength());
        var first = faces.EnumerateArray().First(f => f.GetProperty("faceId").GetString() == "a1");
        Assert.Equal(128, first.GetProperty("descriptor").GetArrayLength());
        Assert.Equal(People()[0].Faces[0].Descriptor[5], first.GetProperty("descriptor")[5].GetSingle());
        Assert.Equal(410f, first.GetProperty("boxX").GetSingle());

        var marker = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, DatasetLayout.MarkerFileName))).RootElement;
        Assert.Equal(DatasetLayout.Format, marker.GetProperty("format").GetString());
        var listed = marker.GetProperty("files").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        var onDisk = Snapshot(Out).Keys.Where(k => k != DatasetLayout.MarkerFileName).ToHashSet();
        Assert.Equal(onDisk.Order(), listed.Order());
        Assert.Empty(reporter.Warnings);
        Assert.NotEmpty(reporter.ProgressReports);
    }

    [Fact]
    public void Noise_goes_to_unclustered_only_when_asked()
    {
        var result = new DatasetWriter(Options(Out) with { IncludeNoise = true }).Write(People());
        var noise = Assert.Single(result.People, p => p.IsNoise);
        Assert.Equal(Path.Combine(Out, DatasetLayout.NoiseFolderName), noise.Folder);
        Assert.True(File.Exists(Path.Combine(Out, DatasetLayout.NoiseFolderName, "portrait_n1.jpg")));
        Assert.True(File.Exists(Path.Combine(Out, DatasetLayout.NoiseFolderName, DatasetLayout.MontageFileName)));
    }

    [Fact]
    public void Montage_is_480x600_with_one_tile_per_face_up_to_25()
    {
        var rng = new Random(99);
        var centre = Centre(rng);
        var many = Enumerable.Range(0, 30).Select(i =>
        {
            var (photo, box) = Boxes[i % Boxes.Length];
            var jittered = box with { X = box.X + rng.Next(-10, 10), Y = box.Y + rng.Next(-10, 10) };
            return Face($"m{i:D2}", photo, jittered, centre, rng, rng.Next(10, 200));
        }).ToList();
        var people = new[] { Cluster(1, "Many", many), Cluster(2, "Few", [.. many.Take(3).Select(f => Face("f" + f.Id, 1, f.Box, centre, rng, 10))]) };

        new DatasetWriter(Options(Out, DatasetContent.Montage)).Write(people);

        Assert.Equal(25, CountTiles(Path.Combine(Out, "Many", DatasetLayout.MontageFileName)));
        Assert.Equal(3, CountTiles(Path.Combine(Out, "Few", DatasetLayout.MontageFileName)));
        Assert.False(File.Exists(Path.Combine(Out, "Many", "portrait_m00.jpg")));
    }

    /// <summary>Tiles whose centre is not the plain background colour.</summary>
    internal static int CountTiles(string montagePath)
    {
        using var montage = Cv2.ImRead(montagePath);
        Assert.Equal(new Size(Montage.Width, Montage.Height), montage.Size());
        int tiles = 0;
        for (int row = 0; row < Montage.Rows; row++)
        for (int col = 0; col < Montage.Columns; col++)
        {
            // The centre of the tile, above the caption band.
            var rect = new Rect(col * Montage.TileWidth + 16, row * Montage.TileHeight + 16, Montage.TileWidth - 32, Montage.TileHeight - 40);
            using var region = new Mat(montage, rect);
            Cv2.MeanStdDev(region, out var mean, out var stddev);
            double meanOff = Math.Abs(mean.Val0 - 32) + Math.Abs(mean.Val1 - 32) + Math.Abs(mean.Val2 - 32);
            if (meanOff > 12 || stddev.Val0 + stddev.Val1 + stddev.Val2 > 12) tiles++;
        }
        return tiles;
    }

    [Fact]
    public void Montage_selection_starts_with_the_sharpest_and_prefers_different_faces()
    {
        var rng = new Random(5);
        var centre = Centre(rng);
        var faces = Enumerable.Range(0, 40).Select(i => Face($"s{i:D2}", 1, Boxes[0].Box, centre, rng, i == 17 ? 500 : 50)).ToList();
        var far = Face("zz", 1, Boxes[0].Box, centre.Select(v => v + 1f).ToArray(), rng, 50);
        var chosen = Montage.SelectFaces([.. faces, far]);
        Assert.Equal(25, chosen.Count);
        Assert.Equal("s17", chosen[0].Id);
        Assert.Equal("zz", chosen[1].Id);
        Assert.Equal(25, chosen.Select(f => f.Id).Distinct().Count());
    }

    [Fact]
    public void Yolo_labels_match_the_face_boxes_of_the_image_beside_them()
    {
        var people = People();
        var reporter = new CollectingDatasetReporter();
        var result = new DatasetWriter(Options(Out, DatasetContent.All, reporter) with { IncludeNoise = true }).Write(people);
        Assert.Equal(3, result.YoloImageCount);
        // The two noise faces sit in photos 1 and 2 without a label line: the caller is told.
        Assert.Contains(reporter.Warnings, w => w.StartsWith("2 face(s) in the YOLO images", StringComparison.Ordinal));
        string yolo = Path.Combine(Out, DatasetLayout.YoloFolderName);

        // data.yaml: names are the person folders (noise is not a class), in class order.
        var yaml = File.ReadAllLines(Path.Combine(yolo, DatasetLayout.YoloDataFileName));
        Assert.Contains($"path: '{yolo}'", yaml);
        Assert.Contains("train: images/train", yaml);
        Assert.Contains("val: images/val", yaml);
        Assert.Contains("nc: 3", yaml);
        var names = ParseNames(yaml.Single(l => l.StartsWith("names:", StringComparison.Ordinal)));
        var personFolders = Directory.EnumerateDirectories(Out).Select(Path.GetFileName)
            .Where(n => n != DatasetLayout.YoloFolderName && n != DatasetLayout.NoiseFolderName).ToHashSet();
        Assert.Equal(personFolders.Order(), names.Order());
        Assert.Equal([Alice, Zoe, Carol], names);

        var labelFiles = Directory.GetFiles(Path.Combine(yolo, "labels"), "*.txt", SearchOption.AllDirectories);
        Assert.Equal(3, labelFiles.Length); // three source photos
        var exported = people.Where(c => !c.IsNoise).SelectMany(c => c.Faces.Select(f => (Face: f, Class: names.IndexOf(c.Label)))).ToList();
        var matched = new HashSet<string>();
        int lines = 0;
        foreach (var labelFile in labelFiles)
        {
            string split = Path.GetFileName(Path.GetDirectoryName(labelFile))!;
            string image = Path.Combine(yolo, "images", split, Path.GetFileNameWithoutExtension(labelFile) + ".jpg");
            Assert.True(File.Exists(image), image);
            using var mat = Cv2.ImRead(image);
            int width = mat.Cols, height = mat.Rows;
            foreach (var line in File.ReadAllLines(labelFile))
            {
                lines++;
                var parts = line.Split(' ');
                Assert.Equal(5, parts.Length);
                int cls = int.Parse(parts[0], CultureInfo.InvariantCulture);
                var v = parts.Skip(1).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
                Assert.All(v, x => Assert.InRange(x, 0, 1));
                var box = new FaceBox((float)((v[0] - v[2] / 2) * width), (float)((v[1] - v[3] / 2) * height), (float)(v[2] * width), (float)(v[3] * height));
                var best = exported.Where(e => e.Face.Path.Length > 0 && SameImage(e.Face, width, height))
                    .OrderByDescending(e => e.Face.Box.IntersectionOverUnion(box)).First();
                Assert.True(best.Face.Box.IntersectionOverUnion(box) > 0.9, $"{labelFile}: {line} matches no face");
                Assert.Equal(best.Class, cls);
                matched.Add(best.Face.Id);
            }
        }
        // Every face of an exported person is labelled exactly once; noise faces are not.
        Assert.Equal(exported.Count, lines);
        Assert.Equal(exported.Select(e => e.Face.Id).Order(), matched.Order());
    }

    private static bool SameImage(FaceEncoding face, int width, int height) => face.ImageWidth == width && face.ImageHeight == height;

    internal static List<string> ParseNames(string line)
    {
        // names: ['Alice', 'Zoë & Bob''s', 'Carol']
        string body = line[(line.IndexOf('[') + 1)..line.LastIndexOf(']')];
        var names = new List<string>();
        int i = 0;
        while (i < body.Length)
        {
            if (body[i] != '\'') { i++; continue; }
            var sb = new System.Text.StringBuilder();
            i++;
            while (i < body.Length)
            {
                if (body[i] == '\'' && i + 1 < body.Length && body[i + 1] == '\'') { sb.Append('\''); i += 2; continue; }
                if (body[i] == '\'') { i++; break; }
                sb.Append(body[i++]);
            }
            names.Add(sb.ToString());
        }
        return names;
    }

    [Fact]
    public void Yolo_split_is_deterministic_and_follows_the_fraction()
    {
        var names = Enumerable.Range(0, 2000).Select(i => $"frame_{i:D5}_abcd").ToList();
        int val = names.Count(n => DatasetWriter.IsValidation(n, 0.2));
        Assert.InRange(val, 330, 470);
        Assert.Equal(names.Select(n => DatasetWriter.IsValidation(n, 0.2)), names.Select(n => DatasetWriter.IsValidation(n, 0.2)));
        Assert.DoesNotContain(names, n => DatasetWriter.IsValidation(n, 0));
        Assert.NotEqual(DatasetWriter.YoloName("/a/frame_1.jpg"), DatasetWriter.YoloName("/b/frame_1.jpg"));
    }

    [Fact]
    public void Plan_mode_writes_nothing_and_reports_every_file()
    {
        var reporter = new CollectingDatasetReporter();
        var result = new DatasetWriter(Options(Out, DatasetContent.All, reporter) with { WhatIf = true }).Write(People());
        Assert.True(result.WhatIf);
        Assert.False(Directory.Exists(Out));
        Assert.Contains(reporter.PlannedWrites, p => p.Path == Path.Combine(Out, DatasetLayout.ManifestJsonFileName) && p.Action == DatasetWriteAction.Create);
        Assert.Contains(reporter.PlannedWrites, p => p.Path == Path.Combine(Out, Alice, "portrait_a1.jpg"));
        Assert.Contains(reporter.PlannedWrites, p => p.Path.EndsWith("data.yaml", StringComparison.Ordinal));
        Assert.Equal(7, result.People[0].Files.Count);

        // On an existing dataset too: nothing changes.
        new DatasetWriter(Options(Out)).Write(People());
        var before = Snapshot(Out);
        var reporter2 = new CollectingDatasetReporter();
        new DatasetWriter(Options(Out, DatasetContent.All, reporter2) with { WhatIf = true }).Write(People());
        AssertSame(before, Snapshot(Out));
        Assert.Contains(reporter2.PlannedWrites, p => p.Path == Path.Combine(Out, Alice, "portrait_a1.jpg") && p.Action == DatasetWriteAction.Replace);
    }

    [Fact]
    public void An_update_with_fewer_faces_keeps_the_dataset_and_stale_files_go_only_with_force()
    {
        new DatasetWriter(Options(Out, DatasetContent.All)).Write(People());
        var before = Snapshot(Out);
        var reporter = new CollectingDatasetReporter();
        // Only Carol, and no YOLO this time: an update keeps everybody; the YOLO files are stale.
        new DatasetWriter(Options(Out, DatasetContent.Default, reporter)).Write(People().Skip(2).Take(1));
        var after = Snapshot(Out);
        Assert.True(before.Keys.All(after.ContainsKey), "nothing is deleted without Force");
        Assert.Contains(reporter.Warnings, w => w.Contains("come from an earlier export", StringComparison.Ordinal));
        Assert.Equal([Alice, Zoe, Carol], DatasetReader.Read(Out).People.Select(p => p.Label));

        new DatasetWriter(Options(Out, DatasetContent.Default) with { Force = true }).Write(People().Skip(2).Take(1));
        var forced = Snapshot(Out);
        Assert.DoesNotContain(forced.Keys, k => k.StartsWith(DatasetLayout.YoloFolderName + "/", StringComparison.Ordinal));
        Assert.Equal([Alice, Zoe, Carol], DatasetReader.Read(Out).People.Select(p => p.Label));
        Assert.DoesNotContain(JsonDocument.Parse(forced[DatasetLayout.MarkerFileName]).RootElement.GetProperty("files").EnumerateArray(),
            f => f.GetString()!.StartsWith(DatasetLayout.YoloFolderName, StringComparison.Ordinal));
    }

    [Fact]
    public void An_unrelated_non_empty_folder_is_refused()
    {
        Directory.CreateDirectory(Out);
        File.WriteAllText(Path.Combine(Out, "thesis.docx"), "precious");
        var ex = Assert.Throws<DatasetException>(() => new DatasetWriter(Options(Out)).Write(People()));
        Assert.Equal(DatasetErrors.OutputNotDataset, ex.ErrorId);
        Assert.Equal(DatasetErrorKind.ResourceExists, ex.Kind);
        Assert.Equal(["thesis.docx"], Snapshot(Out).Keys);
    }

    [Fact]
    public void With_force_files_the_writer_did_not_write_are_untouched()
    {
        Directory.CreateDirectory(Path.Combine(Out, Alice));
        File.WriteAllText(Path.Combine(Out, "thesis.docx"), "precious");
        File.WriteAllText(Path.Combine(Out, DatasetLayout.IndexFileName), "<p>my own page</p>");
        File.WriteAllText(Path.Combine(Out, Alice, "portrait_a1.jpg"), "not a FaceCluster portrait");
        var foreign = Snapshot(Out);
        var reporter = new CollectingDatasetReporter();

        var result = new DatasetWriter(Options(Out, reporter: reporter) with { Force = true }).Write(People());

        var after = Snapshot(Out);
        foreach (var (path, bytes) in foreign) Assert.Equal(bytes, after[path]);
        Assert.Equal(2, result.SkippedFiles.Count);
        Assert.Contains(Path.Combine(Out, DatasetLayout.IndexFileName), result.SkippedFiles);
        Assert.Contains(reporter.Warnings, w => w.Contains("portrait_a1.jpg", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Out, Alice, "portrait_a2.jpg")));
        var listed = File.ReadAllText(Path.Combine(Out, DatasetLayout.MarkerFileName));
        Assert.DoesNotContain("thesis.docx", listed);
        Assert.DoesNotContain("index.html", listed);
        Assert.DoesNotContain("Alice/portrait_a1.jpg", listed);

        // A second run (now a dataset: no Force needed) replaces its own files only.
        File.WriteAllText(Path.Combine(Out, Alice, "portrait_a2.jpg"), "stale");
        new DatasetWriter(Options(Out)).Write(People());
        var third = Snapshot(Out);
        foreach (var (path, bytes) in foreign) Assert.Equal(bytes, third[path]);
        Assert.NotEqual("stale"u8.ToArray(), third["Alice/portrait_a2.jpg"]);
    }

    [Fact]
    public void A_write_failure_is_an_error_and_leaves_no_partial_or_temp_files()
    {
        new DatasetWriter(Options(Out)).Write(People().Take(1));
        var before = Snapshot(Out);
        var people = People();

        // Make the Zoë folder unwritable. As root chmod does not stop writes: put a file where the folder should be.
        string blocked = Path.Combine(Out, Zoe);
        Directory.CreateDirectory(blocked);
        SetMode(blocked, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        bool chmodWorks;
        try { File.WriteAllText(Path.Combine(blocked, "probe"), "x"); File.Delete(Path.Combine(blocked, "probe")); chmodWorks = false; }
        catch (UnauthorizedAccessException) { chmodWorks = true; }
        if (!chmodWorks)
        {
            SetMode(blocked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(blocked);
            File.WriteAllText(blocked, "a file where the person folder should be");
        }

        var ex = Assert.Throws<DatasetException>(() => new DatasetWriter(Options(Out)).Write(people));
        Assert.Equal(DatasetErrors.OutputWriteFailed, ex.ErrorId);
        Assert.Equal(DatasetErrorKind.WriteError, ex.Kind);
        Assert.Contains(Zoe, ex.Message);

        var after = Snapshot(Out);
        Assert.DoesNotContain(after.Keys, k => Path.GetFileName(k).StartsWith(AtomicFile.TempPrefix, StringComparison.Ordinal));
        Assert.DoesNotContain(after.Keys, k => k.StartsWith(Zoe + "/", StringComparison.Ordinal));
        // The plan fails before anything is applied: the earlier dataset is exactly as it was, marker included.
        foreach (var (path, bytes) in before) Assert.Equal(bytes, after[path]);
        Assert.False(DatasetTransaction.IsPending(Out));
        var marker = JsonDocument.Parse(after[DatasetLayout.MarkerFileName]).RootElement;
        Assert.DoesNotContain(marker.GetProperty("files").EnumerateArray(), f => f.GetString()!.StartsWith(Zoe, StringComparison.Ordinal));
        Assert.Equal(before.Count + (chmodWorks ? 0 : 1), after.Count);
    }

    [Fact]
    public void A_failed_atomic_write_removes_its_temp_file()
    {
        // The target is a folder, so the final rename fails after the temp file was written.
        string target = Path.Combine(temp, "target.jpg");
        Directory.CreateDirectory(target);
        var ex = Assert.Throws<DatasetException>(() => AtomicFile.WriteAllBytes(target, [1, 2, 3]));
        Assert.Equal(DatasetErrors.OutputWriteFailed, ex.ErrorId);
        Assert.Equal(["target.jpg"], Directory.EnumerateFileSystemEntries(temp).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("yolo")]
    [InlineData("_unclustered")]
    [InlineData("CON")]
    [InlineData("trailing ")]
    public void Invalid_labels_are_refused(string label)
    {
        var people = People();
        people[0].Label = label;
        var ex = Assert.Throws<DatasetException>(() => new DatasetWriter(Options(Out)).Write(people));
        Assert.Equal(DatasetErrors.LabelInvalid, ex.ErrorId);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void Duplicate_labels_are_refused()
    {
        var people = People();
        people[1].Label = "alice";
        var ex = Assert.Throws<DatasetException>(() => new DatasetWriter(Options(Out)).Write(people));
        Assert.Equal(DatasetErrors.LabelConflict, ex.ErrorId);
    }

    [Fact]
    public void A_face_listed_twice_is_exported_once()
    {
        var people = People();
        var alice = people[0];
        people[0] = Cluster(1, Alice, [.. alice.Faces, alice.Faces[0]]);
        var reporter = new CollectingDatasetReporter();
        var result = new DatasetWriter(Options(Out, reporter: reporter)).Write(people);
        Assert.Equal(3, result.People[0].FaceCount);
        Assert.Equal(7, result.People[0].Files.Count);
        Assert.Single(reporter.Warnings);
        Assert.Equal(1 + 7, File.ReadAllLines(Path.Combine(Out, DatasetLayout.ManifestCsvFileName)).Length);
    }

    [Fact]
    public void Without_an_aligner_chips_are_skipped_with_a_warning()
    {
        var reporter = new CollectingDatasetReporter();
        new DatasetWriter(Options(Out, reporter: reporter) with { Aligner = null }).Write(People());
        Assert.Single(reporter.Warnings);
        Assert.Empty(Directory.GetFiles(Out, "chip_*", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetFiles(Out, "portrait_*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_cancelled_export_throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new DatasetWriter(Options(Out) with { CancellationToken = cts.Token }).Write(People()));
        Assert.False(Directory.Exists(Out));
    }

    /// <summary>chmod (no-op on Windows, where the test falls back to a file blocking the folder).</summary>
    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    internal static void AssertSame(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (path, bytes) in expected) Assert.Equal(bytes, actual[path]);
    }
}
