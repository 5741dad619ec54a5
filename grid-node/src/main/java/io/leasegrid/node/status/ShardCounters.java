package io.leasegrid.node.status;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One shard's counters. Each is written only by the shard's thread (single writer), read by anyone.
 */
public final class ShardCounters
{
    private final AtomicCounter[] counters = new AtomicCounter[CounterType.values().length];

    /**
     * Allocate a shard's counters; call from one thread at start.
     */
    public ShardCounters(final CountersManager manager, final int shardId)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[4]);
        key.putInt(0, shardId);
        for (final CounterType type : CounterType.values())
        {
            final int id = manager.allocate(type.typeId(), key, 0, 4,
                new UnsafeBuffer(("shard-" + shardId + " " + type.metricName()).getBytes()), 0,
                ("shard-" + shardId + " " + type.metricName()).length());
            counters[type.ordinal()] = new AtomicCounter(manager.valuesBuffer(), id, manager);
        }
    }

    /**
     * @return the counter of a type.
     */
    public AtomicCounter counter(final CounterType type)
    {
        return counters[type.ordinal()];
    }

    public void increment(final CounterType type)
    {
        counters[type.ordinal()].incrementRelease();
    }

    public void set(final CounterType type, final long value)
    {
        counters[type.ordinal()].setRelease(value);
    }
}
