using System.Globalization;
using FaceCluster.Models;

namespace FaceCluster.Bench;

/// <summary>
/// Synthetic FaceRes-like descriptors (`cluster --data faceres` / `faceres-one`) built from summary statistics of real
/// FaceRes descriptors, and the measurement of those statistics (`cluster --data faceres --real-stats 1`, from the
/// footage-eval cache). A descriptor is three levels of variation around a common mean, then L2-normalised:
///   x = normalise(mean + person + appearance + frame)
/// person: the identity (one per person); appearance: one photo / one track of that person (pose, light, expression);
/// frame: consecutive frames of one track (near-duplicates). Each level is Gaussian with a power-law spectrum
/// lambda_k ~ k^-alpha over 1024 directions whose sum is the measured total variance of that level; the leading
/// <see cref="Explicit"/> directions of each level are random orthonormal ones, the tail is isotropic noise with the
/// tail's variance (in 1024-d that changes no distance distribution measurably and costs far less to draw).
/// Only these few numbers come from the real descriptors; no descriptor is stored.
/// </summary>
internal static class FaceResData
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const int Dim = 1024;
    private const int Explicit = 96;

    /// <summary>
    /// One level: total variance (sum of eigenvalues), the power-law exponent of its spectrum, and the log-sd of a
    /// lognormal multiplier of that variance drawn per person / per track (real people and photos differ in how much
    /// they vary: without it the distances of 1024-d Gaussians concentrate far more than real ones do).
    /// </summary>
    internal readonly record struct Level(double Trace, double Alpha, double Sigma);

    // Measured 2026-12-01 on the footage-eval cache (labelled + demo footage, FaceRes: 248 faces of 34 people in 83
    // tracks) by `cluster --data faceres --real-stats 1` (see bench/README.md): traces and alphas as measured; the
    // sigmas of appearance and frame were then set by hand (measured 0.50 and 1.54) so that the synthetic quantiles
    // below match the real ones.
    internal static double MeanNorm = 0.613;
    internal static Level Person = new(0.344, 0.9, 0);
    internal static Level Appearance = new(0.222, 0.8, 0.65);
    internal static Level Frame = new(0.0587, 1.0, 1.2);

    /// <summary>Real quantiles (p5, p25, p50, p75, p95) of the distances, measured with the statistics above.</summary>
    internal static double[] RealSameTrack = [0.116, 0.180, 0.222, 0.323, 0.693];
    internal static double[] RealSamePerson = [0.561, 0.641, 0.720, 0.813, 1.000];
    internal static double[] RealDifferent = [1.000, 1.077, 1.119, 1.160, 1.215];

    internal static readonly double[] Quantiles = [0.05, 0.25, 0.5, 0.75, 0.95];

    /// <summary>
    /// Faces of people (Zipf-like sizes, one person per 40 faces, 5 % one-off faces), each person seen in tracks of
    /// 1-16 consecutive frames; or with <paramref name="one"/> every face of one person.
    /// </summary>
    public static (List<float[]> Descriptors, List<int> Truth, List<int> Track) GenerateWithTracks(int n, int seed, bool one)
    {
        var rnd = new Random(seed);
        var mean = Scaled(Unit(rnd), MeanNorm);
        var person = new Spectrum(Person, rnd);
        var appearance = new Spectrum(Appearance, rnd);
        var frame = new Spectrum(Frame, rnd);
        int oneOff = one ? 0 : n * 5 / 100, clustered = n - oneOff;
        int people = one ? 1 : Math.Max(1, clustered / 40);
        var w = Enumerable.Range(1, people).Select(k => 1.0 / (k + 10)).ToArray();
        double sum = w.Sum();
        var sizes = w.Select(x => Math.Max(1, (int)(clustered * x / sum))).ToArray();
        for (int k = 0, left = clustered - sizes.Sum(); left > 0; k = (k + 1) % people, left--) sizes[k]++;
        var descriptors = new List<float[]>(n);
        var truth = new List<int>(n);
        var trackOf = new List<int>(n);
        int tracks = 0;
        var x = new double[Dim];
        void Emit(int id, int count)
        {
            var centre = person.Draw(rnd, mean, person.Multiplier(rnd));
            for (int done = 0; done < count && descriptors.Count < n;)
            {
                var look = appearance.Draw(rnd, centre, appearance.Multiplier(rnd));
                double jitter = frame.Multiplier(rnd);
                int length = Math.Min(count - done, 1 + rnd.Next(16));
                tracks++;
                for (int f = 0; f < length && descriptors.Count < n; f++, done++)
                {
                    frame.Draw(rnd, look, x, jitter);
                    double norm = Math.Sqrt(x.Sum(v => v * v));
                    var d = new float[Dim];
                    for (int i = 0; i < Dim; i++) d[i] = (float)(x[i] / norm);
                    descriptors.Add(d);
                    truth.Add(id);
                    trackOf.Add(tracks);
                }
            }
        }
        for (int p = 0; p < people; p++) Emit(p, sizes[p]);
        for (int k = 0; descriptors.Count < n; k++) Emit(people + k, 1);
        return (descriptors, truth, trackOf);
    }

    private sealed class Spectrum
    {
        private readonly double[][] _basis;   // Explicit orthonormal directions
        private readonly double[] _sd;        // their standard deviations
        private readonly double _tailSd;      // per-coordinate sd of the isotropic tail
        private readonly double _sigma;

        /// <summary>A variance multiplier with mean 1.</summary>
        public double Multiplier(Random rnd) => Math.Exp(_sigma * Gaussian(rnd) - _sigma * _sigma / 2);

        public Spectrum(Level level, Random rnd)
        {
            _sigma = level.Sigma;
            var lambda = Enumerable.Range(1, Dim).Select(k => Math.Pow(k, -level.Alpha)).ToArray();
            double scale = level.Trace / lambda.Sum();
            _sd = lambda.Take(Explicit).Select(l => Math.Sqrt(l * scale)).ToArray();
            _tailSd = Math.Sqrt(lambda.Skip(Explicit).Sum() * scale / Dim);
            _basis = new double[Explicit][];
            for (int k = 0; k < Explicit; k++)
            {
                var v = Unit(rnd);
                for (int j = 0; j < k; j++)
                {
                    double dot = 0;
                    for (int i = 0; i < Dim; i++) dot += v[i] * _basis[j][i];
                    for (int i = 0; i < Dim; i++) v[i] -= dot * _basis[j][i];
                }
                _basis[k] = Scaled(v, 1 / Math.Sqrt(v.Sum(t => t * t)));
            }
        }

        public double[] Draw(Random rnd, double[] around, double variance)
        {
            var x = new double[Dim];
            Draw(rnd, around, x, variance);
            return x;
        }

        public void Draw(Random rnd, double[] around, double[] x, double variance)
        {
            double scale = Math.Sqrt(variance), tail = _tailSd * scale;
            for (int i = 0; i < Dim; i++) x[i] = around[i] + tail * Gaussian(rnd);
            for (int k = 0; k < Explicit; k++)
            {
                double a = scale * _sd[k] * Gaussian(rnd);
                var b = _basis[k];
                for (int i = 0; i < Dim; i++) x[i] += a * b[i];
            }
        }
    }

    private static double[] Scaled(double[] v, double s) => v.Select(t => t * s).ToArray();

    private static double[] Unit(Random rnd)
    {
        var v = new double[Dim];
        for (int i = 0; i < Dim; i++) v[i] = Gaussian(rnd);
        return Scaled(v, 1 / Math.Sqrt(v.Sum(t => t * t)));
    }

    private static double Gaussian(Random rnd)
    {
        double u1 = 1.0 - rnd.NextDouble(), u2 = rnd.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Distance quantiles of same-track, same-person (other tracks) and different-person pairs.</summary>
    internal static (double[] SameTrack, double[] SamePerson, double[] Different) DistanceQuantiles(
        IReadOnlyList<float[]> x, IReadOnlyList<int> person, IReadOnlyList<int> track, int maxPairs = 2_000_000, int seed = 7)
    {
        var st = new List<double>();
        var sp = new List<double>();
        var df = new List<double>();
        int n = x.Count;
        long all = (long)n * (n - 1) / 2;
        var rnd = new Random(seed);
        void Add(int i, int j)
        {
            double d = FaceDistance.Euclidean(x[i], x[j]);
            if (track[i] == track[j]) st.Add(d);
            else if (person[i] == person[j]) sp.Add(d);
            else df.Add(d);
        }
        if (all <= maxPairs)
        {
            for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) Add(i, j);
        }
        else
        {
            for (int s = 0; s < maxPairs; s++)
            {
                int i = rnd.Next(n), j = rnd.Next(n);
                if (i != j) Add(i, j);
            }
        }
        return (Q(st), Q(sp), Q(df));
    }

    private static double[] Q(List<double> v)
    {
        if (v.Count == 0) return [];
        v.Sort();
        return Quantiles.Select(q => v[Math.Min(v.Count - 1, (int)(q * v.Count))]).ToArray();
    }

    internal static string Format(double[] q) => q.Length == 0 ? "-" : string.Join(" ", q.Select(v => v.ToString("0.000", Inv)));

    /// <summary>
    /// Measures the statistics from real faces (person labels; a track is one person in one shot): the norm of the mean,
    /// each level's total variance and the exponent fitted to its leading eigenvalues, and the distance quantiles.
    /// </summary>
    internal static void Measure(IReadOnlyList<(float[] X, string Person, string Track)> faces, TextWriter log)
    {
        int n = faces.Count;
        var mean = new double[Dim];
        foreach (var f in faces) for (int i = 0; i < Dim; i++) mean[i] += f.X[i] / n;
        double[] Mean(IEnumerable<float[]> rows)
        {
            var m = new double[Dim];
            int c = 0;
            foreach (var r in rows) { c++; for (int i = 0; i < Dim; i++) m[i] += r[i]; }
            for (int i = 0; i < Dim; i++) m[i] /= c;
            return m;
        }
        var trackMean = faces.GroupBy(f => f.Track).ToDictionary(g => g.Key, g => Mean(g.Select(f => f.X)));
        var trackPerson = faces.GroupBy(f => f.Track).ToDictionary(g => g.Key, g => g.First().Person);
        // A person's centre: the mean of its tracks' means (each photo counts once, however long its shot).
        var personMean = trackPerson.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => Mean(g.Select(kv => trackMean[kv.Key].Select(v => (float)v).ToArray())));
        var personDev = personMean.Values.Select(c => c.Select((v, i) => v - mean[i]).ToArray()).ToList();
        var appearanceDev = trackMean.Where(kv => trackPerson.Count(t => t.Value == trackPerson[kv.Key]) > 1)
            .Select(kv => kv.Value.Select((v, i) => v - personMean[trackPerson[kv.Key]][i]).ToArray()).ToList();
        var frameDev = faces.Where(f => faces.Count(g => g.Track == f.Track) > 1).Select(f => f.X.Select((v, i) => v - trackMean[f.Track][i]).ToArray()).ToList();
        // Each level's total variance from mean squared distances, which are unbiased however few samples a person
        // has: E d^2 = 2 Tf within a track, 2 (Ta + Tf) across a person's tracks, 2 (Tp + Ta + Tf) across people.
        var people = faces.Select(f => f.Person).Distinct().Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var tracks = faces.Select(f => f.Track).Distinct().Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var kinds = new List<double>[3];
        for (int k = 0; k < 3; k++) kinds[k] = [];
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double d = FaceDistance.Euclidean(faces[i].X, faces[j].X);
                kinds[faces[i].Track == faces[j].Track ? 0 : faces[i].Person == faces[j].Person ? 1 : 2].Add(d * d);
            }
        double tf = kinds[0].Average() / 2, ta = kinds[1].Average() / 2 - tf, tp = kinds[2].Average() / 2 - ta - tf;
        // The spread of each kind's squared distances: d^2 of two draws with lognormal variance multipliers of log-sd
        // sigma has (about) a log-sd of sigma / sqrt 2, so sigma = ln(p95 / p5) / (2 * 1.645) * sqrt 2.
        double Sigma(List<double> v)
        {
            v.Sort();
            return Math.Log(v[(int)(0.95 * v.Count)] / v[(int)(0.05 * v.Count)]) / (2 * 1.645) * Math.Sqrt(2);
        }
        // Across people the lower levels already spread the distances; what is left is the person's own share.
        double sp = Math.Sqrt(Math.Max(0, Sigma(kinds[2]) * Sigma(kinds[2]) - Sigma(kinds[1]) * Sigma(kinds[1]) * (ta + tf) * (ta + tf) / ((tp + ta + tf) * (tp + ta + tf))));
        Person = Fit("person", personDev, tp, sp, log);
        Appearance = Fit("appearance (track within person)", appearanceDev, ta, Sigma(kinds[1]), log);
        Frame = Fit("frame (within track)", frameDev, tf, Sigma(kinds[0]), log);
        MeanNorm = Math.Sqrt(Math.Max(0, 1 - tp - ta - tf));
        (RealSameTrack, RealSamePerson, RealDifferent) = DistanceQuantiles(faces.Select(f => f.X).ToList(), faces.Select(f => people[f.Person]).ToList(), faces.Select(f => tracks[f.Track]).ToList());
        log.WriteLine($"real: {n} faces, {people.Count} people, {tracks.Count} tracks; |mean| {Math.Sqrt(mean.Sum(v => v * v)):0.000} (generator: {MeanNorm:0.000}, so that faces have norm 1 before normalising)");
    }

    private static Level Fit(string name, List<double[]> dev, double trace, double sigma, TextWriter log)
    {
        var eig = GramEigenvalues(dev);
        double measured = eig.Sum();
        for (int k = 0; k < eig.Length; k++) eig[k] *= trace / measured;
        double cum(int k) => eig.Take(k).Sum() / trace;
        // m samples span at most m of the 1024 directions, so their eigenvalues cannot show the spectrum's tail: alpha is
        // the exponent whose own m-sample estimate shows the same shares in the top 4 and top 16 (by simulation).
        double[] target = [cum(4), cum(16)];
        double alpha = 0, bestMiss = double.PositiveInfinity;
        for (double a = 0; a <= 2.0001; a += 0.1)
        {
            var rnd = new Random(11);
            var spectrum = new Spectrum(new Level(trace, a, 0), rnd);
            var zero = new double[Dim];
            var sample = Enumerable.Range(0, dev.Count).Select(_ => spectrum.Draw(rnd, zero, 1)).ToList();
            var e = GramEigenvalues(sample);
            double total = e.Sum(), miss = Math.Abs(e.Take(4).Sum() / total - target[0]) + Math.Abs(e.Take(16).Sum() / total - target[1]);
            if (miss < bestMiss) (bestMiss, alpha) = (miss, a);
        }
        log.WriteLine($"  {name}: {dev.Count} samples, total variance {trace:0.0000}, alpha {alpha:0.00}, sigma {sigma:0.00}; leading eigenvalues (scaled to it) " +
            string.Join(" ", eig.Take(8).Select(e => e.ToString("0.0000", Inv))) +
            $"; share of the total in the top 4/16/{eig.Length}: {cum(4):0.00}/{cum(16):0.00}/{cum(eig.Length):0.00}");
        return new Level(trace, alpha, sigma);
    }

    /// <summary>Eigenvalues (descending) of the covariance sum(d d^T)/count, through the count x count Gram matrix (Jacobi).</summary>
    private static double[] GramEigenvalues(List<double[]> dev)
    {
        int m = dev.Count;
        var a = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = i; j < m; j++)
            {
                double s = 0;
                for (int k = 0; k < Dim; k++) s += dev[i][k] * dev[j][k];
                a[i, j] = a[j, i] = s / m;
            }
        for (int sweep = 0; sweep < 50; sweep++)
        {
            double off = 0;
            for (int p = 0; p < m; p++) for (int q = p + 1; q < m; q++) off += a[p, q] * a[p, q];
            if (off < 1e-22) break;
            for (int p = 0; p < m; p++)
                for (int q = p + 1; q < m; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-30) continue;
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < m; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < m; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                }
        }
        return Enumerable.Range(0, m).Select(i => Math.Max(0, a[i, i])).OrderDescending().ToArray();
    }
}
