using FaceCluster.Detection;
using OpenCvSharp;

namespace FaceCluster.Tests.Detection;

public sealed class BlazeFaceDecoderTests
{
    [Fact]
    public void Anchor_counts_match_the_models()
    {
        var full = SsdAnchors.FullRange();
        Assert.Equal(2304, full.Length);
        Assert.Equal(new Anchor(0.5f / 48, 0.5f / 48), full[0]);
        Assert.Equal(new Anchor(1.5f / 48, 0.5f / 48), full[1]);
        Assert.Equal(new Anchor(47.5f / 48, 47.5f / 48), full[^1]);

        var shortRange = SsdAnchors.ShortRange();
        Assert.Equal(896, shortRange.Length);
        // 16x16 cells with 2 anchors each, then 8x8 cells with 6 anchors each
        Assert.Equal(shortRange[0], shortRange[1]);
        Assert.NotEqual(shortRange[1], shortRange[2]);
        Assert.Equal(new Anchor(0.5f / 8, 0.5f / 8), shortRange[512]);
        Assert.Equal(shortRange[512], shortRange[517]);
        Assert.NotEqual(shortRange[517], shortRange[518]);
    }

    [Fact]
    public void Decoding_offsets_boxes_and_keypoints_from_the_anchor_centre_in_input_pixels()
    {
        var anchors = new[] { new Anchor(0.25f, 0.75f), new Anchor(0.5f, 0.5f) };
        var regressors = new float[32];
        float[] first = [19.2f, -9.6f, 38.4f, 19.2f, 0, 0, 1.92f, 1.92f, 0, 0, 0, 0, 0, 0, 0, 0];
        first.CopyTo(regressors, 0);
        float[] logits = [2f, -3f];
        var decoded = BlazeFaceDecoder.Decode(regressors, logits, anchors, 192, 0.5f);
        var d = Assert.Single(decoded);
        Assert.Equal(1f / (1f + MathF.Exp(-2f)), d.Score, 5);
        Assert.Equal(0.25f + 0.1f - 0.1f, d.XMin, 5);
        Assert.Equal(0.25f + 0.1f + 0.1f, d.XMax, 5);
        Assert.Equal(0.75f - 0.05f - 0.05f, d.YMin, 5);
        Assert.Equal(0.75f - 0.05f + 0.05f, d.YMax, 5);
        Assert.Equal(0.25f, d.Keypoints[0], 5);
        Assert.Equal(0.26f, d.Keypoints[2], 5);
        Assert.Equal(0.76f, d.Keypoints[3], 5);
    }

    [Fact]
    public void Scores_are_clipped_before_the_sigmoid()
    {
        Assert.Equal(BlazeFaceDecoder.Sigmoid(100f), BlazeFaceDecoder.Sigmoid(1e6f));
        Assert.Equal(BlazeFaceDecoder.Sigmoid(-100f), BlazeFaceDecoder.Sigmoid(float.NegativeInfinity));
        Assert.Equal(0.5f, BlazeFaceDecoder.Sigmoid(0f));
    }

    [Fact]
    public void Weighted_suppression_blends_overlapping_detections_by_score_and_keeps_the_rest()
    {
        static RawDetection Box(float x, float y, float size, float score) => new()
        {
            XMin = x, YMin = y, XMax = x + size, YMax = y + size, Score = score,
            Keypoints = Enumerable.Repeat(x, 12).ToArray(),
        };

        var result = BlazeFaceDecoder.WeightedNonMaxSuppression([Box(0, 0, 10, 0.6f), Box(1, 0, 10, 0.9f), Box(50, 50, 10, 0.7f), Box(0, 0, 10, 0.3f)]);
        Assert.Equal(2, result.Count);
        var blended = result[0];
        Assert.Equal(0.9f, blended.Score);
        float expectedX = (0 * 0.6f + 1 * 0.9f + 0 * 0.3f) / (0.6f + 0.9f + 0.3f);
        Assert.Equal(expectedX, blended.XMin, 5);
        Assert.Equal(expectedX, blended.Keypoints[7], 5);
        Assert.Equal(50f, result[1].XMin);
        Assert.Equal(0.7f, result[1].Score);
    }

    [Fact]
    public void Levels_cover_large_images_and_small_images_need_none()
    {
        Assert.Empty(BlazeFaceDetector.LevelPlan(400, 300, 40));
        Assert.Empty(BlazeFaceDetector.LevelPlan(1920, 1080, 0));
        // 40 px faces are 16 px of input at the 480 px level; 160 px faces are reliable in the whole image
        Assert.Equal([480], BlazeFaceDetector.LevelPlan(1920, 1080, 40));
        // a 4000 px image needs a coarser level too
        Assert.Equal([480, 960], BlazeFaceDetector.LevelPlan(4000, 3000, 40));
    }

    [Fact]
    public void Windows_cover_a_level_image_and_overlap_by_more_than_the_largest_face_a_level_keeps()
    {
        Assert.Equal([new Rect(0, 0, 768, 560)], BlazeFaceDetector.Windows(768, 560, 192));
        var windows = BlazeFaceDetector.Windows(1741, 1161, 192);
        Assert.All(windows, w => Assert.True(w.X >= 0 && w.Y >= 0 && w.Right <= 1741 && w.Bottom <= 1161 && w.Width <= 768 && w.Height <= 768));
        Assert.Contains(windows, w => w.X == 0 && w.Y == 0);
        Assert.Contains(windows, w => w.Right == 1741 && w.Bottom == 1161);
        // as few windows as fit (3 x 2), overlapping by at least the largest face a level keeps and its margins
        Assert.Equal(6, windows.Count);
        foreach (var (spans, extent) in new[] { (windows.Select(w => (w.X, w.Width)), 1741), (windows.Select(w => (w.Y, w.Height)), 1161) })
        {
            var sorted = spans.Distinct().Order().ToList();
            for (int i = 1; i < sorted.Count; i++)
                Assert.True(sorted[i - 1].Item1 + sorted[i - 1].Item2 - sorted[i].Item1 >= (BlazeFaceDetector.MaxFaceFractionOfTile + 2 * BlazeFaceDetector.InnerEdgeMargin) * 192);
            Assert.Equal(extent, sorted[^1].Item1 + sorted[^1].Item2);
        }
    }
}
