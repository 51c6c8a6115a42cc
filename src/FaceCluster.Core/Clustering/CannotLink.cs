namespace FaceCluster.Clustering;

/// <summary>
/// Faces of the same image are different people. Each face belongs to at most two "image groups"
/// (its Path, and its VideoPath+FrameIndex); two faces conflict when they share a group.
/// Only groups with at least two faces are kept, so faces without conflicts cost nothing.
/// </summary>
internal sealed class CannotLink
{
    private static readonly int[] None = [];
    private readonly int[][] _groupsOf;
    private readonly int[][] _members;

    private CannotLink(int[][] groupsOf, int[][] members)
    {
        _groupsOf = groupsOf;
        _members = members;
    }

    public static CannotLink Empty(int n)
    {
        var g = new int[n][];
        Array.Fill(g, None);
        return new CannotLink(g, []);
    }

    public bool Any => _members.Length > 0;
    public int GroupCount => _members.Length;

    /// <summary>The image groups of face i (empty for most faces).</summary>
    public ReadOnlySpan<int> GroupsOf(int i) => _groupsOf[i];

    /// <summary>The faces of image group g, ascending.</summary>
    public ReadOnlySpan<int> Members(int g) => _members[g];

    public bool Conflict(int a, int b)
    {
        if (a == b) return false;
        foreach (int ga in _groupsOf[a])
        {
            foreach (int gb in _groupsOf[b]) if (ga == gb) return true;
        }
        return false;
    }

    /// <summary>Builds the groups for faces in canonical order.</summary>
    public static CannotLink Build(IReadOnlyList<FaceEncoding> faces)
    {
        int n = faces.Count;
        var byKey = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            foreach (var key in ImageKeys(faces[i])) Add(byKey, key, i);
        }
        // Number the groups in a canonical way: by their (sorted) member lists.
        var groups = byKey.Values.Where(l => l.Count > 1).Select(l => l.ToArray()).ToList();
        groups.Sort((x, y) =>
        {
            for (int k = 0; k < Math.Min(x.Length, y.Length); k++)
            {
                int c = x[k].CompareTo(y[k]);
                if (c != 0) return c;
            }
            return x.Length.CompareTo(y.Length);
        });
        return FromGroups(groups, n);
    }

    /// <summary>
    /// The same constraints between items that each stand for several faces (tracks): two items conflict when any of
    /// their faces do. <paramref name="itemOf"/> maps each face to its item; groups keep their order.
    /// </summary>
    public CannotLink Collapse(int[] itemOf, int itemCount)
    {
        var groups = new List<int[]>();
        foreach (var members in _members)
        {
            var items = members.Select(i => itemOf[i]).Distinct().Order().ToArray();
            if (items.Length > 1) groups.Add(items);
        }
        return FromGroups(groups, itemCount);
    }

    /// <summary>The constraints of numbered groups (each sorted, 2+ members) over <paramref name="n"/> faces or items.</summary>
    private static CannotLink FromGroups(List<int[]> groups, int n)
    {
        var lists = new List<int>?[n];
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (int i in groups[g]) (lists[i] ??= []).Add(g);
        }
        var groupsOf = new int[n][];
        for (int i = 0; i < n; i++) groupsOf[i] = lists[i]?.ToArray() ?? None;
        return new CannotLink(groupsOf, groups.ToArray());
    }

    /// <summary>The image groups a face belongs to: its Path, and its VideoPath + FrameIndex when it is a video frame.</summary>
    public static IEnumerable<string> ImageKeys(FaceEncoding f)
    {
        yield return "p\0" + f.Path;
        if (f.VideoPath is not null && f.FrameIndex is { } frame)
            yield return "v\0" + f.VideoPath + "\0" + frame.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Add(Dictionary<string, List<int>> byKey, string key, int i)
    {
        if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = [];
        list.Add(i);
    }
}
