package io.leasegrid.node.shard;

import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.node.partition.PartitionSnapshot;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives a shard by hand on the test thread with a test clock: no threads, no sleeping.
 */
final class ShardHarness implements AutoCloseable
{
    static final int PARTITION_COUNT = 8;
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    final File dir;
    final CachedNanoClock clock;
    final RecordingListener listener = new RecordingListener();
    final ShardAgent shard;
    private long epochNs = 1_763_769_600_000_000_000L;
    private long correlationId;

    ShardHarness(final File dir)
    {
        this(dir, new CachedNanoClock(), 250 * MS);
    }

    ShardHarness(final File dir, final CachedNanoClock clock, final long checkpointIntervalNs)
    {
        this.dir = dir;
        this.clock = clock;
        if (clock.nanoTime() == 0)
        {
            clock.update(1_000 * SECOND);
        }
        final int[] partitions = new int[PARTITION_COUNT];
        for (int i = 0; i < PARTITION_COUNT; i++)
        {
            partitions[i] = i;
        }
        shard = new ShardAgent(new ShardContext()
            .partitionCount(PARTITION_COUNT)
            .partitions(partitions)
            .journalDir(dir.getPath())
            .nanoClock(clock)
            .epochNanoClock(() -> epochNs += 1_000)
            .checkpointIntervalNs(checkpointIntervalNs)
            .timerTickNs(1L << 20)
            .timerSlots(1 << 16)
            .listener(listener));
        shard.onStart();
    }

    long nextCorrelationId()
    {
        return ++correlationId;
    }

    static UnsafeBuffer bytes(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.UTF_8));
    }

    static int partitionOf(final String name)
    {
        return Partitioner.partition(name.getBytes(StandardCharsets.UTF_8), PARTITION_COUNT);
    }

    void open(final long sessionId, final long timeoutNs)
    {
        shard.onSessionOpen(nextCorrelationId(), sessionId, timeoutNs);
    }

    long acquire(final long sessionId, final String resource, final long ttlNs, final long waitNs, final LeaseMode mode,
        final int limit, final boolean autoRenew)
    {
        final long c = nextCorrelationId();
        final UnsafeBuffer name = bytes(resource);
        shard.onLeaseAcquire(c, sessionId, name, 0, name.capacity(), ttlNs, waitNs, mode, limit, autoRenew);
        return c;
    }

    long exclusive(final long sessionId, final String resource, final long ttlNs, final long waitNs)
    {
        return acquire(sessionId, resource, ttlNs, waitNs, LeaseMode.EXCLUSIVE, 0, false);
    }

    long shared(final long sessionId, final String resource, final long ttlNs, final long waitNs, final int limit)
    {
        return acquire(sessionId, resource, ttlNs, waitNs, LeaseMode.SHARED, limit, false);
    }

    void renew(final long sessionId, final long leaseId)
    {
        shard.onLeaseRenew(nextCorrelationId(), sessionId, leaseId);
    }

    void release(final long sessionId, final long leaseId)
    {
        shard.onLeaseRelease(nextCorrelationId(), sessionId, leaseId);
    }

    void put(final String key, final String value)
    {
        final UnsafeBuffer k = bytes(key);
        final UnsafeBuffer v = bytes(value);
        shard.onValuePut(nextCorrelationId(), 0, k, 0, k.capacity(), v, 0, v.capacity());
    }

    void get(final String key)
    {
        final UnsafeBuffer k = bytes(key);
        shard.onValueGet(nextCorrelationId(), 0, k, 0, k.capacity());
    }

    /**
     * Advance the clock in 1 ms steps, running the duty cycle at each, so timers fire at their tick.
     */
    void advance(final long nanos)
    {
        final long end = clock.nanoTime() + nanos;
        while (clock.nanoTime() < end)
        {
            clock.advance(Math.min(MS, end - clock.nanoTime()));
            int work;
            int rounds = 0;
            do
            {
                work = shard.doWork();
            }
            while (work > 0 && ++rounds < 1_000);
        }
    }

    List<String> events()
    {
        return listener.drain();
    }

    byte[] stateBytes(final int partitionId)
    {
        return PartitionSnapshot.encode(shard.partitionState(partitionId));
    }

    public void close()
    {
        shard.onClose();
    }
}
