package io.leasegrid.node.partition;

import io.leasegrid.codec.internal.BooleanType;
import io.leasegrid.codec.internal.LeaseEndOpDecoder;
import io.leasegrid.codec.internal.LeaseGrantOpDecoder;
import io.leasegrid.codec.internal.LeaseRenewOpDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.SessionCloseOpDecoder;
import io.leasegrid.codec.internal.SessionOpenOpDecoder;
import io.leasegrid.codec.internal.TimeCheckpointOpDecoder;
import io.leasegrid.codec.internal.ValueDeleteOpDecoder;
import io.leasegrid.codec.internal.ValuePutOpDecoder;
import io.leasegrid.codec.internal.WaiterEnqueueOpDecoder;
import io.leasegrid.codec.internal.WaiterLeaveOpDecoder;
import org.agrona.DirectBuffer;

/**
 * Decodes one journaled operation and calls its {@link OperationListener} method. Not thread safe; one per user.
 * Allocates nothing.
 */
public final class OperationAdapter
{
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final LeaseGrantOpDecoder grant = new LeaseGrantOpDecoder();
    private final LeaseRenewOpDecoder renew = new LeaseRenewOpDecoder();
    private final LeaseEndOpDecoder end = new LeaseEndOpDecoder();
    private final WaiterEnqueueOpDecoder enqueue = new WaiterEnqueueOpDecoder();
    private final WaiterLeaveOpDecoder leave = new WaiterLeaveOpDecoder();
    private final ValuePutOpDecoder put = new ValuePutOpDecoder();
    private final ValueDeleteOpDecoder delete = new ValueDeleteOpDecoder();
    private final TimeCheckpointOpDecoder checkpoint = new TimeCheckpointOpDecoder();
    private final SessionOpenOpDecoder sessionOpen = new SessionOpenOpDecoder();
    private final SessionCloseOpDecoder sessionClose = new SessionCloseOpDecoder();

    /**
     * Decode the operation at {@code offset} and tell {@code listener}.
     *
     * @return its template id, or -1 when it is not an operation this version knows (nothing was called).
     */
    public int dispatch(final DirectBuffer buffer, final int offset, final OperationListener listener)
    {
        header.wrap(buffer, offset);
        if (MessageHeaderDecoder.SCHEMA_ID != header.schemaId())
        {
            return -1;
        }
        final int templateId = header.templateId();
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();

        switch (templateId)
        {
            case LeaseGrantOpDecoder.TEMPLATE_ID:
            {
                grant.wrap(buffer, body, blockLength, version);
                final long leaseId = grant.leaseId();
                final long sessionId = grant.sessionId();
                final long token = grant.fencingToken();
                final long ttlNs = grant.ttlNs();
                final io.leasegrid.codec.internal.LeaseMode mode = grant.mode();
                final boolean autoRenew = BooleanType.TRUE == grant.autoRenew();
                final int holderLimit = grant.holderLimit();
                final long correlationId = grant.correlationId();
                final int resourceLength = grant.resourceLength();
                final int resourceOffset = grant.limit() + LeaseGrantOpDecoder.resourceHeaderLength();
                listener.onLeaseGrant(leaseId, sessionId, token, ttlNs, mode, autoRenew, holderLimit, correlationId,
                    buffer, resourceOffset, resourceLength);
                return templateId;
            }

            case LeaseRenewOpDecoder.TEMPLATE_ID:
                renew.wrap(buffer, body, blockLength, version);
                listener.onLeaseRenew(renew.leaseId(), renew.ttlNs());
                return templateId;

            case LeaseEndOpDecoder.TEMPLATE_ID:
                end.wrap(buffer, body, blockLength, version);
                listener.onLeaseEnd(end.leaseId(), end.reason());
                return templateId;

            case WaiterEnqueueOpDecoder.TEMPLATE_ID:
            {
                enqueue.wrap(buffer, body, blockLength, version);
                final long sessionId = enqueue.sessionId();
                final long correlationId = enqueue.correlationId();
                final long ttlNs = enqueue.ttlNs();
                final long waitTimeoutNs = enqueue.waitTimeoutNs();
                final io.leasegrid.codec.internal.LeaseMode mode = enqueue.mode();
                final boolean autoRenew = BooleanType.TRUE == enqueue.autoRenew();
                final int holderLimit = enqueue.holderLimit();
                final int resourceLength = enqueue.resourceLength();
                final int resourceOffset = enqueue.limit() + WaiterEnqueueOpDecoder.resourceHeaderLength();
                listener.onWaiterEnqueue(sessionId, correlationId, ttlNs, waitTimeoutNs, mode, autoRenew, holderLimit,
                    buffer, resourceOffset, resourceLength);
                return templateId;
            }

            case WaiterLeaveOpDecoder.TEMPLATE_ID:
            {
                leave.wrap(buffer, body, blockLength, version);
                final long sessionId = leave.sessionId();
                final long correlationId = leave.correlationId();
                final io.leasegrid.codec.internal.WaiterLeaveReason reason = leave.reason();
                final int resourceLength = leave.resourceLength();
                final int resourceOffset = leave.limit() + WaiterLeaveOpDecoder.resourceHeaderLength();
                listener.onWaiterLeave(sessionId, correlationId, reason, buffer, resourceOffset, resourceLength);
                return templateId;
            }

            case ValuePutOpDecoder.TEMPLATE_ID:
            {
                put.wrap(buffer, body, blockLength, version);
                final long valueVersion = put.version();
                final int keyLength = put.keyLength();
                final int keyOffset = put.limit() + ValuePutOpDecoder.keyHeaderLength();
                put.skipKey();
                final int valueLength = put.valueLength();
                final int valueOffset = put.limit() + ValuePutOpDecoder.valueHeaderLength();
                listener.onValuePut(valueVersion, buffer, keyOffset, keyLength, buffer, valueOffset, valueLength);
                return templateId;
            }

            case ValueDeleteOpDecoder.TEMPLATE_ID:
            {
                delete.wrap(buffer, body, blockLength, version);
                final long valueVersion = delete.version();
                final int keyLength = delete.keyLength();
                final int keyOffset = delete.limit() + ValueDeleteOpDecoder.keyHeaderLength();
                listener.onValueDelete(valueVersion, buffer, keyOffset, keyLength);
                return templateId;
            }

            case TimeCheckpointOpDecoder.TEMPLATE_ID:
                checkpoint.wrap(buffer, body, blockLength, version);
                listener.onTimeCheckpoint(checkpoint.kind());
                return templateId;

            case SessionOpenOpDecoder.TEMPLATE_ID:
            {
                sessionOpen.wrap(buffer, body, blockLength, version);
                final long sessionId = sessionOpen.sessionId();
                final long timeoutNs = sessionOpen.sessionTimeoutNs();
                final int nameLength = sessionOpen.clientNameLength();
                final int nameOffset = sessionOpen.limit() + SessionOpenOpDecoder.clientNameHeaderLength();
                sessionOpen.skipClientName();
                final int nonceLength = sessionOpen.nonceLength();
                final int nonceOffset = sessionOpen.limit() + SessionOpenOpDecoder.nonceHeaderLength();
                listener.onSessionOpen(sessionId, timeoutNs, buffer, nameOffset, nameLength, buffer, nonceOffset, nonceLength);
                return templateId;
            }

            case SessionCloseOpDecoder.TEMPLATE_ID:
                sessionClose.wrap(buffer, body, blockLength, version);
                listener.onSessionClose(sessionClose.sessionId(), sessionClose.reason());
                return templateId;

            default:
                return -1;
        }
    }
}
