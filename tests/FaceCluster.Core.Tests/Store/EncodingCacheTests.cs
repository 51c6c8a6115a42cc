using FaceCluster.Store;

namespace FaceCluster.Tests.Store;

public class EncodingCacheTests
{
    [Fact]
    public void MissThenHitIncludingNoFaceAndMovedImage()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var cache = new EncodingCache(Path.Combine(dir, "cache"));
        var image = Path.Combine(dir, "a.jpg");
        var empty = Path.Combine(dir, "b.jpg");
        File.WriteAllBytes(image, [1, 2, 3, 4]);
        File.WriteAllBytes(empty, [5, 6, 7]);
        var key = EncodingCache.SettingsKey("blazeface", 0.5, 20, StoreTestData.Model);

        Assert.False(cache.TryGet(image, key, out _));
        var face = StoreTestData.Face(1, path: Path.GetFullPath(image));
        cache.Put(image, key, StoreTestData.Model, [face]);
        cache.Put(empty, key, StoreTestData.Model, []);

        Assert.True(cache.TryGet(image, key, out var faces));
        StoreTestData.AssertSame(face, Assert.Single(faces));
        Assert.True(cache.TryGet(empty, key, out var none));
        Assert.Empty(none);

        // Other settings: miss.
        Assert.False(cache.TryGet(image, EncodingCache.SettingsKey("blazeface", 0.6, 20, StoreTestData.Model), out _));

        // Same content elsewhere: hit, with the current path.
        var moved = Path.Combine(dir, "sub", "renamed.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(image, moved);
        Assert.True(cache.TryGet(moved, key, out var again));
        Assert.Equal(Path.GetFullPath(moved), Assert.Single(again).Path);
        Assert.Equal(face.Descriptor, again[0].Descriptor);

        // Changed content: miss.
        File.WriteAllBytes(moved, [9, 9]);
        Assert.False(cache.TryGet(moved, key, out _));
    }

    [Fact]
    public void IdsAreRecomputedForMovedImagesWhenAFactoryIsGiven()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var cache = new EncodingCache(Path.Combine(dir, "cache"), f => "id:" + Path.GetFileName(f.Path));
        var image = Path.Combine(dir, "a.jpg");
        File.WriteAllBytes(image, [1, 2, 3]);
        var key = EncodingCache.SettingsKey("d", 0.5, 1, StoreTestData.Model);
        cache.Put(image, key, StoreTestData.Model, [StoreTestData.Face(1, path: image)]);
        var copy = Path.Combine(dir, "copy.jpg");
        File.Copy(image, copy);
        Assert.True(cache.TryGet(copy, key, out var faces));
        Assert.Equal("id:copy.jpg", Assert.Single(faces).Id);
    }

    [Fact]
    public void CorruptEntryIsAMiss()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var cache = new EncodingCache(dir);
        var image = Path.Combine(dir, "a.jpg");
        File.WriteAllBytes(image, [1, 2, 3]);
        var key = EncodingCache.SettingsKey("d", 0.5, 1, StoreTestData.Model);
        var entry = cache.Put(image, key, StoreTestData.Model, [StoreTestData.Face(1, path: image)]);
        File.WriteAllBytes(entry, File.ReadAllBytes(entry)[..^50]);
        Assert.False(cache.TryGet(image, key, out _));
        cache.Put(image, key, StoreTestData.Model, [StoreTestData.Face(1, path: image)]);
        Assert.True(cache.TryGet(image, key, out _));
    }
}
