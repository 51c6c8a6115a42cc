using System.Text.Json;
using FaceCluster.Models;
using FaceCluster.Tests;
using OpenCvSharp;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Models;

/// <summary>One ONNX Runtime session for all descriptor tests.</summary>
public sealed class DescriptorNetworkFixture : IDisposable
{
    public DescriptorNetworkFixture()
    {
        ModelPath = ModelCatalog.GetVerifiedPath(ModelCatalog.Descriptor, TestEnvironment.ModelDirectory);
        Network = new FaceDescriptorNetwork(ModelPath, intraOpThreads: 1);
        Golden = GoldenSet.Load();
    }

    public string ModelPath { get; }
    public FaceDescriptorNetwork Network { get; }
    public IReadOnlyList<GoldenChip> Golden { get; }

    public void Dispose() => Network.Dispose();
}

public sealed record GoldenChip(string File, float[] Descriptor)
{
    public Mat Read()
    {
        var mat = Cv2.ImRead(TestEnvironment.Data("golden", File), ImreadModes.Color);
        Assert.False(mat.Empty(), $"could not read {File}");
        return mat;
    }
}

public static class GoldenSet
{
    /// <summary>tests/data/golden/descriptors.json, written by tools/golden-descriptors/make-golden.mjs (face-api itself);
    /// with <paramref name="folder"/>, that subfolder's descriptors.json (its images and reference outputs).</summary>
    public static IReadOnlyList<GoldenChip> Load(string? folder = null, string list = "chips")
    {
        string[] json = folder is null ? ["golden", "descriptors.json"] : ["golden", folder, "descriptors.json"];
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestEnvironment.Data(json)));
        return doc.RootElement.GetProperty(list).EnumerateArray()
            .Select(c => new GoldenChip(
                folder is null ? c.GetProperty("file").GetString()! : Path.Combine(folder, c.GetProperty("file").GetString()!),
                c.GetProperty("descriptor").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()))
            .ToList();
    }

    /// <summary>All images of a golden set, disposed together.</summary>
    public static GoldenImages ReadAll(IEnumerable<GoldenChip> golden) => new(golden.Select(g => g.Read()));
}

public sealed class GoldenImages(IEnumerable<Mat> images) : List<Mat>(images), IDisposable
{
    public void Dispose() => ForEach(m => m.Dispose());
}

public sealed class DescriptorModelTests(DescriptorNetworkFixture fixture, ITestOutputHelper output) : IClassFixture<DescriptorNetworkFixture>
{
    private const float GoldenTolerance = 1e-4f;

    [Fact]
    public void GoldenSetHasEnoughChips()
    {
        Assert.True(fixture.Golden.Count >= 8, $"only {fixture.Golden.Count} golden chips");
        Assert.All(fixture.Golden, g => Assert.Equal(FaceEncoding.DescriptorLength, g.Descriptor.Length));
    }

    [Fact]
    public void DescriptorsMatchFaceApi()
    {
        var chips = fixture.Golden.Select(g => g.Read()).ToList();
        try
        {
            var descriptors = fixture.Network.Compute(chips);
            float max = 0;
            for (int i = 0; i < chips.Count; i++)
            {
                float distance = FaceDistance.Euclidean(descriptors[i], fixture.Golden[i].Descriptor);
                output.WriteLine($"{fixture.Golden[i].File}: L2 difference to face-api {distance:E3}");
                max = MathF.Max(max, distance);
                Assert.True(distance < GoldenTolerance, $"{fixture.Golden[i].File}: L2 difference {distance:E3} to face-api's descriptor exceeds {GoldenTolerance:E0}");
            }
            output.WriteLine($"max L2 difference to face-api over {chips.Count} chips: {max:E3}");
        }
        finally
        {
            chips.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void OutputHasExpectedShapeAndNorm()
    {
        using var chip = fixture.Golden[0].Read();
        var descriptor = fixture.Network.Compute(chip);
        Assert.Equal(FaceDescriptorNetwork.DescriptorLength, descriptor.Length);
        Assert.All(descriptor, v => Assert.True(float.IsFinite(v)));
        float norm = FaceDistance.Euclidean(descriptor, new float[descriptor.Length]);
        output.WriteLine($"|descriptor| = {norm:F4}");
        Assert.InRange(norm, 1.2f, 1.7f); // dlib's descriptors are not normalised; ~1.45 on real faces
    }

    [Fact]
    public void BatchOfEightEqualsEightSingles()
    {
        var chips = fixture.Golden.Take(8).Select(g => g.Read()).ToList();
        try
        {
            Assert.Equal(8, chips.Count);
            var batch = fixture.Network.Compute(chips);
            Assert.Equal(8, batch.Length);
            for (int i = 0; i < chips.Count; i++)
            {
                var single = fixture.Network.Compute(chips[i]);
                float distance = FaceDistance.Euclidean(batch[i], single);
                Assert.True(distance < 1e-5f, $"chip {i}: batch and single differ by {distance:E3}");
            }
        }
        finally
        {
            chips.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void ChipsInSubMatricesAreRead()
    {
        // A chip that is a view into a larger image (non-contiguous rows) gives the same descriptor as a copy.
        using var chip = fixture.Golden[1].Read();
        using var canvas = new Mat(200, 220, MatType.CV_8UC3, Scalar.All(0));
        using var view = new Mat(canvas, new Rect(30, 20, 150, 150));
        chip.CopyTo(view);
        Assert.False(view.IsContinuous());
        var a = fixture.Network.Compute(chip);
        var b = fixture.Network.Compute(view);
        Assert.Equal(a, b);
    }

    [Fact]
    public void WrongChipSizeIsRejected()
    {
        using var chip = new Mat(100, 100, MatType.CV_8UC3, Scalar.All(0));
        Assert.Throws<ArgumentException>(() => fixture.Network.Compute(chip));
    }

    [Fact]
    public void SamePersonIsCloserThanDifferentPeople()
    {
        // Sanity check on real faces: every golden chip is a different person, so all pairs are far apart.
        var d = fixture.Golden.Select(g => g.Descriptor).ToList();
        for (int i = 0; i < d.Count; i++)
        for (int j = i + 1; j < d.Count; j++)
            Assert.True(FaceDistance.Euclidean(d[i], d[j]) > 0.3f, $"chips {i} and {j} are unexpectedly close");
    }
}
