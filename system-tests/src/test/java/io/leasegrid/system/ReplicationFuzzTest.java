package io.leasegrid.system;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.codec.JournalEntryDescriptor;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.internal.CatchUpRequestEncoder;
import io.leasegrid.codec.internal.JournalEntryEncoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.ReplicaProbeEncoder;
import io.leasegrid.codec.internal.ReplicaSyncEncoder;
import io.leasegrid.codec.internal.SnapshotChunkEncoder;
import io.leasegrid.codec.internal.ReplicationAckEncoder;
import io.leasegrid.node.membership.GridMembers;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.node.status.StatusFile;
import io.leasegrid.test.Await;
import io.leasegrid.test.TestGrid;
import io.leasegrid.test.TestNode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames a replica must refuse, sent straight to its replication endpoint: random bytes, truncated and corrupted
 * entries, entries of a partition it is primary of, entries of an older epoch, control messages naming the wrong
 * node. Each is refused and counted, and the replica still converges on its primary's journal afterwards.
 */
@Timeout(180)
class ReplicationFuzzTest
{
    private static final int PARTITIONS = 16;
    private static final int STREAM_ID = 1001;

    @RegisterExtension
    final TestGrid grid = new TestGrid();

    @TempDir
    File dir;

    private MediaDriver driver;
    private Aeron aeron;
    private GridClient client;

    @AfterEach
    void tearDown()
    {
        CloseHelper.quietCloseAll(client, aeron, driver);
    }

    @Test
    void shouldRefuseAndCountEveryBadFrameAndStillConverge() throws Exception
    {
        final List<TestNode> nodes = grid.startGrid(3, Map.of("leasegrid.partitions", Integer.toString(PARTITIONS)));
        final GridMembers members = GridMembers.parse(grid.members());
        final ReplicaPlacement placement = new ReplicaPlacement(members, PARTITIONS, 3, 2);
        driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "aeron").getPath())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        client = GridClient.connect(new GridClientContext()
            .aeronDir(driver.aeronDirectoryName())
            .requestChannel(nodes.get(0).requestChannel())
            .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
            .connectTimeout(Duration.ofSeconds(20)));

        final String key = keyWithPrimary(placement, 1, "fuzz:");
        final int partition = partitionOf(key);
        client.put(key, "first".getBytes(StandardCharsets.UTF_8));
        final TestNode replica = nodes.get(1);
        Await.until(20_000, "node 2 to hold the first put", () ->
            JournalContents.entries(replica.dir(), partition).size() == JournalContents.entries(nodes.get(0).dir(), partition).size());
        final byte[] real = JournalContents.entries(nodes.get(0).dir(), partition).get(0);

        final ExclusivePublication toReplica = aeron.addExclusivePublication(
            members.member(2).replicationChannel(), STREAM_ID);
        Await.until(20_000, "a link to node 2", toReplica::isConnected);

        final Random random = new Random(42);
        int bad = 0;
        for (int i = 0; i < 200; i++, bad++)
        {
            final byte[] noise = new byte[1 + random.nextInt(300)];
            random.nextBytes(noise);
            send(toReplica, noise);
        }
        send(toReplica, Arrays.copyOf(real, real.length - 1));
        bad++;
        final byte[] flipped = real.clone();
        flipped[flipped.length - 1] ^= 0x55;
        send(toReplica, flipped);
        bad++;
        send(toReplica, rewritten(real, partitionOf(keyWithPrimary(placement, 2, "own:")), 1));
        bad++;
        send(toReplica, rewritten(real, partition, 0));
        bad++;
        send(toReplica, control(new ReplicationAckEncoder(), partition, 1, 0, 3));
        bad++;
        send(toReplica, control(new ReplicaProbeEncoder(), partition, 1, 0, 3));
        bad++;
        send(toReplica, control(new CatchUpRequestEncoder(), partition, 1, 0, 3));
        bad++;
        // A discard order and a snapshot from a node that is not the partition's primary.
        send(toReplica, control(new ReplicaSyncEncoder(), partition, 9, -1, 3));
        bad++;
        send(toReplica, control(new SnapshotChunkEncoder(), partition, 9, 0, 3));
        bad++;
        // From the primary's node id, but a snapshot of four bytes that is no snapshot, and one cut short.
        send(toReplica, control(new SnapshotChunkEncoder(), partition, 9, 0, 1));
        bad++;
        final byte[] chunk = control(new SnapshotChunkEncoder(), partition, 9, 0, 1);
        send(toReplica, Arrays.copyOf(chunk, chunk.length - 2));
        bad++;

        final int expected = bad;
        Await.until(20_000, () -> "node 2 to refuse " + expected + " frames, refused " + refused(replica.dir()),
            () -> refused(replica.dir()) == expected);

        for (int i = 0; i < 10; i++)
        {
            client.put(key, ("after-" + i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(20_000, "node 2 to converge on node 1's journal", () ->
            JournalContents.entries(replica.dir(), partition).size() == JournalContents.entries(nodes.get(0).dir(), partition).size());
        final List<byte[]> primary = JournalContents.entries(nodes.get(0).dir(), partition);
        final List<byte[]> copy = JournalContents.entries(replica.dir(), partition);
        for (int i = 0; i < primary.size(); i++)
        {
            assertArrayEquals(primary.get(i), copy.get(i), "entry " + i);
        }
        assertEquals(expected, refused(replica.dir()), "refusals after the good traffic");
        assertTrue(replica.isRunning());
    }

    /**
     * A real entry moved to another partition or epoch, with its checksum made right again.
     */
    private static byte[] rewritten(final byte[] entry, final int partitionId, final long epoch)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(entry.clone());
        final JournalEntryEncoder encoder = new JournalEntryEncoder();
        encoder.wrap(buffer, MessageHeaderEncoder.ENCODED_LENGTH).partitionId(partitionId).epoch(epoch);
        JournalEntryDescriptor.writeChecksum(buffer, 0, entry.length);
        return buffer.byteArray();
    }

    private static byte[] control(
        final Object encoder, final int partitionId, final long epoch, final long position, final int nodeId)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        final int length;
        if (encoder instanceof ReplicationAckEncoder)
        {
            final ReplicationAckEncoder ack = ((ReplicationAckEncoder)encoder).wrapAndApplyHeader(buffer, 0, header);
            ack.partitionId(partitionId).epoch(epoch).position(position).nodeId(nodeId);
            length = ack.encodedLength();
        }
        else if (encoder instanceof ReplicaProbeEncoder)
        {
            final ReplicaProbeEncoder probe = ((ReplicaProbeEncoder)encoder).wrapAndApplyHeader(buffer, 0, header);
            probe.partitionId(partitionId).epoch(epoch).nextPosition(position).nodeId(nodeId);
            length = probe.encodedLength();
        }
        else if (encoder instanceof ReplicaSyncEncoder)
        {
            final ReplicaSyncEncoder sync = ((ReplicaSyncEncoder)encoder).wrapAndApplyHeader(buffer, 0, header);
            sync.partitionId(partitionId).epoch(epoch).keepThrough(position).nodeId(nodeId);
            length = sync.encodedLength();
        }
        else if (encoder instanceof SnapshotChunkEncoder)
        {
            final SnapshotChunkEncoder chunk = ((SnapshotChunkEncoder)encoder).wrapAndApplyHeader(buffer, 0, header);
            chunk.partitionId(partitionId).epoch(epoch).position(position).totalLength(4).chunkOffset(0).nodeId(nodeId)
                .putBytes(new byte[]{1, 2, 3, 4}, 0, 4);
            length = chunk.encodedLength();
        }
        else
        {
            final CatchUpRequestEncoder request = ((CatchUpRequestEncoder)encoder).wrapAndApplyHeader(buffer, 0, header);
            request.partitionId(partitionId).epoch(epoch).nextPosition(position).nodeId(nodeId);
            length = request.encodedLength();
        }
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + length);
    }

    private static void send(final ExclusivePublication publication, final byte[] frame)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (publication.offer(buffer, 0, frame.length) < 0)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("could not send a frame to the replica");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static long refused(final File nodeDir)
    {
        try (StatusFile status = StatusFile.open(nodeDir))
        {
            final CountersReader counters = status.counters();
            final long[] total = new long[1];
            counters.forEach((id, label) ->
            {
                if (label.endsWith("replication_refused_total"))
                {
                    total[0] += counters.getCounterValue(id);
                }
            });
            return total[0];
        }
    }

    private static String keyWithPrimary(final ReplicaPlacement placement, final int nodeId, final String prefix)
    {
        for (int i = 0; ; i++)
        {
            if (placement.primary(partitionOf(prefix + i)) == nodeId)
            {
                return prefix + i;
            }
        }
    }

    private static int partitionOf(final String key)
    {
        return Partitioner.partition(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }
}
