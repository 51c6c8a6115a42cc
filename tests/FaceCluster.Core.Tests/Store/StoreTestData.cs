namespace FaceCluster.Tests.Store;

internal static class StoreTestData
{
    public const string Model = "test-model-v1";

    public static FaceEncoding Face(int seed, string? model = null, string? id = null, string? path = null)
    {
        var rng = new Random(seed);
        var descriptor = new float[FaceEncoding.DescriptorLength];
        for (int i = 0; i < descriptor.Length; i++) descriptor[i] = (float)(rng.NextDouble() * 2 - 1) / 3f;
        descriptor[0] = float.Epsilon;           // subnormal
        descriptor[1] = 0.1f;                    // not exactly representable
        descriptor[2] = -0f;
        descriptor[3] = 1.0000001f;
        descriptor[4] = float.MaxValue;
        float P() => (float)(rng.NextDouble() * 100 + 50);
        return new FaceEncoding
        {
            Id = id ?? $"face-{seed}",
            Path = path ?? $"/photos/ü ñ \"quoted\"\\dir/img{seed}.jpg",
            VideoPath = seed % 2 == 0 ? "/videos/clip.mp4" : null,
            FrameIndex = seed % 2 == 0 ? seed : null,
            Timestamp = seed % 2 == 0 ? TimeSpan.FromTicks(12_345_678_901 + seed) : null,
            // Shot and track are optional: odd seeds have neither, as records of stores written before them.
            Shot = seed % 2 == 0 ? seed / 4 : null,
            TrackId = seed % 4 == 0 ? $"clip#0a1b2c3d/s{seed / 4}/f{seed}/0" : null,
            ImageWidth = 640,
            ImageHeight = 480,
            Box = new FaceBox(10.25f + seed % 7, 20.1f, 100.333f, 120.7f),
            Landmarks = new FaceLandmarks(new(P(), P()), new(P(), P()), new(P(), P()), new(P(), P()), new(P(), P()), new(P(), P())),
            Confidence = (float)rng.NextDouble(),
            Sharpness = rng.NextDouble() * 1000 + 1e-300,
            Descriptor = descriptor,
            Model = model ?? Model,
        };
    }

    public static void AssertSame(FaceEncoding expected, FaceEncoding actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Path, actual.Path);
        Assert.Equal(expected.VideoPath, actual.VideoPath);
        Assert.Equal(expected.FrameIndex, actual.FrameIndex);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.Shot, actual.Shot);
        Assert.Equal(expected.TrackId, actual.TrackId);
        Assert.Equal(expected.ImageWidth, actual.ImageWidth);
        Assert.Equal(expected.ImageHeight, actual.ImageHeight);
        Assert.Equal(expected.Box, actual.Box);
        Assert.Equal(expected.Landmarks, actual.Landmarks);
        Assert.Equal(BitConverter.SingleToInt32Bits(expected.Confidence), BitConverter.SingleToInt32Bits(actual.Confidence));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Sharpness), BitConverter.DoubleToInt64Bits(actual.Sharpness));
        Assert.Equal(expected.Descriptor.Select(BitConverter.SingleToInt32Bits), actual.Descriptor.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected.Model, actual.Model);
    }
}
