namespace PSRnn.Engine.Tensors;

/// <summary>
/// A reusable chunk of work handed to <see cref="ComputeWorkers"/> without allocating. Whoever claims it first — a worker, or
/// the caller when it comes to wait in <see cref="Finish"/> — runs it; a stale queue entry finds it claimed. An
/// exception is caught and handed to the caller, which rethrows it: a worker must not die of it. Gemm's column or
/// row chunks and the recurrent layers' batch chunks both use it.
/// </summary>
internal abstract class ClaimableWorkItem
{
    private const int Pending = 0;
    private const int Claimed = 1;

    private readonly object _gate = new();
    private int _state = Claimed;
    private bool _finished;
    private Exception? _error;

    /// <summary>Runs the chunk on the calling worker unless someone has claimed it already.</summary>
    public void Execute()
    {
        if (Interlocked.Exchange(ref _state, Claimed) == Pending)
        {
            RunClaimed();
        }
    }

    /// <summary>Runs the chunk here if no worker has taken it, else waits for it; returns its exception.</summary>
    public Exception? Finish()
    {
        if (Interlocked.Exchange(ref _state, Claimed) == Pending)
        {
            RunClaimed();
            return _error;
        }

        // Chunks are short: spin (on the order of a millisecond) before blocking, so the caller does not pay a wake-up.
        var spin = default(SpinWait);
        long deadline = ComputeWorkers.SpinDeadline();
        while (!Volatile.Read(ref _finished) && ComputeWorkers.KeepSpinning(ref spin, deadline))
        {
        }

        lock (_gate)
        {
            while (!_finished)
            {
                Monitor.Wait(_gate);
            }
        }

        return _error;
    }

    /// <summary>Queues the item; call after the derived class has stored the chunk's arguments.</summary>
    protected void Queue()
    {
        _error = null;
        _finished = false;

        // Publish the fields before anyone can claim the item.
        Volatile.Write(ref _state, Pending);
        ComputeWorkers.Post(this);
    }

    /// <summary>The chunk's work.</summary>
    protected abstract void Run();

    /// <summary>Drops references the chunk held, once it has run.</summary>
    protected virtual void Clear()
    {
    }

    private void RunClaimed()
    {
        try
        {
            Run();
        }
        catch (Exception e)
        {
            _error = e;
        }
        finally
        {
            Clear();
            lock (_gate)
            {
                _finished = true;
                Monitor.PulseAll(_gate);
            }
        }
    }
}
