using FaceCluster.Models;
using FaceCluster.Tests;

namespace FaceCluster.Tests.Models;

public sealed class ModelCatalogTests
{
    [Fact]
    public void ShippedModelsVerify()
    {
        foreach (var model in ModelCatalog.All)
        {
            var path = ModelCatalog.GetVerifiedPath(model, TestEnvironment.ModelDirectory);
            Assert.Equal(Path.Combine(Path.GetFullPath(TestEnvironment.ModelDirectory), model.FileName), path);
            Assert.Equal(64, model.Sha256.Length);
        }
    }

    [Fact]
    public void CorruptedModelIsRefused()
    {
        var dir = TestEnvironment.NewTempDirectory();
        try
        {
            var model = ModelCatalog.Descriptor;
            var copy = Path.Combine(dir, model.FileName);
            File.Copy(Path.Combine(TestEnvironment.ModelDirectory, model.FileName), copy);
            using (var stream = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite))
            {
                stream.Position = stream.Length / 2;
                int b = stream.ReadByte();
                stream.Position = stream.Length / 2;
                stream.WriteByte((byte)(b ^ 0x01));
            }

            var e = Assert.Throws<ModelIntegrityException>(() => ModelCatalog.GetVerifiedPath(model, dir));
            Assert.Contains(model.FileName, e.Message);
            Assert.Contains(model.Sha256, e.Message);
            Assert.Contains(e.ActualSha256, e.Message);
            Assert.Contains("rebuild the module", e.Message, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual(model.Sha256, e.ActualSha256);
            // Failures are not cached as successes: asking again fails again.
            Assert.Throws<ModelIntegrityException>(() => ModelCatalog.GetVerifiedPath(model, dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingModelIsReported()
    {
        var dir = TestEnvironment.NewTempDirectory();
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => ModelCatalog.GetVerifiedPath(ModelCatalog.DetectorShortRange, dir));
            Assert.Contains(ModelCatalog.DetectorShortRange.FileName, e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void VerificationIsThreadSafe()
    {
        var paths = new string[8];
        Parallel.For(0, paths.Length, i => paths[i] = ModelCatalog.GetVerifiedPath(ModelCatalog.DetectorFullRange, TestEnvironment.ModelDirectory));
        Assert.All(paths, p => Assert.Equal(paths[0], p));
    }

    [Fact]
    public void DefaultDirectoryIsNextToCoreAssembly()
    {
        var coreDir = Path.GetDirectoryName(typeof(ModelCatalog).Assembly.Location)!;
        Assert.Equal(Path.Combine(coreDir, "models"), ModelCatalog.DefaultDirectory);
    }

    [Fact]
    public void ConverterIsDeterministicAndMatchesPinnedHash()
    {
        // Needs the npm cache that prepare fills (obj/models/npm); the build always has it.
        var manifest = Path.Combine(TestEnvironment.FaceApiPackage, "model", "face_recognition_model-weights_manifest.json");
        Assert.True(File.Exists(manifest), $"{manifest} not found: build the solution (or run ModelTool prepare) first");
        var weights = TfjsWeights.Load(manifest);
        var bytes = FaceRecognitionModelConverter.Convert(weights);
        Assert.Equal(ModelCatalog.Descriptor.Sha256, ModelCatalog.ComputeSha256(bytes));
    }

    [Fact]
    public void WeightsDequantiseAsInTfjs()
    {
        var manifest = Path.Combine(TestEnvironment.FaceApiPackage, "model", "face_recognition_model-weights_manifest.json");
        Assert.True(File.Exists(manifest), $"{manifest} not found");
        var weights = TfjsWeights.Load(manifest);
        Assert.Equal(new[] { 7, 7, 3, 32 }, weights["conv32_down/conv/filters"].Shape);
        Assert.Equal(new[] { 256, 128 }, weights["fc"].Shape);
        // 29 convolutions with filters, bias and scale weights/biases, plus fc.
        Assert.Equal(29 * 4 + 1, weights.Count);
    }
}

public sealed class FaceDistanceTests
{
    [Fact]
    public void EuclideanMatchesNaive()
    {
        var random = new Random(7);
        var a = Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        double naive = Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());
        Assert.Equal(naive, FaceDistance.Euclidean(a, b), 5);
        Assert.Equal(0f, FaceDistance.Euclidean(a, a));
        Assert.Equal(0.6f, FaceDistance.DefaultTolerance);
        Assert.Throws<ArgumentException>(() => FaceDistance.Euclidean(a, b.AsSpan(1)));
    }
}
