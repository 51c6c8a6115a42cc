using Person = global::FaceCluster.FaceCluster;

namespace FaceCluster.Tests;

/// <summary>The FaceRes descriptor through the cmdlets: -Model, the cache, the store and the model's default thresholds.</summary>
public class FaceResCmdletTests
{
    private const string FaceResName = "hse_faceres_vggface2_1024";

    [Fact]
    public void ModelFaceResGivesUnitLength1024dDescriptorsAndTheCacheKeepsTheModelsApart()
    {
        string cache = TestEnvironment.NewTempDirectory();
        using var session = new ModuleSession();
        var dlib = session.Run("Get-FaceEncoding -Model Dlib -LiteralPath $args[0] -CachePath $args[1]", TestEnvironment.DemoPhoto(2), cache);
        var faceRes = session.Run("Get-FaceEncoding -LiteralPath $args[0] -CachePath $args[1] -Model FaceRes", TestEnvironment.DemoPhoto(2), cache);
        Assert.Empty(dlib.Errors);
        Assert.Empty(faceRes.Errors);
        var d = dlib.Objects<FaceEncoding>().ToList();
        var f = faceRes.Objects<FaceEncoding>().ToList();
        Assert.Equal(d.Select(x => x.Id), f.Select(x => x.Id)); // same detector, same boxes
        Assert.All(d, x => Assert.Equal(128, x.Descriptor.Length));
        Assert.All(f, x =>
        {
            Assert.Equal(FaceResName, x.Model);
            Assert.Equal(1024, x.Descriptor.Length);
            Assert.Equal(1.0, Math.Sqrt(x.Descriptor.Sum(v => (double)v * v)), 4);
        });
        // One cache entry per model; the rerun with FaceRes comes from its own entry.
        Assert.Equal(2, Directory.GetFiles(cache, "*.jsonl").Length);
        var again = session.Run("Get-FaceEncoding -LiteralPath $args[0] -CachePath $args[1] -Model FaceRes", TestEnvironment.DemoPhoto(2), cache);
        Assert.Equal(f.Select(x => x.Descriptor), again.Objects<FaceEncoding>().Select(x => x.Descriptor));
        Assert.Equal(2, Directory.GetFiles(cache, "*.jsonl").Length);
    }

    [Fact]
    public void FaceResFacesRoundTripTheStoreAndClusterWithTheModelsThresholds()
    {
        string dir = TestEnvironment.NewTempDirectory();
        string store = Path.Combine(dir, "faces.jsonl");
        using var session = new ModuleSession();
        var photos = TestEnvironment.DemoPhotos.ToArray();
        var encoded = session.Run("Get-FaceEncoding -LiteralPath $args[0] -Model FaceRes | Export-FaceEncoding -Path $args[1] -PassThru", (object)photos, store);
        Assert.Empty(encoded.Errors);
        var faces = encoded.Objects<FaceEncoding>().ToList();
        Assert.Equal(22, faces.Count);

        var imported = session.Run("Import-FaceEncoding -Path $args[0]", store).Objects<FaceEncoding>().ToList();
        Assert.Equal(faces.Select(x => x.Descriptor), imported.Select(x => x.Descriptor));
        Assert.All(imported, x => Assert.Equal(FaceResName, x.Model));

        // No threshold given: FaceRes's calibrated values (Chinese whispers 0.8, average linkage 0.85). The 22 faces are
        // 21 people: one woman is in two photos, 0.76 apart, which dlib's 0.5 would split; two different people are
        // about 0.9 apart, which average linkage at 0.9 merged.
        var clusters = session.Run("Import-FaceEncoding -Path $args[0] | Invoke-FaceClustering", store);
        Assert.Empty(clusters.Errors);
        Assert.Equal(21, clusters.Objects<Person>().Count(c => !c.IsNoise));
        var average = session.Run("Import-FaceEncoding -Path $args[0] | Invoke-FaceClustering -Algorithm Agglomerative", store);
        var averageSizes = string.Join(",", average.Objects<Person>().Where(c => !c.IsNoise).Select(c => c.Count));
        Assert.True(average.Objects<Person>().Count(c => !c.IsNoise) == 21, $"average linkage: {averageSizes}");

        // Find-FaceCluster without -Threshold files a known face under its person.
        var people = clusters.Objects<Person>().ToArray();
        var matches = session.Run("$args[1] | Find-FaceCluster -Reference $args[0]", people, faces.Take(3).ToArray()).Objects<FaceMatch>().ToList();
        Assert.Equal(3, matches.Count);
        Assert.All(matches, m => Assert.False(m.IsUnknown));

        // Mixed models are refused.
        var dlib = session.Run("Get-FaceEncoding -Model Dlib -LiteralPath $args[0]", TestEnvironment.DemoPhoto(1)).Objects<FaceEncoding>().ToArray();
        var mixed = session.Run("$args[0] | Invoke-FaceClustering", (object)faces.Concat(dlib).ToArray());
        Assert.Equal(["StoreModelMismatch"], mixed.ErrorIds);
    }
}
