namespace FaceCluster.Detection;

/// <summary>Which MediaPipe BlazeFace model a <see cref="BlazeFaceDetector"/> runs.</summary>
public enum DetectorKind
{
    /// <summary><c>face_detection_full_range.tflite</c>: 192x192 input, 2304 anchors (48x48 grid, stride 4, one anchor per cell).
    /// Trained for faces up to ~5 m from the camera; the right choice for photos and video frames.</summary>
    FullRange,

    /// <summary><c>face_detection_short_range.tflite</c>: 128x128 input, 896 anchors (16x16x2 + 8x8x6).
    /// Trained for selfie-distance faces that fill much of the frame.</summary>
    ShortRange,
}
