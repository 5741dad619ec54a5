package io.leasegrid.bench;

import io.leasegrid.codec.SessionKeys;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.shard.ShardAgent;
import io.leasegrid.node.shard.ShardContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * Builds a shard holding many live leases, for benchmarks and recovery measurements.
 */
final class ShardPopulation
{
    static final int PARTITION_COUNT = 16;
    static final long SESSION_ID = 1;
    static final long LONG_TTL_NS = TimeUnit.HOURS.toNanos(1);

    private ShardPopulation()
    {
    }

    static ShardAgent openShard(final File dir, final CapturingSink sink, final long snapshotIntervalEntries)
    {
        final int[] partitions = new int[PARTITION_COUNT];
        for (int i = 0; i < PARTITION_COUNT; i++)
        {
            partitions[i] = i;
        }
        final ShardAgent shard = new ShardAgent(new ShardContext()
            .partitionCount(PARTITION_COUNT)
            .partitions(partitions)
            .journalDir(dir.getPath())
            .snapshotIntervalEntries(snapshotIntervalEntries)
            .sessionTimeoutNs(TimeUnit.HOURS.toNanos(2))
            .sessionIds(() -> SESSION_ID)
            .answerSink(sink));
        shard.onStart();
        return shard;
    }

    /**
     * Open session {@link #SESSION_ID} the way a client does: connect, answer the challenge, authenticate.
     *
     * @return the session.
     */
    static ClientSession openSession(final ShardAgent shard, final CapturingSink sink)
    {
        final ClientSession existing = shard.sessions().session(SESSION_ID);
        if (null != existing)
        {
            return existing;
        }
        shard.onConnect(1, 1, 0, 1 << 30, "bench", "aeron:ipc");
        final byte[] proof = SessionKeys.newSessionProof(SessionKeys.OPEN_MODE_SECRET, sink.nonce, SESSION_ID);
        shard.onAuthenticate(1, SESSION_ID, 1, new UnsafeBuffer(proof), 0, proof.length);
        return shard.sessions().session(SESSION_ID);
    }

    /**
     * Grant {@code count} exclusive leases on distinct resources {@code live-0 .. live-(count-1)}, one hour TTL.
     *
     * @return the lease ids.
     */
    static long[] populate(final ShardAgent shard, final CapturingSink sink, final int count)
    {
        final ClientSession session = openSession(shard, sink);
        final long[] leaseIds = new long[count];
        final UnsafeBuffer name = new UnsafeBuffer(new byte[32]);
        for (int i = 0; i < count; i++)
        {
            final int length = name.putStringWithoutLengthAscii(0, "live-") + name.putIntAscii(5, i);
            shard.onLeaseAcquire(session, i, name, 0, length, LONG_TTL_NS, 0, LeaseMode.EXCLUSIVE, 0, false);
            leaseIds[i] = sink.lastLeaseId;
            if ((i & 0xFFFF) == 0)
            {
                shard.doWork();
            }
        }
        return leaseIds;
    }

    static long usedHeapAfterGc()
    {
        final Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
