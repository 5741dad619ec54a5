package io.leasegrid.node.replication;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.internal.CatchUpRequestDecoder;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.ReplicaProbeDecoder;
import io.leasegrid.codec.internal.ReplicaSyncDecoder;
import io.leasegrid.codec.internal.ReplicationAckDecoder;
import io.leasegrid.codec.internal.SnapshotChunkDecoder;
import org.agrona.DirectBuffer;

/**
 * Decodes what peers send a shard on its replication stream and hands each message on; a frame too short for its
 * message, of another schema or of an unknown type is refused here. Allocates nothing per frame.
 */
final class ReplicationAdapter implements FragmentHandler
{
    /**
     * Receives the decoded messages.
     */
    interface Handler
    {
        /**
         * A journal entry, whole and unchecked beyond its schema: {@code buffer[offset, offset + length)}.
         */
        void onEntry(DirectBuffer buffer, int offset, int length, int blockLength, int version, int senderSessionId);

        void onAck(int partitionId, long epoch, long position, int nodeId);

        void onProbe(int partitionId, long epoch, int primaryNodeId);

        void onCatchUpRequest(int partitionId, long epoch, long nextPosition, long lastEntryEpoch, long runId, int nodeId);

        void onSync(int partitionId, long epoch, long keepThrough, int primaryNodeId, int senderSessionId);

        /**
         * Part of a snapshot: {@code buffer[offset, offset + length)} goes at {@code chunkOffset} of it.
         */
        void onSnapshotChunk(
            int partitionId,
            long epoch,
            long position,
            int totalLength,
            int chunkOffset,
            int primaryNodeId,
            DirectBuffer buffer,
            int offset,
            int length,
            int senderSessionId);
    }

    private final Handler handler;
    private final ReplicationRefusals refusals;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final ReplicationAckDecoder ackDecoder = new ReplicationAckDecoder();
    private final ReplicaProbeDecoder probeDecoder = new ReplicaProbeDecoder();
    private final CatchUpRequestDecoder catchUpDecoder = new CatchUpRequestDecoder();
    private final ReplicaSyncDecoder syncDecoder = new ReplicaSyncDecoder();
    private final SnapshotChunkDecoder chunkDecoder = new SnapshotChunkDecoder();

    ReplicationAdapter(final Handler handler, final ReplicationRefusals refusals)
    {
        this.handler = handler;
        this.refusals = refusals;
    }

    /**
     * @return fragments read from {@code subscription}, at most {@code limit}.
     */
    int poll(final Subscription subscription, final int limit)
    {
        return subscription.poll(assembler, limit);
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            refusals.refuse();
            return;
        }
        headerDecoder.wrap(buffer, offset);
        if (JournalEntryDecoder.SCHEMA_ID != headerDecoder.schemaId())
        {
            refusals.refuse();
            return;
        }
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        switch (headerDecoder.templateId())
        {
            case JournalEntryDecoder.TEMPLATE_ID:
                handler.onEntry(buffer, offset, length, headerDecoder.blockLength(), version, header.sessionId());
                break;

            case ReplicationAckDecoder.TEMPLATE_ID:
                if (length < MessageHeaderDecoder.ENCODED_LENGTH + ReplicationAckDecoder.BLOCK_LENGTH)
                {
                    refusals.refuse();
                    return;
                }
                ackDecoder.wrap(buffer, body, blockLength, version);
                handler.onAck(ackDecoder.partitionId(), ackDecoder.epoch(), ackDecoder.position(), ackDecoder.nodeId());
                break;

            case ReplicaProbeDecoder.TEMPLATE_ID:
                if (length < MessageHeaderDecoder.ENCODED_LENGTH + ReplicaProbeDecoder.BLOCK_LENGTH)
                {
                    refusals.refuse();
                    return;
                }
                probeDecoder.wrap(buffer, body, blockLength, version);
                handler.onProbe(probeDecoder.partitionId(), probeDecoder.epoch(), probeDecoder.nodeId());
                break;

            case CatchUpRequestDecoder.TEMPLATE_ID:
                if (length < MessageHeaderDecoder.ENCODED_LENGTH + CatchUpRequestDecoder.BLOCK_LENGTH)
                {
                    refusals.refuse();
                    return;
                }
                catchUpDecoder.wrap(buffer, body, blockLength, version);
                handler.onCatchUpRequest(catchUpDecoder.partitionId(), catchUpDecoder.epoch(), catchUpDecoder.nextPosition(),
                    catchUpDecoder.lastEntryEpoch(), catchUpDecoder.runId(), catchUpDecoder.nodeId());
                break;

            case ReplicaSyncDecoder.TEMPLATE_ID:
                if (length < MessageHeaderDecoder.ENCODED_LENGTH + ReplicaSyncDecoder.BLOCK_LENGTH)
                {
                    refusals.refuse();
                    return;
                }
                syncDecoder.wrap(buffer, body, blockLength, version);
                handler.onSync(syncDecoder.partitionId(), syncDecoder.epoch(), syncDecoder.keepThrough(),
                    syncDecoder.nodeId(), header.sessionId());
                break;

            case SnapshotChunkDecoder.TEMPLATE_ID:
                onSnapshotChunk(buffer, body, offset + length, blockLength, version, header.sessionId());
                break;

            default:
                refusals.refuse();
        }
    }

    private void onSnapshotChunk(
        final DirectBuffer buffer,
        final int body,
        final int end,
        final int blockLength,
        final int version,
        final int senderSessionId)
    {
        // Fixed block, then the bytes' 2-byte length, then the bytes: all of it must lie inside the frame.
        final int bytesHeader = body + blockLength;
        if (blockLength < SnapshotChunkDecoder.BLOCK_LENGTH || bytesHeader + SnapshotChunkDecoder.bytesHeaderLength() > end)
        {
            refusals.refuse();
            return;
        }
        chunkDecoder.wrap(buffer, body, blockLength, version);
        final int length = chunkDecoder.bytesLength();
        final int bytesOffset = bytesHeader + SnapshotChunkDecoder.bytesHeaderLength();
        if (bytesOffset + length > end)
        {
            refusals.refuse();
            return;
        }
        handler.onSnapshotChunk(chunkDecoder.partitionId(), chunkDecoder.epoch(), chunkDecoder.position(),
            chunkDecoder.totalLength(), chunkDecoder.chunkOffset(), chunkDecoder.nodeId(), buffer, bytesOffset, length,
            senderSessionId);
    }
}
