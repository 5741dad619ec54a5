package io.leasegrid.node.replication;

import io.aeron.ExclusivePublication;
import io.leasegrid.codec.internal.CatchUpRequestEncoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.ReplicaProbeEncoder;
import io.leasegrid.codec.internal.ReplicaSyncEncoder;
import io.leasegrid.codec.internal.ReplicationAckEncoder;
import io.leasegrid.codec.internal.SnapshotChunkEncoder;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Encodes the control messages of replication (acknowledgements, probes, catch-up requests, syncs, snapshot chunks)
 * and offers them. Owned by a shard's thread; allocates nothing after construction.
 */
final class ReplicationSender
{
    /** Bytes of a snapshot per message: a few datagrams, well under the largest message a term takes. */
    static final int SNAPSHOT_CHUNK_LENGTH = 4096;

    private final UnsafeBuffer buffer = new UnsafeBuffer(
        ByteBuffer.allocateDirect(SNAPSHOT_CHUNK_LENGTH + 256).alignedSlice(BitUtil.CACHE_LINE_LENGTH));
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final ReplicationAckEncoder ack = new ReplicationAckEncoder();
    private final ReplicaProbeEncoder probe = new ReplicaProbeEncoder();
    private final CatchUpRequestEncoder catchUp = new CatchUpRequestEncoder();
    private final ReplicaSyncEncoder sync = new ReplicaSyncEncoder();
    private final SnapshotChunkEncoder chunk = new SnapshotChunkEncoder();
    private final int nodeId;

    /** Tells a primary that a request comes from a new run of this replica, not a late one from before. */
    private final long runId;

    ReplicationSender(final int nodeId, final long runId)
    {
        this.nodeId = nodeId;
        this.runId = runId;
    }

    /**
     * A replica holds every entry up to {@code position}.
     */
    boolean ack(final ExclusivePublication link, final int partitionId, final long epoch, final long position)
    {
        ack.wrapAndApplyHeader(buffer, 0, header).partitionId(partitionId).epoch(epoch).position(position).nodeId(nodeId);
        return link.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + ack.encodedLength()) > 0;
    }

    /**
     * A primary asks where a replica stands.
     */
    boolean probe(final ExclusivePublication link, final int partitionId, final long epoch, final long nextPosition)
    {
        probe.wrapAndApplyHeader(buffer, 0, header)
            .partitionId(partitionId).epoch(epoch).nextPosition(nextPosition).nodeId(nodeId);
        return link.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + probe.encodedLength()) > 0;
    }

    /**
     * A replica asks for the entries from {@code nextPosition} on; its copy's last entry is of {@code lastEntryEpoch}.
     */
    boolean catchUp(
        final ExclusivePublication link,
        final int partitionId,
        final long epoch,
        final long nextPosition,
        final long lastEntryEpoch)
    {
        catchUp.wrapAndApplyHeader(buffer, 0, header)
            .partitionId(partitionId).epoch(epoch).nextPosition(nextPosition).nodeId(nodeId).lastEntryEpoch(lastEntryEpoch)
            .runId(runId);
        return link.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + catchUp.encodedLength()) > 0;
    }

    /**
     * A primary tells a replica that its copy agrees through {@code keepThrough} and to discard what follows.
     */
    boolean sync(final ExclusivePublication link, final int partitionId, final long epoch, final long keepThrough)
    {
        sync.wrapAndApplyHeader(buffer, 0, header)
            .partitionId(partitionId).epoch(epoch).keepThrough(keepThrough).nodeId(nodeId);
        return link.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + sync.encodedLength()) > 0;
    }

    /**
     * A primary sends {@code bytes[chunkOffset, chunkOffset + length)} of a snapshot up to {@code position}.
     */
    boolean snapshotChunk(
        final ExclusivePublication link,
        final int partitionId,
        final long epoch,
        final long position,
        final byte[] bytes,
        final int chunkOffset,
        final int length)
    {
        chunk.wrapAndApplyHeader(buffer, 0, header)
            .partitionId(partitionId).epoch(epoch).position(position).totalLength(bytes.length).chunkOffset(chunkOffset)
            .nodeId(nodeId).putBytes(bytes, chunkOffset, length);
        return link.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + chunk.encodedLength()) > 0;
    }
}
