using OpenCvSharp;

namespace FaceCluster.Video;

/// <summary>
/// Finds hard cuts in a stream of decoded frames: each frame's colour histogram (HSV, 16 hue x 4 saturation x 4 value
/// bins, over the frame scaled down to <see cref="AnalysisWidth"/> px wide) is compared with the previous frame's,
/// and a difference above the threshold is a cut. The difference is the total variation distance of the two
/// normalised histograms, 0.5 * sum |a - b|: the share of the picture whose colour changed bin, 0 (same) to 1.
/// Decoded frames at most <see cref="MaxGapMs"/> apart are compared (and every sampled frame among them), not only the
/// samples: at 1 sample per second two samples of one shot can differ a lot (a pan, a zoom, someone walking in), while
/// frames a tenth of a second apart differ little. Comparing by time rather than every decoded frame keeps
/// -ShotThreshold's meaning the same at 24, 30 or 60 frames/s, and spares the BGR conversion of the frames between
/// (half of them at 25 frames/s, two thirds at 30): that conversion, not the histogram, is what cut detection costs.
/// Measured on every footage with truth (bench shots --stride-only): frames 0.04 s apart worst case 0.076 in a shot
/// and 0.244 at a cut (margin 3.22), 0.08 s apart 0.081 / 0.244 (3.00), 0.12 s apart 0.085 / 0.238 (2.81).
/// Dissolves and fades spread the change over many frames and are not cuts here.
/// </summary>
internal sealed class ShotDetector : IDisposable
{
    /// <summary>Width the frame is scaled to before the histogram: enough for colours, cheap at any resolution.</summary>
    public const int AnalysisWidth = 96;
    private const int HueBins = 16, SaturationBins = 4, ValueBins = 4;
    private const int Bins = HueBins * SaturationBins * ValueBins;

    private readonly double threshold;
    private readonly Mat small = new();
    private readonly Mat hsv = new();
    private float[] previous = [];
    private float[] current = new float[Bins];
    private byte[] pixelBuffer = [];

    public ShotDetector(double threshold) => this.threshold = threshold;

    /// <summary>Largest time between two compared frames (see the class remarks for why 0.1 s).</summary>
    public const double MaxGapMs = 100;

    private double lastComparedMs = double.NegativeInfinity;
    private double lastDecodedMs = double.NaN;

    /// <summary>
    /// Called for every decoded frame in order: whether <see cref="IsCut"/> must see this one, because skipping it would
    /// leave more than <see cref="MaxGapMs"/> between compared frames if the next frame comes as late after this one as
    /// this one came after the previous (or because it is a sample, <paramref name="sampled"/>). Timestamps that do not
    /// increase (a damaged stream) make every frame compared, as before.
    /// </summary>
    public bool Wants(double positionMs, bool sampled)
    {
        double step = positionMs - lastDecodedMs;
        lastDecodedMs = positionMs;
        bool wanted = sampled || !(step > 0) || positionMs + step > lastComparedMs + MaxGapMs + 1e-3;
        if (wanted) lastComparedMs = positionMs;
        return wanted;
    }

    /// <summary>Difference from the previous frame (NaN for the first frame) of the last <see cref="IsCut"/> call.</summary>
    public double LastDifference { get; private set; } = double.NaN;

    /// <summary>Whether <paramref name="bgr"/> starts a new shot (the first frame does not).</summary>
    public bool IsCut(Mat bgr)
    {
        Histogram(bgr, current);
        return Compare();
    }

    private bool Compare()
    {
        if (previous.Length == 0)
        {
            previous = current;
            current = new float[Bins];
            LastDifference = double.NaN;
            return false;
        }
        double d = 0;
        for (int i = 0; i < Bins; i++) d += Math.Abs(current[i] - previous[i]);
        d *= 0.5;
        (previous, current) = (current, previous);
        LastDifference = d;
        return d > threshold;
    }

    /// <summary>The normalised histogram <see cref="IsCut"/> compares, of one frame (a new array).</summary>
    internal float[] HistogramOf(Mat bgr)
    {
        var h = new float[Bins];
        Histogram(bgr, h);
        return h;
    }

    /// <summary>The size a <paramref name="width"/> x <paramref name="height"/> frame is scaled to for the histogram.</summary>
    public static Size AnalysisSize(int width, int height) =>
        new(AnalysisWidth, Math.Max(1, (int)Math.Round((double)height * AnalysisWidth / Math.Max(1, width))));

    /// <summary>
    /// <see cref="IsCut"/> for a frame already scaled to <see cref="AnalysisSize"/> by nearest pixel (BGR): what a decoder
    /// that reads those pixels from its planes gives, without converting the whole frame.
    /// </summary>
    public bool IsCutOfAnalysisImage(Mat small)
    {
        Histogram(small, current, scaled: true);
        return Compare();
    }

    private void Histogram(Mat bgr, float[] h, bool scaled = false)
    {
        var source = bgr;
        if (!scaled)
        {
            // Nearest-pixel sampling: a colour histogram needs no anti-aliasing, and an area resize of every decoded 720p
            // frame cost more than decoding it (extraction 21.4 s against 11.4 s on a 2-minute clip; same cuts found).
            Cv2.Resize(bgr, small, AnalysisSize(bgr.Width, bgr.Height), 0, 0, InterpolationFlags.Nearest);
            source = small;
        }
        Cv2.CvtColor(source, hsv, ColorConversionCodes.BGR2HSV);
        Array.Clear(h);
        int pixels = hsv.Rows * hsv.Cols;
        if (pixelBuffer.Length < pixels * 3) pixelBuffer = new byte[pixels * 3];
        // CvtColor's output is continuous: one copy of the whole image.
        System.Runtime.InteropServices.Marshal.Copy(hsv.Data, pixelBuffer, 0, pixels * 3);
        for (int p = 0; p < pixels * 3; p += 3)
        {
            // OpenCV's 8-bit hue is 0..179.
            int hb = Math.Min(HueBins - 1, pixelBuffer[p] * HueBins / 180);
            int sb = pixelBuffer[p + 1] * SaturationBins / 256, vb = pixelBuffer[p + 2] * ValueBins / 256;
            h[(hb * SaturationBins + sb) * ValueBins + vb]++;
        }
        for (int i = 0; i < h.Length; i++) h[i] /= pixels;
    }

    public void Dispose()
    {
        small.Dispose();
        hsv.Dispose();
    }
}
