namespace FaceCluster.Tests;

/// <summary>Where the build put the models and the npm demo photos (real faces) that tests run on.</summary>
public static class TestEnvironment
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ModuleDirectory => Path.Combine(RepositoryRoot, "artifacts", "FaceCluster");
    public static string ModelDirectory => Path.Combine(ModuleDirectory, "models");
    public static string NpmCache => Path.Combine(RepositoryRoot, "obj", "models", "npm", "node_modules");
    public static string FaceApiPackage => Path.Combine(NpmCache, "@vladmandic", "face-api");
    public static string MediaPipePackage => Path.Combine(NpmCache, "@mediapipe", "face_detection");

    /// <summary>sample1.jpg .. sample6.jpg from the face-api package: real photos of real people.</summary>
    public static string DemoPhoto(int number) => Path.Combine(FaceApiPackage, "demo", $"sample{number}.jpg");
    public static IEnumerable<string> DemoPhotos => Enumerable.Range(1, 6).Select(DemoPhoto);

    /// <summary>Committed test data (tests/data), copied next to the test assembly.</summary>
    public static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    public static string NewTempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "facecluster-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceCluster.PowerShell.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("FaceCluster.PowerShell.sln not found above " + AppContext.BaseDirectory);
    }
}
