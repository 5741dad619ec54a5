package io.leasegrid.node.shard;

import io.aeron.Subscription;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.session.ClientSession;
import org.agrona.concurrent.CachedNanoClock;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives a shard by hand on the test thread with a test clock: no threads, no sleeping. Requests go in as signed
 * frames through the shard's ingress path; answers come out of a {@link RecordingSink} as readable lines.
 */
public final class ShardHarness implements AutoCloseable
{
    public static final int PARTITION_COUNT = 8;
    public static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    public static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    final File dir;
    final CachedNanoClock clock;
    final RecordingSink listener = new RecordingSink();
    final ShardAgent shard;
    final FrameWriter frames;
    private long epochNs = 1_763_769_600_000_000_000L;
    private long correlationId;
    private long nextSessionId;

    public ShardHarness(final File dir)
    {
        this(dir, new CachedNanoClock(), 250 * MS);
    }

    public ShardHarness(final File dir, final CachedNanoClock clock, final long checkpointIntervalNs)
    {
        this(dir, clock, checkpointIntervalNs, 60 * SECOND, new HashMap<>());
    }

    /**
     * @param sessionKeys keys of the sessions opened, shared with a later harness on the same directory (a restart)
     *                    so that its sessions can resume.
     */
    public ShardHarness(
        final File dir,
        final CachedNanoClock clock,
        final long checkpointIntervalNs,
        final long sessionTimeoutNs,
        final Map<Long, long[]> sessionKeys)
    {
        this(dir, clock, checkpointIntervalNs, sessionTimeoutNs, sessionKeys, null);
    }

    /**
     * @param rollCycle of the journals, null for the default; with {@link #advanceEpoch(long)} a test can make
     *                  entries land in different roll-cycle files.
     */
    public ShardHarness(
        final File dir,
        final CachedNanoClock clock,
        final long checkpointIntervalNs,
        final long sessionTimeoutNs,
        final Map<Long, long[]> sessionKeys,
        final String rollCycle)
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
        final ShardContext context = new ShardContext()
            .partitionCount(PARTITION_COUNT)
            .partitions(partitions)
            .journalDir(dir.getPath())
            .nanoClock(clock)
            .epochNanoClock(() -> epochNs += 1_000)
            .checkpointIntervalNs(checkpointIntervalNs)
            .sessionTimeoutNs(sessionTimeoutNs)
            .keepAliveIntervalNs(Math.min(sessionTimeoutNs / 3, SECOND))
            .sessionIds(() -> nextSessionId)
            .timerTickNs(1L << 20)
            .timerSlots(1 << 16)
            .rollCycle(rollCycle)
            .answerSink(listener);
        shard = new ShardAgent(context);
        shard.onStart();
        frames = new FrameWriter(
            new IngressAdapter(new Subscription[0], null, shard.sessions(), shard, context.counters()), sessionKeys);
    }

    /**
     * Write a snapshot of a partition now, as the slow tick does every so many entries.
     */
    public long takeSnapshot(final int partitionId)
    {
        return shard.takeSnapshot(partitionId);
    }

    /**
     * The id the next session opened will get.
     */
    public void nextSessionId(final long sessionId)
    {
        nextSessionId = sessionId;
    }

    /**
     * Move the shard's wall clock (which also decides the journals' roll cycles) forward.
     */
    public void advanceEpoch(final long ns)
    {
        epochNs += ns;
        shard.updateClocks();
    }

    long nextCorrelationId()
    {
        return ++correlationId;
    }

    public static org.agrona.concurrent.UnsafeBuffer bytes(final String text)
    {
        return new org.agrona.concurrent.UnsafeBuffer(text.getBytes(StandardCharsets.UTF_8));
    }

    public static int partitionOf(final String name)
    {
        return Partitioner.partition(name.getBytes(StandardCharsets.UTF_8), PARTITION_COUNT);
    }

    /**
     * Open a session with the given id: connect, answer the challenge, authenticate. One correlation id.
     */
    public void open(final long sessionId)
    {
        final long c = nextCorrelationId();
        if (null != session(sessionId))
        {
            return;
        }
        nextSessionId = sessionId;
        frames.connect(c, sessionId, 0, (int)sessionId, "test", "aeron:ipc");
        if (listener.lastChallengedSession == sessionId)
        {
            frames.authenticateNew(c, sessionId, listener.lastNonce);
        }
    }

    /**
     * Resume a session, after a restart, with the key it was opened with. One correlation id.
     */
    public void resume(final long sessionId)
    {
        final long c = nextCorrelationId();
        frames.connect(c, sessionId, sessionId, (int)sessionId, "test", "aeron:ipc");
        if (listener.lastChallengedSession == sessionId)
        {
            frames.authenticateResume(c, sessionId, listener.lastNonce);
        }
    }

    public ClientSession session(final long sessionId)
    {
        return shard.sessions().session(sessionId);
    }

    public long acquire(
        final long sessionId, final String resource, final long ttlNs, final long waitNs, final LeaseMode mode,
        final int limit, final boolean autoRenew)
    {
        final long c = nextCorrelationId();
        frames.acquire(c, sessionId, resource, ttlNs, waitNs, mode, limit, autoRenew);
        return c;
    }

    public long exclusive(final long sessionId, final String resource, final long ttlNs, final long waitNs)
    {
        return acquire(sessionId, resource, ttlNs, waitNs, LeaseMode.EXCLUSIVE, 0, false);
    }

    public long shared(final long sessionId, final String resource, final long ttlNs, final long waitNs, final int limit)
    {
        return acquire(sessionId, resource, ttlNs, waitNs, LeaseMode.SHARED, limit, false);
    }

    public void renew(final long sessionId, final long leaseId)
    {
        frames.renew(nextCorrelationId(), sessionId, leaseId);
    }

    public void release(final long sessionId, final long leaseId)
    {
        frames.release(nextCorrelationId(), sessionId, leaseId);
    }

    public void keepAlive(final long sessionId)
    {
        frames.keepAlive(sessionId, clock.nanoTime());
    }

    public void close(final long sessionId)
    {
        frames.close(nextCorrelationId(), sessionId);
    }

    public void put(final long sessionId, final String key, final String value)
    {
        frames.put(nextCorrelationId(), sessionId, key, value);
    }

    public void get(final long sessionId, final String key)
    {
        frames.get(nextCorrelationId(), sessionId, key);
    }

    /**
     * Put as session 1.
     */
    public void put(final String key, final String value)
    {
        put(1, key, value);
    }

    /**
     * Get as session 1.
     */
    public void get(final String key)
    {
        get(1, key);
    }

    /**
     * Advance the clock in 1 ms steps, running the duty cycle at each, so timers fire at their tick.
     */
    public void advance(final long nanos)
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

    public List<String> events()
    {
        return listener.drain();
    }

    public byte[] stateBytes(final int partitionId)
    {
        return PartitionSnapshot.encode(shard.partitionState(partitionId));
    }

    public void close()
    {
        shard.onClose();
    }
}
