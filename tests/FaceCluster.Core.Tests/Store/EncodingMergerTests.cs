using FaceCluster.Store;

namespace FaceCluster.Tests.Store;

public class EncodingMergerTests
{
    [Fact]
    public void MergeDropsDuplicatesKeepsFirstAndReportsBadRecords()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var a = Path.Combine(dir, "a.jsonl");
        var b = Path.Combine(dir, "b.jsonl");
        EncodingStoreWriter.WriteAll(a, StoreTestData.Model, [StoreTestData.Face(1), StoreTestData.Face(2)]);
        EncodingStoreWriter.WriteAll(b, StoreTestData.Model, [StoreTestData.Face(2, path: "/other/img2.jpg"), StoreTestData.Face(3)]);
        File.AppendAllText(b, "{\"id\":\"broken\"}\n");
        File.AppendAllText(b, File.ReadAllLines(b)[2].Replace("face-3", "face-4")[..100]); // truncated tail

        var extraBad = StoreTestData.Face(6);
        extraBad.Descriptor[0] = float.PositiveInfinity;
        var issues = new List<StoreIssue>();
        var output = Path.Combine(dir, "merged.jsonl");
        var summary = EncodingMerger.Merge([a, b], [StoreTestData.Face(5), StoreTestData.Face(1), extraBad], output, onIssue: issues.Add);

        Assert.Equal(2, summary.FilesRead);
        Assert.Equal(4, summary.FacesMerged);
        Assert.Equal(2, summary.DuplicatesDropped);
        Assert.Equal(3, summary.RecordsRejected);
        Assert.Equal(StoreTestData.Model, summary.Model);

        var merged = EncodingStoreReader.ReadAll(output);
        Assert.Equal(["face-1", "face-2", "face-3", "face-5"], merged.Select(f => f.Id));
        Assert.Equal(StoreTestData.Face(2).Path, merged[1].Path); // the first occurrence wins
        StoreTestData.AssertSame(StoreTestData.Face(3), merged[2]);
        Assert.Equal(2, issues.Count(i => i.ErrorId == StoreErrorIds.DuplicateId));
        Assert.Contains(issues, i => i.ErrorId == StoreErrorIds.StoreRecordInvalid && i.Path == b && i.LineNumber == 4);
        Assert.Contains(issues, i => i.ErrorId == StoreErrorIds.StoreRecordInvalid && i.Path == b && i.LineNumber == 5);
        Assert.Contains(issues, i => i.ErrorId == StoreErrorIds.EncodingInvalid);
    }

    [Fact]
    public void MixedModelsAreRefusedAndNothingIsWritten()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var a = Path.Combine(dir, "a.jsonl");
        var b = Path.Combine(dir, "b.jsonl");
        EncodingStoreWriter.WriteAll(a, StoreTestData.Model, [StoreTestData.Face(1)]);
        EncodingStoreWriter.WriteAll(b, "another-model", [StoreTestData.Face(2, model: "another-model")]);
        var output = Path.Combine(dir, "merged.jsonl");
        var ex = Assert.Throws<EncodingStoreException>(() => EncodingMerger.Merge([a, b], null, output));
        Assert.Equal(StoreErrorIds.StoreModelMismatch, ex.ErrorId);
        Assert.Contains(b, ex.Message);
        Assert.Contains("another-model", ex.Message);
        Assert.Contains(StoreTestData.Model, ex.Message);
        Assert.False(File.Exists(output));
        Assert.Equal(2, Directory.GetFiles(dir).Length);

        ex = Assert.Throws<EncodingStoreException>(() => EncodingMerger.Merge([a], [StoreTestData.Face(3, model: "third")], output));
        Assert.Equal(StoreErrorIds.StoreModelMismatch, ex.ErrorId);
    }

    [Fact]
    public void MergeIntoOneOfItsInputsNeedsForceAndWorks()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var a = Path.Combine(dir, "a.jsonl");
        var b = Path.Combine(dir, "b.jsonl");
        EncodingStoreWriter.WriteAll(a, StoreTestData.Model, [StoreTestData.Face(1)]);
        EncodingStoreWriter.WriteAll(b, StoreTestData.Model, [StoreTestData.Face(2)]);
        Assert.Equal(StoreErrorIds.StoreExists, Assert.Throws<EncodingStoreException>(() => EncodingMerger.Merge([a, b], null, a)).ErrorId);
        var summary = EncodingMerger.Merge([a, b], null, a, StoreWriteMode.Overwrite);
        Assert.Equal(2, summary.FacesMerged);
        Assert.Equal(["face-1", "face-2"], EncodingStoreReader.ReadAll(a).Select(f => f.Id));
    }

    [Fact]
    public void AppendMergeKeepsExistingOutputRecordsAndSkipsTheirIds()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var a = Path.Combine(dir, "a.jsonl");
        var output = Path.Combine(dir, "out.jsonl");
        EncodingStoreWriter.WriteAll(output, StoreTestData.Model, [StoreTestData.Face(1)]);
        EncodingStoreWriter.WriteAll(a, StoreTestData.Model, [StoreTestData.Face(1), StoreTestData.Face(2)]);
        var summary = EncodingMerger.Merge([a], null, output, StoreWriteMode.Append);
        Assert.Equal(1, summary.FacesMerged);
        Assert.Equal(1, summary.DuplicatesDropped);
        Assert.Equal(["face-1", "face-2"], EncodingStoreReader.ReadAll(output).Select(f => f.Id));
    }
}
