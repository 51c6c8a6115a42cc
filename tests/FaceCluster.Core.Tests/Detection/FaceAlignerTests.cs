using FaceCluster.Alignment;
using FaceCluster.Detection;
using FaceCluster.Imaging;
using OpenCvSharp;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Detection;

public sealed class FaceAlignerTests(DetectorFixture fixture, ITestOutputHelper output) : IClassFixture<DetectorFixture>
{
    [Fact]
    public void The_template_is_dlibs_mean_face_in_a_150_px_chip_with_025_padding()
    {
        var (right, left, nose, mouth) = (FaceAligner.TemplateRightEye, FaceAligner.TemplateLeftEye, FaceAligner.TemplateNoseTip, FaceAligner.TemplateMouth);
        // (0.25 + mean) / 1.5 * 150 = (0.25 + mean) * 100
        Assert.Equal(47.5, right.X, 0.1);
        Assert.Equal(46.6, right.Y, 0.1);
        Assert.Equal(100.5, left.X, 0.1);
        Assert.Equal(right.Y, left.Y, 0.01);
        Assert.Equal(74.0, nose.X, 0.1);
        Assert.Equal(76.6, nose.Y, 0.1);
        Assert.Equal(74.0, mouth.X, 0.1);
        Assert.Equal(105.4, mouth.Y, 0.2);
    }

    [Fact]
    public void The_similarity_fit_recovers_an_exact_similarity()
    {
        var template = FaceAligner.Template();
        double angle = 0.3, scale = 2.5, tx = 40, ty = -12;
        // source = inverse similarity of the template
        var source = template.Select(p =>
        {
            double x = p.X - tx, y = p.Y - ty, c = Math.Cos(-angle) / scale, s = Math.Sin(-angle) / scale;
            return new FacePoint((float)(c * x - s * y), (float)(s * x + c * y));
        }).ToArray();
        var landmarks = new FaceLandmarks(source[0], source[1], source[2], source[3], default, default);
        using var m = FaceAligner.ChipTransform(landmarks);
        for (int i = 0; i < 4; i++)
        {
            var mapped = FaceAligner.MapToChip(m, source[i]);
            Assert.Equal(template[i].X, mapped.X, 0.01);
            Assert.Equal(template[i].Y, mapped.Y, 0.01);
        }
    }

    [Theory]
    [InlineData(15)]
    [InlineData(-15)]
    public void Chips_from_a_rotated_photo_are_upright_with_the_eyes_on_the_template(double degrees)
    {
        using var image = DemoFaces.Load(1);
        int width = image.Width, height = image.Height;
        var centre = new Point2f(width / 2f, height / 2f);
        using var rotation = Cv2.GetRotationMatrix2D(centre, degrees, 1.0);
        using var rotated = new Mat();
        Cv2.WarpAffine(image, rotated, rotation, image.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);

        var upright = fixture.Detector.Detect(image);
        var turned = fixture.Detector.Detect(rotated);
        Assert.Equal(3, upright.Count);
        Assert.Equal(3, turned.Count);

        FacePoint Rotate(FacePoint p) => new(
            (float)(rotation.At<double>(0, 0) * p.X + rotation.At<double>(0, 1) * p.Y + rotation.At<double>(0, 2)),
            (float)(rotation.At<double>(1, 0) * p.X + rotation.At<double>(1, 1) * p.Y + rotation.At<double>(1, 2)));

        foreach (var face in upright)
        {
            var expectedCentre = Rotate(new FacePoint(face.Box.CenterX, face.Box.CenterY));
            var twin = turned.MinBy(t => Math.Abs(t.Box.CenterX - expectedCentre.X) + Math.Abs(t.Box.CenterY - expectedCentre.Y))!;

            using var chipUpright = FaceAligner.Align(image, face.Landmarks);
            using var chipTurned = FaceAligner.Align(rotated, twin.Landmarks);
            Assert.Equal(new Size(150, 150), chipTurned.Size());
            Assert.Equal(MatType.CV_8UC3, chipTurned.Type());

            // Where the eyes end up: in both chips within 2 px of each other (the rotation is undone), and near the
            // template. "Near" is up to ~5 px on these faces: BlazeFace's eye/nose/mouth keypoints are not dlib's mean-face
            // eye centres/nose tip/lip centre, and faces turned sideways have closer-set eyes than the frontal mean face.
            using var tUpright = FaceAligner.ChipTransform(face.Landmarks);
            using var tTurned = FaceAligner.ChipTransform(twin.Landmarks);
            var eyes = new[] { (FaceAligner.MapToChip(tUpright, face.Landmarks.RightEye), FaceAligner.MapToChip(tTurned, twin.Landmarks.RightEye), FaceAligner.TemplateRightEye),
                               (FaceAligner.MapToChip(tUpright, face.Landmarks.LeftEye), FaceAligner.MapToChip(tTurned, twin.Landmarks.LeftEye), FaceAligner.TemplateLeftEye) };
            foreach (var (a, b, template) in eyes)
            {
                output.WriteLine($"{degrees:+0;-0}°, face {face.Box}: eye upright {a}, rotated {b}, template {template}");
                Assert.True(Distance(a, b) <= 2.0, $"eye moved {Distance(a, b):0.0} px between the upright and rotated chips");
                Assert.True(Distance(b, template) <= 7, $"eye {Distance(b, template):0.0} px from the template");
            }

            // the eye line is (nearly) level in the chip, and exactly as level as in the chip of the upright photo
            // (what remains is the face's own geometry: the fit also uses nose and mouth, which a tilted or turned
            // head shifts relative to the eyes)
            static double Tilt(FacePoint re, FacePoint le) => Math.Atan2(le.Y - re.Y, le.X - re.X) * 180 / Math.PI;
            double tiltTurned = Tilt(eyes[0].Item2, eyes[1].Item2), tiltUpright = Tilt(eyes[0].Item1, eyes[1].Item1);
            output.WriteLine($"    eye-line tilt: upright photo {tiltUpright:0.0}°, rotated photo {tiltTurned:0.0}°");
            Assert.InRange(tiltTurned, -8, 8);
            Assert.InRange(tiltTurned - tiltUpright, -2, 2);

            // and the pixels agree: the two chips show the same upright face
            using var a8 = new Mat(); using var b8 = new Mat();
            Cv2.CvtColor(chipUpright, a8, ColorConversionCodes.BGR2GRAY);
            Cv2.CvtColor(chipTurned, b8, ColorConversionCodes.BGR2GRAY);
            using var inner = new Mat(a8, new Rect(30, 30, 90, 90));
            using var score = new Mat();
            Cv2.MatchTemplate(new Mat(b8, new Rect(25, 25, 100, 100)), inner, score, TemplateMatchModes.CCoeffNormed);
            Cv2.MinMaxLoc(score, out _, out double best, out _, out var where);
            output.WriteLine($"    chip correlation {best:0.000} at offset {where.X - 5},{where.Y - 5}");
            Assert.True(best > 0.85, $"chips differ (correlation {best:0.00})");
            Assert.InRange(where.X - 5, -3, 3);
            Assert.InRange(where.Y - 5, -3, 3);
        }
    }

    [Fact]
    public void The_unrotated_crop_follows_face_api_geometry_and_keeps_the_tilt()
    {
        using var image = DemoFaces.Load(1);
        var face = fixture.Detector.Detect(image).OrderBy(f => f.Box.X).First();
        using var crop = FaceAligner.UnrotatedCrop(image, face.Landmarks);
        Assert.Equal(new Size(150, 150), crop.Size());
        Assert.Equal(MatType.CV_8UC3, crop.Type());

        // at an image corner the crop still has the full size (border replicated)
        var corner = new FaceLandmarks(new(5, 5), new(25, 5), new(15, 15), new(15, 25), new(0, 5), new(30, 5));
        using var edge = FaceAligner.UnrotatedCrop(image, corner);
        Assert.Equal(new Size(150, 150), edge.Size());
    }

    [Fact]
    public void Sharpness_drops_when_the_chip_is_blurred()
    {
        using var image = DemoFaces.Load(6);
        var face = fixture.Detector.Detect(image).First();
        using var chip = FaceAligner.Align(image, face.Landmarks);
        using var blurred = new Mat();
        Cv2.GaussianBlur(chip, blurred, new Size(0, 0), 2.0);
        double sharp = Sharpness.VarianceOfLaplacian(chip), soft = Sharpness.VarianceOfLaplacian(blurred);
        output.WriteLine($"sharp {sharp:0.0}, blurred {soft:0.0}");
        Assert.True(sharp > 3 * soft);
        using var flat = new Mat(150, 150, MatType.CV_8UC3, Scalar.All(77));
        Assert.Equal(0, Sharpness.VarianceOfLaplacian(flat), 6);
    }

    private static double Distance(FacePoint a, FacePoint b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}
