using FaceCluster.Clustering;

namespace FaceCluster.Tests.Clustering;

/// <summary>
/// Chinese whispers over items that stand for several faces (tracks): a planted chain of one person seen as a track of
/// four faces, a track of three and one loose face (A - T - X, no edge A - X, as when a loose face is close to only one
/// of a person's tracks). However the items are numbered, the person is one cluster; counted one vote per item, the
/// arbitrary label order splits the loose face off for some numberings.
/// </summary>
public sealed class WeightedWhispersTests
{
    private static readonly int[][] Numberings = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

    private static (NeighborGraph Graph, int[] Weights, int A, int T, int X) Chain(int[] numbering)
    {
        int a = numbering[0], t = numbering[1], x = numbering[2];
        var neighbours = new List<int>[3];
        for (int i = 0; i < 3; i++) neighbours[i] = [];
        neighbours[a].Add(t); neighbours[t].Add(a);
        neighbours[t].Add(x); neighbours[x].Add(t);
        var offsets = new int[4];
        for (int i = 0; i < 3; i++) offsets[i + 1] = offsets[i] + neighbours[i].Count;
        var targets = neighbours.SelectMany(l => l.OrderBy(v => v)).ToArray();
        var weights = new int[3];
        weights[a] = 4; weights[t] = 3; weights[x] = 1;
        return (new NeighborGraph(offsets, targets), weights, a, t, x);
    }

    [Fact]
    public void ATrackOutvotesALooseFaceWhateverTheNumbering()
    {
        foreach (var numbering in Numberings)
        {
            var (graph, weights, a, t, x) = Chain(numbering);
            var labels = ChineseWhispers.Run(graph, 100, CannotLink.Empty(3), 1, CancellationToken.None, weights);
            Assert.True(labels[a] == labels[t] && labels[t] == labels[x], $"numbering {string.Join(",", numbering)}: labels {string.Join(",", labels)}");
        }
    }

    [Fact]
    public void OneVotePerItemLetsTheNumberingSplitThePerson()
    {
        // Why the weights: this is what clustering tracks did before they voted with their faces.
        bool split = Numberings.Any(numbering =>
        {
            var (graph, _, a, t, x) = Chain(numbering);
            var labels = ChineseWhispers.Run(graph, 100, CannotLink.Empty(3), 1, CancellationToken.None);
            return labels[x] != labels[t] || labels[a] != labels[t];
        });
        Assert.True(split);
    }
}
