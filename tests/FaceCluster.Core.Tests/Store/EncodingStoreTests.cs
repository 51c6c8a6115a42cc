using System.Text;
using FaceCluster.Store;

namespace FaceCluster.Tests.Store;

public class EncodingStoreTests
{
    private static string TempStore() => Path.Combine(TestEnvironment.NewTempDirectory(), "faces.jsonl");

    [Fact]
    public void RoundTripIsLossless()
    {
        var path = TempStore();
        var faces = Enumerable.Range(1, 20).Select(i => StoreTestData.Face(i)).ToList();
        Assert.Equal(20, EncodingStoreWriter.WriteAll(path, StoreTestData.Model, faces));

        var issues = new List<StoreIssue>();
        using var reader = EncodingStoreReader.Open(path);
        Assert.Equal(StoreTestData.Model, reader.Header.Model);
        Assert.Equal(1, reader.Header.Version);
        var back = reader.ReadRecords(issues.Add).ToList();
        Assert.Empty(issues);
        Assert.Equal(faces.Count, back.Count);
        for (int i = 0; i < faces.Count; i++) StoreTestData.AssertSame(faces[i], back[i]);
    }

    [Fact]
    public void HeaderIsTheFirstLineAndEachFaceIsOneLine()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(1), StoreTestData.Face(2)]);
        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("{\"format\":\"facecluster.encodings\",\"version\":1,\"model\":\"test-model-v1\"", lines[0]);
        Assert.Contains("\"descriptor\":[", lines[1]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, AtomicFile.TempPrefix + "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void ExistingStoreIsNotOverwrittenWithoutForce()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(1)]);
        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<EncodingStoreException>(() => EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(2)]));
        Assert.Equal(StoreErrorIds.StoreExists, ex.ErrorId);
        Assert.Equal(before, File.ReadAllBytes(path));

        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(2)], StoreWriteMode.Overwrite);
        Assert.Equal(["face-2"], EncodingStoreReader.ReadAll(path).Select(f => f.Id));
    }

    [Fact]
    public void AppendKeepsExistingRecordsAndRefusesAnotherModel()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(1)]);
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(2)], StoreWriteMode.Append);
        Assert.Equal(["face-1", "face-2"], EncodingStoreReader.ReadAll(path).Select(f => f.Id));

        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<EncodingStoreException>(() =>
            EncodingStoreWriter.WriteAll(path, "other-model", [StoreTestData.Face(3, model: "other-model")], StoreWriteMode.Append));
        Assert.Equal(StoreErrorIds.StoreModelMismatch, ex.ErrorId);
        Assert.Contains("other-model", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void AppendAfterATruncatedRecordDoesNotGlueRecordsTogether()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(1), StoreTestData.Face(2)]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^200]);
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(3)], StoreWriteMode.Append);
        var issues = new List<StoreIssue>();
        Assert.Equal(["face-1", "face-3"], EncodingStoreReader.ReadAll(path, issues.Add).Select(f => f.Id));
        Assert.Equal(3, Assert.Single(issues).LineNumber);
    }

    [Fact]
    public void WriterRejectsInvalidFacesAndOtherModels()
    {
        var path = TempStore();
        using var writer = EncodingStoreWriter.Create(path, StoreTestData.Model);
        var bad = StoreTestData.Face(1);
        bad.Descriptor[5] = float.NaN;
        var ex = Assert.Throws<EncodingStoreException>(() => writer.Write(bad));
        Assert.Equal(StoreErrorIds.EncodingInvalid, ex.ErrorId);
        ex = Assert.Throws<EncodingStoreException>(() => writer.Write(StoreTestData.Face(2, model: "x")));
        Assert.Equal(StoreErrorIds.StoreModelMismatch, ex.ErrorId);
        Assert.False(File.Exists(path)); // nothing is visible before Commit
        writer.Dispose();
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void TruncatedStoreReturnsTheGoodRecordsAndReportsTheBadOne()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, Enumerable.Range(1, 5).Select(i => StoreTestData.Face(i)));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^500]);
        var issues = new List<StoreIssue>();
        var faces = EncodingStoreReader.ReadAll(path, issues.Add);
        Assert.Equal(4, faces.Count);
        var issue = Assert.Single(issues);
        Assert.Equal(StoreErrorIds.StoreRecordInvalid, issue.ErrorId);
        Assert.Equal(6, issue.LineNumber);
        Assert.Contains("truncated", issue.Message);
    }

    [Fact]
    public void InvalidRecordsAreReportedWithLineNumbers()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(1)]);
        var good = File.ReadAllLines(path)[1];
        string Replace(string from, string to) { Assert.Contains(from, good); return good.Replace(from, to); }
        var lines = new List<string>(File.ReadAllLines(path))
        {
            /* 3 */ Replace("\"confidence\":", "\"confidence\":2,\"x\":"),                 // unknown field (and confidence twice)
            /* 4 */ Replace("\"confidence\":", "\"extra\":1,\"confidence\":"),              // unknown field
            /* 5 */ Replace("\"descriptor\":[", "\"descriptor\":[1,"),                      // 129 values
            /* 6 */ Replace("\"box\":[", "\"box\":[1e39,"),                                // 5 values / overflow
            /* 7 */ Replace("\"imageWidth\":640", "\"imageWidth\":50"),                     // box outside image
            /* 8 */ Replace("\"id\":\"face-1\",", ""),                                      // missing id
            /* 9 */ "[1,2,3]",
            /* 10 */ new string('[', 5000),                                                  // deep nesting
            /* 11 */ "null",
            /* 12 */ "\u0000\u0001garbage",
            /* 13 */ "",                                                                     // blank lines are ignored
            /* 14 */ good.Replace("face-1", "face-9"),
        };
        File.WriteAllLines(path, lines);
        var issues = new List<StoreIssue>();
        var faces = EncodingStoreReader.ReadAll(path, issues.Add);
        Assert.Equal(["face-1", "face-9"], faces.Select(f => f.Id));
        Assert.Equal(Enumerable.Range(3, 10).Select(i => (long)i), issues.Select(i => i.LineNumber));
        Assert.All(issues, i => Assert.Equal(StoreErrorIds.StoreRecordInvalid, i.ErrorId));
        Assert.All(issues, i => Assert.Equal(path, i.Path));
    }

    [Fact]
    public void ConfidenceOutOfRangeIsInvalid()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(1)]);
        var lines = File.ReadAllLines(path);
        var conf = StoreTestData.Face(1).Confidence.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllLines(path, [lines[0], lines[1].Replace($"\"confidence\":{conf}", "\"confidence\":1.5")]);
        var issues = new List<StoreIssue>();
        Assert.Empty(EncodingStoreReader.ReadAll(path, issues.Add));
        Assert.Contains("confidence", Assert.Single(issues).Message);
    }

    [Fact]
    public void GiantLineIsSkippedWithoutBufferingIt()
    {
        var path = TempStore();
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, [StoreTestData.Face(1)]);
        using (var s = new FileStream(path, FileMode.Append))
        {
            var chunk = Encoding.ASCII.GetBytes(new string('7', 1 << 20));
            s.Write("[1,"u8);
            for (int i = 0; i < 20; i++) s.Write(chunk); // a 20 MiB single line
            s.Write("]\n"u8);
        }
        File.AppendAllLines(path, [File.ReadAllLines(path)[1].Replace("face-1", "face-2")]);
        var issues = new List<StoreIssue>();
        var faces = EncodingStoreReader.ReadAll(path, issues.Add);
        Assert.Equal(["face-1", "face-2"], faces.Select(f => f.Id));
        var issue = Assert.Single(issues);
        Assert.Equal(StoreErrorIds.StoreRecordTooLong, issue.ErrorId);
        Assert.Equal(3, issue.LineNumber);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage\n")]
    [InlineData("{\"format\":\"something.else\",\"version\":1,\"model\":\"m\",\"created\":\"2026-01-01T00:00:00Z\"}\n")]
    [InlineData("{\"format\":\"facecluster.encodings\",\"version\":1,\"created\":\"2026-01-01T00:00:00Z\"}\n")]
    [InlineData("{\"format\":\"facecluster.encodings\",\"version\":1,\"model\":\"m\",\"created\":\"2026-01-01T00:00:00Z\",\"evil\":{}}\n")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n")]
    public void BadHeaderIsStoreHeaderInvalid(string content)
    {
        var path = TempStore();
        File.WriteAllText(path, content);
        var ex = Assert.Throws<EncodingStoreException>(() => EncodingStoreReader.Open(path));
        Assert.Equal(StoreErrorIds.StoreHeaderInvalid, ex.ErrorId);
    }

    [Fact]
    public void NewerVersionIsUnsupported()
    {
        var path = TempStore();
        File.WriteAllText(path, "{\"format\":\"facecluster.encodings\",\"version\":2,\"model\":\"m\",\"created\":\"2026-01-01T00:00:00Z\"}\n");
        Assert.Equal(StoreErrorIds.StoreVersionUnsupported, Assert.Throws<EncodingStoreException>(() => EncodingStoreReader.Open(path)).ErrorId);
    }

    [Fact]
    public void GarbageBinaryFileIsAnErrorNotACrash()
    {
        var path = TempStore();
        var bytes = new byte[3 << 20];
        new Random(7).NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == '\n') bytes[i] = 0;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<EncodingStoreException>(() => EncodingStoreReader.Open(path));
        Assert.Equal(StoreErrorIds.StoreHeaderInvalid, ex.ErrorId);
    }

    [Fact]
    public void MissingStoreIsStoreNotFound()
    {
        var ex = Assert.Throws<EncodingStoreException>(() => EncodingStoreReader.Open(Path.Combine(TestEnvironment.NewTempDirectory(), "none.jsonl")));
        Assert.Equal(StoreErrorIds.StoreNotFound, ex.ErrorId);
    }
}

public class EncodingStoreWriterEdgeTests
{
    [Fact]
    public void AFaceTheJsonWriterRejectsLeavesNoPartialRecord()
    {
        var path = Path.Combine(TestEnvironment.NewTempDirectory(), "faces.jsonl");
        using (var writer = EncodingStoreWriter.Create(path, StoreTestData.Model))
        {
            try { writer.Write(StoreTestData.Face(1, path: "/bad/\ud800name.jpg")); }
            catch (EncodingStoreException ex) { Assert.Equal(StoreErrorIds.EncodingInvalid, ex.ErrorId); }
            writer.Write(StoreTestData.Face(2));
            writer.Commit();
        }
        var issues = new List<StoreIssue>();
        var faces = EncodingStoreReader.ReadAll(path, issues.Add);
        Assert.Empty(issues);
        Assert.Contains(faces, f => f.Id == "face-2");
    }
}
