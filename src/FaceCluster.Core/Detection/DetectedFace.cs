namespace FaceCluster.Detection;

/// <summary>One face found by <see cref="BlazeFaceDetector"/>, in source-image pixels.</summary>
/// <param name="Box">The face box as BlazeFace draws it: roughly brows to chin, ear to ear; clipped to the image.</param>
/// <param name="Landmarks">The six keypoints (not clipped: an ear may lie outside a tight crop).</param>
/// <param name="Confidence">The detector score in [0, 1] (sigmoid of the classifier logit).</param>
public sealed record DetectedFace(FaceBox Box, FaceLandmarks Landmarks, float Confidence)
{
    public override string ToString() => $"{Box} ({Confidence:0.00})";
}
