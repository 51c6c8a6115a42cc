using OpenCvSharp;

namespace FaceCluster.Models;

/// <summary>A face descriptor model in ONNX Runtime, as <see cref="Recognition.FaceEncoder"/> uses it.</summary>
public interface IDescriptorNetwork
{
    /// <summary>The model's name, length and calibrated thresholds.</summary>
    DescriptorModelInfo Model { get; }

    /// <summary>
    /// One descriptor per face of <paramref name="image"/>, in one batch. Each model takes its own input from what it
    /// is given: dlib the aligned 150x150 chips, FaceRes a crop of the image about the box.
    /// </summary>
    float[][] Describe(Mat image, IReadOnlyList<FaceBox> boxes, IReadOnlyList<Mat> alignedChips);
}
