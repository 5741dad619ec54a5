package io.leasegrid.node.util;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;

/**
 * The wall clock as a duty cycle sees it: read at most once per cycle, and only by a cycle that asks. Reading the
 * wall clock costs several times what the monotonic clock does, and most cycles of an idle shard never need it.
 * <p>
 * Not thread safe: owned by the thread whose cycle calls {@link #nextCycle()}.
 */
public final class CycleEpochClock implements NanoClock
{
    private final EpochNanoClock source;
    private long timeNs;
    private boolean stale = true;

    /**
     * @param source the wall clock to read.
     */
    public CycleEpochClock(final EpochNanoClock source)
    {
        this.source = source;
    }

    /**
     * A new duty cycle begins: the next read reads the source again.
     */
    public void nextCycle()
    {
        stale = true;
    }

    /**
     * @return nanoseconds since 1970, the same for every read within a cycle.
     */
    public long nanoTime()
    {
        if (stale)
        {
            timeNs = source.nanoTime();
            stale = false;
        }
        return timeNs;
    }
}
