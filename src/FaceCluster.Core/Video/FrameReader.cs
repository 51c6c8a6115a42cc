using OpenCvSharp;

namespace FaceCluster.Video;

/// <summary>
/// The extractor's decoded frames, one at a time: <see cref="VideoCapture"/>, or <see cref="FfmpegDecoder"/> when it is
/// available and gives this video's frames exactly as the capture does. Either way the same frames, timestamps and BGR
/// pixels come out; the direct decoder only spares the BGR conversion of the frames cut detection looks at.
/// </summary>
internal abstract class FrameReader : IDisposable
{
    /// <summary>Which decoder this is and, for the capture, why the direct one is not used (for -Verbose and the bench).</summary>
    public abstract string Description { get; }

    /// <summary>Decodes the next frame; false at the end of the stream.</summary>
    public abstract bool Grab();

    /// <summary>The current frame's CAP_PROP_POS_MSEC.</summary>
    public abstract double PositionMs { get; }

    /// <summary>The current frame in BGR; false when it cannot be converted.</summary>
    public abstract bool Retrieve(Mat bgr);

    /// <summary>
    /// Whether the current frame starts a new shot. <paramref name="bgr"/> receives the frame in BGR when this reader has
    /// to convert it for the comparison anyway (<paramref name="retrieved"/> then true).
    /// </summary>
    public abstract bool IsCut(ShotDetector shots, Mat bgr, out bool retrieved);

    public abstract void Dispose();

    /// <summary>
    /// The reader of <paramref name="videoPath"/>, which takes <paramref name="capture"/> (open at the start of the
    /// video) over: it is the reader's, or disposed here. The direct decoder is used only when it is allowed
    /// (<paramref name="direct"/>), nothing needs a seek (<paramref name="seekMs"/> NaN; the capture seeks otherwise), the
    /// video is not rotated (orientation metadata), it opens the file, the first frame is yuv420p at the size the codec announces, and the first two frames have the
    /// capture's timestamps and the first frame its BGR pixels, bit for bit.
    /// </summary>
    /// <param name="reopen">A new capture of the same video, when the check has read frames from <paramref name="capture"/>.</param>
    public static FrameReader Open(string videoPath, VideoCapture capture, Func<VideoCapture> reopen, int threads, double seekMs, bool direct)
    {
        try
        {
            if (!double.IsNaN(seekMs))
            {
                capture.Set(VideoCaptureProperties.PosMsec, seekMs);
                return new CaptureReader(capture, "OpenCV VideoCapture (it seeks to the start time)");
            }
            if (!direct) return new CaptureReader(capture, "OpenCV VideoCapture (direct decoding is off)");
            // OpenCV turns rotated videos upright; a first frame that happens to look the same either way (a fade from
            // black) must not let one through.
            double angle = capture.Get(VideoCaptureProperties.OrientationMeta);
            if (angle != 0 && !double.IsNaN(angle))
                return new CaptureReader(capture, FormattableString.Invariant($"OpenCV VideoCapture (rotated {angle} degrees; OpenCV turns it upright)"));
            var decoder = FfmpegDecoder.Open(videoPath, threads, out string why);
            if (decoder is null) return new CaptureReader(capture, $"OpenCV VideoCapture ({why})");
            bool same, exactAnalysis = false;
            using (decoder) same = SameAsCapture(decoder, capture, out exactAnalysis, out why);
            if (same && (decoder = FfmpegDecoder.Open(videoPath, threads, out why)) is not null)
            {
                capture.Dispose();
                return new DirectReader(decoder, exactAnalysis);
            }
            // The check read frames from the capture: the fallback starts again.
            capture.Dispose();
            capture = reopen();
            return new CaptureReader(capture, $"OpenCV VideoCapture ({why})");
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <param name="exactAnalysis">Whether the pixels cut detection reads from the planes (<see cref="FfmpegDecoder.SmallBgr"/>)
    /// equal the capture's frame resized, bit for bit, on the first frame; when not, cut detection converts whole frames
    /// on this video too, so that its shots are the capture's.</param>
    private static bool SameAsCapture(FfmpegDecoder decoder, VideoCapture capture, out bool exactAnalysis, out string why)
    {
        exactAnalysis = false;
        try
        {
            return Compare(decoder, capture, out exactAnalysis, out why);
        }
        catch (DecodeException ex)
        {
            why = ex.Message;
            return false;
        }
    }

    private static bool Compare(FfmpegDecoder decoder, VideoCapture capture, out bool exactAnalysis, out string why)
    {
        exactAnalysis = false;
        using var expected = new Mat();
        using var actual = new Mat();
        for (int i = 0; i < 2; i++)
        {
            bool a = capture.Grab(), b = decoder.Next();
            if (a != b)
            {
                why = $"frame {i} decodes in one decoder only";
                return false;
            }
            if (!a)
            {
                // A video with no frames (or one) is reported by the capture, as before.
                why = i == 0 ? "no frame decodes" : "";
                return i > 0;
            }
            double ms = capture.Get(VideoCaptureProperties.PosMsec);
            if (ms != decoder.PositionMs)
            {
                why = FormattableString.Invariant($"frame {i} at {decoder.PositionMs} ms against OpenCV's {ms} ms");
                return false;
            }
            if (i > 0) continue;
            var (w, h, format) = decoder.Announced();
            if (!decoder.SupportedFormat || decoder.PixelFormat != format || decoder.Width != w || decoder.Height != h)
            {
                why = $"frame {decoder.Width}x{decoder.Height} pixel format {decoder.PixelFormat} (codec {w}x{h}, {format}; only yuv420p, 0, is decoded directly)";
                return false;
            }
            if (!capture.Retrieve(expected) || expected.Empty())
            {
                why = "OpenCV cannot convert the first frame";
                return false;
            }
            decoder.Bgr(actual);
            if (expected.Size() != actual.Size() || expected.Type() != actual.Type() || Cv2.Norm(expected, actual, NormTypes.INF) != 0)
            {
                // A rotated video (OpenCV turns it upright), another conversion: OpenCV's frames are the reference.
                why = $"the first frame differs from OpenCV's ({actual.Width}x{actual.Height} against {expected.Width}x{expected.Height})";
                return false;
            }
            var size = ShotDetector.AnalysisSize(expected.Width, expected.Height);
            using var resized = new Mat();
            using var small = new Mat();
            Cv2.Resize(expected, resized, size, 0, 0, InterpolationFlags.Nearest);
            decoder.SmallBgr(small, size.Width, size.Height);
            exactAnalysis = Cv2.Norm(resized, small, NormTypes.INF) == 0;
        }
        why = "";
        return true;
    }

    private sealed class CaptureReader(VideoCapture capture, string description) : FrameReader
    {
        public override string Description { get; } = description;
        public override bool Grab() => capture.Grab();
        public override double PositionMs => capture.Get(VideoCaptureProperties.PosMsec);
        public override bool Retrieve(Mat bgr) => capture.Retrieve(bgr) && !bgr.Empty();

        public override bool IsCut(ShotDetector shots, Mat bgr, out bool retrieved)
        {
            retrieved = Retrieve(bgr);
            if (!retrieved) throw new DecodeException("Converting the frame to BGR", -1);
            return shots.IsCut(bgr);
        }

        public override void Dispose() => capture.Dispose();
    }

    private sealed class DirectReader(FfmpegDecoder decoder, bool exactAnalysis) : FrameReader
    {
        private readonly Mat small = new();

        public override string Description => exactAnalysis
            ? "FFmpeg, decoded directly (BGR only for the frames written)"
            : "FFmpeg, decoded directly (cut detection converts the frames it compares: its pixels from the planes differ from OpenCV's here)";
        public override bool Grab() => decoder.Next();
        public override double PositionMs => decoder.PositionMs;

        public override bool Retrieve(Mat bgr)
        {
            // A stream whose format changes midway (rare) is converted by swscale as OpenCV would.
            decoder.Bgr(bgr);
            return !bgr.Empty();
        }

        public override bool IsCut(ShotDetector shots, Mat bgr, out bool retrieved)
        {
            var size = ShotDetector.AnalysisSize(decoder.Width, decoder.Height);
            if (exactAnalysis && decoder.SupportedFormat)
            {
                retrieved = false;
                decoder.SmallBgr(small, size.Width, size.Height);
                return shots.IsCutOfAnalysisImage(small);
            }
            retrieved = Retrieve(bgr);
            return shots.IsCut(bgr);
        }

        public override void Dispose()
        {
            small.Dispose();
            decoder.Dispose();
        }
    }
}
