using System.Collections.Concurrent;
using System.Diagnostics;
using FaceCluster.Concurrency;

namespace FaceCluster.Recognition;

/// <summary>One image to encode, as Get-FaceEncoding receives it.</summary>
public sealed record EncodingRequest(string Path, FrameSource? Frame = null);

/// <summary>Worker time spent in each stage of an <see cref="EncodingPipeline"/> so far.</summary>
/// <param name="Prepare">Hashing, cache look-ups and decoding the image detection runs on.</param>
/// <param name="Detect">Face detection.</param>
/// <param name="Describe">Decoding the full-resolution frame, alignment, descriptors, quality and cache writes.</param>
public readonly record struct EncodingStageTimes(TimeSpan Prepare, TimeSpan Detect, TimeSpan Describe);

/// <summary>
/// <see cref="FaceEncoder"/>'s three steps (prepare, detect, describe) as stages of one pipeline: an image moves on to
/// the next stage as soon as its step is done, so one image's JPEG decode, another's detection and a third's
/// descriptors run side by side, and results come back in input order to the one thread that posts and drains
/// (PowerShell's pipeline thread; workers never touch the host).
/// </summary>
/// <remarks>
/// <para>Exactly <c>workers</c> threads do the work (-ThrottleLimit keeps its meaning: that many images are being
/// processed at once, and workers x ONNX Runtime threads never oversubscribes the cores). Each free worker takes the
/// image furthest along (describe before detect before prepare), which hands results back soonest and frees memory
/// first. Every stage runs <see cref="FaceEncoder"/>'s own step, so the faces, ids and descriptors are those of
/// <see cref="FaceEncoder.Encode(string, FrameSource?, CancellationToken)"/>.</para>
/// <para>Bounded: at most <c>capacity</c> images are posted and not yet handed back, whatever stage they are in;
/// <see cref="Post"/> blocks (draining meanwhile) when full, so memory stays flat however long the input.</para>
/// <para>Describing the faces of several frames in one network call was measured (bench chain: 8 faces per call took
/// 28.9 ms per FaceRes face against 25.7 ms in one call per frame) and is not done; at one ORT thread even one frame's
/// faces go one call each (<see cref="Models.OnnxSessions.InputsPerCall"/>).</para>
/// </remarks>
public sealed class EncodingPipeline : IDisposable
{
    private enum Stage { Prepare, Detect, Describe }

    private sealed class Item(long sequence, EncodingRequest request)
    {
        public long Sequence { get; } = sequence;
        public EncodingRequest Request { get; } = request;
        public PreparedImage? Image { get; set; }
    }

    private readonly FaceEncoder encoder;
    private readonly CancellationTokenSource stopping;
    private readonly CancellationToken cancellation;
    private readonly OrderedHandBack<EncodingRequest, ImageEncodingResult> handBack;
    // One count per queued item across the three queues: a worker that gets one is sure to find an item.
    private readonly SemaphoreSlim queued = new(0);
    private readonly ConcurrentQueue<Item> toPrepare = new(), toDetect = new(), toDescribe = new();
    private readonly Thread[] threads;
    private readonly long[] stageTicks = new long[3];
    private int shutDown;

    /// <param name="encoder">Encodes the images (sized for <paramref name="workers"/> callers: <see cref="FaceEncoderOptions.DegreeOfParallelism"/>).</param>
    /// <param name="workers">Images processed at once (-ThrottleLimit).</param>
    /// <param name="capacity">Images posted and not yet handed back, at most; at least <paramref name="workers"/>.</param>
    /// <param name="cancellation">Stops the workers (Ctrl+C); <see cref="Stop"/> also waits for them.</param>
    public EncodingPipeline(FaceEncoder encoder, int workers, int capacity, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, workers);
        this.encoder = encoder;
        stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        this.cancellation = stopping.Token;
        handBack = new(capacity);
        threads = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"FaceCluster encoder {i + 1}" };
            threads[i].Start();
        }
    }

    /// <summary>Items posted and not yet handed back.</summary>
    public int InFlight => handBack.InFlight;

    /// <summary>Whether every worker thread has ended (after <see cref="Complete"/> or <see cref="Stop"/>).</summary>
    internal bool WorkersEnded => threads.All(t => !t.IsAlive);

    /// <summary>Worker time in each stage so far.</summary>
    public EncodingStageTimes StageTimes => new(
        TimeSpan.FromTicks(Interlocked.Read(ref stageTicks[0])),
        TimeSpan.FromTicks(Interlocked.Read(ref stageTicks[1])),
        TimeSpan.FromTicks(Interlocked.Read(ref stageTicks[2])));

    /// <summary>Queues <paramref name="request"/>; returns, in order, whatever finished meanwhile.</summary>
    /// <exception cref="OperationCanceledException">Stopped.</exception>
    public IReadOnlyList<WorkResult<EncodingRequest, ImageEncodingResult>> Post(EncodingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ready = new List<WorkResult<EncodingRequest, ImageEncodingResult>>();
        long sequence = handBack.Reserve(ready, cancellation);
        Enqueue(toPrepare, new Item(sequence, request));
        ready.AddRange(handBack.TakeReady());
        return ready;
    }

    /// <summary>Results that are ready now, in order, without waiting.</summary>
    public IReadOnlyList<WorkResult<EncodingRequest, ImageEncodingResult>> TakeReady() => handBack.TakeReady();

    /// <summary>Waits for everything posted and yields the rest in order, one at a time as each becomes ready; then the workers end.</summary>
    /// <exception cref="OperationCanceledException">Stopped.</exception>
    public IEnumerable<WorkResult<EncodingRequest, ImageEncodingResult>> Complete()
    {
        foreach (var result in handBack.Complete(cancellation)) yield return result;
        ShutDown();
    }

    /// <summary>
    /// Cancels and waits for the workers to leave the step they are in (a detection is not interrupted halfway, so this
    /// takes at most one image's step), then frees the images still queued. For StopProcessing (Ctrl+C).
    /// </summary>
    public void Stop()
    {
        stopping.Cancel();
        ShutDown();
    }

    public void Dispose() => Stop();

    private void ShutDown()
    {
        // Set before the wake-ups below, so that a worker that finds every queue empty knows it may leave.
        if (Interlocked.Exchange(ref shutDown, 1) == 1)
        {
            foreach (var thread in threads) thread.Join();
            return;
        }
        // One wake-up per worker; each then finds no item and leaves.
        queued.Release(threads.Length);
        foreach (var thread in threads)
        {
            if (thread != Thread.CurrentThread) thread.Join();
        }
        foreach (var queue in new[] { toPrepare, toDetect, toDescribe })
        {
            while (queue.TryDequeue(out var item)) item.Image?.Dispose();
        }
    }

    private void Enqueue(ConcurrentQueue<Item> queue, Item item)
    {
        queue.Enqueue(item);
        queued.Release();
    }

    private void Work()
    {
        while (true)
        {
            try
            {
                queued.Wait(cancellation);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // Furthest along first: results go back sooner and decoded images are freed sooner.
            Item? item;
            Stage stage;
            while (true)
            {
                if (toDescribe.TryDequeue(out item)) stage = Stage.Describe;
                else if (toDetect.TryDequeue(out item)) stage = Stage.Detect;
                else if (toPrepare.TryDequeue(out item)) stage = Stage.Prepare;
                else if (Volatile.Read(ref shutDown) == 1) return;
                else
                {
                    // The count promised an item: another worker took the one seen while a new one was queued in a
                    // queue already looked at. Look again.
                    Thread.Yield();
                    continue;
                }
                break;
            }
            Run(stage, item);
        }
    }

    private void Run(Stage stage, Item item)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            cancellation.ThrowIfCancellationRequested();
            switch (stage)
            {
                case Stage.Prepare:
                    item.Image = encoder.Prepare(item.Request.Path, item.Request.Frame, cancellation);
                    if (item.Image.Result is not null) Finish(item, item.Image.Result, null);
                    else Enqueue(toDetect, item);
                    break;
                case Stage.Detect:
                    encoder.Detect(item.Image!, cancellation);
                    Enqueue(toDescribe, item);
                    break;
                default:
                    Finish(item, encoder.Describe(item.Image!, cancellation), null);
                    break;
            }
        }
        catch (Exception ex)
        {
            Finish(item, null, ex);
        }
        finally
        {
            Interlocked.Add(ref stageTicks[(int)stage], Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    private void Finish(Item item, ImageEncodingResult? result, Exception? error)
    {
        item.Image?.Dispose();
        item.Image = null;
        handBack.Finish(new(item.Sequence, item.Request, result, error));
    }
}
