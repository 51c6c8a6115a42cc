namespace FaceCluster.Detection;

/// <summary>A decoded detection before and during suppression: box corners and the six keypoints, in any
/// consistent coordinate space (normalised input coordinates straight from the decoder, source pixels after mapping).</summary>
internal struct RawDetection
{
    public const int KeypointCount = 6;

    public float XMin, YMin, XMax, YMax;
    public float Score;
    /// <summary>x0, y0, x1, y1, ... for the six keypoints.</summary>
    public float[] Keypoints;

    public readonly float Width => XMax - XMin;
    public readonly float Height => YMax - YMin;

    public readonly float IntersectionOverUnion(in RawDetection other)
    {
        float ix = MathF.Min(XMax, other.XMax) - MathF.Max(XMin, other.XMin);
        float iy = MathF.Min(YMax, other.YMax) - MathF.Max(YMin, other.YMin);
        if (ix <= 0 || iy <= 0) return 0;
        float intersection = ix * iy;
        float union = Width * Height + other.Width * other.Height - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    /// <summary>Maps every coordinate with x' = x * scaleX + offsetX, y' = y * scaleY + offsetY.</summary>
    public readonly RawDetection Map(float scaleX, float offsetX, float scaleY, float offsetY)
    {
        var keypoints = new float[KeypointCount * 2];
        for (int k = 0; k < KeypointCount; k++)
        {
            keypoints[2 * k] = Keypoints[2 * k] * scaleX + offsetX;
            keypoints[2 * k + 1] = Keypoints[2 * k + 1] * scaleY + offsetY;
        }

        return new RawDetection
        {
            XMin = XMin * scaleX + offsetX,
            XMax = XMax * scaleX + offsetX,
            YMin = YMin * scaleY + offsetY,
            YMax = YMax * scaleY + offsetY,
            Score = Score,
            Keypoints = keypoints,
        };
    }
}
