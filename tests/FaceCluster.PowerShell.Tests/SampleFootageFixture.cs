using FaceCluster.Video;

namespace FaceCluster.Tests;

/// <summary>Short footage panned and zoomed across the demo photos, made once per test class that asks for it.</summary>
public sealed class SampleFootageFixture : IDisposable
{
    public SampleFootageFixture()
    {
        Directory = TestEnvironment.NewTempDirectory();
        VideoPath = Path.Combine(Directory, "footage.mp4");
        Truth = SampleFootage.Create(TestEnvironment.DemoPhotos.ToList(), VideoPath,
            new SampleFootageOptions { SecondsPerPhoto = 3, Width = 960, Height = 540 });
    }

    public string Directory { get; }
    public string VideoPath { get; }
    public SampleFootageTruth Truth { get; }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
