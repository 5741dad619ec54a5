package io.leasegrid.node.partition;

import io.leasegrid.codec.internal.BooleanType;
import io.leasegrid.codec.internal.CheckpointKind;
import io.leasegrid.codec.internal.LeaseEndOpDecoder;
import io.leasegrid.codec.internal.LeaseGrantOpDecoder;
import io.leasegrid.codec.internal.LeaseRenewOpDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.SessionCloseOpDecoder;
import io.leasegrid.codec.internal.SessionCloseReason;
import io.leasegrid.codec.internal.SessionKeepAliveOpDecoder;
import io.leasegrid.codec.internal.SessionOpenOpDecoder;
import io.leasegrid.codec.internal.TimeCheckpointOpDecoder;
import io.leasegrid.codec.internal.ValueDeleteOpDecoder;
import io.leasegrid.codec.internal.ValuePutOpDecoder;
import io.leasegrid.codec.internal.WaiterEnqueueOpDecoder;
import io.leasegrid.codec.internal.WaiterLeaveOpDecoder;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.LeaseTable;
import io.leasegrid.node.lease.SessionLeases;
import io.leasegrid.node.lease.Waiter;
import org.agrona.DirectBuffer;

/**
 * Applies one journaled operation to a partition's state. The one and only path by which state changes: the
 * primary applies each decision it journals through it, and recovery (later replicas too) applies the journal
 * through it, so every copy of a partition that applied the same entries holds the same state.
 * <p>
 * Time inside comes only from the entry ({@code monotonicNs}, {@code timestampNs}); nothing here reads a clock.
 * Not thread safe: one per shard. Allocates nothing.
 */
public final class OperationApplier
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
    private final SessionKeepAliveOpDecoder keepAlive = new SessionKeepAliveOpDecoder();

    private Lease lastGranted;
    private Waiter lastEnqueued;

    /**
     * @return the lease created by the last applied grant.
     */
    public Lease lastGranted()
    {
        return lastGranted;
    }

    /**
     * @return the waiter created by the last applied enqueue.
     */
    public Waiter lastEnqueued()
    {
        return lastEnqueued;
    }

    /**
     * Apply one operation.
     *
     * @param state       of the partition.
     * @param position    journal position of the entry.
     * @param epoch       of the entry.
     * @param timestampNs primary's epoch time of the entry.
     * @param monotonicNs primary's monotonic time of the entry.
     * @param buffer      holding the operation (an SBE message with its header).
     * @param offset      of the operation.
     * @return template id of the operation.
     * @throws IllegalStateException when the operation does not fit the state: the journal and the state disagree.
     */
    public int apply(
        final PartitionState state,
        final long position,
        final long epoch,
        final long timestampNs,
        final long monotonicNs,
        final DirectBuffer buffer,
        final int offset)
    {
        header.wrap(buffer, offset);
        final int templateId = header.templateId();
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        final LeaseTable leases = state.leases();

        switch (templateId)
        {
            case LeaseGrantOpDecoder.TEMPLATE_ID:
            {
                grant.wrap(buffer, bodyOffset, blockLength, version);
                final long leaseId = grant.leaseId();
                final long sessionId = grant.sessionId();
                final long token = grant.fencingToken();
                final long ttlNs = grant.ttlNs();
                final io.leasegrid.codec.sbe.LeaseMode mode = io.leasegrid.codec.sbe.LeaseMode.get(grant.modeRaw());
                final boolean autoRenew = BooleanType.TRUE == grant.autoRenew();
                final int holderLimit = grant.holderLimit();
                final long correlationId = grant.correlationId();
                final int resourceLength = grant.resourceLength();
                final int resourceOffset = grant.limit() + LeaseGrantOpDecoder.resourceHeaderLength();
                lastGranted = leases.grant(leaseId, sessionId, token, ttlNs, mode, autoRenew, holderLimit, correlationId,
                    buffer, resourceOffset, resourceLength, monotonicNs);
                break;
            }

            case LeaseRenewOpDecoder.TEMPLATE_ID:
            {
                renew.wrap(buffer, bodyOffset, blockLength, version);
                leases.renew(requireLease(leases, renew.leaseId(), position), renew.ttlNs(), monotonicNs);
                break;
            }

            case LeaseEndOpDecoder.TEMPLATE_ID:
            {
                end.wrap(buffer, bodyOffset, blockLength, version);
                leases.end(requireLease(leases, end.leaseId(), position));
                break;
            }

            case WaiterEnqueueOpDecoder.TEMPLATE_ID:
            {
                enqueue.wrap(buffer, bodyOffset, blockLength, version);
                final long sessionId = enqueue.sessionId();
                final long correlationId = enqueue.correlationId();
                final long ttlNs = enqueue.ttlNs();
                final long waitTimeoutNs = enqueue.waitTimeoutNs();
                final io.leasegrid.codec.sbe.LeaseMode mode = io.leasegrid.codec.sbe.LeaseMode.get(enqueue.modeRaw());
                final boolean autoRenew = BooleanType.TRUE == enqueue.autoRenew();
                final int holderLimit = enqueue.holderLimit();
                final int resourceLength = enqueue.resourceLength();
                final int resourceOffset = enqueue.limit() + WaiterEnqueueOpDecoder.resourceHeaderLength();
                lastEnqueued = leases.enqueue(sessionId, correlationId, ttlNs, waitTimeoutNs, mode, autoRenew,
                    holderLimit, buffer, resourceOffset, resourceLength, monotonicNs);
                break;
            }

            case WaiterLeaveOpDecoder.TEMPLATE_ID:
            {
                leave.wrap(buffer, bodyOffset, blockLength, version);
                final long sessionId = leave.sessionId();
                final long correlationId = leave.correlationId();
                leave.reason();
                final int resourceLength = leave.resourceLength();
                final int resourceOffset = leave.limit() + WaiterLeaveOpDecoder.resourceHeaderLength();
                final Waiter waiter = leases.findWaiter(
                    leases.resource(buffer, resourceOffset, resourceLength), sessionId, correlationId);
                if (null == waiter)
                {
                    throw new IllegalStateException("journal position " + position + " removes an unknown waiter " +
                        sessionId + "/" + correlationId + " of partition " + state.partitionId());
                }
                leases.removeWaiter(waiter);
                break;
            }

            case ValuePutOpDecoder.TEMPLATE_ID:
            {
                put.wrap(buffer, bodyOffset, blockLength, version);
                final long valueVersion = put.version();
                final int keyLength = put.keyLength();
                final int keyOffset = put.limit() + ValuePutOpDecoder.keyHeaderLength();
                put.skipKey();
                final int valueLength = put.valueLength();
                final int valueOffset = put.limit() + ValuePutOpDecoder.valueHeaderLength();
                state.values().put(buffer, keyOffset, keyLength, buffer, valueOffset, valueLength, valueVersion, timestampNs);
                break;
            }

            case ValueDeleteOpDecoder.TEMPLATE_ID:
            {
                delete.wrap(buffer, bodyOffset, blockLength, version);
                final long valueVersion = delete.version();
                final int keyLength = delete.keyLength();
                final int keyOffset = delete.limit() + ValueDeleteOpDecoder.keyHeaderLength();
                state.values().delete(buffer, keyOffset, keyLength, valueVersion);
                break;
            }

            case TimeCheckpointOpDecoder.TEMPLATE_ID:
            {
                checkpoint.wrap(buffer, bodyOffset, blockLength, version);
                if (CheckpointKind.RECOVERY == checkpoint.kind())
                {
                    leases.rebase(monotonicNs, state.lastCheckpointNs);
                }
                state.lastCheckpointNs = monotonicNs;
                break;
            }

            case SessionOpenOpDecoder.TEMPLATE_ID:
            {
                sessionOpen.wrap(buffer, bodyOffset, blockLength, version);
                leases.openSession(sessionOpen.sessionId(), sessionOpen.sessionTimeoutNs());
                break;
            }

            case SessionKeepAliveOpDecoder.TEMPLATE_ID:
            {
                keepAlive.wrap(buffer, bodyOffset, blockLength, version);
                final SessionLeases session = leases.session(keepAlive.sessionId());
                if (null != session)
                {
                    leases.keepAlive(session, monotonicNs);
                }
                break;
            }

            case SessionCloseOpDecoder.TEMPLATE_ID:
            {
                sessionClose.wrap(buffer, bodyOffset, blockLength, version);
                final SessionLeases session = leases.session(sessionClose.sessionId());
                if (null != session)
                {
                    leases.closeSession(session, SessionCloseReason.CLIENT_CLOSE == sessionClose.reason());
                }
                break;
            }

            default:
                throw new IllegalStateException("journal position " + position + " of partition " +
                    state.partitionId() + " holds unknown operation template " + templateId);
        }

        state.lastAppliedPosition = position;
        state.lastAppliedMonotonicNs = monotonicNs;
        state.lastEpoch = epoch;
        return templateId;
    }

    private static Lease requireLease(final LeaseTable leases, final long leaseId, final long position)
    {
        final Lease lease = leases.lease(leaseId);
        if (null == lease)
        {
            throw new IllegalStateException("journal position " + position + " names unknown lease " + leaseId +
                " of partition " + leases.partitionId());
        }
        return lease;
    }
}
