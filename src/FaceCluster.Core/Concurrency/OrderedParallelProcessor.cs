namespace FaceCluster.Concurrency;

/// <summary>The outcome of one work item: its result, or the exception that ended it.</summary>
public readonly record struct WorkResult<TIn, TOut>(long Sequence, TIn Input, TOut? Output, Exception? Error);

/// <summary>
/// The in-order hand-back that every pipeline of this engine shares: items are numbered as they are posted, finish in any
/// order on any thread, and come back in posting order to the one thread that posts and drains. At most
/// <c>capacity</c> items are posted and not yet handed back, which keeps memory flat however long the input.
/// </summary>
internal sealed class OrderedHandBack<TIn, TOut>
{
    private readonly SemaphoreSlim slots;
    private readonly SemaphoreSlim completions = new(0);
    private readonly Dictionary<long, WorkResult<TIn, TOut>> finished = [];
    private readonly object gate = new();
    private long nextSequence;
    private long nextToYield;

    public OrderedHandBack(int capacity) => slots = new SemaphoreSlim(capacity);

    public int InFlight
    {
        get { lock (gate) return (int)(nextSequence - nextToYield); }
    }

    /// <summary>Waits for room (adding to <paramref name="ready"/> whatever finishes meanwhile), then numbers the next item.</summary>
    public long Reserve(List<WorkResult<TIn, TOut>> ready, CancellationToken cancellation)
    {
        while (!slots.Wait(50, cancellation))
        {
            ready.AddRange(TakeReady());
        }
        lock (gate) return nextSequence++;
    }

    /// <summary>Records a finished item (from any thread).</summary>
    public void Finish(WorkResult<TIn, TOut> result)
    {
        lock (gate) finished[result.Sequence] = result;
        completions.Release();
    }

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

    /// <summary>Yields the rest in order, one at a time as each becomes ready, until every reserved item is handed back.</summary>
    public IEnumerable<WorkResult<TIn, TOut>> Complete(CancellationToken cancellation)
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
}

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
    private readonly OrderedHandBack<TIn, TOut> handBack;

    public OrderedParallelProcessor(Func<TIn, CancellationToken, TOut> work, int degreeOfParallelism, int capacity, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, degreeOfParallelism);
        this.work = work;
        this.cancellation = cancellation;
        workers = new SemaphoreSlim(degreeOfParallelism);
        handBack = new OrderedHandBack<TIn, TOut>(capacity);
    }

    /// <summary>Items posted and not yet handed back.</summary>
    public int InFlight => handBack.InFlight;

    /// <summary>Queues <paramref name="input"/>; returns, in order, whatever finished meanwhile.</summary>
    public IEnumerable<WorkResult<TIn, TOut>> Post(TIn input)
    {
        var ready = new List<WorkResult<TIn, TOut>>();
        long sequence = handBack.Reserve(ready, cancellation);
        _ = Task.Run(() => Execute(sequence, input));
        ready.AddRange(handBack.TakeReady());
        return ready;
    }

    /// <summary>Results that are ready now, in order, without waiting.</summary>
    public IReadOnlyList<WorkResult<TIn, TOut>> TakeReady() => handBack.TakeReady();

    /// <summary>Waits for everything posted and yields the rest in order, one at a time as each becomes ready.</summary>
    public IEnumerable<WorkResult<TIn, TOut>> Complete() => handBack.Complete(cancellation);

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
        handBack.Finish(result);
    }
}
