using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FaceCluster.Dataset;
using FaceCluster.Recognition;
using static FaceCluster.Tests.Dataset.DatasetTestData;

namespace FaceCluster.Tests.Dataset;

/// <summary>
/// Issue 11, the dataset half: confinement, hostile and null ledgers, one transaction per change (a fault at every
/// step gives the old or the new dataset), content identity, and updates that keep the user's corrections.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed partial class DatasetTrustTests : IDisposable
{
    private readonly string temp = TestEnvironment.NewTempDirectory();
    private string Out => Path.Combine(temp, "dataset");

    public void Dispose()
    {
        DatasetTransaction.FaultInjection = null;
        try { Directory.Delete(temp, recursive: true); }
        catch (IOException) { }
    }

    private void Export(IEnumerable<FaceCluster> people, DatasetContent include = DatasetContent.All, bool force = false) =>
        new DatasetWriter(Options(Out, include) with { IncludeNoise = true, Force = force }).Write(people);

    /// <summary>The dataset's files; the one timestamp (manifest createdUtc, set by the first export) is blanked.</summary>
    private Dictionary<string, string> State()
    {
        var files = Snapshot(Out);
        return files.ToDictionary(f => f.Key, f =>
        {
            string text = f.Key.EndsWith(".json", StringComparison.Ordinal) ? CreatedUtc().Replace(Encoding.UTF8.GetString(f.Value), "") : Convert.ToBase64String(f.Value);
            return text;
        });
    }

    [GeneratedRegex("\"createdUtc\": \"[^\"]*\"")]
    private static partial Regex CreatedUtc();

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static string Describe(Dictionary<string, string> a, Dictionary<string, string> b) =>
        "only before: " + string.Join(", ", a.Keys.Except(b.Keys)) + "; only after: " + string.Join(", ", b.Keys.Except(a.Keys)) +
        "; differ: " + string.Join(", ", a.Keys.Intersect(b.Keys).Where(k => a[k] != b[k]));

    private JsonNode Json(string file) => JsonNode.Parse(File.ReadAllText(Path.Combine(Out, file)))!;

    private void Save(string file, JsonNode node) => File.WriteAllText(Path.Combine(Out, file), node.ToJsonString());

    // ---- Confinement and hostile ledgers ------------------------------------------------------------------------

    [Fact]
    public void A_hostile_dataset_cannot_reach_outside_its_folder()
    {
        Export(People());
        string holiday = Path.Combine(temp, "holiday.jpg"), thesis = Path.Combine(temp, "thesis.docx");
        File.WriteAllText(holiday, "my holiday");
        File.WriteAllText(thesis, "my thesis");
        var manifest = Json(DatasetLayout.ManifestJsonFileName);
        manifest["faces"]![3]!["portrait"] = "../holiday.jpg";
        Save(DatasetLayout.ManifestJsonFileName, manifest);
        var marker = Json(DatasetLayout.MarkerFileName);
        marker["files"]!.AsArray().Add("../thesis.docx");
        Save(DatasetLayout.MarkerFileName, marker);
        var before = State();

        var merge = Assert.Throws<DatasetException>(() => DatasetMerger.Merge(Out, [Alice, Zoe]));
        Assert.Equal(DatasetErrors.DatasetInvalid, merge.ErrorId);
        Assert.Equal(DatasetErrorKind.InvalidData, merge.Kind);
        Assert.Contains("..", merge.Message);
        Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, Alice, "Alicia"));
        Assert.Throws<DatasetException>(() => DatasetReader.Read(Out));
        Assert.Throws<DatasetException>(() => new DatasetWriter(Options(Out) with { Force = true }).Write(People()));

        Assert.Equal("my holiday", File.ReadAllText(holiday));
        Assert.Equal("my thesis", File.ReadAllText(thesis));
        Assert.True(Same(before, State()), Describe(before, State()));
    }

    [Fact]
    public void A_person_folder_that_is_a_symbolic_link_out_of_the_dataset_is_refused()
    {
        Export(People());
        // A hostile (or careless) dataset: Alice's folder swapped for a link to a folder of the user's own files.
        string outside = Path.Combine(temp, "documents");
        Directory.CreateDirectory(outside);
        string alice = Path.Combine(Out, Alice);
        foreach (var file in Directory.GetFiles(alice)) File.Copy(file, Path.Combine(outside, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(outside, "letter.txt"), "mine");
        Directory.Delete(alice, recursive: true);
        Directory.CreateSymbolicLink(alice, outside);
        var outsideBefore = Directory.GetFiles(outside).Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllText(f))).ToList();

        var rename = Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, Alice, "Alicia"));
        Assert.Equal(DatasetErrors.DatasetInvalid, rename.ErrorId);
        Assert.Contains("symbolic link", rename.Message);
        Assert.Throws<DatasetException>(() => DatasetMerger.Merge(Out, [Alice, Zoe]));

        Assert.Equal(outsideBefore, Directory.GetFiles(outside).Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllText(f))).ToList());
        Assert.True(Directory.Exists(alice) && new DirectoryInfo(alice).LinkTarget is not null);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../dataset2")]
    [InlineData("/etc")]
    [InlineData("a/b")]
    [InlineData(".")]
    public void A_label_that_is_not_a_plain_folder_name_is_refused(string label)
    {
        Export(People());
        string sibling = Path.Combine(temp, "dataset2");
        Directory.CreateDirectory(sibling);
        File.WriteAllText(Path.Combine(sibling, "keep.txt"), "keep");
        var before = State();
        var merge = Assert.Throws<DatasetException>(() => DatasetMerger.Merge(Out, [Zoe, label]));
        Assert.Equal(DatasetErrors.LabelInvalid, merge.ErrorId);
        Assert.Equal(DatasetErrorKind.InvalidArgument, merge.Kind);
        Assert.Equal(label, merge.Target);
        var rename = Assert.Throws<DatasetException>(() => DatasetRenamer.Rename(Out, label, "X"));
        Assert.Equal(DatasetErrors.LabelInvalid, rename.ErrorId);
        Assert.True(Same(before, State()));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(sibling, "keep.txt")));
    }

    [Theory]
    [InlineData("manifest.json", "people")]
    [InlineData("manifest.json", "faces")]
    [InlineData(".facecluster-dataset.json", "files")]
    public void A_null_list_is_DatasetInvalid_not_a_crash(string file, string property)
    {
        foreach (var nullEntry in new[] { false, true })
        {
            if (Directory.Exists(Out)) Directory.Delete(Out, recursive: true);
            Export(People());
            var node = Json(file);
            if (nullEntry) node[property]!.AsArray().Add(null);
            else node[property] = null;
            Save(file, node);
            foreach (var action in new Action[]
            {
                () => DatasetReader.Read(Out),
                () => DatasetRenamer.Rename(Out, Alice, "Alicia"),
                () => DatasetMerger.Merge(Out, [Alice, Zoe]),
            })
            {
                var ex = Assert.Throws<DatasetException>(action);
                Assert.Equal(DatasetErrors.DatasetInvalid, ex.ErrorId);
                Assert.EndsWith(file, ex.Target);
            }
            // An export into it refuses too, rather than guess what the ledger meant.
            Assert.Equal(DatasetErrors.DatasetInvalid, Assert.Throws<DatasetException>(() => Export(People())).ErrorId);
        }
    }

    // ---- One transaction: a fault at every step ------------------------------------------------------------------

    /// <summary>
    /// Runs <paramref name="change"/> once to count its steps, then for every step k: restores the old dataset, fails
    /// step k, and checks that the next command's recovery gives the old or the new dataset, and a rerun the new one.
    /// </summary>
    private void FaultAtEveryStep(Action setUp, Action change)
    {
        setUp();
        var old = State();
        int steps = 0;
        DatasetTransaction.FaultInjection = _ => steps++;
        change();
        DatasetTransaction.FaultInjection = null;
        var expected = State();
        Assert.False(Same(old, expected), "the change changes something");
        Assert.True(steps > 5, $"{steps} steps");
        int rolledBack = 0, rolledForward = 0;
        for (int k = 1; k <= steps; k++)
        {
            if (Directory.Exists(Out)) Directory.Delete(Out, recursive: true);
            setUp();
            int fail = k;
            DatasetTransaction.FaultInjection = step => { if (step == fail) throw new IOException($"injected fault at step {step}"); };
            Assert.ThrowsAny<IOException>(change);
            DatasetTransaction.FaultInjection = null;
            DatasetTransaction.Recover(Out);
            var now = State();
            Assert.False(DatasetTransaction.IsPending(Out));
            Assert.DoesNotContain(now.Keys, f => Path.GetFileName(f).StartsWith(AtomicFile.TempPrefix, StringComparison.Ordinal));
            if (Same(now, old))
            {
                rolledBack++;
                change();
                now = State();
            }
            else
            {
                rolledForward++;
            }
            Assert.True(Same(now, expected), $"fault at step {k} of {steps}: {Describe(expected, now)}");
        }
        Assert.True(rolledBack > 0 && rolledForward > 0, $"{rolledBack} rolled back, {rolledForward} forward");
    }

    [Fact]
    public void A_fault_at_any_step_of_an_export_leaves_no_dataset_or_the_whole_one() =>
        FaultAtEveryStep(() => { }, () => Export(People()));

    [Fact]
    public void A_fault_at_any_step_of_an_update_leaves_the_old_or_the_new_dataset() =>
        FaultAtEveryStep(() => Export(People().Take(2)), () => Export(People()));

    [Fact]
    public void A_fault_at_any_step_of_a_rename_leaves_the_old_or_the_new_dataset() =>
        FaultAtEveryStep(() => Export(People()), () => DatasetRenamer.Rename(Out, Alice, "Alicia"));

    [Fact]
    public void A_fault_at_any_step_of_a_merge_leaves_the_old_or_the_new_dataset() =>
        FaultAtEveryStep(() => Export(People()), () => DatasetMerger.Merge(Out, [Alice, Zoe, Carol]));

    [Fact]
    public void WhatIf_asks_about_every_operation_and_changes_nothing()
    {
        Export(People());
        var before = State();
        var asked = new List<(string Target, string Action)>();
        var result = DatasetMerger.Merge(Out, [Alice, Zoe], whatIf: true, shouldProcess: (t, a) => { asked.Add((t, a)); return false; });
        Assert.True(result.WhatIf);
        Assert.True(Same(before, State()));
        Assert.Contains(asked, a => a.Action.StartsWith("Move to", StringComparison.Ordinal) && a.Target.Contains(Path.Combine(Out, Zoe), StringComparison.Ordinal));
        Assert.Contains(asked, a => a.Action == "Remove empty folder");
        Assert.Contains(asked, a => a.Target == Path.Combine(Out, DatasetLayout.MarkerFileName));
        // Declining one operation (as -Confirm can) applies none.
        int n = 0;
        DatasetMerger.Merge(Out, [Alice, Zoe], shouldProcess: (_, _) => ++n != 2);
        Assert.True(Same(before, State()));
        Assert.False(DatasetTransaction.IsPending(Out));
    }

    // ---- Identity and updates that keep corrections ---------------------------------------------------------------

    [Fact]
    public void A_face_id_is_the_content_and_box_not_the_path()
    {
        string a = Path.Combine(temp, "one", "photo.jpg"), b = Path.Combine(temp, "two", "copy.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(a)!);
        Directory.CreateDirectory(Path.GetDirectoryName(b)!);
        File.Copy(TestEnvironment.DemoPhoto(1), a);
        File.Copy(TestEnvironment.DemoPhoto(1), b);
        var box = new FaceBox(410.2f, 370, 190, 230);
        Assert.Equal(FaceEncoder.StableId(a, box), FaceEncoder.StableId(b, box));
        Assert.NotEqual(FaceEncoder.StableId(a, box), FaceEncoder.StableId(TestEnvironment.DemoPhoto(2), box));
        Assert.NotEqual(FaceEncoder.StableId(a, box), FaceEncoder.StableId(a, box with { X = 420 }));
    }

    [Fact]
    public void Rename_after_a_person_folder_was_deleted_warns_and_loses_no_face()
    {
        Export(People());
        Directory.Delete(Path.Combine(Out, Carol), recursive: true);
        var reporter = new CollectingDatasetReporter();
        DatasetRenamer.Rename(Out, Alice, "Alicia", reporter: reporter);
        Assert.Contains(reporter.Warnings, w => w.Contains(Carol, StringComparison.Ordinal) && w.Contains("gone", StringComparison.Ordinal));
        var manifest = Json(DatasetLayout.ManifestJsonFileName);
        Assert.Contains(manifest["faces"]!.AsArray(), f => (string)f!["faceId"]! == "c1");
        Assert.Contains(manifest["people"]!.AsArray(), p => (string)p!["label"]! == Carol);
        Assert.Equal(9, manifest["faces"]!.AsArray().Count);
    }

    [Fact]
    public void An_update_keeps_renames_merges_hand_moves_and_never_reuses_a_freed_name()
    {
        var people = People();
        // A fourth person with a default name, later merged away: Person_4 must never come back for somebody else.
        var rng = new Random(7);
        var centre = Centre(rng);
        people.Insert(3, Cluster(4, "Person_4", [Face("d1", 1, Boxes[2].Box, centre, rng, 70), Face("d2", 2, Boxes[5].Box, centre, rng, 70)]));
        Export(people);

        DatasetRenamer.Rename(Out, Alice, "Alicia");
        DatasetMerger.Merge(Out, ["Alicia", "Person_4"]);
        // A hand move: Zoë's b2 belongs to Carol.
        foreach (var file in new[] { "portrait_b2.jpg", "chip_b2.png" })
            File.Move(Path.Combine(Out, Zoe, file), Path.Combine(Out, Carol, file));

        // The same clustering exported again (it knows nothing of the corrections), plus a new person the
        // clustering calls Person_4.
        var again = People();
        again.Insert(3, Cluster(4, "Person_4", [Face("d1", 1, Boxes[2].Box, centre, rng, 70), Face("d2", 2, Boxes[5].Box, centre, rng, 70)]));
        var stranger = Centre(rng);
        again.Add(Cluster(5, "Person_4", [Face("e1", 3, Boxes[7].Box, stranger, rng, 80)]));
        var reporter = new CollectingDatasetReporter();
        new DatasetWriter(Options(Out, DatasetContent.All, reporter) with { IncludeNoise = true }).Write(again.Where(c => c.Id != 5));
        new DatasetWriter(Options(Out, DatasetContent.All, reporter) with { IncludeNoise = true }).Write([again[^1]]);

        var read = DatasetReader.Read(Out);
        var byLabel = read.People.ToDictionary(p => p.Label, p => p.Faces.Select(f => f.Id).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(["a1", "a2", "a3", "d1", "d2"], byLabel["Alicia"]);
        Assert.Equal(["b1", "b3"], byLabel[Zoe]);
        Assert.Equal(["b2", "c1"], byLabel[Carol]);
        Assert.False(byLabel.ContainsKey(Alice));
        Assert.False(byLabel.ContainsKey("Person_4"));
        Assert.Equal(["e1"], byLabel["Person_5"]);
        Assert.Equal(5, read.LastPersonNumber);
        Assert.False(Directory.Exists(Path.Combine(Out, "Person_4")));
        Assert.False(File.Exists(Path.Combine(Out, Zoe, "portrait_b2.jpg")), "the hand-moved face is not written back");
    }

    [Fact]
    public void Reference_naming_pins_known_faces_and_counts_above_the_high_water_mark()
    {
        var reference = People();
        // The user merged Zoë into Alice: Alice now holds a1..a3 and b1..b3.
        var merged = Cluster(1, Alice, [.. reference[0].Faces, .. reference[1].Faces]);
        var carol = reference[2];
        // A new clustering that splits them again and finds a stranger.
        var rng = new Random(3);
        var stranger = Cluster(9, "Person_1", [Face("s1", 1, Boxes[2].Box, Centre(rng), rng, 60)]);
        var clusters = new List<FaceCluster> { reference[0], reference[1], carol, stranger };
        var (result, namings) = global::FaceCluster.Clustering.ReferenceNaming.Reconcile(clusters, [merged, carol], threshold: 0.01, lastPersonNumber: 7);
        var byLabel = result.Where(c => !c.IsNoise).ToDictionary(c => c.Label, c => c.Faces.Select(f => f.Id).ToList());
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "b3"], byLabel[Alice]);
        Assert.Equal(["c1"], byLabel[Carol]);
        Assert.Equal(["s1"], byLabel["Person_8"]);
        Assert.Equal(3, byLabel.Count);
        Assert.Contains(namings, n => n.IsNew && n.Cluster.Label == "Person_8");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultInjectionCollection
{
    public const string Name = "Dataset fault injection (static hook)";
}
