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
    public static final String NAMES =
        "backoff, backoff:SPINS:YIELDS:MIN_PARK_NS:MAX_PARK_NS, yielding, sleeping or busy-spin";

    private IdleStrategies()
    {
    }

    /**
     * A new idle strategy of the named kind:
     * <ul>
     *     <li>{@code backoff}: yields up to a thousand times, then parks for 1 to 100 us. It never spins: where
     *     threads share cores, a spinning thread holds the core that the thread with work needs (measured on 2
     *     cores: a UDP ping-pong takes 27 us with this, 65 us with Aeron's default backoff, over 300 us with 100
     *     spins first). A thread with work every few hundred microseconds never parks; an idle one leaves the
     *     CPU to others.</li>
     *     <li>{@code backoff:SPINS:YIELDS:MIN_PARK_NS:MAX_PARK_NS}: the same with other numbers.</li>
     *     <li>{@code yielding}: never parks; lowest latency when cores are shared, but a busy CPU while idle.</li>
     *     <li>{@code busy-spin}: for threads with a core of their own.</li>
     *     <li>{@code sleeping}: 1 ms sleeps; for tests and tools.</li>
     * </ul>
     */
    public static IdleStrategy named(final String name)
    {
        if (name.startsWith("backoff:"))
        {
            final String[] parts = name.split(":");
            if (parts.length != 5)
            {
                throw new IllegalArgumentException("idle strategy must be " + NAMES + ": " + name);
            }
            try
            {
                return new BackoffIdleStrategy(Long.parseLong(parts[1]), Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]), Long.parseLong(parts[4]));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("idle strategy must be " + NAMES + ": " + name, ex);
            }
        }
        switch (name)
        {
            case "backoff":
                return new BackoffIdleStrategy(
                    0, 1_000, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
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
