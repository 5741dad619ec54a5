package io.leasegrid.bench;

import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.shard.ShardAgent;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * The shard's request path without a network: each call decides, journals (memory-mapped Chronicle Queue),
 * applies and answers. Measured with 10 thousand and 10 million live leases in the shard, to show that latency
 * does not grow with the number of leases and that nothing is allocated per operation ({@code -prof gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms8g", "-Xmx8g", "-XX:+AlwaysPreTouch" })
public class ShardBenchmark
{
    private static final int HOT_SET = 1024;

    @Param({ "10000", "10000000" })
    int liveLeases;

    private File dir;
    private ShardAgent shard;
    private final CapturingSink listener = new CapturingSink();
    private ClientSession session;
    private long[] liveLeaseIds;
    private final UnsafeBuffer[] hotResources = new UnsafeBuffer[HOT_SET];
    private final UnsafeBuffer[] hotKeys = new UnsafeBuffer[HOT_SET];
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
    private long correlationId;
    private int next;

    @Setup(Level.Trial)
    public void populate() throws IOException
    {
        dir = Files.createTempDirectory("leasegrid-jmh-shard").toFile();
        shard = ShardPopulation.openShard(dir, listener, Long.MAX_VALUE);
        final long before = ShardPopulation.usedHeapAfterGc();
        liveLeaseIds = ShardPopulation.populate(shard, listener, liveLeases);
        session = ShardPopulation.openSession(shard, listener);
        final long after = ShardPopulation.usedHeapAfterGc();
        System.out.printf("%n%,d live leases: %,d bytes of heap per live lease%n",
            liveLeases, (after - before) / liveLeases);

        for (int i = 0; i < HOT_SET; i++)
        {
            hotResources[i] = new UnsafeBuffer(("hot-" + i).getBytes());
            hotKeys[i] = new UnsafeBuffer(("price:{SYM" + i + "}").getBytes());
            final UnsafeBuffer key = hotKeys[i];
            shard.onValuePut(session, ++correlationId, key, 0, key.capacity(), value, 0, value.capacity());
        }
    }

    @TearDown(Level.Trial)
    public void close()
    {
        shard.onClose();
        IoUtil.delete(dir, true);
    }

    @Benchmark
    public long acquireRelease()
    {
        final UnsafeBuffer resource = hotResources[next++ & (HOT_SET - 1)];
        shard.onLeaseAcquire(session, ++correlationId, resource, 0, resource.capacity(),
            ShardPopulation.LONG_TTL_NS, 0, LeaseMode.EXCLUSIVE, 0, false);
        final long leaseId = listener.lastLeaseId;
        shard.onLeaseRelease(session, ++correlationId, leaseId);
        return leaseId;
    }

    @Benchmark
    public long renew()
    {
        final long leaseId = liveLeaseIds[(int)((next++ * 2_654_435_761L) & 0x7FFF_FFFF) % liveLeaseIds.length];
        shard.onLeaseRenew(session, ++correlationId, leaseId);
        return listener.answers;
    }

    @Benchmark
    public long put()
    {
        final UnsafeBuffer key = hotKeys[next++ & (HOT_SET - 1)];
        value.putLong(0, correlationId);
        shard.onValuePut(session, ++correlationId, key, 0, key.capacity(), value, 0, value.capacity());
        return listener.lastVersion;
    }

    @Benchmark
    public long get()
    {
        final UnsafeBuffer key = hotKeys[next++ & (HOT_SET - 1)];
        shard.onValueGet(session, ++correlationId, key, 0, key.capacity());
        return listener.lastVersion;
    }
}
