namespace FaceCluster.Concurrency;

/// <summary>The outcome of one work item: its result, or the exception that ended it.</summary>
public readonly record struct WorkResult<TIn, TOut>(long Sequence, TIn Input, TOut? Output, Exception? Error);

/// <summary>
/// Runs a function over a stream of inputs on a fixed number of workers and hands the results
/// back in input order to the one thread that posts and drains (PowerShell's pipeline thread),
/// so workers never touch the host. At most <c>capacity</c> items are in flight, which keeps
/// memory flat however long the input is: <see cref="Post"/> blocks (draining meanwhile) when full.
/// Not disposable on purpose: after Ctrl+C, workers still running must not hit disposed semaphores.
/// </summary>
public sealed class OrderedParallelProcessor<TIn, TOut>
{
    private readonly Func<TIn, CancellationToken, TOut> work;
    private readonly CancellationToken cancellation;
    private readonly SemaphoreSlim workers;
    private readonly SemaphoreSlim slots;
    private readonly SemaphoreSlim completions = new(0);
    private readonly Dictionary<long, WorkResult<TIn, TOut>> finished = [];
    private readonly object gate = new();
    private long nextSequence;
    private long nextToYield;

    public OrderedParallelProcessor(Func<TIn, CancellationToken, TOut> work, int degreeOfParallelism, int capacity, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, degreeOfParallelism);
        this.work = work;
        this.cancellation = cancellation;
        workers = new SemaphoreSlim(degreeOfParallelism);
        slots = new SemaphoreSlim(capacity);
    }

    /// <summary>Items posted and not yet handed back.</summary>
    public int InFlight
    {
        get { lock (gate) return (int)(nextSequence - nextToYield); }
    }

    /// <summary>Queues <paramref name="input"/>; returns, in order, whatever finished meanwhile.</summary>
    public IEnumerable<WorkResult<TIn, TOut>> Post(TIn input)
    {
        var ready = new List<WorkResult<TIn, TOut>>();
        while (!slots.Wait(50, cancellation))
        {
            ready.AddRange(TakeReady());
        }
        long sequence = nextSequence++;
        _ = Task.Run(() => Execute(sequence, input));
        ready.AddRange(TakeReady());
        return ready;
    }

    /// <summary>Results that are ready now, in order, without waiting.</summary>
    public IReadOnlyList<WorkResult<TIn, TOut>> TakeReady()
    {
        var ready = new List<WorkResult<TIn, TOut>>();
        lock (gate)
        {
            while (finished.Remove(nextToYield, out var result))
            {
                ready.Add(result);
                nextToYield++;
                slots.Release();
            }
        }
        return ready;
    }

    /// <summary>Waits for everything posted and yields the rest in order, one at a time as each becomes ready.</summary>
    public IEnumerable<WorkResult<TIn, TOut>> Complete()
    {
        while (true)
        {
            foreach (var result in TakeReady()) yield return result;
            lock (gate)
            {
                if (nextToYield == nextSequence) yield break;
            }
            completions.Wait(50, cancellation);
        }
    }

    private void Execute(long sequence, TIn input)
    {
        WorkResult<TIn, TOut> result;
        try
        {
            workers.Wait(cancellation);
            try
            {
                cancellation.ThrowIfCancellationRequested();
                result = new(sequence, input, work(input, cancellation), null);
            }
            finally
            {
                workers.Release();
            }
        }
        catch (Exception ex)
        {
            result = new(sequence, input, default, ex);
        }
        lock (gate) finished[sequence] = result;
        completions.Release();
    }
}
