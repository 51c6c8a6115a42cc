using FaceCluster.Models;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace FaceCluster.Tests.Models;

public sealed class OpenCvDnnTests(DescriptorNetworkFixture fixture) : IClassFixture<DescriptorNetworkFixture>
{
    [Fact]
    public void OpenCvDnnRunsTheSameModelAndMatchesFaceApi()
    {
        // The .onnx uses only plain opset-13 operators (Conv, Relu, MaxPool, AveragePool, Pad, Add,
        // GlobalAveragePool, Flatten, MatMul), so OpenCV's importer runs it too.
        var chips = fixture.Golden.Take(4).Select(g => g.Read()).ToList();
        try
        {
            using var net = CvDnn.ReadNetFromOnnx(fixture.ModelPath)!;
            using var blob = CvDnn.BlobFromImages(chips, 1.0, new Size(150, 150), new Scalar(), swapRB: true, crop: false);
            net.SetInput(blob, FaceRecognitionModelConverter.InputName);
            using var output = net.Forward(FaceRecognitionModelConverter.OutputName);
            Assert.True(output.GetArray(out float[] values));
            Assert.Equal(chips.Count * 128, values.Length);
            for (int i = 0; i < chips.Count; i++)
            {
                float distance = FaceDistance.Euclidean(values.AsSpan(i * 128, 128), fixture.Golden[i].Descriptor);
                Assert.True(distance < 1e-4f, $"{fixture.Golden[i].File}: OpenCV DNN differs from face-api by {distance:E3}");
            }
        }
        finally
        {
            chips.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void ComputeIsThreadSafe()
    {
        var chips = fixture.Golden.Take(4).Select(g => g.Read()).ToList();
        try
        {
            var expected = chips.Select(c => fixture.Network.Compute(c)).ToList();
            var results = new float[8][];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
                i => results[i] = fixture.Network.Compute(chips[i % chips.Count]));
            for (int i = 0; i < results.Length; i++) Assert.Equal(expected[i % chips.Count], results[i]);
        }
        finally
        {
            chips.ForEach(c => c.Dispose());
        }
    }
}
