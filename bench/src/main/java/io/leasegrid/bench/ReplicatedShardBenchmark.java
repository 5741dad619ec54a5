package io.leasegrid.bench;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.membership.GridMember;
import io.leasegrid.node.membership.GridMembers;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.replication.ReplicationLinks;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.shard.ShardAgent;
import io.leasegrid.node.shard.ShardContext;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A replicated write end to end on one thread: a primary shard and its replica's shard (N = 2, W = 2), linked over
 * Aeron UDP on loopback through one media driver run by the benchmark thread. Each operation is decided and
 * journaled by the primary, sent to the replica, checked, journaled and applied there, acknowledged, and answered
 * once committed. {@code -prof gc} shows what a replicated operation allocates on both sides.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch" })
public class ReplicatedShardBenchmark
{
    private static final int HOT_SET = 256;
    private static final int STREAM_ID = 1001;
    private static final long MAX_SPINS = 10_000_000;

    private File dir;
    private MediaDriver driver;
    private Aeron aeron;
    private AgentInvoker driverInvoker;
    private ShardAgent primary;
    private ShardAgent replica;
    private final CapturingSink primaryAnswers = new CapturingSink();
    private final CapturingSink replicaAnswers = new CapturingSink();
    private ClientSession session;
    private final UnsafeBuffer[] hotKeys = new UnsafeBuffer[HOT_SET];
    private final UnsafeBuffer[] hotResources = new UnsafeBuffer[HOT_SET];
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
    private long correlationId = 100;
    private int next;

    @Setup(Level.Trial)
    public void start() throws IOException
    {
        dir = Files.createTempDirectory("leasegrid-jmh-replicated").toFile();
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "aeron").getPath())
            .threadingMode(ThreadingMode.INVOKER)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        driverInvoker = driver.sharedAgentInvoker();
        aeron = Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(driver.aeronDirectoryName())
            .driverAgentInvoker(driverInvoker)
            .useConductorAgentInvoker(true));

        final GridMembers members = GridMembers.parse("1=127.0.0.1:" + freeUdpPort() + "/127.0.0.1:" + freeUdpPort() +
            ",2=127.0.0.1:" + freeUdpPort() + "/127.0.0.1:" + freeUdpPort());
        final ReplicaPlacement placement = new ReplicaPlacement(members, ShardPopulation.PARTITION_COUNT, 2, 2);
        primary = shard(1, placement, primaryAnswers);
        replica = shard(2, placement, replicaAnswers);
        primary.onStart();
        replica.onStart();
        // A fresh primary leads once its replica has said where it stands, and takes writes once it has checked the
        // replica's copy against its journal.
        for (int p = 0; p < ShardPopulation.PARTITION_COUNT; p++)
        {
            if (1 == placement.primary(p))
            {
                final int partition = p;
                spinUntil(() -> PartitionRole.PRIMARY == primary.partition(partition).role() &&
                    primary.partition(partition).canReachWriteQuorum());
            }
        }
        session = ShardPopulation.openSession(primary, primaryAnswers);

        int found = 0;
        for (int i = 0; found < HOT_SET; i++)
        {
            final byte[] key = ("price:{SYM" + i + "}").getBytes(StandardCharsets.US_ASCII);
            if (1 == placement.primary(Partitioner.partition(key, ShardPopulation.PARTITION_COUNT)))
            {
                hotKeys[found] = new UnsafeBuffer(key);
                hotResources[found++] = new UnsafeBuffer(("feed:{SYM" + i + "}").getBytes(StandardCharsets.US_ASCII));
            }
        }
        for (final UnsafeBuffer key : hotKeys)
        {
            put(key);
        }
        if (-1 != primaryAnswers.lastError)
        {
            throw new IllegalStateException("a put was refused with error code " + primaryAnswers.lastError);
        }
    }

    private ShardAgent shard(final int nodeId, final ReplicaPlacement placement, final CapturingSink sink)
    {
        final GridMember self = placement.members().member(nodeId);
        final GridMember peer = placement.members().member(3 - nodeId);
        final ExclusivePublication link = aeron.addExclusivePublication(peer.replicationChannel(), STREAM_ID);
        final ReplicationLinks links = new ReplicationLinks(nodeId, placement,
            aeron.addSubscription(self.replicationChannel(), STREAM_ID), Map.of(peer.nodeId(), link));
        return new ShardAgent(new ShardContext()
            .nodeId(nodeId)
            .partitionCount(ShardPopulation.PARTITION_COUNT)
            .partitions(placement.partitionsByShard(nodeId, 1)[0])
            .journalDir(new File(dir, "node-" + nodeId).getPath())
            .snapshotIntervalEntries(Long.MAX_VALUE)
            .sessionTimeoutNs(TimeUnit.HOURS.toNanos(2))
            .sessionIds(() -> ShardPopulation.SESSION_ID)
            .replicationLinks(links)
            .answerSink(sink));
    }

    @TearDown(Level.Trial)
    public void close()
    {
        primary.onClose();
        replica.onClose();
        CloseHelper.quietCloseAll(aeron, driver);
        IoUtil.delete(dir, true);
    }

    @Benchmark
    public long put()
    {
        return put(hotKeys[next++ & (HOT_SET - 1)]);
    }

    @Benchmark
    public long acquireRelease()
    {
        final UnsafeBuffer resource = hotResources[next++ & (HOT_SET - 1)];
        final long before = primaryAnswers.answers;
        primary.onLeaseAcquire(session, ++correlationId, resource, 0, resource.capacity(),
            ShardPopulation.LONG_TTL_NS, 0, LeaseMode.EXCLUSIVE, 0, false);
        awaitAnswers(before + 1);
        final long leaseId = primaryAnswers.lastLeaseId;
        primary.onLeaseRelease(session, ++correlationId, leaseId);
        awaitAnswers(before + 2);
        return leaseId;
    }

    private long put(final UnsafeBuffer key)
    {
        final long before = primaryAnswers.answers;
        value.putLong(0, correlationId);
        primary.onValuePut(session, ++correlationId, key, 0, key.capacity(), value, 0, value.capacity());
        awaitAnswers(before + 1);
        return primaryAnswers.lastVersion;
    }

    /**
     * Run both shards (and the driver, through the primary's cycle) until the primary has answered.
     */
    private void awaitAnswers(final long answers)
    {
        for (long spins = 0; primaryAnswers.answers < answers; spins++)
        {
            if (spins > MAX_SPINS)
            {
                throw new IllegalStateException("no answer after " + MAX_SPINS + " duty cycles");
            }
            replica.doWork();
            primary.doWork();
            driverInvoker.invoke();
            aeron.conductorAgentInvoker().invoke();
        }
    }

    private void spinUntil(final java.util.function.BooleanSupplier condition)
    {
        for (long spins = 0; !condition.getAsBoolean(); spins++)
        {
            if (spins > MAX_SPINS)
            {
                throw new IllegalStateException("not ready after " + MAX_SPINS + " duty cycles");
            }
            replica.doWork();
            primary.doWork();
            driverInvoker.invoke();
            aeron.conductorAgentInvoker().invoke();
        }
    }

    private static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
