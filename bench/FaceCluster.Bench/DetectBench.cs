using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceCluster.Detection;
using FaceCluster.Imaging;
using FaceCluster.Models;
using FaceCluster.Video;

namespace FaceCluster.Bench;

/// <summary>
/// detect [--photos ../shared/eval/labelled-photos] [--seconds 120] [--save faces.json] [--compare faces.json] [--full-only] [--model-dir dir]
///   Which detection passes find which faces, and what each costs, on three sets: the six demo photos, the labelled
///   photos and the 1-fps frames (700x500 jpg) of the generated 2-minute 1280x720 clip (cached in obj/bench/).
///   Configurations: full (the default: whole image + tiles or level windows + refine), full with every level in tiles
///   (the search before level windows, timed in the same process), no refine, no tiles, whole image only; for
///   each, ms per image (one thread, one image at a time) and the faces matched (IoU >= 0.5) to the full search.
///   --save writes the full search's boxes per image; --compare reads such a file (e.g. written by an older build) and
///   reports every face it has that this build does not find (count and boxes within IoU 0.5). --full-only times the
///   full search and its tiles-only form (enough for --save and --compare).
/// </summary>
public static class DetectBench
{
    private sealed record Config(string Name, DetectionOptions Options);

    public static int Run(string[] args)
    {
        var (o, flags) = BenchEnv.Parse(args, "full-only");
        var modelDir = BenchEnv.ModelDirectory(o);
        var root = BenchEnv.Root;
        var photoDir = Path.GetFullPath(o.GetValueOrDefault("photos") ?? Path.Combine(root, "..", "shared", "eval", "labelled-photos"));
        double seconds = BenchEnv.Double(o, "seconds", 120);
        BenchEnv.Header("detect");

        var sets = new List<(string Name, IReadOnlyList<string> Images)> { ("demo photos", BenchEnv.DemoPhotos()) };
        if (Directory.Exists(photoDir))
            sets.Add(("labelled photos", Directory.GetFiles(photoDir, "*.jpg").Order(StringComparer.Ordinal).ToList()));
        else Console.WriteLine($"labelled photos skipped: {photoDir} not found");
        sets.Add(("footage frames", FootageFrames(seconds)));

        using var detector = new BlazeFaceDetector(ModelCatalog.GetVerifiedPath(ModelCatalog.DetectorFullRange, modelDir), DetectorKind.FullRange);
        var full = DetectionOptions.Default;
        Config[] configs =
        [
            new("full (whole + tiles + refine)", full),
            new("full, every level in tiles (before)", full with { LevelWindows = false }),
            new("no refine", full with { Refine = false }),
            new("refine without mirror", full with { RefineMirror = false }),
            new("refine below 32 px", full with { RefineBelow = 32 }),
            new("refine below 24 px", full with { RefineBelow = 24 }),
            new("no tiles", full with { SmallestFace = 0 }),
            new("whole image only", full with { Refine = false, SmallestFace = 0 }),
        ];

        var saved = new Dictionary<string, float[][]>(StringComparer.Ordinal);
        Dictionary<string, float[][]>? reference = o.TryGetValue("compare", out var compare)
            ? JsonSerializer.Deserialize<Dictionary<string, float[][]>>(File.ReadAllText(compare))
            : null;

        foreach (var (name, images) in sets)
        {
            Console.WriteLine();
            Console.WriteLine($"{name}: {images.Count} images");
            Console.WriteLine($"  {"configuration",-32} {"ms/img",8} {"faces",6} {"of full",8} {"extra",6} {"kp shift",14}   ms/img in: whole image + tiles, window levels: resize / network, refine");
            var loaded = images.Select(p => (Path: p, Image: ImageLoader.Load(p))).ToList();
            try
            {
                detector.Detect(loaded[0].Image, full); // warm-up
                List<IReadOnlyList<DetectedFace>>? fullFaces = null;
                foreach (var config in flags.Contains("full-only") ? configs[..2] : configs)
                {
                    DetectionProfile.Take();
                    var clock = Stopwatch.StartNew();
                    var found = loaded.Select(l => detector.Detect(l.Image, config.Options)).ToList();
                    double ms = clock.Elapsed.TotalMilliseconds / loaded.Count;
                    var stages = DetectionProfile.Take().Select(t => (t / loaded.Count).ToString("0.0", CultureInfo.InvariantCulture));
                    fullFaces ??= found;
                    int matched = 0, total = found.Sum(f => f.Count);
                    for (int i = 0; i < loaded.Count; i++) matched += Matched(fullFaces[i].Select(f => f.Box), found[i].Select(f => f.Box));
                    int fullTotal = fullFaces.Sum(f => f.Count);
                    var shifts = new List<double>();
                    for (int i = 0; i < loaded.Count; i++) shifts.AddRange(KeypointShifts(fullFaces[i], found[i]));
                    string shift = shifts.Count == 0 ? "-" : FormattableString.Invariant($"{shifts.Average():0.000}/{shifts.Max():0.000}");
                    Console.WriteLine($"  {config.Name,-32} {ms,8:0.0} {total,6} {matched,4}/{fullTotal,-3} {total - matched,6} {shift,14}   {string.Join(" / ", stages)}");
                }

                // Face widths in whole-image network-input pixels: what the refine threshold (40) is compared with.
                int[] edges = [16, 24, 32, 40];
                var counts = new int[edges.Length + 1];
                for (int i = 0; i < loaded.Count; i++)
                    foreach (var f in fullFaces![i])
                    {
                        float px = f.Box.Width * detector.InputSize / Math.Max(loaded[i].Image.Width, loaded[i].Image.Height);
                        counts[edges.Count(e => px >= e)]++;
                    }
                Console.WriteLine($"  face width in network-input px: <16 {counts[0]}, 16-24 {counts[1]}, 24-32 {counts[2]}, 32-40 {counts[3]}, >=40 {counts[4]}");

                for (int i = 0; i < loaded.Count; i++)
                {
                    string key = name + "/" + Path.GetFileName(loaded[i].Path);
                    saved[key] = fullFaces!.Count > 0 ? fullFaces[i].Select(f => new[] { f.Box.X, f.Box.Y, f.Box.Width, f.Box.Height }).ToArray() : [];
                }

                if (reference is not null)
                {
                    int theirs = 0, kept = 0, missing = 0, extra = 0;
                    foreach (var l in loaded.Select((l, i) => (l, i)))
                    {
                        string key = name + "/" + Path.GetFileName(l.l.Path);
                        if (!reference.TryGetValue(key, out var before)) continue;
                        var old = before.Select(b => new FaceBox(b[0], b[1], b[2], b[3])).ToList();
                        var now = fullFaces![l.i].Select(f => f.Box).ToList();
                        int m = Matched(old, now);
                        theirs += old.Count;
                        kept += m;
                        extra += now.Count - m;
                        if (m < old.Count)
                        {
                            missing += old.Count - m;
                            Console.WriteLine($"  MISSING in {key}: {string.Join(", ", old.Where(b => !now.Any(n => n.IntersectionOverUnion(b) >= 0.5f)))}");
                        }
                    }
                    Console.WriteLine($"  against {Path.GetFileName(compare)}: {kept}/{theirs} of its faces found again (IoU >= 0.5), {missing} missing, {extra} new");
                }
            }
            finally
            {
                foreach (var l in loaded) l.Image.Dispose();
            }
        }

        if (o.TryGetValue("save", out var save))
        {
            File.WriteAllText(save, JsonSerializer.Serialize(saved));
            Console.WriteLine($"wrote {save}");
        }

        Console.WriteLine();
        Console.WriteLine("'of full': faces of the full search that the configuration also finds (IoU >= 0.5); 'extra': its faces the full search does not have.");
        BenchEnv.Footer();
        return 0;
    }

    /// <summary>
    /// Per face of <paramref name="reference"/> with a match (IoU >= 0.5) in <paramref name="found"/>: the largest
    /// distance of the eyes, nose and mouth keypoints between the two, over the reference box width (what moves the
    /// alignment; 0.01 = 1 % of the face). Printed as mean/max in the 'kp shift' column.
    /// </summary>
    private static IEnumerable<double> KeypointShifts(IReadOnlyList<DetectedFace> reference, IReadOnlyList<DetectedFace> found)
    {
        foreach (var r in reference)
        {
            var m = found.MaxBy(f => f.Box.IntersectionOverUnion(r.Box));
            if (m is null || m.Box.IntersectionOverUnion(r.Box) < 0.5f) continue;
            var a = r.Landmarks.ToArray();
            var b = m.Landmarks.ToArray();
            double worst = 0;
            for (int k = 0; k < 4; k++) worst = Math.Max(worst, Math.Sqrt(Math.Pow(a[k].X - b[k].X, 2) + Math.Pow(a[k].Y - b[k].Y, 2)));
            yield return worst / r.Box.Width;
        }
    }

    /// <summary>How many of <paramref name="truth"/> have a distinct match (IoU >= 0.5) in <paramref name="found"/>.</summary>
    private static int Matched(IEnumerable<FaceBox> truth, IEnumerable<FaceBox> found)
    {
        var left = found.ToList();
        int matched = 0;
        foreach (var t in truth)
        {
            int best = -1;
            float bestIou = 0.5f;
            for (int i = 0; i < left.Count; i++)
            {
                float iou = left[i].IntersectionOverUnion(t);
                if (iou >= bestIou) (best, bestIou) = (i, iou);
            }
            if (best < 0) continue;
            matched++;
            left.RemoveAt(best);
        }
        return matched;
    }

    /// <summary>The 1-fps frames of the generated clip, extracted once and kept in obj/bench/ so that every build sees the same files.</summary>
    private static IReadOnlyList<string> FootageFrames(double seconds)
    {
        var clip = Path.Combine(BenchEnv.WorkDirectory, FormattableString.Invariant($"footage-1280x720-{seconds:0}s.mp4"));
        if (!File.Exists(clip))
            SampleFootage.Create(BenchEnv.DemoPhotos(), clip, new SampleFootageOptions { Width = 1280, Height = 720, SecondsPerPhoto = seconds / 6, Force = true });
        var dir = Path.Combine(BenchEnv.WorkDirectory, FormattableString.Invariant($"detect-frames-{seconds:0}s"));
        if (!Directory.Exists(dir) || Directory.GetFiles(dir, "*.jpg").Length == 0)
        {
            var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = dir, FramesPerSecond = 1, Force = true });
            foreach (var _ in extractor.Extract(clip)) { }
        }
        // the frames the chain encodes (700x500 at most); the full-resolution copies in the subfolder are not searched
        return Directory.GetFiles(dir, "*.jpg", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToList();
    }
}
