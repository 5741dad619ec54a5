package io.leasegrid.node.replication;

import io.aeron.ExclusivePublication;
import io.leasegrid.codec.internal.CatchUpRequestEncoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.ReplicaProbeEncoder;
import io.leasegrid.codec.internal.ReplicationAckEncoder;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Encodes the small control messages of replication (acknowledgements, probes, catch-up requests) and offers them.
 * Owned by a shard's thread; allocates nothing after construction.
 */
final class ReplicationSender
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(128).alignedSlice(BitUtil.CACHE_LINE_LENGTH));
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final ReplicationAckEncoder ack = new ReplicationAckEncoder();
    private final ReplicaProbeEncoder probe = new ReplicaProbeEncoder();
    private final CatchUpRequestEncoder catchUp = new CatchUpRequestEncoder();
    private final int nodeId;

    ReplicationSender(final int nodeId)
    {
        this.nodeId = nodeId;
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
     * A replica asks for the entries from {@code nextPosition} on.
     */
    boolean catchUp(final ExclusivePublication link, final int partitionId, final long epoch, final long nextPosition)
    {
        catchUp.wrapAndApplyHeader(buffer, 0, header)
            .partitionId(partitionId).epoch(epoch).nextPosition(nextPosition).nodeId(nodeId);
        return link.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + catchUp.encodedLength()) > 0;
    }
}
