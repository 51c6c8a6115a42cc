using System.Management.Automation;

namespace FaceCluster.Tests;

public class GetFaceEncodingTests
{
    [Fact]
    public void EncodesTheFacesOfRealPhotosAsTypedObjects()
    {
        using var session = new ModuleSession();
        var result = session.Run("Get-FaceEncoding -Model Dlib -LiteralPath $args[0]", TestEnvironment.DemoPhoto(2));
        Assert.Empty(result.Errors);
        var faces = result.Objects<FaceEncoding>().ToList();
        Assert.NotEmpty(faces);
        Assert.All(faces, face =>
        {
            Assert.Equal(TestEnvironment.DemoPhoto(2), face.Path);
            Assert.Equal(128, face.Descriptor.Length);
            Assert.All(face.Descriptor, value => Assert.True(float.IsFinite(value)));
            Assert.InRange(face.Confidence, 0.5f, 1f);
            Assert.True(face.Sharpness > 0);
            Assert.Equal("dlib_face_recognition_resnet_model_v1", face.Model);
            Assert.Matches("^[0-9a-f]{16}$", face.Id);
        });
        Assert.Equal(faces.Count, faces.Select(f => f.Id).Distinct().Count());
    }

    [Fact]
    public void BadInputsGiveTheirErrorsAndTheGoodFilesStillGiveFaces()
    {
        string dir = TestEnvironment.NewTempDirectory();
        string corrupt = Path.Combine(dir, "corrupt.jpg");
        byte[] photo = File.ReadAllBytes(TestEnvironment.DemoPhoto(1));
        File.WriteAllBytes(corrupt, photo[..(photo.Length / 50)].Concat(new byte[4096]).ToArray()); // a JPEG header, then nothing usable
        File.WriteAllBytes(Path.Combine(dir, "empty.jpg"), []);
        File.WriteAllText(Path.Combine(dir, "notes.jpg"), "this is a text file, not an image");
        string good = Path.Combine(dir, "good.jpg");
        File.Copy(TestEnvironment.DemoPhoto(3), good);
        string missing = Path.Combine(dir, "missing.jpg");
        string subdirectory = Directory.CreateDirectory(Path.Combine(dir, "folder")).FullName;

        using var session = new ModuleSession();
        var result = session.Run(
            "Get-FaceEncoding -Model Dlib -LiteralPath $args[0], $args[1], $args[2], $args[3], $args[4], $args[5] -ThrottleLimit 2",
            Path.Combine(dir, "empty.jpg"), Path.Combine(dir, "notes.jpg"), missing, good, subdirectory, corrupt);

        Assert.NotEmpty(result.Objects<FaceEncoding>());
        Assert.All(result.Objects<FaceEncoding>(), f => Assert.Equal(good, f.Path));
        var errors = result.Errors.ToDictionary(e => Path.GetFileName(e.TargetObject?.ToString() ?? ""), e => e);
        Assert.Equal("PathNotFound", errors["missing.jpg"].FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.ObjectNotFound, errors["missing.jpg"].CategoryInfo.Category);
        Assert.Equal("NoImagesInFolder", errors["folder"].FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.ObjectNotFound, errors["folder"].CategoryInfo.Category);
        foreach (var name in new[] { "empty.jpg", "notes.jpg", "corrupt.jpg" })
        {
            Assert.Equal("ImageDecodeFailed", errors[name].FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.InvalidData, errors[name].CategoryInfo.Category);
        }
        Assert.Equal(5, result.Errors.Count);
        Assert.StartsWith("ImageDecodeFailed,FaceCluster.PowerShell.Commands.GetFaceEncodingCommand", errors["notes.jpg"].FullyQualifiedErrorId);
    }

    [Fact]
    public void APhotoFolderGivesTheFacesOfItsImagesAndRecurseAddsItsSubfolders()
    {
        string dir = TestEnvironment.NewTempDirectory();
        File.Copy(TestEnvironment.DemoPhoto(1), Path.Combine(dir, "b.JPG"));
        File.Copy(TestEnvironment.DemoPhoto(3), Path.Combine(dir, "a.jpeg"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a photo, and not an error either");
        File.Copy(TestEnvironment.DemoPhoto(2), Path.Combine(dir, ".hidden.jpg"));
        string sub = Directory.CreateDirectory(Path.Combine(dir, "day2")).FullName;
        File.Copy(TestEnvironment.DemoPhoto(4), Path.Combine(sub, "c.png.jpg"));
        string empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;

        using var session = new ModuleSession();
        var flat = session.Run("Get-FaceEncoding -Model Dlib -Path $args[0] -Verbose", dir);
        Assert.Empty(flat.Errors);
        // Ordinal order of the full paths: a.jpeg (photo 3, three faces) before b.JPG (photo 1, three faces).
        Assert.Equal([Path.Combine(dir, "a.jpeg"), Path.Combine(dir, "b.JPG")], flat.Objects<FaceEncoding>().Select(f => f.Path).Distinct());
        Assert.Equal(6, flat.Objects<FaceEncoding>().Count());
        Assert.Contains(flat.Verbose, v => v.Contains("2 image files", StringComparison.Ordinal));

        var deep = session.Run("Get-FaceEncoding -Model Dlib -Path $args[0] -Recurse -ThrottleLimit 2", dir);
        Assert.Empty(deep.Errors);
        Assert.Equal([Path.Combine(dir, "a.jpeg"), Path.Combine(dir, "b.JPG"), Path.Combine(sub, "c.png.jpg")],
            deep.Objects<FaceEncoding>().Select(f => f.Path).Distinct());
        Assert.Equal(10, deep.Objects<FaceEncoding>().Count());

        var nothing = session.Run("Get-FaceEncoding -Model Dlib -LiteralPath $args[0]", empty);
        var error = Assert.Single(nothing.Errors);
        Assert.Equal("NoImagesInFolder", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(empty, error.TargetObject);
        Assert.Empty(nothing.Output);
    }

    [Fact]
    public void ThrottleLimitDoesNotChangeTheObjectsOrTheirOrder()
    {
        using var session = new ModuleSession();
        string photos = Path.Combine(TestEnvironment.FaceApiPackage, "demo", "sample?.jpg");
        var one = session.Run("Get-FaceEncoding -Model Dlib -Path $args[0] -ThrottleLimit 1", photos).Objects<FaceEncoding>().ToList();
        var four = session.Run("Get-FaceEncoding -Model Dlib -Path $args[0] -ThrottleLimit 4", photos).Objects<FaceEncoding>().ToList();
        Assert.True(one.Count >= 15, $"only {one.Count} faces in the six demo photos");
        Assert.Equal(one.Select(f => f.Id), four.Select(f => f.Id));
        Assert.Equal(one.Select(f => f.Path), four.Select(f => f.Path));
        for (int i = 0; i < one.Count; i++)
        {
            Assert.Equal(one[i].Box, four[i].Box);
            Assert.Equal(one[i].Descriptor, four[i].Descriptor);
        }
        // Input order: the wildcard expands sorted, so paths never go backwards.
        Assert.Equal(one.Select(f => f.Path).Order(StringComparer.Ordinal), one.Select(f => f.Path));
    }

    [Fact]
    public void FileInfoAndStringsBindFromThePipeline()
    {
        using var session = new ModuleSession();
        var result = session.Run(
            "[IO.FileInfo]::new($args[0]), $args[1] | Get-FaceEncoding -Model Dlib",
            TestEnvironment.DemoPhoto(4), TestEnvironment.DemoPhoto(5));
        Assert.Empty(result.Errors);
        var paths = result.Objects<FaceEncoding>().Select(f => f.Path).Distinct().ToList();
        Assert.Equal([TestEnvironment.DemoPhoto(4), TestEnvironment.DemoPhoto(5)], paths);
    }

    [Fact]
    public void VideoFramesBindByPropertyAndTheFacesRememberTheirVideo()
    {
        using var session = new ModuleSession();
        var frame = new VideoFrame
        {
            VideoPath = "/videos/party.mp4", Index = 7, Timestamp = TimeSpan.FromSeconds(7),
            Path = TestEnvironment.DemoPhoto(1), Width = 1, Height = 1,
        };
        var result = session.Run("$args[0] | Get-FaceEncoding -Model Dlib", frame);
        Assert.Empty(result.Errors);
        var faces = result.Objects<FaceEncoding>().ToList();
        Assert.NotEmpty(faces);
        Assert.All(faces, f =>
        {
            Assert.Equal("/videos/party.mp4", f.VideoPath);
            Assert.Equal(7, f.FrameIndex);
            Assert.Equal(TimeSpan.FromSeconds(7), f.Timestamp);
        });
    }

    [Fact]
    public void ProgressIsReportedAndEndsWithCompleted()
    {
        using var session = new ModuleSession();
        var result = session.Run("Get-FaceEncoding -Model Dlib -Path $args[0]", Path.Combine(TestEnvironment.FaceApiPackage, "demo", "sample[12].jpg"));
        Assert.NotEmpty(result.Progress);
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Processing && p.StatusDescription.Contains("faces"));
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
    }

    [Fact]
    public void AnImageWithoutFacesGivesNoObjectAndSaysSoVerbosely()
    {
        string dir = TestEnvironment.NewTempDirectory();
        string blank = Path.Combine(dir, "blank.png");
        using (var mat = new OpenCvSharp.Mat(480, 640, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(40, 120, 200)))
        {
            OpenCvSharp.Cv2.ImWrite(blank, mat);
        }
        using var session = new ModuleSession();
        var result = session.Run("Get-FaceEncoding -Model Dlib -LiteralPath $args[0] -Verbose", blank);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.Contains(result.Verbose, v => v.Contains("No face") && v.Contains("blank.png"));
    }

    [Fact]
    public void StopProcessingEndsALongRun()
    {
        using var session = new ModuleSession();
        var inputs = Enumerable.Repeat(TestEnvironment.DemoPhoto(1), 200).ToArray();
        var output = new PSDataCollection<PSObject>();
        using var powerShell = session.Start("$args[0] | Get-FaceEncoding -Model Dlib -ThrottleLimit 2", output, [inputs]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (output.Count == 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.NotEmpty(output);
        // Stop() returns only once the pipeline has ended; how fast is a benchmark matter, not a test's.
        powerShell.Stop();
        Assert.Equal(PSInvocationState.Stopped, powerShell.InvocationStateInfo.State);
        Assert.True(output.Count < 200 * 3, "the run was not stopped");
    }
}
