using OpenCvSharp;

namespace FaceCluster;

/// <summary>Why a face is low quality (none, one or several reasons).</summary>
[Flags]
public enum FaceQualityIssue
{
    None = 0,
    /// <summary>The chip's variance of Laplacian is below <see cref="FaceQualityThresholds.MinSharpness"/>.</summary>
    Blurred = 1,
    /// <summary>The chip's mean grey level is below <see cref="FaceQualityThresholds.MinBrightness"/>.</summary>
    Dark = 2,
    /// <summary>The chip's grey standard deviation is below <see cref="FaceQualityThresholds.MinContrast"/>.</summary>
    LowContrast = 4,
    /// <summary>|Yaw| above <see cref="FaceQualityThresholds.MaxYaw"/>: a profile or near profile.</summary>
    Profile = 8,
    /// <summary>|Pitch| above <see cref="FaceQualityThresholds.MaxPitch"/>: looking far up or down.</summary>
    Pitched = 16,
    /// <summary>The face is narrower than <see cref="FaceQualityThresholds.MinFaceSize"/> pixels in the image its pixels came from.</summary>
    Tiny = 32,
}

/// <summary>
/// Where <see cref="FaceQuality"/> calls a face low quality. One home for the gate's defaults; the evidence for each
/// value (how many faces of the demo photos, the sample footage and the labelled photos each gate drops) is in
/// docs/accuracy.md ("Face quality gate"). 0 (or a non-positive angle) turns one check off.
/// </summary>
public sealed record FaceQualityThresholds
{
    /// <summary>
    /// Variance of Laplacian of the 150x150 chip. Sharp faces score hundreds; a Gaussian blur of sigma 3 takes a
    /// demo face to about 10. The lowest good face measured on the three sets is well above this (docs/accuracy.md).
    /// </summary>
    public double MinSharpness { get; init; } = 15;
    /// <summary>Mean grey level 0..255 of the chip (good faces: 60-200 on the three sets).</summary>
    public double MinBrightness { get; init; } = 35;
    /// <summary>Grey standard deviation of the chip (good faces: 30 or more on the three sets).</summary>
    public double MinContrast { get; init; } = 12;
    /// <summary>
    /// Degrees; the keypoint estimate is rough (±10°), so only strongly turned faces are gated: the most turned good face of
    /// the demo photos measures 56°, of the labelled photos 22°.
    /// </summary>
    public double MaxYaw { get; init; } = 60;
    /// <summary>Degrees; rough like the yaw.</summary>
    public double MaxPitch { get; init; } = 45;
    /// <summary>Box width in pixels of the image the chip was cut from: below this the 150 px chip is mostly interpolation.</summary>
    public double MinFaceSize { get; init; } = 28;

    public static FaceQualityThresholds Default { get; } = new();
}

/// <summary>
/// How usable a face is for identity: measured once per face, in the engine, from the aligned chip and the keypoints,
/// and stored with the face. <see cref="Issues"/> judges it against thresholds (<see cref="FaceQualityThresholds.Default"/> unless given).
/// </summary>
/// <param name="Sharpness">Variance of the Laplacian of the 150x150 aligned chip (the same value as <see cref="FaceEncoding.Sharpness"/>).</param>
/// <param name="FaceSize">Box width in pixels of the image the chip was cut from (the full-resolution frame when there is one).</param>
/// <param name="Brightness">Mean grey level of the chip, 0..255.</param>
/// <param name="Contrast">Standard deviation of the chip's grey levels.</param>
/// <param name="Yaw">Head turn in degrees, estimated from the keypoints; positive when the nose points to the image right. Rough (±10°).</param>
/// <param name="Pitch">Head nod in degrees, estimated from the keypoints; positive when the face looks down. Rough (±10°).</param>
public sealed record FaceQuality(double Sharpness, double FaceSize, double Brightness, double Contrast, double Yaw, double Pitch)
{
    /// <summary>
    /// Ratio of the nose tip's depth in front of the ear axis to the half distance between the ears, for a typical adult
    /// head (about 10 cm against 7.5 cm). Yaw follows from where the nose falls between the ears: tan(yaw) = r / k.
    /// </summary>
    internal const double NoseDepthOverHalfHeadWidth = 1.3;

    /// <summary>
    /// Where the nose tip falls between the eye line (0) and the mouth (1) on a level face, and the nose's protrusion over
    /// the eye–mouth distance; measured on the frontal demo faces (median 0.55). Pitch follows from the offset: tan(pitch) = (t - t0) / 0.55.
    /// </summary>
    internal const double LevelNoseFraction = 0.55;
    internal const double NoseProtrusionOverEyeMouth = 0.55;

    /// <summary>The reasons this face is low quality under <paramref name="thresholds"/> (default: <see cref="FaceQualityThresholds.Default"/>).</summary>
    public FaceQualityIssue Issues(FaceQualityThresholds? thresholds = null)
    {
        var t = thresholds ?? FaceQualityThresholds.Default;
        var issues = FaceQualityIssue.None;
        if (Sharpness < t.MinSharpness) issues |= FaceQualityIssue.Blurred;
        if (Brightness < t.MinBrightness) issues |= FaceQualityIssue.Dark;
        if (Contrast < t.MinContrast) issues |= FaceQualityIssue.LowContrast;
        if (t.MaxYaw > 0 && Math.Abs(Yaw) > t.MaxYaw) issues |= FaceQualityIssue.Profile;
        if (t.MaxPitch > 0 && Math.Abs(Pitch) > t.MaxPitch) issues |= FaceQualityIssue.Pitched;
        if (FaceSize < t.MinFaceSize) issues |= FaceQualityIssue.Tiny;
        return issues;
    }

    /// <summary>True when any check of the default thresholds fails.</summary>
    public bool IsLowQuality => Issues() != FaceQualityIssue.None;

    /// <summary>
    /// One number 0..1 for sorting and review (1 = sharp, bright, large, frontal): the product of per-check scores that
    /// each reach 1 at about twice their default threshold. A face the default gate rejects scores below 0.5 on that check.
    /// </summary>
    public double Score
    {
        get
        {
            var t = FaceQualityThresholds.Default;
            static double Ramp(double value, double threshold) => threshold <= 0 ? 1 : Math.Clamp(value / (2 * threshold), 0, 1);
            static double Angle(double value, double max) => max <= 0 ? 1 : Math.Clamp(1 - Math.Abs(value) / (2 * max), 0, 1);
            return Ramp(Sharpness, t.MinSharpness) * Ramp(Brightness, t.MinBrightness) * Ramp(Contrast, t.MinContrast)
                 * Ramp(FaceSize, t.MinFaceSize) * Angle(Yaw, t.MaxYaw) * Angle(Pitch, t.MaxPitch);
        }
    }

    /// <summary>
    /// Measures a face: <paramref name="chip"/> is its aligned chip (BGR or grey), <paramref name="landmarks"/> and
    /// <paramref name="box"/> are in the pixels of the image the chip was cut from.
    /// </summary>
    public static FaceQuality Measure(Mat chip, FaceLandmarks landmarks, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(landmarks);
        double sharpness = Imaging.Sharpness.VarianceOfLaplacian(chip);
        using var grey = new Mat();
        if (chip.Channels() == 3) Cv2.CvtColor(chip, grey, ColorConversionCodes.BGR2GRAY);
        else chip.CopyTo(grey);
        Cv2.MeanStdDev(grey, out var mean, out var stddev);
        var (yaw, pitch) = HeadPose(landmarks);
        return new FaceQuality(sharpness, box.Width, mean.Val0, stddev.Val0, yaw, pitch);
    }

    /// <summary>
    /// Yaw and pitch in degrees from the six BlazeFace keypoints, in the face's own frame (the eye line made level first,
    /// so a tilted head is not mistaken for a turned one).
    /// Yaw: the nose tip's position between the two ears (the eyes move little with yaw, the ears and nose a lot);
    /// modelling the head as ears at ±R and the nose tip at depth k·R, (a - b) / (a + b) = k tan(yaw), where a and b are
    /// the nose's distances to the ears along the eye line. When an ear is hidden BlazeFace still places it, near the
    /// cheek, which keeps a profile's ratio large.
    /// Pitch: where the nose falls between the eye line and the mouth, against its level position.
    /// </summary>
    public static (double Yaw, double Pitch) HeadPose(FaceLandmarks landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        // Subject's right eye is on the image left: the eye line points to the image right on an upright face.
        double ux = landmarks.LeftEye.X - landmarks.RightEye.X, uy = landmarks.LeftEye.Y - landmarks.RightEye.Y;
        double eyeDistance = Math.Sqrt(ux * ux + uy * uy);
        var eyeMid = new FacePoint((landmarks.LeftEye.X + landmarks.RightEye.X) / 2, (landmarks.LeftEye.Y + landmarks.RightEye.Y) / 2);
        double vx, vy; // "down" in the face's frame
        if (eyeDistance < 1e-3)
        {
            // Both eyes on one point (an extreme profile): take the eyes → mouth direction as down.
            (ux, uy) = (1, 0);
        }
        else
        {
            ux /= eyeDistance;
            uy /= eyeDistance;
        }
        (vx, vy) = (-uy, ux);
        double Along(FacePoint p) => (p.X - eyeMid.X) * ux + (p.Y - eyeMid.Y) * uy;
        double Down(FacePoint p) => (p.X - eyeMid.X) * vx + (p.Y - eyeMid.Y) * vy;

        double nose = Along(landmarks.NoseTip);
        double a = nose - Along(landmarks.RightEar); // nose to the ear on the image left
        double b = Along(landmarks.LeftEar) - nose;  // nose to the ear on the image right
        double yaw = Math.Atan2(a - b, NoseDepthOverHalfHeadWidth * Math.Max(a + b, 1e-6)) * 180 / Math.PI;

        double mouth = Down(landmarks.Mouth);
        double pitch = 0;
        if (mouth > 1e-3)
        {
            double t = Down(landmarks.NoseTip) / mouth;
            pitch = Math.Atan((t - LevelNoseFraction) / NoseProtrusionOverEyeMouth) * 180 / Math.PI;
        }
        return (yaw, pitch);
    }
}
