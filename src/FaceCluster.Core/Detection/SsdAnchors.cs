namespace FaceCluster.Detection;

/// <summary>An SSD anchor centre in normalised [0, 1] input coordinates (BlazeFace uses fixed-size 1x1 anchors).</summary>
internal readonly record struct Anchor(float CenterX, float CenterY);

/// <summary>
/// Generates the anchors of MediaPipe's SsdAnchorsCalculator for the BlazeFace graphs, with
/// fixed_anchor_size (width = height = 1), aspect_ratios [1.0], anchor offsets 0.5, no reduced lowest layer.
/// Consecutive layers with the same stride share one feature map; each layer contributes one anchor per
/// aspect ratio, plus one more when interpolated_scale_aspect_ratio &gt; 0. Order: per feature map, row-major
/// cells, anchors of a cell consecutive — the order of the model's output rows.
/// </summary>
internal static class SsdAnchors
{
    /// <summary>face_detection_short_range: 4 layers, strides 8,16,16,16, interpolated ratio 1.0, 128 input → 896.</summary>
    public static Anchor[] ShortRange() => Generate(128, [8, 16, 16, 16], interpolatedScaleAspectRatio: 1.0f);

    /// <summary>face_detection_full_range: 1 layer, stride 4, interpolated ratio 0.0, 192 input → 2304.</summary>
    public static Anchor[] FullRange() => Generate(192, [4], interpolatedScaleAspectRatio: 0.0f);

    public static Anchor[] For(DetectorKind kind) => kind switch
    {
        DetectorKind.FullRange => FullRange(),
        DetectorKind.ShortRange => ShortRange(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    internal static Anchor[] Generate(int inputSize, int[] strides, float interpolatedScaleAspectRatio)
    {
        const float offset = 0.5f;
        const int aspectRatioCount = 1; // aspect_ratios: [1.0]
        var anchors = new List<Anchor>();
        int layer = 0;
        while (layer < strides.Length)
        {
            int perCell = 0;
            int last = layer;
            while (last < strides.Length && strides[last] == strides[layer])
            {
                perCell += aspectRatioCount + (interpolatedScaleAspectRatio > 0 ? 1 : 0);
                last++;
            }

            int stride = strides[layer];
            int size = (int)Math.Ceiling((double)inputSize / stride);
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    var anchor = new Anchor((x + offset) / size, (y + offset) / size);
                    for (int k = 0; k < perCell; k++) anchors.Add(anchor);
                }
            }

            layer = last;
        }

        return [.. anchors];
    }
}
