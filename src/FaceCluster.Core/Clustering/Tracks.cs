using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FaceCluster.Clustering;

/// <summary>
/// How the faces of a track enter clustering. Measured with bench footage-eval on the footage of the labelled photos
/// and of the demo photos (docs/accuracy.md): Mean for Chinese whispers and DBSCAN, Members for average linkage,
/// where a mean descriptor lies closer to other tracks than the average over their faces does and merged people.
/// </summary>
internal enum TrackCollapse
{
    /// <summary>One item per track with the mean descriptor of its faces; DBSCAN counts its faces towards min_samples.</summary>
    Mean,
    /// <summary>
    /// The faces themselves: for DBSCAN and Chinese whispers one item per track whose neighbours are the neighbours of
    /// any of its faces (graph contraction); average linkage starts from the tracks as clusters.
    /// </summary>
    Members,
}

/// <summary>
/// Tracks: the faces of consecutive sampled frames of one shot of one video that are the same face. Two faces of
/// frames k and k+1 (same VideoPath, same Shot, or both without a shot) are linked when their boxes, each enlarged
/// <see cref="BoxGrowth"/> times about its centre to allow for a second of motion, overlap with IoU at least
/// <see cref="MinIoU"/>, and their descriptors are closer than <see cref="MaxDistanceFor"/> (well under the clustering
/// thresholds: a link is a claim that both are one person). Each face links at most one face of the next frame
/// (closest descriptor first, ties by canonical order), so a track holds at most one face per frame, never two faces
/// of one image. Computed from the faces alone, so stores of any run benefit; deterministic.
/// </summary>
internal sealed class Tracks
{
    /// <summary>Boxes are grown this many times about their centres before the IoU test (motion over one sample period).</summary>
    public const float BoxGrowth = 2f;
    public const float MinIoU = 0.3f;
    /// <summary>
    /// Descriptor distance below which two faces of consecutive frames are the same face, as a share of the model's
    /// calibrated clustering threshold: 0.4 on dlib's scale (0.5), where it passed 156/166 same-person and 0/134
    /// different-person consecutive pairs of the development footage (docs/accuracy.md); the share carries the gate to
    /// another model's scale.
    /// </summary>
    public const float MaxDistanceShare = 0.8f;

    /// <summary>The track distance gate on the scale of the model that made <paramref name="model"/>'s descriptors.</summary>
    public static float MaxDistanceFor(string? model) => (float)(Models.DescriptorModels.ForName(model).ClusterThreshold * MaxDistanceShare);

    private Tracks(int[] itemOf, int[][] items, string?[] trackIds)
    {
        ItemOf = itemOf;
        Items = items;
        TrackIds = trackIds;
    }

    /// <summary>Per canonical face: its item (track, or the face alone), items numbered by their first face.</summary>
    public int[] ItemOf { get; }
    /// <summary>The faces of every item, ascending; items in order of their first face.</summary>
    public int[][] Items { get; }
    /// <summary>Per canonical face: the id of its track, or null when it is linked to no other face.</summary>
    public string?[] TrackIds { get; }
    /// <summary>Some track holds more than one face.</summary>
    public bool Any => Items.Length < ItemOf.Length;

    /// <summary>Links the faces (in canonical order) into tracks.</summary>
    public static Tracks Build(IReadOnlyList<FaceEncoding> faces, DescriptorMatrix m, CancellationToken ct = default)
    {
        int n = faces.Count;
        var uf = new UnionFind(n);
        // Faces by (video, shot, frame); frames of one video visited in frame order.
        var byFrame = new Dictionary<(string Video, int? Shot, int Frame), List<int>>();
        for (int i = 0; i < n; i++)
        {
            var f = faces[i];
            if (f.VideoPath is null || f.FrameIndex is not { } frame) continue;
            var key = (f.VideoPath, f.Shot, frame);
            if (!byFrame.TryGetValue(key, out var list)) byFrame[key] = list = [];
            list.Add(i);
        }
        float maxDistance = MaxDistanceFor(n > 0 ? faces[0].Model : null);
        var pairs = new List<(float Distance, int A, int B)>();
        foreach (var ((video, shot, frame), here) in byFrame)
        {
            ct.ThrowIfCancellationRequested();
            if (!byFrame.TryGetValue((video, shot, frame + 1), out var next)) continue;
            pairs.Clear();
            foreach (int a in here)
            {
                var boxA = Grown(faces[a].Box);
                foreach (int b in next)
                {
                    if (boxA.IntersectionOverUnion(Grown(faces[b].Box)) < MinIoU) continue;
                    float d = m.Distance(a, b);
                    if (d < maxDistance) pairs.Add((d, a, b));
                }
            }
            pairs.Sort((x, y) => x.Distance != y.Distance ? x.Distance.CompareTo(y.Distance) : x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B));
            var usedA = new HashSet<int>();
            var usedB = new HashSet<int>();
            foreach (var (_, a, b) in pairs)
            {
                if (usedA.Contains(a) || usedB.Contains(b)) continue;
                usedA.Add(a);
                usedB.Add(b);
                uf.Union(a, b);
            }
        }
        var items = uf.Groups().ToArray();
        var itemOf = new int[n];
        for (int k = 0; k < items.Length; k++) foreach (int i in items[k]) itemOf[i] = k;

        // Ids: video, shot, first frame of the track and its rank among the tracks starting in that frame.
        var trackIds = new string?[n];
        var starts = new Dictionary<(string, int?, int), int>();
        foreach (var members in items.Where(t => t.Length > 1)
                     .Select(t => t.OrderBy(i => faces[i].FrameIndex).ThenBy(i => i).ToArray())
                     .OrderBy(t => faces[t[0]].VideoPath, StringComparer.Ordinal).ThenBy(t => faces[t[0]].FrameIndex).ThenBy(t => t[0]))
        {
            var first = faces[members[0]];
            var key = (first.VideoPath!, first.Shot, first.FrameIndex!.Value);
            int rank = starts.TryGetValue(key, out int r) ? r : 0;
            starts[key] = rank + 1;
            string id = string.Create(CultureInfo.InvariantCulture,
                $"{VideoIdentity(first.VideoPath!)}/s{(first.Shot is { } s ? s.ToString(CultureInfo.InvariantCulture) : "-")}/f{first.FrameIndex}/{rank}");
            foreach (int i in members) trackIds[i] = id;
        }
        return new Tracks(itemOf, items, trackIds);
    }

    /// <summary>"name#hash": readable, and distinct for two videos of the same name in different folders.</summary>
    internal static string VideoIdentity(string videoPath)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(videoPath));
        return System.IO.Path.GetFileNameWithoutExtension(videoPath) + "#" + Convert.ToHexString(hash, 0, 4).ToLowerInvariant();
    }

    /// <summary>The box grown <see cref="BoxGrowth"/> times about its centre.</summary>
    internal static FaceBox Grown(FaceBox b)
    {
        float w = b.Width * BoxGrowth, h = b.Height * BoxGrowth;
        return new FaceBox(b.CenterX - w / 2, b.CenterY - h / 2, w, h);
    }

    /// <summary>The mean descriptor of every item (a lone face keeps its own).</summary>
    public DescriptorMatrix MeanDescriptors(DescriptorMatrix m)
    {
        int dim = m.Dim;
        var result = new DescriptorMatrix(Items.Length, dim);
        for (int k = 0; k < Items.Length; k++)
        {
            var row = result.Data.AsSpan(k * dim, dim);
            foreach (int i in Items[k])
            {
                var src = m.Row(i);
                for (int j = 0; j < dim; j++) row[j] += src[j];
            }
            float inv = 1f / Items[k].Length;
            for (int j = 0; j < dim; j++) row[j] *= inv;
        }
        return result;
    }

    /// <summary>The item graph: items are neighbours when any face of one is a neighbour of any face of the other.</summary>
    public NeighborGraph Contract(NeighborGraph faces)
    {
        var offsets = new int[Items.Length + 1];
        var targets = new List<int>();
        var seen = new HashSet<int>();
        var row = new List<int>();
        for (int k = 0; k < Items.Length; k++)
        {
            seen.Clear();
            row.Clear();
            foreach (int i in Items[k])
            {
                foreach (int q in faces.Neighbors(i))
                {
                    int item = ItemOf[q];
                    if (item != k && seen.Add(item)) row.Add(item);
                }
            }
            row.Sort();
            targets.AddRange(row);
            offsets[k + 1] = targets.Count;
        }
        return new NeighborGraph(offsets, targets.ToArray());
    }

    /// <summary>Faces per item (DBSCAN counts a track's faces towards min_samples).</summary>
    public int[] Weights() => Items.Select(t => t.Length).ToArray();

    /// <summary>Per-face labels from per-item labels.</summary>
    public int[] Expand(int[] itemLabels)
    {
        var labels = new int[ItemOf.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = itemLabels[ItemOf[i]];
        return labels;
    }
}
