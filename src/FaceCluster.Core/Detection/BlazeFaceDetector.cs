using FaceCluster.Models;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace FaceCluster.Detection;

/// <summary>
/// Finds faces with MediaPipe's BlazeFace models (converted from TFLite to ONNX at build time), run by ONNX Runtime.
/// </summary>
/// <remarks>
/// <para><b>Pre-processing</b> (as MediaPipe's ImageToTensorCalculator): the image is letterboxed into the square
/// network input (aspect ratio kept, centred, black padding), converted to RGB and scaled to [-1, 1].</para>
/// <para><b>Post-processing</b>: SSD anchors, box/keypoint decoding and weighted non-maximum suppression as the
/// MediaPipe face-detection graphs configure them (see <see cref="BlazeFaceDecoder"/>, <see cref="SsdAnchors"/>).</para>
/// <para><b>Large images</b> (<see cref="DetectionOptions.SmallestFace"/>): besides the whole image, finer levels are
/// searched so that small faces are still big enough for the network: in overlapping letterboxed tiles when the level
/// spans at most two network inputs (video frames), else as the whole image downscaled to the level and run in a few
/// large windows (the converted network takes any input size; <see cref="SearchLevel"/>). Each pass keeps only the faces
/// it is trustworthy for (not cut by an inner tile or window edge, not too large for the level) and all passes are
/// merged with the same weighted suppression.</para>
/// <para><b>Second look</b>: faces found only in tiles (to reject tile false positives) and, with
/// <see cref="DetectionOptions.Refine"/>, faces that were small in their pass are re-detected in a roll-corrected crop
/// four (then six) times their size and its mirror image; box and keypoints come from there.</para>
/// <para><b>Tight crops</b> (<see cref="DetectionOptions.PaddedRetry"/>): if nothing is found, the image is centred
/// on a canvas twice its size with replicated edges and searched again; boxes are mapped back and clipped.</para>
/// <para><b>Batching</b>: the whole image and all its tiles go through the network in one batch, and so do all refine
/// crops with their mirror images (up to <see cref="MaxBatch"/> inputs per session call); each window is one call.</para>
/// <para><b>Threading</b>: one ONNX Runtime session, whose Run is thread-safe: any number of threads may call
/// <see cref="Detect"/> concurrently, sharing the weights. Each call uses the session's intra-op threads, which the
/// caller sizes against its own worker count.</para>
/// </remarks>
public sealed class BlazeFaceDetector : IDisposable
{
    /// <summary>
    /// Faces narrower than this fraction of the network input are found unreliably (measured on the demo photos:
    /// all faces of 16+ input pixels found, about half at 10-14 px, almost none below 8 px). Tiles are sized so
    /// that <see cref="DetectionOptions.SmallestFace"/> is at least this big.
    /// </summary>
    internal const float ReliableFaceFraction = 16f / 192f;

    /// <summary>Consecutive tiles overlap by this fraction of the tile size.</summary>
    internal const float TileOverlap = 0.4f;

    /// <summary>In a tile pass, faces closer than this fraction of the tile to an inner tile edge may be cut and are dropped.</summary>
    internal const float InnerEdgeMargin = 0.02f;

    /// <summary>
    /// In a tile pass, faces wider than this fraction of the tile are left to coarser passes. A face up to this
    /// size always lies wholly (margins included) inside some tile, because tiles overlap by <see cref="TileOverlap"/>.
    /// </summary>
    internal const float MaxFaceFractionOfTile = TileOverlap - 2 * InnerEdgeMargin;

    /// <summary>Tile-only candidates are re-detected in a crop this many times their size (face ≈ 48 px of a 192 input)...</summary>
    internal const float VerifyContext = 4f;

    /// <summary>... and, failing that, this many times (faces in profile often need more context).</summary>
    internal const float VerifyContextWide = 6f;

    /// <summary>With <see cref="DetectionOptions.Refine"/>, faces narrower than this many network-input pixels in the whole-image pass are re-detected.</summary>
    internal const float RefineBelowInputPixels = 40f;

    /// <summary>The padded retry centres the image on a canvas this many times its size.</summary>
    internal const float RetryPadding = 2.0f;

    private readonly InferenceSession _session;
    private readonly Anchor[] _anchors;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int), Anchor[]> _windowAnchors = new();
    private readonly string[] _outputNames;
    private readonly int _intraOpThreads;
    private bool _disposed;

    /// <summary>Loads a BlazeFace model.</summary>
    /// <param name="modelPath">face_detection_full_range.onnx or face_detection_short_range.onnx (converted at build time
    /// by <see cref="BlazeFaceModelConverter"/>), matching <paramref name="kind"/>.</param>
    /// <param name="kind">Which model the file is.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads for one batch; 0 lets ONNX Runtime choose (one per core).
    /// Callers running several workers give each a share of the cores (<see cref="Recognition.FaceEncoder"/> does).</param>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not the BlazeFace model <paramref name="kind"/> says.</exception>
    public BlazeFaceDetector(string modelPath, DetectorKind kind, int intraOpThreads = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"BlazeFace model not found: '{modelPath}'.", modelPath);
        ModelPath = Path.GetFullPath(modelPath);
        Kind = kind;
        InputSize = kind switch
        {
            DetectorKind.FullRange => 192,
            DetectorKind.ShortRange => 128,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        _anchors = SsdAnchors.For(kind);
        _intraOpThreads = intraOpThreads;

        // A wrong file fails here rather than in the first Detect call: it must load, take the input size and give
        // outputs of the shape the anchors expect.
        try
        {
            _session = OnnxSessions.Create(ModelPath, intraOpThreads);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"'{modelPath}' is not a working BlazeFace {kind} model: {e.Message}", e);
        }

        try
        {
            var input = _session.InputMetadata.Single();
            // height and width are free (-1): the level search feeds larger inputs
            if (input.Key != BlazeFaceModelConverter.InputName || input.Value.Dimensions is not [_, 3, -1, -1])
                throw new InvalidOperationException($"input '{input.Key}' [{string.Join(",", input.Value.Dimensions)}] is not [N,3,H,W]");
            // regressors first (last dimension 16), then the classifier logits (last dimension 1)
            _outputNames = _session.OutputMetadata
                .OrderByDescending(o => o.Value.Dimensions[^1])
                .Select(o => o.Key)
                .ToArray();
            using var probe = new Mat(InputSize, InputSize, MatType.CV_8UC3, Scalar.All(0));
            _ = RunNetworks([probe], 1f);
        }
        catch (Exception e) when (e is InvalidOperationException or OnnxRuntimeException)
        {
            _session.Dispose();
            throw new InvalidDataException($"'{modelPath}' is not a working BlazeFace {kind} model: {e.Message}", e);
        }
    }

    /// <summary>The file name of the model for <paramref name="kind"/> in the models folder.</summary>
    public static string ModelFileName(DetectorKind kind) => kind switch
    {
        DetectorKind.FullRange => "face_detection_full_range.onnx",
        DetectorKind.ShortRange => "face_detection_short_range.onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public string ModelPath { get; }
    public DetectorKind Kind { get; }

    /// <summary>The side of the square network input in pixels (192 or 128).</summary>
    public int InputSize { get; }

    /// <summary>
    /// Finds the faces in an 8-bit BGR image (as <see cref="Imaging.ImageLoader"/> returns).
    /// Thread-safe. Results are in source pixels, ordered top to bottom, then left to right
    /// (by box centre, rounded to whole pixels).
    /// </summary>
    public IReadOnlyList<DetectedFace> Detect(Mat bgr, DetectionOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(bgr);
        options ??= DetectionOptions.Default;
        options.Validate();
        if (bgr.Empty()) throw new ArgumentException("The image is empty.", nameof(bgr));
        if (bgr.Type() != MatType.CV_8UC3) throw new ArgumentException($"Expected an 8-bit BGR image (CV_8UC3), got {bgr.Type()}.", nameof(bgr));

        int width = bgr.Width, height = bgr.Height;
        var found = Search(bgr, options);
        if (found.Count == 0 && options.PaddedRetry)
        {
            found = SearchPadded(bgr, options);
        }

        return Finish(found, width, height, options);
    }

    /// <summary>
    /// All passes over <paramref name="image"/> merged, in its pixel coordinates (unclipped, unfiltered by size).
    /// <paramref name="original"/>: the image a padded canvas was made of, whose size decides tiles or windows, so that
    /// the padded retry of a video frame searches in tiles as the frame does.
    /// </summary>
    private List<RawDetection> Search(Mat image, DetectionOptions options, Size? original = null)
    {
        int width = image.Width, height = image.Height;
        var planned = original ?? new Size(width, height);
        long started = DetectionProfile.Start();
        var levels = options.SmallestFace > 0 ? LevelPlan(width, height, options.SmallestFace) : [];
        var regions = new List<Rect> { new(0, 0, width, height) };
        bool InTilesHere(int tile) => !options.LevelWindows || InTiles(planned.Width, planned.Height, tile);
        foreach (int tile in levels.Where(InTilesHere)) AddTiles(regions, width, height, tile);

        // The whole image and every tile in one batch: one session call instead of one per pass.
        var views = regions.Select(r => new Mat(image, r)).ToList();
        List<RawDetection>[] passes;
        try
        {
            passes = RunNetworks(views, options.MinConfidence);
        }
        finally
        {
            foreach (var v in views) v.Dispose();
        }

        var whole = InImage(passes[0], regions[0], isTile: false, width, height);
        var all = new List<RawDetection>(whole);
        for (int i = 1; i < regions.Count; i++) all.AddRange(InImage(passes[i], regions[i], isTile: true, width, height));
        DetectionProfile.Add(DetectionProfile.Stage.WholeImageAndTiles, started);
        foreach (int tile in levels.Where(t => !InTilesHere(t))) all.AddRange(SearchLevel(image, tile, options.MinConfidence));

        if (all.Count == 0) return all;
        var merged = all.Count == 1 ? all : BlazeFaceDecoder.WeightedNonMaxSuppression(all);

        // Second look at a comfortable scale. Tile passes magnify blurry texture into the occasional
        // face-like blob (scores just above 0.5 on the demo photos); re-detecting each tile-only candidate in a
        // crop 4x (then 6x) its size, where real faces score 0.57-0.94 and those blobs 0.00-0.18, removes them.
        // Faces that were small in their pass also get their box and keypoints from the re-detection,
        // where the face is ~48 px of network input rather than ~16.
        int longest = Math.Max(width, height);
        var result = new List<RawDetection>(merged.Count);
        var toRefine = new List<(RawDetection Candidate, bool Confirmed)>();
        foreach (var candidate in merged)
        {
            bool confirmed = whole.Any(w => w.IntersectionOverUnion(candidate) > BlazeFaceDecoder.MinSuppressionThreshold);
            bool small = candidate.Width * InputSize / longest < options.RefineBelow;
            if (confirmed && !(options.Refine && small)) result.Add(candidate);
            else toRefine.Add((candidate, confirmed));
        }

        if (toRefine.Count > 0)
        {
            long refining = DetectionProfile.Start();
            // Every candidate's crop and mirror in one batch; the wider crop only for tile-only candidates the first missed.
            var refined = Redetect(image, toRefine.Select(c => c.Candidate).ToList(), VerifyContext, options.MinConfidence, options.RefineMirror);
            var retry = Enumerable.Range(0, toRefine.Count).Where(i => refined[i] is null && !toRefine[i].Confirmed).ToList();
            if (retry.Count > 0)
            {
                var wide = Redetect(image, retry.Select(i => toRefine[i].Candidate).ToList(), VerifyContextWide, options.MinConfidence, options.RefineMirror);
                for (int j = 0; j < retry.Count; j++) refined[retry[j]] = wide[j];
            }

            for (int i = 0; i < toRefine.Count; i++)
            {
                var (candidate, confirmed) = toRefine[i];
                if (refined[i] is { } r)
                {
                    r.Score = MathF.Max(r.Score, candidate.Score);
                    result.Add(r);
                }
                else if (confirmed)
                {
                    result.Add(candidate);
                }
            }

            DetectionProfile.Add(DetectionProfile.Stage.Refine, refining);
        }

        return result.Count <= 1 ? result : BlazeFaceDecoder.WeightedNonMaxSuppression(result);
    }

    /// <summary>
    /// Runs the network on a square crop <paramref name="context"/> times each candidate's size, centred on it and
    /// rotated so that its eyes are level (black beyond the image, like the letterbox), and on the mirror image of
    /// that crop, all in one batch; returns per candidate the matching detection (the average of both readings), in
    /// image pixels, or null when the direct crop does not find it.
    /// BlazeFace's keypoints are much better on upright faces, so undoing the roll first keeps the alignment of
    /// tilted heads as precise as that of upright ones.
    /// </summary>
    private RawDetection?[] Redetect(Mat image, IReadOnlyList<RawDetection> candidates, float context, float minScore, bool mirror)
    {
        var crops = new List<Mat>(2 * candidates.Count);
        var toImage = new List<Mat>(candidates.Count);
        var targets = new RawDetection[candidates.Count];
        var sides = new int[candidates.Count];
        try
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                var candidate = candidates[i];
                int side = Math.Max(2, (int)MathF.Round(MathF.Max(candidate.Width, candidate.Height) * context));
                // candidate centre in pixel-centre coordinates, and its roll from the eye keypoints
                var centre = new Point2f((candidate.XMin + candidate.XMax) / 2 - 0.5f, (candidate.YMin + candidate.YMax) / 2 - 0.5f);
                float dx = candidate.Keypoints[2] - candidate.Keypoints[0], dy = candidate.Keypoints[3] - candidate.Keypoints[1];
                double roll = dx == 0 && dy == 0 ? 0 : Math.Atan2(dy, dx) * 180 / Math.PI;
                if (Math.Abs(roll) > 60) roll = 0; // not a plausible eye line: do not trust it

                using var toCrop = Cv2.GetRotationMatrix2D(centre, roll, 1.0);
                toCrop.Set(0, 2, toCrop.At<double>(0, 2) + (side - 1) / 2.0 - centre.X);
                toCrop.Set(1, 2, toCrop.At<double>(1, 2) + (side - 1) / 2.0 - centre.Y);
                var back = new Mat();
                toImage.Add(back);
                Cv2.InvertAffineTransform(toCrop, back);

                var crop = new Mat();
                crops.Add(crop);
                Cv2.WarpAffine(image, crop, toCrop, new Size(side, side), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
                // The same crop mirrored: averaging the two readings (left/right keypoints swapped back) cancels most of
                // the network's keypoint jitter and left/right bias, which matters for alignment.
                if (mirror)
                {
                    var mirrored = new Mat();
                    crops.Add(mirrored);
                    Cv2.Flip(crop, mirrored, FlipMode.Y);
                }
                targets[i] = Transform(candidate, toCrop);
                sides[i] = side;
            }

            var found = RunNetworks(crops, minScore);
            var result = new RawDetection?[candidates.Count];
            int per = mirror ? 2 : 1;
            for (int i = 0; i < candidates.Count; i++)
            {
                var direct = BestMatch(found[per * i], targets[i]);
                if (direct is null) continue;
                int side = sides[i];
                var second = mirror ? BestMatch(found[2 * i + 1].Select(d => Mirror(d, side)).ToList(), targets[i]) : null;
                var both = second is { } m ? Average(direct.Value, m) : direct.Value;
                result[i] = Transform(both, toImage[i]);
            }

            return result;
        }
        finally
        {
            foreach (var m in crops) m.Dispose();
            foreach (var m in toImage) m.Dispose();
        }
    }

    /// <summary>
    /// Maps a detection through a 2x3 affine matrix (a similarity here): keypoints exactly (pixel-centre coordinates),
    /// the box by its centre with its size scaled, staying axis-aligned.
    /// </summary>
    private static RawDetection Transform(in RawDetection d, Mat affine)
    {
        double a00 = affine.At<double>(0, 0), a01 = affine.At<double>(0, 1), a02 = affine.At<double>(0, 2);
        double a10 = affine.At<double>(1, 0), a11 = affine.At<double>(1, 1), a12 = affine.At<double>(1, 2);
        (float X, float Y) Apply(double x, double y) => ((float)(a00 * x + a01 * y + a02), (float)(a10 * x + a11 * y + a12));

        var k = new float[d.Keypoints.Length];
        for (int i = 0; i < k.Length; i += 2) (k[i], k[i + 1]) = Apply(d.Keypoints[i], d.Keypoints[i + 1]);
        var (cx, cy) = Apply((d.XMin + d.XMax) / 2 - 0.5, (d.YMin + d.YMax) / 2 - 0.5);
        float scale = (float)Math.Sqrt(Math.Abs(a00 * a11 - a01 * a10));
        float halfW = d.Width * scale / 2, halfH = d.Height * scale / 2;
        return new RawDetection
        {
            XMin = cx + 0.5f - halfW, XMax = cx + 0.5f + halfW,
            YMin = cy + 0.5f - halfH, YMax = cy + 0.5f + halfH,
            Score = d.Score, Keypoints = k,
        };
    }

    private static RawDetection? BestMatch(List<RawDetection> detections, in RawDetection candidate)
    {
        RawDetection? best = null;
        float bestOverlap = BlazeFaceDecoder.MinSuppressionThreshold;
        foreach (var d in detections)
        {
            float overlap = d.IntersectionOverUnion(candidate);
            if (overlap > bestOverlap)
            {
                bestOverlap = overlap;
                best = d;
            }
        }

        return best;
    }

    /// <summary>A detection in a horizontally mirrored image of width <paramref name="width"/>, expressed in the original image.</summary>
    private static RawDetection Mirror(in RawDetection d, int width)
    {
        var k = new float[d.Keypoints.Length];
        // keypoints use pixel-centre coordinates (x' = width - 1 - x), and the subject's sides swap:
        // 0 right eye <-> 1 left eye, 2 nose, 3 mouth, 4 right ear <-> 5 left ear
        int[] source = [1, 0, 2, 3, 5, 4];
        for (int i = 0; i < source.Length; i++)
        {
            k[2 * i] = width - 1 - d.Keypoints[2 * source[i]];
            k[2 * i + 1] = d.Keypoints[2 * source[i] + 1];
        }

        return new RawDetection { XMin = width - d.XMax, XMax = width - d.XMin, YMin = d.YMin, YMax = d.YMax, Score = d.Score, Keypoints = k };
    }

    private static RawDetection Average(in RawDetection a, in RawDetection b)
    {
        var k = new float[a.Keypoints.Length];
        for (int i = 0; i < k.Length; i++) k[i] = (a.Keypoints[i] + b.Keypoints[i]) / 2;
        return new RawDetection
        {
            XMin = (a.XMin + b.XMin) / 2, XMax = (a.XMax + b.XMax) / 2,
            YMin = (a.YMin + b.YMin) / 2, YMax = (a.YMax + b.YMax) / 2,
            Score = (a.Score + b.Score) / 2, Keypoints = k,
        };
    }

    private List<RawDetection> SearchPadded(Mat image, DetectionOptions options)
    {
        int width = image.Width, height = image.Height;
        int padX = (int)MathF.Round(width * (RetryPadding - 1) / 2);
        int padY = (int)MathF.Round(height * (RetryPadding - 1) / 2);
        using var canvas = new Mat();
        Cv2.CopyMakeBorder(image, canvas, padY, padY, padX, padX, BorderTypes.Replicate);
        var found = Search(canvas, options, new Size(width, height));
        var mapped = new List<RawDetection>(found.Count);
        foreach (var d in found)
        {
            var m = d.Map(1, -padX, 1, -padY);
            // the face must lie mostly inside the real image: replicated borders can echo edge features
            float cx = (m.XMin + m.XMax) / 2, cy = (m.YMin + m.YMax) / 2;
            if (cx >= 0 && cy >= 0 && cx < width && cy < height) mapped.Add(m);
        }

        return mapped;
    }

    /// <summary>
    /// The levels searched besides the whole image, as the side in source pixels of the square the network's input
    /// stands for at that level (the "tile"). The finest is <paramref name="smallestFace"/> /
    /// <see cref="ReliableFaceFraction"/> pixels (480 for 40 px faces); each coarser level doubles it, and levels are
    /// added until the largest face a level accepts (<see cref="MaxFaceFractionOfTile"/>) is one the whole-image pass
    /// finds reliably. None when the whole-image pass already sees <paramref name="smallestFace"/> at a reliable size.
    /// </summary>
    internal static List<int> LevelPlan(int width, int height, float smallestFace)
    {
        var levels = new List<int>();
        int longest = Math.Max(width, height);
        if (smallestFace <= 0) return levels;
        float finest = smallestFace / ReliableFaceFraction;
        float wholeImageReliable = longest * ReliableFaceFraction;
        if (smallestFace >= wholeImageReliable) return levels;

        for (float size = finest; ; size *= 2)
        {
            int tile = (int)MathF.Round(size);
            if (tile >= longest) break;                                  // the whole-image pass is this level
            levels.Add(tile);
            if (MaxFaceFractionOfTile * tile >= wholeImageReliable) break;
        }

        return levels;
    }

    /// <summary>
    /// Whether a level is searched in square tiles of <paramref name="tile"/> pixels, each letterboxed into the network
    /// input (as every level was before windows), rather than as one downscaled image in windows: when the level's image
    /// spans at most two network inputs, as the levels of video frames do (700x500 and less: 2x1 or 2x2 tiles). There
    /// windows would save at most half the work of a small pass, and tiles find exactly the faces, boxes and keypoints
    /// the footage accuracy figures were measured with; windows moved them (labelled footage BCubed F1 0.989 -> 0.984, demo
    /// footage 1.000 -> 0.990, from faces newly found at frame edges and boxes blended with other readings).
    /// </summary>
    internal static bool InTiles(int width, int height, int tile) => Math.Max(width, height) <= 2 * tile;

    /// <summary>One level's square tiles, overlapping by <see cref="TileOverlap"/>, covering the image.</summary>
    private static void AddTiles(List<Rect> tiles, int width, int height, int tile)
    {
        static List<int> Starts(int extent, int tile)
        {
            var starts = new List<int>();
            if (extent <= tile) { starts.Add(0); return starts; }
            int count = (int)Math.Ceiling((extent - tile) / (tile * (1 - TileOverlap))) + 1;
            for (int i = 0; i < count; i++) starts.Add((int)Math.Round((double)(extent - tile) * i / (count - 1)));
            return starts;
        }

        foreach (int y in Starts(height, tile))
        {
            foreach (int x in Starts(width, tile))
            {
                tiles.Add(new Rect(x, y, Math.Min(tile, width - x), Math.Min(tile, height - y)));
            }
        }
    }

    /// <summary>A level's image is cut into windows of at most this many times the network's input side (memory: about 2.5 MB of activations per 192x192).</summary>
    internal const int MaxWindowInputs = 4;

    /// <summary>
    /// One level of the search on a large image (not <see cref="InTiles"/>): the image scaled so that <paramref name="tile"/>
    /// source pixels are the network's input side, run through the network as a whole (in windows of at most <see cref="MaxWindowInputs"/> input sides,
    /// overlapping by <see cref="TileOverlap"/> of an input side). The network is convolutional, so this is every
    /// tile of that size at once, at the network cost of the scaled image's area instead of the tiles' (which overlap
    /// by 40%), and with real context instead of padding at the inner tile edges. Like a tile pass, it keeps only the
    /// faces it is trustworthy for: at most <see cref="MaxFaceFractionOfTile"/> of the input side, not cut by an inner
    /// window edge.
    /// </summary>
    private List<RawDetection> SearchLevel(Mat image, int tile, float minScore)
    {
        int width = image.Width, height = image.Height;
        float scale = (float)InputSize / tile;
        int scaledWidth = Math.Max(1, (int)MathF.Round(width * scale)), scaledHeight = Math.Max(1, (int)MathF.Round(height * scale));
        long started = DetectionProfile.Start();
        using var scaled = new Mat();
        Cv2.Resize(image, scaled, new Size(scaledWidth, scaledHeight), 0, 0, InterpolationFlags.Area);
        started = DetectionProfile.Add(DetectionProfile.Stage.LevelResize, started);
        float toSourceX = (float)width / scaledWidth, toSourceY = (float)height / scaledHeight;
        float largest = MaxFaceFractionOfTile * InputSize, margin = InnerEdgeMargin * InputSize;

        var result = new List<RawDetection>();
        foreach (var window in Windows(scaledWidth, scaledHeight, InputSize))
        {
            int inputWidth = PaddedSide(window.Width), inputHeight = PaddedSide(window.Height);
            int padX = (inputWidth - window.Width) / 2, padY = (inputHeight - window.Height) / 2;
            var input = new float[3 * inputWidth * inputHeight];
            using (var view = new Mat(scaled, window)) ToInput(view, input, inputWidth, inputHeight, padX, padY);
            var (regressors, logits) = RunRaw(input, 1, inputWidth, inputHeight);
            var decoded = BlazeFaceDecoder.Decode(regressors, logits, Anchors(inputWidth, inputHeight), inputWidth, inputHeight, minScore);
            var kept = decoded.Count <= 1 ? decoded : BlazeFaceDecoder.WeightedNonMaxSuppression(decoded);
            foreach (var normalised in kept)
            {
                var d = normalised.Map(inputWidth, window.X - padX, inputHeight, window.Y - padY); // level pixels
                if (d.Width > largest) continue;
                if (window.X > 0 && d.XMin < window.X + margin) continue;
                if (window.Y > 0 && d.YMin < window.Y + margin) continue;
                if (window.Right < scaledWidth && d.XMax > window.Right - margin) continue;
                if (window.Bottom < scaledHeight && d.YMax > window.Bottom - margin) continue;
                var inSource = d.Map(toSourceX, 0, toSourceY, 0);
                // keypoints to the pixel-centre convention, as Letterbox.ToImage
                for (int k = 0; k < inSource.Keypoints.Length; k++) inSource.Keypoints[k] -= 0.5f;
                result.Add(inSource);
            }
        }

        DetectionProfile.Add(DetectionProfile.Stage.LevelNetwork, started);
        return result;
    }

    /// <summary>
    /// The network's input side for a window side: a multiple of 32 (every stride of both models divides it), at least
    /// the trained size, with at least <see cref="WindowBorder"/> of black on either side. The window is centred in
    /// it, as the letterbox centres an image.
    /// </summary>
    private int PaddedSide(int side) => Math.Max(InputSize, (side + 2 * WindowBorder + 31) / 32 * 32);

    /// <summary>
    /// Level pixels of black around a window. Faces cut by the image's edge (heads at the top of a video frame) are
    /// found with black beyond the edge, as the letterbox of a short tile gave them, and mostly not when the edge is
    /// the network input's own (measured on the footage frames: 2 of 364 lost without the border).
    /// </summary>
    private const int WindowBorder = 8;

    /// <summary>
    /// Windows covering a <paramref name="width"/> x <paramref name="height"/> level image: sides of at most
    /// <see cref="MaxWindowInputs"/> x <paramref name="input"/>, consecutive windows overlapping by
    /// <see cref="TileOverlap"/> x <paramref name="input"/>, so that every face a level accepts lies wholly inside one.
    /// </summary>
    internal static List<Rect> Windows(int width, int height, int input)
    {
        int most = MaxWindowInputs * input, overlap = (int)MathF.Ceiling(TileOverlap * input);
        // as few windows as fit, all of one length, so that they overlap by no more than they must
        static List<(int Start, int Length)> Spans(int extent, int most, int overlap)
        {
            var spans = new List<(int, int)>();
            if (extent <= most) { spans.Add((0, extent)); return spans; }
            int count = (int)Math.Ceiling((double)(extent - overlap) / (most - overlap));
            int length = Math.Min(most, (extent + (count - 1) * overlap + count - 1) / count);
            for (int i = 0; i < count; i++) spans.Add(((int)Math.Round((double)(extent - length) * i / (count - 1)), length));
            return spans;
        }

        var windows = new List<Rect>();
        foreach (var (y, h) in Spans(height, most, overlap))
        {
            foreach (var (x, w) in Spans(width, most, overlap)) windows.Add(new Rect(x, y, w, h));
        }

        return windows;
    }

    /// <summary>The anchors of a window input size, made once per size (windows repeat a handful of sizes).</summary>
    private Anchor[] Anchors(int inputWidth, int inputHeight) =>
        inputWidth == InputSize && inputHeight == InputSize ? _anchors : _windowAnchors.GetOrAdd((inputWidth, inputHeight), k => SsdAnchors.For(Kind, k.Item1, k.Item2));

    /// <summary>
    /// One pass's detections (in <paramref name="region"/>'s pixels) in image pixels; a tile pass keeps only the faces it
    /// is trustworthy for (not cut by an inner tile edge, not too large for the tile).
    /// </summary>
    private static List<RawDetection> InImage(List<RawDetection> detections, Rect region, bool isTile, int imageWidth, int imageHeight)
    {
        var result = new List<RawDetection>(detections.Count);
        foreach (var local in detections)
        {
            var d = local.Map(1, region.X, 1, region.Y);
            if (isTile)
            {
                int side = Math.Max(region.Width, region.Height);
                if (d.Width > MaxFaceFractionOfTile * side) continue;
                float margin = InnerEdgeMargin * side;
                if (region.X > 0 && d.XMin < region.X + margin) continue;
                if (region.Y > 0 && d.YMin < region.Y + margin) continue;
                if (region.Right < imageWidth && d.XMax > region.Right - margin) continue;
                if (region.Bottom < imageHeight && d.YMax > region.Bottom - margin) continue;
            }

            result.Add(d);
        }

        return result;
    }

    /// <summary>
    /// At most this many network inputs go into one session call: large enough to amortise the call and let the
    /// convolutions work on wide tensors, small enough that a photo with a hundred tiles does not hold hundreds of
    /// megabytes of activations at once (about 2.5 MB per full-range input).
    /// </summary>
    internal const int MaxBatch = 16;

    /// <summary>Inputs per session call: <see cref="Models.OnnxSessions.InputsPerCall"/>, at most <see cref="MaxBatch"/>.</summary>
    private int BatchSize => Math.Min(MaxBatch, Models.OnnxSessions.InputsPerCall(_intraOpThreads));

    /// <summary>
    /// Letterboxes every image into the network input, runs them in batches of up to <see cref="BatchSize"/>, decodes
    /// and suppresses; detections per image, in that image's pixels.
    /// </summary>
    private List<RawDetection>[] RunNetworks(IReadOnlyList<Mat> images, float minScore)
    {
        var result = new List<RawDetection>[images.Count];
        int plane = 3 * InputSize * InputSize;
        int batch = BatchSize;
        for (int start = 0; start < images.Count; start += batch)
        {
            int count = Math.Min(batch, images.Count - start);
            var input = new float[count * plane];
            var frames = new Letterbox[count];
            for (int i = 0; i < count; i++) frames[i] = Prepare(images[start + i], input.AsSpan(i * plane, plane));

            var (regressors, logits) = RunRaw(input, count, InputSize, InputSize);
            int perImage = _anchors.Length * BlazeFaceDecoder.CoordinateCount;
            for (int i = 0; i < count; i++)
            {
                var decoded = BlazeFaceDecoder.Decode(
                    regressors.AsSpan(i * perImage, perImage), logits.AsSpan(i * _anchors.Length, _anchors.Length), _anchors, InputSize, minScore);
                var kept = decoded.Count <= 1 ? decoded : BlazeFaceDecoder.WeightedNonMaxSuppression(decoded);
                result[start + i] = frames[i].ToImage(kept, InputSize);
            }
        }

        return result;
    }

    /// <summary>Where an image sits in the square network input: its resized size and the padding before it.</summary>
    private readonly record struct Letterbox(int Width, int Height, int ResizedWidth, int ResizedHeight, int PadX, int PadY)
    {
        /// <summary>Normalised input coordinates to image pixels.</summary>
        public List<RawDetection> ToImage(List<RawDetection> kept, int input)
        {
            float sx = input / ((float)ResizedWidth / Width), sy = input / ((float)ResizedHeight / Height);
            float ox = -PadX * (sx / input), oy = -PadY * (sy / input);
            // Box corners are continuous edge coordinates (0 = the left edge of the first pixel); keypoints are
            // moved half a pixel to OpenCV's pixel-centre convention (0 = the centre of the first pixel), the one
            // warpAffine and the aligner use.
            for (int i = 0; i < kept.Count; i++)
            {
                var mapped = kept[i].Map(sx, ox, sy, oy);
                for (int k = 0; k < mapped.Keypoints.Length; k++) mapped.Keypoints[k] -= 0.5f;
                kept[i] = mapped;
            }

            return kept;
        }
    }

    /// <summary>
    /// Letterboxes <paramref name="image"/> into a black square of the network's input size (as MediaPipe's
    /// ImageToTensorCalculator: aspect ratio kept, centred), the canvas the network sees.
    /// </summary>
    internal Mat LetterboxCanvas(Mat image, out int resizedWidth, out int resizedHeight, out int padX, out int padY)
    {
        int width = image.Width, height = image.Height, input = InputSize;
        float scale = (float)input / Math.Max(width, height);
        resizedWidth = Math.Clamp((int)MathF.Round(width * scale), 1, input);
        resizedHeight = Math.Clamp((int)MathF.Round(height * scale), 1, input);
        padX = (input - resizedWidth) / 2;
        padY = (input - resizedHeight) / 2;

        var canvas = new Mat(input, input, MatType.CV_8UC3, Scalar.All(0));
        using var target = new Mat(canvas, new Rect(padX, padY, resizedWidth, resizedHeight));
        var interpolation = scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(image, target, new Size(resizedWidth, resizedHeight), 0, 0, interpolation);
        return canvas;
    }

    private Letterbox Prepare(Mat image, Span<float> destination)
    {
        using var canvas = LetterboxCanvas(image, out int rw, out int rh, out int px, out int py);
        ToInput(canvas, destination, InputSize);
        return new Letterbox(image.Width, image.Height, rw, rh, px, py);
    }

    /// <summary>A BGR canvas as the network input: planar RGB floats scaled to [-1, 1].</summary>
    internal static void ToInput(Mat canvas, Span<float> destination, int size) => ToInput(canvas, destination, size, size);

    /// <summary>
    /// A BGR image (or view) as a <paramref name="inputWidth"/> x <paramref name="inputHeight"/> network input, placed at
    /// (<paramref name="left"/>, <paramref name="top"/>): planar RGB floats scaled to [-1, 1], black (-1) around the
    /// image, as the letterbox pads.
    /// </summary>
    internal static unsafe void ToInput(Mat image, Span<float> destination, int inputWidth, int inputHeight, int left = 0, int top = 0)
    {
        int plane = inputWidth * inputHeight;
        var r = destination[..plane];
        var g = destination.Slice(plane, plane);
        var b = destination.Slice(2 * plane, plane);
        int width = Math.Min(image.Width, inputWidth - left), height = Math.Min(image.Height, inputHeight - top);
        if (width < inputWidth || height < inputHeight) destination[..(3 * plane)].Fill(-1f);
        byte* data = (byte*)image.DataPointer;
        long step = image.Step();
        const float Scale = 1f / 127.5f;
        for (int y = 0; y < height; y++)
        {
            byte* row = data + y * step;
            int o = (y + top) * inputWidth + left;
            for (int x = 0; x < width; x++, row += 3)
            {
                b[o + x] = (row[0] - 127.5f) * Scale;
                g[o + x] = (row[1] - 127.5f) * Scale;
                r[o + x] = (row[2] - 127.5f) * Scale;
            }
        }
    }

    /// <summary>The network's raw outputs for <paramref name="count"/> inputs of the trained size: regressors (count x anchors x 16) and logits (count x anchors).</summary>
    internal (float[] Regressors, float[] Logits) RunRaw(float[] input, int count) => RunRaw(input, count, InputSize, InputSize);

    /// <summary>As above for inputs of <paramref name="inputWidth"/> x <paramref name="inputHeight"/> (multiples of 32).</summary>
    internal (float[] Regressors, float[] Logits) RunRaw(float[] input, int count, int inputWidth, int inputHeight)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int anchors = Anchors(inputWidth, inputHeight).Length;
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [count, 3, inputHeight, inputWidth]);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [BlazeFaceModelConverter.InputName], [inputValue], _outputNames);
        var regressors = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var logits = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        if (regressors.Length != count * anchors * BlazeFaceDecoder.CoordinateCount || logits.Length != count * anchors)
        {
            throw new InvalidOperationException(
                $"Unexpected output sizes {regressors.Length} and {logits.Length} for {count} inputs of {anchors} anchors.");
        }

        return (regressors, logits);
    }

    private static List<DetectedFace> Finish(List<RawDetection> found, int width, int height, DetectionOptions options)
    {
        var faces = new List<DetectedFace>();
        foreach (var d in found.OrderByDescending(d => d.Score))
        {
            float x0 = Math.Clamp(d.XMin, 0, width), y0 = Math.Clamp(d.YMin, 0, height);
            float x1 = Math.Clamp(d.XMax, 0, width), y1 = Math.Clamp(d.YMax, 0, height);
            if (x1 - x0 < options.MinFaceSize || y1 - y0 <= 0 || d.Width < options.MinFaceSize) continue;
            var points = new FacePoint[RawDetection.KeypointCount];
            for (int k = 0; k < points.Length; k++) points[k] = new FacePoint(d.Keypoints[2 * k], d.Keypoints[2 * k + 1]);
            faces.Add(new DetectedFace(new FaceBox(x0, y0, x1 - x0, y1 - y0), FaceLandmarks.FromArray(points), d.Score));
            if (options.MaxFaces is { } max && faces.Count >= max) break;
        }

        return faces
            .OrderBy(f => MathF.Round(f.Box.CenterY))
            .ThenBy(f => MathF.Round(f.Box.CenterX))
            .ThenByDescending(f => f.Confidence)
            .ToList();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
    }
}
