namespace FaceCluster.Detection;

/// <summary>
/// MediaPipe's TensorsToDetectionsCalculator and NonMaxSuppressionCalculator as configured by the
/// BlazeFace graphs (num_coords 16, box_coord_offset 0, reverse_output_order: x before y,
/// x/y/w/h_scale = input size, sigmoid score with clipping at ±100, 6 keypoints of 2 values;
/// suppression: IoU overlap, WEIGHTED algorithm, min_suppression_threshold 0.3).
/// </summary>
internal static class BlazeFaceDecoder
{
    public const int CoordinateCount = 16;
    public const float ScoreClippingThreshold = 100f;
    public const float MinSuppressionThreshold = 0.3f;

    /// <summary>
    /// Decodes the raw network outputs into detections in normalised [0, 1] input coordinates, keeping
    /// those with score &gt;= <paramref name="minScore"/>.
    /// </summary>
    /// <param name="regressors">N x 16 values: box centre offset x, y, size w, h, then 6 keypoint offsets x, y, all in input pixels relative to the anchor centre.</param>
    /// <param name="logits">N classifier logits.</param>
    public static List<RawDetection> Decode(ReadOnlySpan<float> regressors, ReadOnlySpan<float> logits, Anchor[] anchors, int inputSize, float minScore) =>
        Decode(regressors, logits, anchors, inputSize, inputSize, minScore);

    /// <summary>As above for a <paramref name="inputWidth"/> x <paramref name="inputHeight"/> input (anchors normalised to it).</summary>
    public static List<RawDetection> Decode(ReadOnlySpan<float> regressors, ReadOnlySpan<float> logits, Anchor[] anchors, int inputWidth, int inputHeight, float minScore)
    {
        if (logits.Length != anchors.Length || regressors.Length != anchors.Length * CoordinateCount)
        {
            throw new InvalidOperationException(
                $"BlazeFace output does not match its anchors: {logits.Length} scores, {regressors.Length} regressor values, {anchors.Length} anchors.");
        }

        float scaleX = inputWidth, scaleY = inputHeight;
        var result = new List<RawDetection>();
        for (int i = 0; i < anchors.Length; i++)
        {
            float score = Sigmoid(logits[i]);
            if (score < minScore) continue;

            var raw = regressors.Slice(i * CoordinateCount, CoordinateCount);
            var anchor = anchors[i];
            // fixed_anchor_size: anchor width = height = 1
            float cx = raw[0] / scaleX + anchor.CenterX;
            float cy = raw[1] / scaleY + anchor.CenterY;
            float w = raw[2] / scaleX;
            float h = raw[3] / scaleY;
            if (!(w > 0) || !(h > 0)) continue;

            var keypoints = new float[RawDetection.KeypointCount * 2];
            for (int k = 0; k < RawDetection.KeypointCount; k++)
            {
                keypoints[2 * k] = raw[4 + 2 * k] / scaleX + anchor.CenterX;
                keypoints[2 * k + 1] = raw[4 + 2 * k + 1] / scaleY + anchor.CenterY;
            }

            result.Add(new RawDetection
            {
                XMin = cx - w / 2,
                YMin = cy - h / 2,
                XMax = cx + w / 2,
                YMax = cy + h / 2,
                Score = score,
                Keypoints = keypoints,
            });
        }

        return result;
    }

    public static float Sigmoid(float logit)
    {
        float clipped = Math.Clamp(logit, -ScoreClippingThreshold, ScoreClippingThreshold);
        return 1f / (1f + MathF.Exp(-clipped));
    }

    /// <summary>
    /// MediaPipe's weighted non-maximum suppression: take the best remaining detection; every remaining
    /// detection overlapping it with IoU &gt; <paramref name="threshold"/> (itself included) is removed and
    /// blended into it, box corners and keypoints averaged with the scores as weights; the blend keeps the
    /// best score. Result is ordered by descending score. Ties are broken by the input order, so the
    /// output is deterministic.
    /// </summary>
    public static List<RawDetection> WeightedNonMaxSuppression(IReadOnlyList<RawDetection> detections, float threshold = MinSuppressionThreshold, int? maxDetections = null)
    {
        var remaining = Enumerable.Range(0, detections.Count)
            .OrderByDescending(i => detections[i].Score)
            .ThenBy(i => i)
            .ToList();
        var output = new List<RawDetection>();
        var next = new List<int>(remaining.Count);
        while (remaining.Count > 0)
        {
            var top = detections[remaining[0]];
            next.Clear();
            float total = 0, xmin = 0, ymin = 0, xmax = 0, ymax = 0;
            var keypoints = new float[RawDetection.KeypointCount * 2];
            foreach (int index in remaining)
            {
                var candidate = detections[index];
                if (top.IntersectionOverUnion(candidate) > threshold || index == remaining[0])
                {
                    float s = candidate.Score;
                    total += s;
                    xmin += candidate.XMin * s;
                    ymin += candidate.YMin * s;
                    xmax += candidate.XMax * s;
                    ymax += candidate.YMax * s;
                    for (int k = 0; k < keypoints.Length; k++) keypoints[k] += candidate.Keypoints[k] * s;
                }
                else
                {
                    next.Add(index);
                }
            }

            for (int k = 0; k < keypoints.Length; k++) keypoints[k] /= total;
            output.Add(new RawDetection
            {
                XMin = xmin / total,
                YMin = ymin / total,
                XMax = xmax / total,
                YMax = ymax / total,
                Score = top.Score,
                Keypoints = keypoints,
            });
            if (maxDetections is { } max && output.Count >= max) break;
            (remaining, next) = (next, remaining);
        }

        return output;
    }
}
