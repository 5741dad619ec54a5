package io.leasegrid.bench.load;

/**
 * One measured point: a workload at a client concurrency, open loop at an offered rate or closed loop.
 *
 * @param workload     what each operation does.
 * @param concurrency  client threads, each with one operation outstanding at a time.
 * @param offeredRate  operations per second over all clients; 0 for closed loop (each client sends its next
 *                     operation as soon as the last one is answered).
 * @param warmupNs     run, unrecorded, before measuring.
 * @param durationNs   measured time.
 */
public record LoadPoint(Workload workload, int concurrency, long offeredRate, long warmupNs, long durationNs)
{
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
    }

    public boolean closedLoop()
    {
        return 0 == offeredRate;
    }

    public String label()
    {
        return workload.fileName() + "-c" + concurrency + (closedLoop() ? "-closed" : "-" + offeredRate + "ps");
    }

    public String describe()
    {
        return workload.fileName() + ", " + concurrency + " client" + (1 == concurrency ? "" : "s") + ", " +
            (closedLoop() ? "closed loop" : "open loop at " + offeredRate + " ops/s");
    }
}
