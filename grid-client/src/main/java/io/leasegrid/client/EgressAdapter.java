package io.leasegrid.client;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.ErrorDecoder;
import io.leasegrid.codec.sbe.LeaseExpiredDecoder;
import io.leasegrid.codec.sbe.LeaseGrantedDecoder;
import io.leasegrid.codec.sbe.LeaseListDecoder;
import io.leasegrid.codec.sbe.LeaseQueuedDecoder;
import io.leasegrid.codec.sbe.LeaseReleasedDecoder;
import io.leasegrid.codec.sbe.LeaseRenewedDecoder;
import io.leasegrid.codec.sbe.LeaseStatusDecoder;
import io.leasegrid.codec.sbe.LeaseWaitCancelledDecoder;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.PartitionMapDecoder;
import io.leasegrid.codec.sbe.SessionChallengeDecoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.codec.sbe.SessionClosedDecoder;
import io.leasegrid.codec.sbe.SessionConnectedDecoder;
import io.leasegrid.codec.sbe.SessionKeepAliveAckDecoder;
import io.leasegrid.codec.sbe.ValueReadDecoder;
import io.leasegrid.codec.sbe.ValueWrittenDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Decodes what the node sends this client, and only that: checks each message's header and bounds and calls its
 * {@link EgressListener} method. A message that does not decode is counted and dropped. Whether an answer belongs to
 * this client is the listener's check. Used by one thread at a time (the duty cycle's); allocates nothing per answer.
 */
final class EgressAdapter implements FragmentHandler
{
    private static final int FRAGMENT_LIMIT = 16;
    private static final int HEADER = MessageHeaderDecoder.ENCODED_LENGTH;

    private final Subscription subscription;
    private final EgressListener listener;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SessionChallengeDecoder challenge = new SessionChallengeDecoder();
    private final SessionConnectedDecoder connected = new SessionConnectedDecoder();
    private final SessionClosedDecoder closed = new SessionClosedDecoder();
    private final SessionKeepAliveAckDecoder keepAliveAck = new SessionKeepAliveAckDecoder();
    private final PartitionMapDecoder partitionMap = new PartitionMapDecoder();
    private final ErrorDecoder error = new ErrorDecoder();
    private final LeaseGrantedDecoder granted = new LeaseGrantedDecoder();
    private final LeaseQueuedDecoder queued = new LeaseQueuedDecoder();
    private final LeaseStatusDecoder status = new LeaseStatusDecoder();
    private final LeaseListDecoder list = new LeaseListDecoder();
    private final LeaseRenewedDecoder renewed = new LeaseRenewedDecoder();
    private final LeaseReleasedDecoder released = new LeaseReleasedDecoder();
    private final LeaseExpiredDecoder expired = new LeaseExpiredDecoder();
    private final LeaseWaitCancelledDecoder waitCancelled = new LeaseWaitCancelledDecoder();
    private final ValueWrittenDecoder written = new ValueWrittenDecoder();
    private final ValueReadDecoder read = new ValueReadDecoder();
    private long malformedMessages;

    EgressAdapter(final Subscription subscription, final EgressListener listener)
    {
        this.subscription = subscription;
        this.listener = listener;
    }

    int poll()
    {
        return subscription.poll(assembler, FRAGMENT_LIMIT);
    }

    long malformedMessages()
    {
        return malformedMessages;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header frameHeader)
    {
        if (length < HEADER)
        {
            malformedMessages++;
            return;
        }
        header.wrap(buffer, offset);
        listener.onAnswerImage(frameHeader.sessionId());
        final int blockLength = header.blockLength();
        final int version = header.version();
        final int body = offset + HEADER;
        final int end = offset + length;
        if (MessageHeaderDecoder.SCHEMA_ID != header.schemaId() || body + blockLength > end)
        {
            malformedMessages++;
            return;
        }
        try
        {
            if (!dispatch(header.templateId(), buffer, body, blockLength, version, end))
            {
                malformedMessages++;
            }
        }
        catch (final IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException ex)
        {
            // A group or var field that lies about its length; nothing of it reached the listener's state.
            malformedMessages++;
        }
    }

    private boolean dispatch(
        final int templateId, final DirectBuffer buffer, final int body, final int blockLength, final int version, final int end)
    {
        switch (templateId)
        {
            case SessionChallengeDecoder.TEMPLATE_ID:
            {
                challenge.wrap(buffer, body, blockLength, version);
                final int lengthAt = challenge.limit();
                final int nonceLength = varLength16(buffer, lengthAt, end);
                if (nonceLength < 0)
                {
                    return false;
                }
                listener.onChallenge(challenge.correlationId(), challenge.clientInstanceId(), challenge.sessionId(),
                    buffer, lengthAt + 2, nonceLength);
                return true;
            }

            case SessionConnectedDecoder.TEMPLATE_ID:
                connected.wrap(buffer, body, blockLength, version);
                listener.onConnected(connected.correlationId(), connected.sessionId(), connected.keepAliveIntervalNs(),
                    connected.sessionTimeoutNs(), connected.clientInstanceId(),
                    BooleanType.TRUE.value() == connected.resumedRaw());
                return true;

            case PartitionMapDecoder.TEMPLATE_ID:
            {
                partitionMap.wrap(buffer, body, blockLength, version);
                final long correlationId = partitionMap.correlationId();
                final long mapVersion = partitionMap.mapVersion();
                final int partitionCount = partitionMap.partitionCount();
                if (partitionCount < 1 || partitionCount > 65_536)
                {
                    return false;
                }
                // Maps of schema version 1 do not say who sent them: the null value then.
                final int senderNodeId = partitionMap.senderNodeId();
                final PartitionMapDecoder.NodesDecoder nodes = partitionMap.nodes();
                final int[] nodeIds = new int[nodes.count()];
                final String[] channels = new String[nodeIds.length];
                for (int i = 0; i < nodeIds.length; i++)
                {
                    nodes.next();
                    nodeIds[i] = nodes.nodeId();
                    channels[i] = nodes.channel();
                }
                final int[] streamIdByPartition = new int[partitionCount];
                final int[] primaryByPartition = new int[partitionCount];
                for (final PartitionMapDecoder.PartitionsDecoder partition : partitionMap.partitions())
                {
                    final int partitionId = partition.partitionId();
                    if (partitionId < 0 || partitionId >= partitionCount)
                    {
                        return false;
                    }
                    streamIdByPartition[partitionId] = partition.streamId();
                    primaryByPartition[partitionId] = partition.primaryNodeId();
                }
                listener.onPartitionMap(correlationId, mapVersion, senderNodeId, streamIdByPartition, primaryByPartition,
                    nodeIds, channels);
                return true;
            }

            case SessionKeepAliveAckDecoder.TEMPLATE_ID:
                keepAliveAck.wrap(buffer, body, blockLength, version);
                listener.onKeepAliveAck(keepAliveAck.sessionId(), keepAliveAck.clientTimestampNs());
                return true;

            case SessionClosedDecoder.TEMPLATE_ID:
                closed.wrap(buffer, body, blockLength, version);
                listener.onSessionClosed(closed.correlationId(), closed.sessionId(),
                    SessionCloseReason.TIMEOUT.value() == closed.reasonRaw());
                return true;

            case ErrorDecoder.TEMPLATE_ID:
            {
                error.wrap(buffer, body, blockLength, version);
                final long correlationId = error.correlationId();
                final long sessionId = error.sessionId();
                final int code = error.codeRaw();
                error.requestTemplateId();
                final int lengthAt = error.limit();
                final int messageLength = varLength16(buffer, lengthAt, end);
                if (messageLength < 0)
                {
                    return false;
                }
                listener.onError(correlationId, sessionId, code, buffer, lengthAt + 2, messageLength);
                return true;
            }

            case LeaseGrantedDecoder.TEMPLATE_ID:
            {
                granted.wrap(buffer, body, blockLength, version);
                final int lengthAt = granted.limit();
                final int resourceLength = varLength16(buffer, lengthAt, end);
                if (resourceLength < 0)
                {
                    return false;
                }
                listener.onLeaseGranted(granted.correlationId(), granted.sessionId(), granted.leaseId(),
                    granted.fencingToken(), granted.ttlNs(),
                    LeaseMode.ofWire(granted.modeRaw()), buffer, lengthAt + 2, resourceLength);
                return true;
            }

            case LeaseQueuedDecoder.TEMPLATE_ID:
                queued.wrap(buffer, body, blockLength, version);
                listener.onLeaseQueued(queued.correlationId(), queued.sessionId(), queued.queuePosition());
                return true;

            case LeaseRenewedDecoder.TEMPLATE_ID:
                renewed.wrap(buffer, body, blockLength, version);
                listener.onLeaseRenewed(renewed.correlationId(), renewed.sessionId(), renewed.leaseId(),
                    renewed.fencingToken(), renewed.ttlNs());
                return true;

            case LeaseReleasedDecoder.TEMPLATE_ID:
                released.wrap(buffer, body, blockLength, version);
                listener.onLeaseReleased(released.correlationId(), released.sessionId(), released.leaseId());
                return true;

            case LeaseExpiredDecoder.TEMPLATE_ID:
                expired.wrap(buffer, body, blockLength, version);
                listener.onLeaseExpired(expired.sessionId(), expired.leaseId(), expired.fencingToken());
                return true;

            case LeaseStatusDecoder.TEMPLATE_ID:
                status.wrap(buffer, body, blockLength, version);
                listener.onLeaseStatus(status.correlationId(), status.sessionId(), status);
                return true;

            case LeaseListDecoder.TEMPLATE_ID:
                list.wrap(buffer, body, blockLength, version);
                listener.onLeaseList(list.correlationId(), list.sessionId(), list);
                return true;

            case LeaseWaitCancelledDecoder.TEMPLATE_ID:
                waitCancelled.wrap(buffer, body, blockLength, version);
                listener.onWaitCancelled(waitCancelled.correlationId(), waitCancelled.sessionId(),
                    waitCancelled.acquireCorrelationId(), BooleanType.TRUE.value() == waitCancelled.wasWaitingRaw());
                return true;

            case ValueWrittenDecoder.TEMPLATE_ID:
                written.wrap(buffer, body, blockLength, version);
                listener.onValueWritten(written.correlationId(), written.sessionId(), written.version(),
                    written.timestampNs(), BooleanType.TRUE.value() == written.existedRaw());
                return true;

            case ValueReadDecoder.TEMPLATE_ID:
            {
                read.wrap(buffer, body, blockLength, version);
                final int lengthAt = read.limit();
                if (lengthAt + 4 > end)
                {
                    return false;
                }
                final long valueLength = buffer.getInt(lengthAt, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
                if (lengthAt + 4 + valueLength > end)
                {
                    return false;
                }
                listener.onValueRead(read.correlationId(), read.sessionId(), BooleanType.TRUE.value() == read.foundRaw(),
                    read.version(), read.timestampNs(), buffer, lengthAt + 4, (int)valueLength);
                return true;
            }

            default:
                return false;
        }
    }

    /**
     * @return the length of the 2-byte-prefixed var field at {@code lengthAt}, or -1 when it runs past {@code end}.
     */
    private static int varLength16(final DirectBuffer buffer, final int lengthAt, final int end)
    {
        if (lengthAt + 2 > end)
        {
            return -1;
        }
        final int length = buffer.getShort(lengthAt, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        return lengthAt + 2 + length > end ? -1 : length;
    }
}
