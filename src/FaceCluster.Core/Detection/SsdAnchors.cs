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

    /// <summary>
    /// The anchors of the model's grid extended over a <paramref name="width"/> x <paramref name="height"/> input (the
    /// converted networks take any multiple of 32), normalised to that input; at the trained size they are
    /// <see cref="For(DetectorKind)"/>'s.
    /// </summary>
    public static Anchor[] For(DetectorKind kind, int width, int height) => kind switch
    {
        DetectorKind.FullRange => Generate(width, height, [4], interpolatedScaleAspectRatio: 0.0f),
        DetectorKind.ShortRange => Generate(width, height, [8, 16, 16, 16], interpolatedScaleAspectRatio: 1.0f),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    internal static Anchor[] Generate(int inputSize, int[] strides, float interpolatedScaleAspectRatio) =>
        Generate(inputSize, inputSize, strides, interpolatedScaleAspectRatio);

    internal static Anchor[] Generate(int inputWidth, int inputHeight, int[] strides, float interpolatedScaleAspectRatio)
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
            int columns = (int)Math.Ceiling((double)inputWidth / stride), rows = (int)Math.Ceiling((double)inputHeight / stride);
            for (int y = 0; y < rows; y++)
            {
                for (int x = 0; x < columns; x++)
                {
                    var anchor = new Anchor((x + offset) / columns, (y + offset) / rows);
                    for (int k = 0; k < perCell; k++) anchors.Add(anchor);
                }
            }

            layer = last;
        }

        return [.. anchors];
    }
}
