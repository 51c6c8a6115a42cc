using System.Globalization;
using System.Text;

namespace FaceCluster.Dataset;

/// <summary>index.html and yolo/data.yaml, both generated from the manifest.</summary>
internal static class DatasetDocuments
{
    /// <summary>
    /// A self-contained HTML5 page: one card per person (montage, label, face count). Every link is relative,
    /// percent-encoded and only points at files that exist (<paramref name="fileExists"/> takes a root-relative path).
    /// </summary>
    public static string RenderIndex(DatasetManifest manifest, Func<string, bool> fileExists)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<title>FaceCluster dataset</title>\n<style>\n");
        sb.Append("body{font-family:system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}\n");
        sb.Append(".people{display:flex;flex-wrap:wrap;gap:1em;padding:0;list-style:none}\n");
        sb.Append(".person{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em;width:240px}\n");
        sb.Append(".person img{width:240px;height:300px;object-fit:contain;background:#202020;display:block}\n");
        sb.Append(".label{font-weight:600;margin:.4em 0 0;overflow-wrap:anywhere}.count{color:#666;margin:0}\n");
        sb.Append(".review{display:flex;flex-wrap:wrap;gap:.5em;padding:0;list-style:none}.review li{width:120px;font-size:.8em;color:#666}\n");
        sb.Append(".review img{width:120px;height:150px;object-fit:contain;background:#202020;display:block}\n");
        sb.Append("</style>\n</head>\n<body>\n<h1>FaceCluster dataset</h1>\n");
        int people = manifest.People.Count(p => !p.IsNoise);
        int faces = manifest.Faces.Count;
        sb.Append(CultureInfo.InvariantCulture, $"<p>{people} {(people == 1 ? "person" : "people")}, {faces} {(faces == 1 ? "face" : "faces")}.");
        foreach (var file in new[] { DatasetLayout.ManifestCsvFileName, DatasetLayout.ManifestJsonFileName })
        {
            if (fileExists(file)) sb.Append(" <a href=\"").Append(Href(file)).Append("\">").Append(Html(file)).Append("</a>");
        }
        string yaml = DatasetLayout.Relative(DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName);
        if (fileExists(yaml)) sb.Append(" <a href=\"").Append(Href(yaml)).Append("\">YOLO data.yaml</a>");
        sb.Append("</p>\n<ul class=\"people\">\n");
        foreach (var person in manifest.People.Where(p => !p.IsUnsure))
        {
            sb.Append("<li class=\"person\">\n");
            string? picture = person.Montage is not null && fileExists(person.Montage)
                ? person.Montage
                : manifest.Faces.Where(f => f.ClusterId == person.ClusterId && f.Portrait is not null)
                    .Select(f => f.Portrait!).FirstOrDefault(fileExists);
            if (picture is not null)
            {
                sb.Append("<a href=\"").Append(Href(picture)).Append("\"><img src=\"").Append(Href(picture))
                  .Append("\" alt=\"").Append(Html(person.Label)).Append("\" loading=\"lazy\"></a>\n");
            }
            sb.Append("<p class=\"label\">").Append(Html(person.Label)).Append("</p>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"count\">{person.Count} {(person.Count == 1 ? "face" : "faces")}");
            if (person.IsNoise) sb.Append(" (unclustered)");
            sb.Append("</p>\n</li>\n");
        }
        sb.Append("</ul>\n");
        AppendUnsure(sb, manifest, fileExists);
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>
    /// The review section: the quality gate's unsure faces, each portrait with why it is low quality, so a person can
    /// move the ones they recognise into the right folder (Import-FaceDataset sees the move).
    /// </summary>
    private static void AppendUnsure(StringBuilder sb, DatasetManifest manifest, Func<string, bool> fileExists)
    {
        var unsure = manifest.People.FirstOrDefault(p => p.IsUnsure);
        if (unsure is null) return;
        var faces = manifest.Faces.Where(f => f.ClusterId == unsure.ClusterId).ToList();
        sb.Append("<h2 id=\"unsure\">To review: unsure faces</h2>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"count\">{faces.Count} low-quality {(faces.Count == 1 ? "face" : "faces")} (dark, blurred, turned away or tiny) ");
        sb.Append("that are not clearly nearer to one person than to another. Their files are in <code>")
          .Append(Html(unsure.Folder)).Append("/</code>; move a portrait and its chip into a person's folder to file it.</p>\n");
        sb.Append("<ul class=\"review\">\n");
        foreach (var face in faces)
        {
            string why = face.QualityIssues ?? "quality unknown";
            sb.Append("<li>");
            if (face.Portrait is not null && fileExists(face.Portrait))
            {
                sb.Append("<a href=\"").Append(Href(face.Portrait)).Append("\"><img src=\"").Append(Href(face.Portrait))
                  .Append("\" alt=\"").Append(Html(face.FaceId)).Append("\" title=\"").Append(Html(why)).Append("\" loading=\"lazy\"></a>");
            }
            sb.Append("<span>").Append(Html(why)).Append("</span></li>\n");
        }
        sb.Append("</ul>\n");
    }

    /// <summary>Escapes the five HTML-special characters; everything else stays as it is (the page is UTF-8).</summary>
    private static string Html(string text)
    {
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>A relative URL: every path segment percent-encoded, then HTML-attribute escaped.</summary>
    private static string Href(string relative) =>
        Html(string.Join('/', relative.Split('/').Select(Uri.EscapeDataString)));

    /// <summary>
    /// Ultralytics / Darknet data.yaml. <c>path</c> is the absolute yolo folder (Ultralytics resolves a relative
    /// path against its own datasets folder, not against the yaml), train/val are relative to it.
    /// </summary>
    public static string RenderYoloData(string yoloDirectory, IReadOnlyList<string> names)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by FaceCluster (Export-FaceDataset). One class per person, in class-index order.\n");
        sb.Append("# If you move the dataset, update 'path' (train/val are relative to it).\n");
        sb.Append("path: ").Append(Quote(Path.GetFullPath(yoloDirectory))).Append('\n');
        sb.Append("train: images/train\n");
        sb.Append("val: images/val\n");
        sb.Append(CultureInfo.InvariantCulture, $"nc: {names.Count}\n");
        sb.Append("names: [").AppendJoin(", ", names.Select(Quote)).Append("]\n");
        return sb.ToString();
    }

    /// <summary>A YAML single-quoted scalar (the only escape is '' for ').</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";
}
