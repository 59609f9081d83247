using System.Collections.Concurrent;
using System.Diagnostics;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// The engine's own worker threads for the chunks of a parallel product or batch-split loop: one fewer than the
/// processors (the caller runs a chunk itself), started on first use, background threads. A training step hands work
/// to them dozens of times (every layer's projection, time loop and weight-gradient products), each time for well
/// under a millisecond; a worker that went to sleep in between costs a wake-up of 50–500 µs in a virtual machine,
/// which the .NET thread pool's short spin did not avoid (measured on the 2-vCPU guest: LSTM(128) forward, batch 32,
/// mean 1.87 ms against a best of 1.35 ms). So an idle worker spins for <see cref="SpinBudgetMicroseconds"/> before it
/// blocks, as OpenMP runtimes do; an idle process stops spinning within that time.
/// </summary>
/// <remarks>
/// Nothing depends on which thread runs a chunk: an item is claimed by whoever comes first (a worker, or its poster in
/// <see cref="ClaimableWorkItem.Finish"/>), so work posted from several threads at once, or while the workers are busy,
/// still completes, and results are the same.
/// </remarks>
internal static class ComputeWorkers
{
    /// <summary>How long an idle worker (or a caller waiting for a chunk) spins before it blocks.</summary>
    internal const int SpinBudgetMicroseconds = 2000;

    private static readonly long SpinBudgetTicks = Stopwatch.Frequency * SpinBudgetMicroseconds / 1_000_000;
    private static readonly ConcurrentQueue<ClaimableWorkItem> Queue = new();
    private static readonly SemaphoreSlim Signal = new(0);
    private static readonly object StartGate = new();
    private static int s_sleeping;
    private static bool s_started;

    /// <summary>Hands <paramref name="item"/> to the workers (starting them on first use).</summary>
    public static void Post(ClaimableWorkItem item)
    {
        if (!Volatile.Read(ref s_started))
        {
            Start();
        }

        Queue.Enqueue(item);

        // The item must be visible before the sleeper count is read (a store then a load: only a full fence orders
        // them), else a worker that has just found the queue empty could sleep through this item.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref s_sleeping) > 0)
        {
            Signal.Release();
        }
    }

    /// <summary>The moment a spin that starts now should give up and block.</summary>
    public static long SpinDeadline() => Stopwatch.GetTimestamp() + SpinBudgetTicks;

    /// <summary>One more spin, unless <paramref name="deadline"/> has passed (then false: block instead).</summary>
    public static bool KeepSpinning(ref SpinWait spin, long deadline)
    {
        if (Stopwatch.GetTimestamp() > deadline)
        {
            return false;
        }

        // Never Sleep(1): a millisecond is longer than most chunks.
        spin.SpinOnce(sleep1Threshold: -1);
        return true;
    }

    private static void Start()
    {
        lock (StartGate)
        {
            if (s_started)
            {
                return;
            }

            int workers = Math.Max(1, Environment.ProcessorCount - 1);
            for (int i = 0; i < workers; i++)
            {
                var thread = new Thread(Work) { IsBackground = true, Name = "PSRnn compute " + i };
                thread.Start();
            }

            Volatile.Write(ref s_started, true);
        }
    }

    private static void Work()
    {
        while (true)
        {
            if (Queue.TryDequeue(out ClaimableWorkItem? item))
            {
                item.Execute();
                continue;
            }

            var spin = default(SpinWait);
            long deadline = SpinDeadline();
            while (Queue.IsEmpty && KeepSpinning(ref spin, deadline))
            {
            }

            if (!Queue.IsEmpty)
            {
                continue;
            }

            // Announce the sleep, then look once more: a Post that saw no sleeper enqueued before this check.
            Interlocked.Increment(ref s_sleeping);
            if (Queue.IsEmpty)
            {
                Signal.Wait();
            }

            Interlocked.Decrement(ref s_sleeping);
        }
    }
}
