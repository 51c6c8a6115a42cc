using FaceCluster.Dataset;
using OpenCvSharp;

namespace FaceCluster.Tests.Dataset;

public sealed class MontageCaptionTests
{
    [Theory]
    [InlineData("Person_3", "Person_3")]
    [InlineData("Zoë & Bob's", "Zoe & Bob's")]
    [InlineData("José Müller-Łukasiewicz", "Jose Muller-Lukasiewicz")]
    [InlineData("Søren Æbeltoft", "Soren AEbeltoft")]
    [InlineData("Straße", "Strasse")]
    [InlineData("王小明", "???")]
    [InlineData("Anna 😀", "Anna ?")]
    public void CaptionsSpellLabelsInWhatTheFontCanDraw(string label, string caption) =>
        Assert.Equal(caption, Montage.CaptionText(label));

    [Fact]
    public void AnAccentedCaptionIsDrawnLikeItsPlainSpelling()
    {
        using var accented = new Mat(300, 300, MatType.CV_8UC3, Scalar.All(40));
        using var plain = accented.Clone();
        Montage.DrawCaption(accented, "Zoë");
        Montage.DrawCaption(plain, "Zoe");
        using var difference = new Mat();
        Cv2.Absdiff(accented, plain, difference);
        Assert.Equal(0, Cv2.CountNonZero(difference.Reshape(1)));
        using var question = accented.Clone();
        Montage.DrawCaption(question, "Zo?");
        Cv2.Absdiff(accented, question, difference);
        Assert.True(Cv2.CountNonZero(difference.Reshape(1)) > 0, "'Zoë' must not be drawn as 'Zo?'");
    }
}
