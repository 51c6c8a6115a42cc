using OpenCvSharp;

namespace FaceCluster.Alignment;

/// <summary>
/// Cuts the face chip the 128-d descriptor networks expect: dlib's <c>get_face_chip_details(shape, 150, 0.25)</c>
/// geometry, fitted from the four stable BlazeFace keypoints.
/// </summary>
/// <remarks>
/// dlib places its 68-point mean face (points 17..67, <c>mean_face_shape_x/y</c> in dlib/image_transforms/interpolation.h)
/// into the chip at <c>(padding + mean) / (2 * padding + 1) * size</c> and fits a similarity transform to the detected
/// landmarks. BlazeFace gives no 68 points, so the template here is derived from that same mean face: each eye centre is
/// the mean of its six contour points (36..41, 42..47), the nose tip is point 30, the mouth centre the mean of the twenty
/// lip points (48..67). The ear keypoints are not used (they are guesses when an ear is hidden).
/// The fit is a weighted least-squares similarity (rotation, uniform scale, translation; never a reflection) — the 2-D
/// Umeyama solution — with the eyes weighted double. The chip is sampled bilinearly; pixels that fall outside the source image are replicated from its
/// border (a face at the image edge gets smeared edge pixels rather than a black wedge that descriptors would notice).
/// All members are thread-safe.
/// </remarks>
public static class FaceAligner
{
    /// <summary>dlib's chip side for its face recognition network.</summary>
    public const int ChipSize = 150;

    /// <summary>dlib's padding for its face recognition network (0.25 of the face on each side).</summary>
    public const double ChipPadding = 0.25;

    // dlib mean face, points 17..67 (index = point - 17), normalised to the face's landmark box.
    private static readonly double[] MeanFaceX =
    [
        0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
        0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
        0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
        0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
        0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
        0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
        0.553364, 0.490127, 0.42689,
    ];

    private static readonly double[] MeanFaceY =
    [
        0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
        0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
        0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
        0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
        0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
        0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
        0.784792, 0.824182, 0.831803, 0.824182,
    ];

    /// <summary>
    /// The template in normalised mean-face coordinates: subject's right eye (image left), left eye, nose tip,
    /// mouth centre.
    /// </summary>
    internal static readonly (double X, double Y)[] MeanTemplate =
    [
        MeanOf(36, 41),
        MeanOf(42, 47),
        MeanOf(30, 30),
        MeanOf(48, 67),
    ];

    /// <summary>
    /// Least-squares weights of right eye, left eye, nose tip, mouth. The eyes count double: they are BlazeFace's
    /// most precise keypoints and they fix the roll, while the nose tip moves with yaw and the mouth with expression.
    /// </summary>
    internal static readonly double[] KeypointWeights = [2, 2, 1, 1];

    /// <summary>Where the subject's right eye centre lands in a 150 px, 0.25-padding chip (image left).</summary>
    public static FacePoint TemplateRightEye => TemplatePoint(0, ChipSize, ChipPadding);

    /// <summary>Where the subject's left eye centre lands in a 150 px, 0.25-padding chip (image right).</summary>
    public static FacePoint TemplateLeftEye => TemplatePoint(1, ChipSize, ChipPadding);

    /// <summary>Where the nose tip lands in a 150 px, 0.25-padding chip.</summary>
    public static FacePoint TemplateNoseTip => TemplatePoint(2, ChipSize, ChipPadding);

    /// <summary>Where the mouth centre lands in a 150 px, 0.25-padding chip.</summary>
    public static FacePoint TemplateMouth => TemplatePoint(3, ChipSize, ChipPadding);

    /// <summary>The four template points (right eye, left eye, nose tip, mouth) for a chip of <paramref name="size"/> and <paramref name="padding"/>.</summary>
    public static FacePoint[] Template(int size = ChipSize, double padding = ChipPadding) =>
        [.. Enumerable.Range(0, MeanTemplate.Length).Select(i => TemplatePoint(i, size, padding))];

    /// <summary>
    /// The 2x3 affine matrix (CV_64F) mapping source-image pixels to chip pixels: the least-squares similarity taking
    /// the face's eyes, nose tip and mouth to the template.
    /// </summary>
    public static Mat ChipTransform(FaceLandmarks landmarks, int size = ChipSize, double padding = ChipPadding)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        ValidateChip(size, padding);
        FacePoint[] source = [landmarks.RightEye, landmarks.LeftEye, landmarks.NoseTip, landmarks.Mouth];
        var (a, b, tx, ty) = FitSimilarity(source, Template(size, padding), KeypointWeights);
        var m = new Mat(2, 3, MatType.CV_64FC1);
        m.Set(0, 0, a); m.Set(0, 1, -b); m.Set(0, 2, tx);
        m.Set(1, 0, b); m.Set(1, 1, a); m.Set(1, 2, ty);
        return m;
    }

    /// <summary>Maps a source-image point into chip coordinates with a matrix from <see cref="ChipTransform"/>.</summary>
    public static FacePoint MapToChip(Mat transform, FacePoint point)
    {
        ArgumentNullException.ThrowIfNull(transform);
        double x = transform.At<double>(0, 0) * point.X + transform.At<double>(0, 1) * point.Y + transform.At<double>(0, 2);
        double y = transform.At<double>(1, 0) * point.X + transform.At<double>(1, 1) * point.Y + transform.At<double>(1, 2);
        return new FacePoint((float)x, (float)y);
    }

    /// <summary>
    /// The aligned, upright face chip (8-bit BGR, <paramref name="size"/> square) — dlib's
    /// <c>extract_image_chip(img, get_face_chip_details(shape, 150, 0.25))</c> equivalent.
    /// </summary>
    public static Mat Align(Mat bgr, FaceLandmarks landmarks, int size = ChipSize, double padding = ChipPadding)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Empty()) throw new ArgumentException("The image is empty.", nameof(bgr));
        using var transform = ChipTransform(landmarks, size, padding);
        var chip = new Mat();
        Cv2.WarpAffine(bgr, chip, transform, new Size(size, size), InterpolationFlags.Linear, BorderTypes.Replicate);
        return chip;
    }

    /// <summary>
    /// face-api.js's dlib-style crop (<c>FaceLandmarks.alignDlib</c>): an <b>unrotated</b> square of side
    /// (mean eye-to-mouth distance / 0.45), placed so the centroid of both eye centres and the mouth sits at
    /// (0.5, 0.43) of the square, resized to <paramref name="size"/>. Unlike face-api, the square is not clamped
    /// to the image: parts outside are replicated from the border, so the geometry is the same at image edges.
    /// </summary>
    public static Mat UnrotatedCrop(Mat bgr, FaceLandmarks landmarks, int size = ChipSize)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(landmarks);
        if (bgr.Empty()) throw new ArgumentException("The image is empty.", nameof(bgr));
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "Must be at least 1.");

        var (right, left, mouth) = (landmarks.RightEye, landmarks.LeftEye, landmarks.Mouth);
        static double Distance(FacePoint p, FacePoint q) => Math.Sqrt((p.X - q.X) * (p.X - q.X) + (p.Y - q.Y) * (p.Y - q.Y));
        double eyeToMouth = (Distance(left, mouth) + Distance(right, mouth)) / 2;
        double side = Math.Max(1, Math.Floor(eyeToMouth / 0.45));
        double cx = (right.X + left.X + mouth.X) / 3.0, cy = (right.Y + left.Y + mouth.Y) / 3.0;
        double x0 = Math.Floor(cx - 0.5 * side), y0 = Math.Floor(cy - 0.43 * side);

        // pure scale + translation: chip = (source - origin) * size / side
        double s = size / side;
        using var transform = new Mat(2, 3, MatType.CV_64FC1);
        transform.Set(0, 0, s); transform.Set(0, 1, 0.0); transform.Set(0, 2, -x0 * s);
        transform.Set(1, 0, 0.0); transform.Set(1, 1, s); transform.Set(1, 2, -y0 * s);
        var crop = new Mat();
        var interpolation = s < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear;
        if (s < 1)
        {
            // area averaging when shrinking, as a browser canvas resize roughly does
            var inside = new Rect((int)x0, (int)y0, (int)side, (int)side);
            int width = bgr.Width, height = bgr.Height;
            var clipped = inside.Intersect(new Rect(0, 0, width, height));
            if (clipped == inside)
            {
                using var view = new Mat(bgr, inside);
                Cv2.Resize(view, crop, new Size(size, size), 0, 0, interpolation);
                return crop;
            }
        }

        Cv2.WarpAffine(bgr, crop, transform, new Size(size, size), InterpolationFlags.Linear, BorderTypes.Replicate);
        return crop;
    }

    /// <summary>
    /// Weighted least-squares similarity q ≈ [a -b; b a] p + t (2-D Umeyama without reflection): with points centred
    /// on their weighted means, a = Σw(p·q) / Σw|p|², b = Σw(p×q) / Σw|p|².
    /// </summary>
    internal static (double A, double B, double Tx, double Ty) FitSimilarity(IReadOnlyList<FacePoint> from, IReadOnlyList<FacePoint> to, IReadOnlyList<double>? weights = null)
    {
        if (from.Count != to.Count || from.Count < 2) throw new ArgumentException("Need two or more point pairs.");
        int n = from.Count;
        double W(int i) => weights is null ? 1.0 : weights[i];
        double total = 0, mpx = 0, mpy = 0, mqx = 0, mqy = 0;
        for (int i = 0; i < n; i++)
        {
            double w = W(i);
            total += w;
            mpx += w * from[i].X; mpy += w * from[i].Y; mqx += w * to[i].X; mqy += w * to[i].Y;
        }

        mpx /= total; mpy /= total; mqx /= total; mqy /= total;
        double dot = 0, cross = 0, norm = 0;
        for (int i = 0; i < n; i++)
        {
            double w = W(i);
            double px = from[i].X - mpx, py = from[i].Y - mpy, qx = to[i].X - mqx, qy = to[i].Y - mqy;
            dot += w * (px * qx + py * qy);
            cross += w * (px * qy - py * qx);
            norm += w * (px * px + py * py);
        }

        if (norm <= 1e-12) throw new ArgumentException("The landmarks are all at one point; no face geometry to align.");
        double a = dot / norm, b = cross / norm;
        double tx = mqx - (a * mpx - b * mpy);
        double ty = mqy - (b * mpx + a * mpy);
        return (a, b, tx, ty);
    }

    private static FacePoint TemplatePoint(int index, int size, double padding)
    {
        var (x, y) = MeanTemplate[index];
        return new FacePoint(
            (float)((padding + x) / (2 * padding + 1) * size),
            (float)((padding + y) / (2 * padding + 1) * size));
    }

    private static (double X, double Y) MeanOf(int firstPoint, int lastPoint)
    {
        double x = 0, y = 0;
        for (int p = firstPoint; p <= lastPoint; p++)
        {
            x += MeanFaceX[p - 17];
            y += MeanFaceY[p - 17];
        }

        int n = lastPoint - firstPoint + 1;
        return (x / n, y / n);
    }

    private static void ValidateChip(int size, double padding)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "Must be at least 1.");
        if (!(padding >= 0)) throw new ArgumentOutOfRangeException(nameof(padding), padding, "Must be zero or more.");
    }
}
