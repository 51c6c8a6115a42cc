using System.Text.Json;
using FaceCluster.Detection;
using FaceCluster.Imaging;
using OpenCvSharp;

namespace FaceCluster.Tests.Detection;

/// <summary>One full-range detector shared by the tests of a class (loading it is the slow part).</summary>
public sealed class DetectorFixture : IDisposable
{
    public DetectorFixture()
    {
        Detector = new BlazeFaceDetector(
            Path.Combine(TestEnvironment.ModelDirectory, BlazeFaceDetector.ModelFileName(DetectorKind.FullRange)),
            DetectorKind.FullRange);
    }

    public BlazeFaceDetector Detector { get; }

    public void Dispose() => Detector.Dispose();
}

/// <summary>The hand-annotated faces of the six face-api demo photos (tests/data/detection/demo-faces.json).</summary>
public static class DemoFaces
{
    private sealed record Entry(string File, int[][] Faces);

    private static readonly Lazy<IReadOnlyDictionary<string, FaceBox[]>> All = new(() =>
    {
        var json = File.ReadAllText(TestEnvironment.Data("detection", "demo-faces.json"));
        var entries = JsonSerializer.Deserialize<Entry[]>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        return entries.ToDictionary(
            e => e.File,
            e => e.Faces.Select(f => new FaceBox(f[0], f[1], f[2], f[3])).ToArray());
    });

    public static FaceBox[] For(int photo) => All.Value[$"sample{photo}.jpg"];

    public static int Total => All.Value.Values.Sum(v => v.Length);

    public static Mat Load(int photo) => ImageLoader.Load(TestEnvironment.DemoPhoto(photo));

    private sealed record SamePerson(string[] Faces, double Distance);
    private sealed record People(SamePerson[] SamePerson);

    private static readonly Lazy<IReadOnlyDictionary<string, string>> PersonByFace = new(() =>
    {
        var json = File.ReadAllText(TestEnvironment.Data("detection", "demo-people.json"));
        var people = JsonSerializer.Deserialize<People>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        return people.SamePerson.SelectMany(g => g.Faces.Select(f => (Face: f, Person: g.Faces[0])))
            .ToDictionary(x => x.Face, x => x.Person, StringComparer.Ordinal);
    });

    /// <summary>The face's name, "photo/face" (face = index into the photo's boxes).</summary>
    public static string Name(int photo, int face) => $"{photo}/{face}";

    /// <summary>
    /// Who a face is (tests/data/detection/demo-people.json): the name of the first face of its group when the person
    /// is seen in several photos, else the face's own name.
    /// </summary>
    public static string PersonOf(string face) => PersonByFace.Value.GetValueOrDefault(face, face);
}
