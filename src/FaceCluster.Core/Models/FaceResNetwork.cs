using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace FaceCluster.Models;

/// <summary>
/// HSE FaceRes in ONNX Runtime: faces cut from the image by their detector boxes, 1024-d unit-length descriptors out.
/// One <see cref="InferenceSession"/>; <see cref="Compute(IReadOnlyList{Mat})"/> may be called from several threads at once.
/// </summary>
/// <remarks>
/// Preprocessing is the upstream authors' (HSE_FaceRec_tf), not the Human library's: an unrotated square of side
/// max(w, h) x <see cref="CropScale"/> about the box centre, resized to 224x224, BGR, raw 0..255 minus the VGG means
/// (subtracted inside the ONNX graph). Where the square leaves the image it is black (zeros, as the crops the model
/// was trained on were padded; replicating the border would smear edge pixels into a face-like texture).
/// </remarks>
public sealed class FaceResNetwork : IDescriptorNetwork, IDisposable
{
    public const int InputSize = FaceResModelConverter.InputSize;
    public const int DescriptorLength = FaceResModelConverter.DescriptorLength;
    /// <summary>The crop square's side over the box's longer side: BlazeFace boxes are brows to chin, FaceRes wants the whole head.</summary>
    public const float CropScale = 1.4f;
    private const int PlaneSize = InputSize * InputSize;

    private readonly InferenceSession _session;
    private readonly int _perCall;
    private readonly string[] _inputNames = [FaceResModelConverter.InputName];
    private readonly string[] _outputNames = [FaceResModelConverter.OutputName];

    /// <param name="onnxPath">The model, e.g. from <c>ModelCatalog.GetVerifiedPath(ModelCatalog.FaceRes)</c>.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.</param>
    public FaceResNetwork(string onnxPath, int intraOpThreads = 1)
    {
        _session = OnnxSessions.Create(onnxPath, intraOpThreads);
        _perCall = OnnxSessions.InputsPerCall(intraOpThreads);
        ModelPath = onnxPath;
    }

    public string ModelPath { get; }

    public DescriptorModelInfo Model => DescriptorModels.FaceRes;

    /// <summary>The 224x224 BGR crop of a face: the square of side max(w,h) x 1.4 about the box centre, black outside the image.</summary>
    public static Mat Crop(Mat image, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Type() != MatType.CV_8UC3) throw new ArgumentException($"The image must be CV_8UC3 (BGR), not {image.Type()}.", nameof(image));
        int side = Math.Max(1, (int)MathF.Round(MathF.Max(box.Width, box.Height) * CropScale));
        int x0 = (int)MathF.Round(box.CenterX - side / 2f), y0 = (int)MathF.Round(box.CenterY - side / 2f);
        using var square = new Mat(side, side, MatType.CV_8UC3, Scalar.All(0));
        var inside = new Rect(x0, y0, side, side).Intersect(new Rect(0, 0, image.Width, image.Height));
        if (inside.Width > 0 && inside.Height > 0)
        {
            using var source = new Mat(image, inside);
            using var target = new Mat(square, new Rect(inside.X - x0, inside.Y - y0, inside.Width, inside.Height));
            source.CopyTo(target);
        }
        var crop = new Mat();
        // Area averaging when shrinking (no aliasing on large faces), bilinear when enlarging small ones.
        Cv2.Resize(square, crop, new Size(InputSize, InputSize), 0, 0, side > InputSize ? InterpolationFlags.Area : InterpolationFlags.Linear);
        return crop;
    }

    /// <summary>Describes the faces at <paramref name="boxes"/> in <paramref name="image"/>, in one batch.</summary>
    public float[][] Compute(Mat image, IReadOnlyList<FaceBox> boxes)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        var crops = boxes.Select(b => Crop(image, b)).ToList();
        try
        {
            return Compute(crops);
        }
        finally
        {
            crops.ForEach(c => c.Dispose());
        }
    }

    public float[][] Describe(Mat image, IReadOnlyList<FaceBox> boxes, IReadOnlyList<Mat> alignedChips) => Compute(image, boxes);

    /// <summary>Computes one unit-length descriptor per 224x224 BGR crop (see <see cref="Crop"/>), in one batch.</summary>
    public float[][] Compute(IReadOnlyList<Mat> crops)
    {
        var raw = ComputeRaw(crops);
        foreach (var d in raw) Normalise(d);
        return raw;
    }

    /// <summary>The graph's own output (TF's <c>global_pooling/Mean</c>), before L2 normalisation.</summary>
    internal float[][] ComputeRaw(IReadOnlyList<Mat> crops)
    {
        ArgumentNullException.ThrowIfNull(crops);
        if (crops.Count == 0) return [];
        var input = new float[crops.Count * 3 * PlaneSize];
        for (int i = 0; i < crops.Count; i++)
            FaceDescriptorNetwork.CopyToPlanes(crops[i], input.AsSpan(i * 3 * PlaneSize, 3 * PlaneSize), InputSize, rgb: false, i);

        return OnnxSessions.RunBatch(_session, _inputNames, _outputNames, input, InputSize, crops.Count, DescriptorLength, _perCall);
    }

    private static void Normalise(float[] d)
    {
        double sum = 0;
        foreach (var v in d) sum += (double)v * v;
        if (sum <= 0) return;
        float scale = (float)(1 / Math.Sqrt(sum));
        for (int i = 0; i < d.Length; i++) d[i] *= scale;
    }

    public void Dispose() => _session.Dispose();
}
