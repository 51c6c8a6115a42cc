using System.Runtime.InteropServices;

namespace FaceCluster.Clustering;

/// <summary>
/// Projection screen for long descriptors: a pair is rejected from its first <see cref="ProjectedDims"/> coordinates
/// along the leading principal directions before the full-length dot product is spent on it.
/// <para>
/// Requires: P has orthonormal rows (built in double, Gram-Schmidt twice), so ||P(x - y)|| &lt;= ||x - y|| for every
/// pair. Ensures: a pair is rejected only when a lower bound of ||P(x - y)|| that accounts for every float rounding
/// (the float copy of P, the float projections and the float dot products of the test) exceeds r + Slack; the
/// canonical distance is then necessarily above r too, so the graph is exactly the one without the screen. Which
/// directions P holds (a sample's principal subspace, by a few subspace iterations) only decides how many pairs it
/// rejects, never which edges exist.
/// </para>
/// </summary>
internal sealed partial class RadiusIndex
{
    /// <summary>Coordinates kept by the screen (a quarter of a 1024-d descriptor's dot product).</summary>
    internal static int ProjectedDims = 256;

    /// <summary>Rows sampled to estimate the principal subspace, and subspace iterations.</summary>
    private const int ProjectionSample = 1024, ProjectionIterations = 2;

    /// <summary>Diagnostics: pairs the screen rejected in the last block graph.</summary>
    internal static long BlockProjectedRejects;

    private sealed class Projection
    {
        public required float[] Rows;     // n x ProjectedDims, in tree order
        public required float[] Norms;    // squared norms of the projected rows (float, as the screen's dot products)
        public required float[] Error;    // per row: bound on the error of its float projection's length
        public required int Dims;
        public required float Rounding;   // relative rounding bound of the screen's three float dot products
    }

    /// <summary>
    /// The screen, or null. Only when asked for (<see cref="BuildGraph"/>'s projection): on the FaceRes-like bench data
    /// it rejects about 77 % of the candidate pairs, yet the graph costs the same CPU time (bench/README.md), since the
    /// leaf scan is not bound by its dot products.
    /// </summary>
    private Projection? BuildProjection(bool wanted, int degreeOfParallelism, CancellationToken ct)
    {
        int n = _order.Length, dim = _dim, k = ProjectedDims;
        if (!wanted || dim <= k) return null;
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        var basis = PrincipalBasis(k, po);
        var p = new float[(long)k * dim];
        for (int i = 0; i < p.Length; i++) p[i] = (float)basis[i];
        var rows = new float[(long)n * k];
        var norms = new float[n];
        var error = new float[n];
        // Each projected coordinate is a float dot product of dim terms: its error is at most gamma_dim * ||x|| (Cauchy-
        // Schwarz, unit rows of P), so the projected vector's is sqrt(k) * gamma_dim * ||x||; the float rounding of P
        // itself moves it by at most ||P_float - P||_F * ||x||, far less (counted with a factor of 2 to spare).
        double gamma = dim * Math.Pow(2, -24) / (1 - dim * Math.Pow(2, -24));
        double rounding = 0;
        for (int i = 0; i < p.Length; i++) rounding += (p[i] - basis[i]) * (p[i] - basis[i]);
        double perNorm = 2 * (Math.Sqrt(k) * gamma + Math.Sqrt(rounding));
        Parallel.For(0, (n + 255) / 256, po, chunk =>
        {
            for (int r = chunk * 256; r < Math.Min(n, chunk * 256 + 256); r++)
            {
                ref float x = ref _rows[(long)r * dim];
                double norm2 = 0;
                for (int d = 0; d < dim; d++) norm2 += (double)_rows[(long)r * dim + d] * _rows[(long)r * dim + d];
                for (int c = 0; c < k; c++) rows[(long)r * k + c] = Dot(ref p[(long)c * dim], ref x, dim);
                ref float y = ref rows[(long)r * k];
                norms[r] = Dot(ref y, ref y, k);
                error[r] = (float)(perNorm * Math.Sqrt(norm2) * 1.01 + 1e-7);
            }
        });
        // Three float dot products of k terms: each within gamma_k of |y_p| |y_q| (<= (|y_p|^2 + |y_q|^2) / 2); doubled.
        float roundingBound = (float)(4 * k * Math.Pow(2, -24) / (1 - k * Math.Pow(2, -24)));
        return new Projection { Rows = rows, Norms = norms, Error = error, Dims = k, Rounding = roundingBound };
    }

    /// <summary>
    /// k orthonormal directions (row-major k x dim, double) spanning about the leading principal subspace of evenly
    /// spaced sample rows: subspace iteration from a fixed pseudo-random start (deterministic). The iterations run in
    /// float (the subspace only has to be good, not exact); the final orthonormalisation is in double, which is what
    /// the screen's bound requires.
    /// </summary>
    private double[] PrincipalBasis(int k, ParallelOptions po)
    {
        int n = _order.Length, dim = _dim;
        int s = Math.Min(n, ProjectionSample);
        var a = new float[(long)s * dim];
        var mean = new double[dim];
        for (int i = 0; i < s; i++)
        {
            long src = (long)((long)i * n / s) * dim;
            for (int d = 0; d < dim; d++) mean[d] += _rows[src + d] / (double)s;
        }
        for (int i = 0; i < s; i++)
        {
            long src = (long)((long)i * n / s) * dim;
            for (int d = 0; d < dim; d++) a[(long)i * dim + d] = (float)(_rows[src + d] - mean[d]);
        }
        var q = new double[(long)k * dim];
        ulong state = 0x9E3779B97F4A7C15UL;
        for (long i = 0; i < q.Length; i++)
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            q[i] = ((state >> 11) * (1.0 / (1UL << 53))) - 0.5;
        }
        Orthonormalise(q, k, dim);
        var qf = new float[(long)k * dim];
        var z = new float[(long)s * k];
        for (int iter = 0; iter < ProjectionIterations; iter++)
        {
            for (long i = 0; i < q.Length; i++) qf[i] = (float)q[i];
            // z = A q^T (s x k), then q = z^T A (k x dim): one step of the power method on A^T A for all k at once.
            Parallel.For(0, s, po, i =>
            {
                for (int c = 0; c < k; c++) z[(long)i * k + c] = Dot(ref a[(long)i * dim], ref qf[(long)c * dim], dim);
            });
            Parallel.For(0, k, po, c =>
            {
                var acc = new System.Numerics.Vector<float>[dim / System.Numerics.Vector<float>.Count];
                var rowsOfA = MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(a.AsSpan());
                int per = acc.Length;
                for (int i = 0; i < s; i++)
                {
                    var w = new System.Numerics.Vector<float>(z[(long)i * k + c]);
                    var row = rowsOfA.Slice(i * per, per);
                    for (int v = 0; v < per; v++) acc[v] += w * row[v];
                }
                var flat = MemoryMarshal.Cast<System.Numerics.Vector<float>, float>(acc.AsSpan());
                for (int d = 0; d < flat.Length; d++) q[(long)c * dim + d] = flat[d];
                for (int d = flat.Length; d < dim; d++)
                {
                    double sum = 0;
                    for (int i = 0; i < s; i++) sum += z[(long)i * k + c] * a[(long)i * dim + d];
                    q[(long)c * dim + d] = sum;
                }
            });
            Orthonormalise(q, k, dim);
        }
        return q;
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>Modified Gram-Schmidt on the rows, twice (orthonormal to double rounding); a degenerate row becomes a fresh axis direction.</summary>
    private static void Orthonormalise(double[] q, int k, int dim)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            for (int c = 0; c < k; c++)
            {
                var qc = new Span<double>(q, c * dim, dim);
                for (int j = 0; j < c; j++)
                {
                    var qj = new ReadOnlySpan<double>(q, j * dim, dim);
                    double dot = Dot(qc, qj);
                    for (int d = 0; d < dim; d++) qc[d] -= dot * qj[d];
                }
                double norm = Math.Sqrt(Dot(qc, qc));
                for (ulong retry = 1; norm < 1e-8; retry++)
                {
                    // In the span of the earlier rows (data of lower rank than k): any fresh direction will do.
                    ulong state = retry * 0xD1B54A32D192ED03UL + (ulong)c;
                    for (int d = 0; d < dim; d++)
                    {
                        state = state * 6364136223846793005UL + 1442695040888963407UL;
                        qc[d] = ((state >> 11) * (1.0 / (1UL << 53))) - 0.5;
                    }
                    for (int j = 0; j < c; j++)
                    {
                        var qj = new ReadOnlySpan<double>(q, j * dim, dim);
                        double dot = Dot(qc, qj);
                        for (int d = 0; d < dim; d++) qc[d] -= dot * qj[d];
                    }
                    norm = Math.Sqrt(Dot(qc, qc));
                }
                for (int d = 0; d < dim; d++) qc[d] /= norm;
            }
        }
    }
}
