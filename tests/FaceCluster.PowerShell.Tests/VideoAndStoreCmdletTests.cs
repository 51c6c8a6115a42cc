using System.Management.Automation;
using FaceCluster.Store;

namespace FaceCluster.Tests;

public class VideoAndStoreCmdletTests(SampleFootageFixture footage) : IClassFixture<SampleFootageFixture>
{
    [Fact]
    public void ExportVideoFramesEmitsOneFramePerSecondWithinTheSizeLimitsAndResumesWithoutRewriting()
    {
        string output = TestEnvironment.NewTempDirectory();
        using var session = new ModuleSession();
        var first = session.Run("Export-VideoFrame -LiteralPath $args[0] -OutputPath $args[1]", footage.VideoPath, output);
        Assert.Empty(first.Errors);
        var frames = first.Objects<VideoFrame>().ToList();
        Assert.Equal(18, frames.Count); // 6 photos x 3 s at 1 frame per second
        for (int k = 0; k < frames.Count; k++)
        {
            Assert.Equal(k, frames[k].Index);
            Assert.InRange(frames[k].Timestamp.TotalSeconds, k, k + 1.0 / 25 + 1e-6);
            Assert.True(frames[k].Width <= 700 && frames[k].Height <= 500, $"{frames[k].Width}x{frames[k].Height}");
            Assert.True(File.Exists(frames[k].Path));
        }
        Assert.Equal(ProgressRecordType.Completed, first.Progress[^1].RecordType);

        var stamps = frames.ToDictionary(f => f.Path, f => File.GetLastWriteTimeUtc(f.Path));
        File.WriteAllText(Path.Combine(output, "keep-me.txt"), "a user's file");
        Thread.Sleep(20);
        var second = session.Run("Export-VideoFrame -LiteralPath $args[0] -OutputPath $args[1] -Verbose", footage.VideoPath, output);
        Assert.Empty(second.Errors);
        Assert.Equal(frames.Select(f => f.Path), second.Objects<VideoFrame>().Select(f => f.Path));
        Assert.All(stamps, s => Assert.Equal(s.Value, File.GetLastWriteTimeUtc(s.Key)));
        Assert.Contains(second.Verbose, v => v.Contains("18 existing frames reused"));
        Assert.True(File.Exists(Path.Combine(output, "keep-me.txt")));

        var forced = session.Run("Export-VideoFrame -LiteralPath $args[0] -OutputPath $args[1] -Force", footage.VideoPath, output);
        Assert.Equal(18, forced.Objects<VideoFrame>().Count());
        Assert.Contains(stamps, s => File.GetLastWriteTimeUtc(s.Key) > s.Value);
        Assert.True(File.Exists(Path.Combine(output, "keep-me.txt")));
    }

    [Fact]
    public void ExportVideoFramesWhatIfWritesNothing()
    {
        string output = Path.Combine(TestEnvironment.NewTempDirectory(), "frames");
        using var session = new ModuleSession();
        var result = session.Run("Export-VideoFrame -LiteralPath $args[0] -OutputPath $args[1] -WhatIf", footage.VideoPath, output);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());
    }

    [Fact]
    public void BadVideosGiveErrorsWithStableIdsAndTheGoodOneStillGivesFrames()
    {
        string dir = TestEnvironment.NewTempDirectory();
        string notVideo = Path.Combine(dir, "notes.mp4");
        File.WriteAllText(notVideo, "not a video at all");
        string missing = Path.Combine(dir, "missing.mp4");
        using var session = new ModuleSession();
        var result = session.Run("Export-VideoFrame -LiteralPath $args[0], $args[1], $args[2] -OutputPath $args[3] -FramesPerSecond 0.5",
            notVideo, missing, footage.VideoPath, Path.Combine(dir, "frames"));
        Assert.Equal(9, result.Objects<VideoFrame>().Count());
        var ids = result.Errors.ToDictionary(e => Path.GetFileName(e.TargetObject!.ToString()!), e => e.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("PathNotFound", ids["missing.mp4"]);
        Assert.Equal("VideoOpenFailed", ids["notes.mp4"]);
        Assert.Equal(ErrorCategory.InvalidData, result.Errors.Single(e => e.TargetObject!.ToString() == notVideo).CategoryInfo.Category);
    }

    [Fact]
    public void FramesPipeIntoGetFaceEncodingAndTheStoreRoundTripsExactly()
    {
        string dir = TestEnvironment.NewTempDirectory();
        string store = Path.Combine(dir, "faces.jsonl");
        using var session = new ModuleSession();
        var encoded = session.Run(
            "Export-VideoFrame -LiteralPath $args[0] -OutputPath $args[1] -FramesPerSecond 0.5 | Get-FaceEncoding -Model Dlib -ThrottleLimit 2 | Export-FaceEncoding -Path $args[2] -PassThru",
            footage.VideoPath, Path.Combine(dir, "frames"), store);
        Assert.Empty(encoded.Errors);
        var faces = encoded.Objects<FaceEncoding>().ToList();
        Assert.True(faces.Count >= 15, $"{faces.Count} faces");
        Assert.All(faces, f =>
        {
            Assert.Equal(footage.VideoPath, f.VideoPath);
            Assert.NotNull(f.FrameIndex);
            Assert.Equal(f.FrameIndex!.Value * 2.0, f.Timestamp!.Value.TotalSeconds, 0.05);
        });

        var imported = session.Run("Import-FaceEncoding -LiteralPath $args[0]", store).Objects<FaceEncoding>().ToList();
        Assert.Equal(faces.Count, imported.Count);
        for (int i = 0; i < faces.Count; i++)
        {
            Assert.Equal(faces[i].Id, imported[i].Id);
            Assert.Equal(faces[i].Path, imported[i].Path);
            Assert.Equal(faces[i].VideoPath, imported[i].VideoPath);
            Assert.Equal(faces[i].FrameIndex, imported[i].FrameIndex);
            Assert.Equal(faces[i].Timestamp, imported[i].Timestamp);
            Assert.Equal(faces[i].Box, imported[i].Box);
            Assert.Equal(faces[i].Landmarks, imported[i].Landmarks);
            Assert.Equal(faces[i].Confidence, imported[i].Confidence);
            Assert.Equal(faces[i].Sharpness, imported[i].Sharpness);
            Assert.Equal(faces[i].Descriptor, imported[i].Descriptor);
            Assert.Equal(faces[i].Model, imported[i].Model);
        }

        var refused = session.Run("$args[0] | Export-FaceEncoding -OutputPath $args[1]", imported.Take(2).ToArray(), store);
        Assert.Equal("StoreExists", Assert.Single(refused.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(faces.Count, EncodingStoreReader.ReadAll(store).Count);
    }

    [Fact]
    public void MergeDropsDuplicatesRefusesMixedModelsAndKeepsGoodRecordsOfABadStore()
    {
        string dir = TestEnvironment.NewTempDirectory();
        using var session = new ModuleSession();
        var faces = session.Run("Get-FaceEncoding -Model Dlib -LiteralPath $args[0], $args[1]", TestEnvironment.DemoPhoto(3), TestEnvironment.DemoPhoto(5))
            .Objects<FaceEncoding>().ToList();
        Assert.True(faces.Count >= 6);
        string a = Path.Combine(dir, "a.jsonl"), b = Path.Combine(dir, "b.jsonl"), bad = Path.Combine(dir, "bad.jsonl");
        EncodingStoreWriter.WriteAll(a, faces[0].Model, faces.Take(4), StoreWriteMode.CreateNew);
        EncodingStoreWriter.WriteAll(b, faces[0].Model, faces.Skip(2), StoreWriteMode.CreateNew); // 2 duplicates of a
        var lines = File.ReadAllLines(b).ToList();
        lines.Insert(2, "{\"id\":\"broken\",\"descriptor\":[1,2,3]}");
        lines.Add(lines[1][..(lines[1].Length / 2)]); // a truncated last record
        File.WriteAllLines(bad, lines);

        string merged = Path.Combine(dir, "merged.jsonl");
        var result = session.Run("Merge-FaceEncoding -Path $args[0] -OutputPath $args[1]", Path.Combine(dir, "[ab]*.jsonl"), merged);
        var summary = Assert.IsType<EncodingMergeSummary>(Assert.Single(result.Output).BaseObject);
        Assert.Equal(3, summary.FilesRead);
        Assert.Equal(faces.Count, summary.FacesMerged);
        Assert.Equal(2 + (faces.Count - 2), summary.DuplicatesDropped); // b's two overlaps with a, then all of bad's good records
        Assert.Equal(2, summary.RecordsRejected);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.StartsWith(bad + ":", e.TargetObject!.ToString()));
        Assert.Equal(faces.Select(f => f.Id).Order(), EncodingStoreReader.ReadAll(merged).Select(f => f.Id).Order());

        string other = Path.Combine(dir, "other-model.jsonl");
        File.WriteAllText(other, File.ReadAllText(a).Replace(faces[0].Model, "another_model"));
        var mixed = session.Run("Merge-FaceEncoding -Path $args[0], $args[1] -OutputPath $args[2]", a, other, Path.Combine(dir, "mixed.jsonl"));
        Assert.Equal("StoreModelMismatch", Assert.Single(mixed.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.False(File.Exists(Path.Combine(dir, "mixed.jsonl")));
    }

    [Fact]
    public void TruncatedAndGarbageStoresGiveErrorRecordsNotCrashes()
    {
        string dir = TestEnvironment.NewTempDirectory();
        string garbage = Path.Combine(dir, "garbage.jsonl");
        var random = new Random(7);
        var bytes = new byte[3_000_000];
        random.NextBytes(bytes);
        File.WriteAllBytes(garbage, bytes);
        string nested = Path.Combine(dir, "nested.jsonl");
        File.WriteAllText(nested, new string('[', 100_000));
        using var session = new ModuleSession();
        var result = session.Run("Import-FaceEncoding -LiteralPath $args[0], $args[1]", garbage, nested);
        Assert.Empty(result.Output);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category));
    }

    [Fact]
    public void AStoppedCachedRunResumesEncodingOnlyWhatIsMissing()
    {
        string dir = TestEnvironment.NewTempDirectory();
        string cache = Path.Combine(dir, "cache");
        using var session = new ModuleSession();
        var frames = session.Run("Export-VideoFrame -LiteralPath $args[0] -OutputPath $args[1]", footage.VideoPath, Path.Combine(dir, "frames"))
            .Objects<VideoFrame>().ToList();
        Assert.Equal(18, frames.Count);

        var output = new PSDataCollection<PSObject>();
        using (var run = session.Start("$args[0] | Get-FaceEncoding -Model Dlib -ThrottleLimit 1 -CachePath $args[1]", output, frames.ToArray(), cache))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            // Committed entries only: an entry being written is a temp file in the same folder until it is renamed.
            while (Directory.Exists(cache) is false || Directory.GetFiles(cache).Count(f => !Path.GetFileName(f).StartsWith(".fctmp-", StringComparison.Ordinal)) < 4)
            {
                Assert.True(DateTime.UtcNow < deadline, "nothing was cached");
                Thread.Sleep(10);
            }
            run.Stop();
        }
        // The image a worker was encoding when Ctrl+C came still finishes (and is cached); nothing else starts.
        Thread.Sleep(3000);
        int cachedAfterStop = Directory.GetFiles(cache).Length;
        Assert.InRange(cachedAfterStop, 4, 17);
        Assert.Empty(Directory.GetFiles(cache, ".fctmp-*"));

        var resumed = session.Run("$args[0] | Get-FaceEncoding -Model Dlib -ThrottleLimit 2 -CachePath $args[1] -Verbose", frames.ToArray(), cache);
        Assert.Empty(resumed.Errors);
        Assert.Contains(resumed.Verbose, v => v == $"{cachedAfterStop} of 18 images came from the cache; {18 - cachedAfterStop} were encoded.");

        var fresh = session.Run("$args[0] | Get-FaceEncoding -Model Dlib -ThrottleLimit 2", (object)frames.ToArray());
        Assert.Empty(fresh.Errors);
        var uninterrupted = fresh.Objects<FaceEncoding>().ToList();
        Assert.Equal(uninterrupted.Count, resumed.Objects<FaceEncoding>().Count());
        var resumedFaces = resumed.Objects<FaceEncoding>().ToList();
        Assert.Equal(uninterrupted.Select(f => f.Id), resumedFaces.Select(f => f.Id));
        Assert.Equal(uninterrupted.Select(f => f.FrameIndex), resumedFaces.Select(f => f.FrameIndex));
        for (int i = 0; i < uninterrupted.Count; i++) Assert.Equal(uninterrupted[i].Descriptor, resumedFaces[i].Descriptor);
    }
}
