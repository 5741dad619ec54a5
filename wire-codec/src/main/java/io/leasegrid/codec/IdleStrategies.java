package io.leasegrid.codec;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * The idle strategies a leasegrid thread (shard, media driver, client conductor) can be given, by the name used in
 * settings. Shared by node and client so that both sides of a connection idle the same way.
 */
public final class IdleStrategies
{
    /** Names accepted by {@link #named(String)}. */
    public static final String NAMES = "backoff, yielding, sleeping or busy-spin";

    private IdleStrategies()
    {
    }

    /**
     * A new idle strategy of the named kind:
     * <ul>
     *     <li>{@code backoff}: spins, then yields for about a millisecond, then parks for 1 to 100 us. A thread
     *     that has work at least every millisecond never parks (a park costs tens of microseconds to wake up from,
     *     per hop); an idle one leaves the CPU to others.</li>
     *     <li>{@code yielding}: never parks; lowest latency when cores are shared, but a busy CPU while idle.</li>
     *     <li>{@code busy-spin}: for threads with a core of their own.</li>
     *     <li>{@code sleeping}: 1 ms sleeps; for tests and tools.</li>
     * </ul>
     */
    public static IdleStrategy named(final String name)
    {
        switch (name)
        {
            case "backoff":
                return new BackoffIdleStrategy(
                    100, 1_000, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
            case "yielding":
                return new YieldingIdleStrategy();
            case "sleeping":
                return new SleepingMillisIdleStrategy(1);
            case "busy-spin":
                return new BusySpinIdleStrategy();
            default:
                throw new IllegalArgumentException("idle strategy must be " + NAMES + ": " + name);
        }
    }
}
