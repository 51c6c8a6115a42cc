using System.Text.Json;
using FaceCluster.Models;
using FaceCluster.Tests;
using OpenCvSharp;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Models;

/// <summary>One ONNX Runtime session and the golden crops for all FaceRes tests.</summary>
public sealed class FaceResNetworkFixture : IDisposable
{
    public FaceResNetworkFixture()
    {
        Network = new FaceResNetwork(ModelCatalog.GetVerifiedPath(ModelCatalog.FaceRes, TestEnvironment.ModelDirectory), intraOpThreads: 1);
        Golden = GoldenSet.Load("faceres", "crops");
    }

    public FaceResNetwork Network { get; }

    /// <summary>tests/data/golden/faceres: 224x224 crops and the original TF.js graph's raw output on each
    /// (tools/golden-descriptors/make-golden-faceres.mjs, tfjs cpu backend).</summary>
    public IReadOnlyList<GoldenChip> Golden { get; }

    public void Dispose() => Network.Dispose();
}

public sealed class FaceResModelTests(FaceResNetworkFixture fixture, ITestOutputHelper output) : IClassFixture<FaceResNetworkFixture>
{
    private const float GoldenTolerance = 1e-4f;

    private static float[] Normalised(float[] v)
    {
        float norm = FaceDistance.Euclidean(v, new float[v.Length]);
        return v.Select(x => x / norm).ToArray();
    }

    [Fact]
    public void ConverterIsDeterministicAndMatchesPinnedHash()
    {
        var graph = Path.Combine(TestEnvironment.NpmCache, "@vladmandic", "human-models", "models", "faceres.json");
        Assert.True(File.Exists(graph), $"{graph} not found: build the solution (or run ModelTool prepare) first");
        var model = TfjsGraphModel.Load(graph);
        Assert.Equal(ModelCatalog.FaceRes.Sha256, ModelCatalog.ComputeSha256(FaceResModelConverter.Convert(model)));
        Assert.Equal(ModelCatalog.FaceRes.Sha256, ModelCatalog.ComputeSha256(FaceResModelConverter.Convert(model)));
        // float16 weights dequantised; the Mean's axes are the graph's one int32 constant.
        Assert.Equal(new[] { 3, 3, 3, 32 }, model.Weights["conv1/convolution/merged_input"].Shape);
        Assert.Equal(new[] { 1, 2 }, model.Weights["global_pooling/Mean/reduction_indices"].Int32Values);
        Assert.True(fixture.Golden.Count >= 6, $"only {fixture.Golden.Count} golden crops");
        Assert.All(fixture.Golden, g => Assert.Equal(FaceResNetwork.DescriptorLength, g.Descriptor.Length));
    }

    [Fact]
    public void DescriptorsMatchTheTfjsGraph()
    {
        using var crops = GoldenSet.ReadAll(fixture.Golden);
        var raw = fixture.Network.ComputeRaw(crops);
        var unit = fixture.Network.Compute(crops);
        for (int i = 0; i < crops.Count; i++)
        {
            var reference = fixture.Golden[i].Descriptor;
            float rawDistance = FaceDistance.Euclidean(raw[i], reference);
            float norm = FaceDistance.Euclidean(reference, new float[reference.Length]);
            float distance = FaceDistance.Euclidean(unit[i], Normalised(reference));
            output.WriteLine($"{fixture.Golden[i].File}: |tfjs| {norm:0.000}, raw L2 difference {rawDistance:E3}, unit L2 difference {distance:E3}");
            Assert.True(distance < GoldenTolerance, $"{fixture.Golden[i].File}: L2 difference {distance:E3} to the TF.js graph exceeds {GoldenTolerance:E0}");
            Assert.True(rawDistance < GoldenTolerance * norm, $"{fixture.Golden[i].File}: raw L2 difference {rawDistance:E3}");
        }
    }

    [Fact]
    public void OutputIsUnitLength()
    {
        using var crop = fixture.Golden[0].Read();
        var descriptor = fixture.Network.Compute([crop])[0];
        Assert.Equal(1024, descriptor.Length);
        Assert.All(descriptor, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1f, FaceDistance.Euclidean(descriptor, new float[descriptor.Length]), 5);
    }

    [Fact]
    public void BatchEqualsSingles()
    {
        using var crops = GoldenSet.ReadAll(fixture.Golden);
        var batch = fixture.Network.Compute(crops);
        for (int i = 0; i < crops.Count; i++)
        {
            float distance = FaceDistance.Euclidean(batch[i], fixture.Network.Compute([crops[i]])[0]);
            Assert.True(distance < 1e-5f, $"crop {i}: batch and single differ by {distance:E3}");
        }
    }

    [Fact]
    public void CropIsTheEnlargedSquareAboutTheBoxBlackOutsideTheImage()
    {
        using var image = new Mat(100, 200, MatType.CV_8UC3, new Scalar(10, 20, 30));
        // A 40x50 box at the left edge: the square is 70 px (50 x 1.4) about (20, 45), so its left 15 px are outside.
        using var crop = FaceResNetwork.Crop(image, new FaceBox(0, 20, 40, 50));
        Assert.Equal(new Size(224, 224), crop.Size());
        var outside = crop.At<Vec3b>(112, 10);
        var inside = crop.At<Vec3b>(112, 150);
        Assert.Equal(new Vec3b(0, 0, 0), outside);
        Assert.Equal(new Vec3b(10, 20, 30), inside);
    }

    [Fact]
    public void CropsOfAFaceInDifferentPhotosOfOnePersonAreCloserThanOtherPeople()
    {
        // demo-people.json: face 1/2 and face 3/1 (indices into demo-faces.json's boxes) are one woman; every other
        // face is someone else. The annotated boxes are BlazeFace-style, so they stand in for the detector's.
        var faces = new List<(string Name, float[] Descriptor)>();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestEnvironment.Data("detection", "demo-faces.json")));
        int photo = 0;
        foreach (var entry in doc.RootElement.EnumerateArray())
        {
            photo++;
            using var image = global::FaceCluster.Imaging.ImageLoader.Load(Path.Combine(TestEnvironment.FaceApiPackage, "demo", entry.GetProperty("file").GetString()!));
            var boxes = entry.GetProperty("faces").EnumerateArray()
                .Select(b => b.EnumerateArray().Select(v => v.GetSingle()).ToArray())
                .Select(b => new FaceBox(b[0], b[1], b[2], b[3])).ToList();
            var descriptors = fixture.Network.Compute(image, boxes);
            for (int i = 0; i < boxes.Count; i++) faces.Add(($"{photo}/{i}", descriptors[i]));
        }
        Assert.Equal(22, faces.Count);
        var same = FaceDistance.Euclidean(faces.Single(f => f.Name == "1/2").Descriptor, faces.Single(f => f.Name == "3/1").Descriptor);
        double closestDifferent = double.MaxValue;
        string closestPair = "";
        for (int i = 0; i < faces.Count; i++)
        for (int j = i + 1; j < faces.Count; j++)
        {
            if ((faces[i].Name, faces[j].Name) is ("1/2", "3/1")) continue;
            float d = FaceDistance.Euclidean(faces[i].Descriptor, faces[j].Descriptor);
            if (d < closestDifferent) (closestDifferent, closestPair) = (d, $"{faces[i].Name}-{faces[j].Name}");
        }
        output.WriteLine($"same person 1/2-3/1: {same:0.000}; closest different people {closestPair}: {closestDifferent:0.000}; margin {closestDifferent - same:0.000}");
        Assert.True(same < closestDifferent, $"the same woman ({same:0.000}) is further apart than {closestPair} ({closestDifferent:0.000})");
    }
}
