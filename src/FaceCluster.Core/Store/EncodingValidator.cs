namespace FaceCluster.Store;

/// <summary>The checks every face must pass before it is written to, or accepted from, a store.</summary>
public static class EncodingValidator
{
    /// <summary>How far (pixels) a box may reach past the image border and still count as inside (rounding of detector output).</summary>
    public const float BoxTolerance = 1f;

    /// <summary>Returns null when <paramref name="face"/> is valid, else why not.</summary>
    public static string? Validate(FaceEncoding face)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (string.IsNullOrWhiteSpace(face.Id)) return "id is empty";
        if (string.IsNullOrWhiteSpace(face.Path)) return "path is empty";
        if (string.IsNullOrWhiteSpace(face.Model)) return "model is empty";
        if (face.Descriptor is null) return "descriptor is missing";
        int expected = Models.DescriptorModels.ExpectedLength(face.Model);
        if (face.Descriptor.Length != expected)
            return $"descriptor has {face.Descriptor.Length} values, expected {expected} for model {face.Model}";
        for (int i = 0; i < face.Descriptor.Length; i++)
        {
            if (!float.IsFinite(face.Descriptor[i])) return $"descriptor[{i}] is not a finite number";
        }
        if (face.FrameIndex is < 0) return "frameIndex is negative";
        if (face.Timestamp is { } ts && ts < TimeSpan.Zero) return "timestamp is negative";
        if (face.Shot is < 0) return "shot is negative";
        if (face.TrackId is { Length: 0 }) return "trackId is empty";
        if (face.ImageWidth < 0 || face.ImageHeight < 0) return "image size is negative";
        var b = face.Box;
        if (!float.IsFinite(b.X) || !float.IsFinite(b.Y) || !float.IsFinite(b.Width) || !float.IsFinite(b.Height))
            return "box has a non-finite value";
        if (b.Width <= 0 || b.Height <= 0) return $"box {b} has no area";
        if (face.ImageWidth > 0 && face.ImageHeight > 0)
        {
            if (b.X < -BoxTolerance || b.Y < -BoxTolerance || b.Right > face.ImageWidth + BoxTolerance || b.Bottom > face.ImageHeight + BoxTolerance)
                return $"box {b.X},{b.Y} {b.Width}x{b.Height} is not inside the {face.ImageWidth}x{face.ImageHeight} image";
        }
        if (face.Landmarks is null) return "landmarks are missing";
        foreach (var p in face.Landmarks.ToArray())
        {
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y)) return "a landmark is not a finite number";
        }
        if (!float.IsFinite(face.Confidence) || face.Confidence < 0 || face.Confidence > 1)
            return $"confidence {face.Confidence} is not in [0,1]";
        if (!double.IsFinite(face.Sharpness) || face.Sharpness < 0) return $"sharpness {face.Sharpness} is not a finite non-negative number";
        if (face.FullResolutionPath is not null)
        {
            if (face.FullResolutionPath.Length == 0) return "fullResolution.path is empty";
            if (face.FullResolutionWidth <= 0 || face.FullResolutionHeight <= 0) return "fullResolution size is not positive";
            if (face.ImageWidth <= 0 || face.ImageHeight <= 0) return "a face with a full-resolution image needs the image size (to scale its box)";
        }
        if (face.Quality is { } q)
        {
            if (!double.IsFinite(q.Sharpness) || q.Sharpness < 0 || !double.IsFinite(q.FaceSize) || q.FaceSize < 0
                || !double.IsFinite(q.Brightness) || q.Brightness is < 0 or > 255 || !double.IsFinite(q.Contrast) || q.Contrast < 0
                || !double.IsFinite(q.Yaw) || Math.Abs(q.Yaw) > 180 || !double.IsFinite(q.Pitch) || Math.Abs(q.Pitch) > 180)
                return "quality has a value out of range";
        }
        return null;
    }
}
