package io.leasegrid.bench.load;

/**
 * One measured point: a workload at a client concurrency, open loop at an offered rate or closed loop, one operation
 * outstanding per client or a pipelined batch of them.
 *
 * @param workload     what each operation does.
 * @param concurrency  client threads.
 * @param offeredRate  operations per second over all clients; 0 for closed loop (each client sends its next
 *                     operation, or batch, as soon as the last one is answered).
 * @param warmupNs     run, unrecorded, before measuring.
 * @param durationNs   measured time.
 * @param depth        operations each client sends before it waits for their answers (pipelining); 1 for one at a
 *                     time. Pipelined points are closed loop.
 */
public record LoadPoint(Workload workload, int concurrency, long offeredRate, long warmupNs, long durationNs, int depth)
{
    /** Deepest pipeline: each client has this many resources of its own for lease batches. */
    public static final int MAX_DEPTH = 64;

    public LoadPoint
    {
        if (concurrency < 1 || concurrency > 1024)
        {
            throw new IllegalArgumentException("concurrency must be 1..1024: " + concurrency);
        }
        if (offeredRate < 0)
        {
            throw new IllegalArgumentException("offered rate must be >= 0 (0 = closed loop): " + offeredRate);
        }
        if (durationNs <= 0 || warmupNs < 0)
        {
            throw new IllegalArgumentException("duration must be > 0 and warmup >= 0");
        }
        if (depth < 1 || depth > MAX_DEPTH || (depth > 1 && offeredRate != 0))
        {
            throw new IllegalArgumentException("pipeline depth must be 1.." + MAX_DEPTH + ", and above 1 only in closed " +
                "loop: " + depth);
        }
    }

    /**
     * A point with one operation outstanding per client.
     */
    public LoadPoint(final Workload workload, final int concurrency, final long offeredRate, final long warmupNs,
        final long durationNs)
    {
        this(workload, concurrency, offeredRate, warmupNs, durationNs, 1);
    }

    public boolean closedLoop()
    {
        return 0 == offeredRate;
    }

    public boolean pipelined()
    {
        return depth > 1;
    }

    public String label()
    {
        return workload.fileName() + "-c" + concurrency + (pipelined() ? "-d" + depth : "") +
            (closedLoop() ? "-closed" : "-" + offeredRate + "ps");
    }

    public String describe()
    {
        return workload.fileName() + ", " + concurrency + " client" + (1 == concurrency ? "" : "s") + ", " +
            (closedLoop() ? "closed loop" : "open loop at " + offeredRate + " ops/s") +
            (pipelined() ? ", pipelined " + depth + " deep" : "");
    }
}
