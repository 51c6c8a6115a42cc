using FaceCluster.Concurrency;

namespace FaceCluster.Tests.Concurrency;

public class OrderedParallelProcessorTests
{
    [Fact]
    public void ResultsComeBackInInputOrderWhateverTheFinishingOrder()
    {
        var processor = new OrderedParallelProcessor<int, int>((i, _) =>
        {
            Thread.Sleep((7 - i % 7) * 3); // later items often finish first
            return i * i;
        }, degreeOfParallelism: 4, capacity: 8, CancellationToken.None);

        var results = new List<WorkResult<int, int>>();
        for (int i = 0; i < 60; i++) results.AddRange(processor.Post(i));
        results.AddRange(processor.Complete());

        Assert.Equal(Enumerable.Range(0, 60), results.Select(r => r.Input));
        Assert.Equal(Enumerable.Range(0, 60).Select(i => i * i), results.Select(r => r.Output));
    }

    [Fact]
    public void NeverHoldsMoreThanItsCapacityInFlight()
    {
        int running = 0, maxRunning = 0, maxInFlight = 0;
        var processor = new OrderedParallelProcessor<int, int>((i, _) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            Thread.Sleep(2);
            Interlocked.Decrement(ref running);
            return i;
        }, degreeOfParallelism: 2, capacity: 5, CancellationToken.None);

        int handedBack = 0;
        for (int i = 0; i < 200; i++)
        {
            handedBack += processor.Post(i).Count();
            maxInFlight = Math.Max(maxInFlight, processor.InFlight);
        }
        handedBack += processor.Complete().Count();
        Assert.Equal(200, handedBack);
        Assert.True(maxInFlight <= 5, $"in flight {maxInFlight}");
        Assert.True(maxRunning <= 2, $"running {maxRunning}");
    }

    [Fact]
    public void AFailingItemIsReportedAndTheOthersStillComplete()
    {
        var processor = new OrderedParallelProcessor<int, int>((i, _) =>
            i == 3 ? throw new InvalidDataException("bad item") : i, 2, 4, CancellationToken.None);
        var results = new List<WorkResult<int, int>>();
        for (int i = 0; i < 6; i++) results.AddRange(processor.Post(i));
        results.AddRange(processor.Complete());

        Assert.Equal(6, results.Count);
        Assert.IsType<InvalidDataException>(results[3].Error);
        Assert.All(results.Where(r => r.Input != 3), r => Assert.Null(r.Error));
    }

    [Fact]
    public void CancellationStopsWaitingPromptly()
    {
        using var cts = new CancellationTokenSource();
        var processor = new OrderedParallelProcessor<int, int>((i, ct) =>
        {
            ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            ct.ThrowIfCancellationRequested();
            return i;
        }, 1, 2, cts.Token);
        foreach (var _ in processor.Post(1)) { }
        foreach (var _ in processor.Post(2)) { }
        cts.CancelAfter(100);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => processor.Post(3).ToList());
        // The worker would wait 30 s; well under that proves cancellation ended the wait. The bound is loose because a
        // loaded 2-core CI machine can stall any thread for seconds (2 s failed there while other test hosts ran).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), watch.Elapsed.ToString());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
