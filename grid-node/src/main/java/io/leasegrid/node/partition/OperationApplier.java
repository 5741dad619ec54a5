package io.leasegrid.node.partition;

import io.leasegrid.codec.internal.CheckpointKind;
import io.leasegrid.codec.internal.LeaseEndReason;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.codec.internal.SessionCloseReason;
import io.leasegrid.codec.internal.WaiterLeaveReason;
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
 * Not thread safe: one per shard. Allocates nothing per operation but for a session's first entry in a partition.
 */
public final class OperationApplier implements OperationListener
{
    private final OperationAdapter adapter = new OperationAdapter();
    private PartitionState state;
    private long position;
    private long timestampNs;
    private long monotonicNs;
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
        this.state = state;
        this.position = position;
        this.timestampNs = timestampNs;
        this.monotonicNs = monotonicNs;
        final int templateId = adapter.dispatch(buffer, offset, this);
        if (templateId < 0)
        {
            throw new IllegalStateException("journal position " + position + " of partition " + state.partitionId() +
                " holds an operation this version does not know");
        }
        state.lastAppliedPosition = position;
        state.lastAppliedMonotonicNs = monotonicNs;
        state.lastEpoch = epoch;
        return templateId;
    }

    public void onLeaseGrant(
        final long leaseId,
        final long sessionId,
        final long fencingToken,
        final long ttlNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final long correlationId,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        lastGranted = state.leases().grant(leaseId, sessionId, fencingToken, ttlNs, mode, autoRenew, holderLimit,
            correlationId, resource, offset, length, monotonicNs);
    }

    public void onLeaseRenew(final long leaseId, final long ttlNs)
    {
        state.leases().renew(requireLease(leaseId), ttlNs, monotonicNs);
    }

    public void onLeaseEnd(final long leaseId, final LeaseEndReason reason)
    {
        state.leases().end(requireLease(leaseId));
    }

    public void onWaiterEnqueue(
        final long sessionId,
        final long correlationId,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        lastEnqueued = state.leases().enqueue(sessionId, correlationId, ttlNs, waitTimeoutNs, mode, autoRenew,
            holderLimit, resource, offset, length, monotonicNs);
    }

    public void onWaiterLeave(
        final long sessionId,
        final long correlationId,
        final WaiterLeaveReason reason,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        final LeaseTable leases = state.leases();
        final Waiter waiter = leases.findWaiter(leases.resource(resource, offset, length), sessionId, correlationId);
        if (null == waiter)
        {
            throw new IllegalStateException("journal position " + position + " removes an unknown waiter " +
                sessionId + "/" + correlationId + " of partition " + state.partitionId());
        }
        leases.removeWaiter(waiter);
    }

    public void onValuePut(
        final long version,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        state.values().put(key, keyOffset, keyLength, value, valueOffset, valueLength, version, timestampNs, position);
    }

    public void onValueDelete(final long version, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        state.values().delete(key, keyOffset, keyLength, version, position);
    }

    public void onTimeCheckpoint(final CheckpointKind kind)
    {
        if (CheckpointKind.RECOVERY == kind)
        {
            state.leases().rebase(monotonicNs, state.lastCheckpointNs);
        }
        state.lastCheckpointNs = monotonicNs;
    }

    public void onSessionOpen(
        final long sessionId,
        final long sessionTimeoutNs,
        final DirectBuffer clientName,
        final int nameOffset,
        final int nameLength,
        final DirectBuffer nonce,
        final int nonceOffset,
        final int nonceLength)
    {
        final byte[] nonceBytes = new byte[nonceLength];
        nonce.getBytes(nonceOffset, nonceBytes);
        state.leases().openSession(sessionId, sessionTimeoutNs,
            clientName.getStringWithoutLengthUtf8(nameOffset, nameLength), nonceBytes);
    }

    public void onSessionClose(final long sessionId, final SessionCloseReason reason)
    {
        final SessionLeases session = state.leases().session(sessionId);
        if (null != session)
        {
            state.leases().closeSession(session, SessionCloseReason.CLIENT_CLOSE == reason);
        }
    }

    private Lease requireLease(final long leaseId)
    {
        final Lease lease = state.leases().lease(leaseId);
        if (null == lease)
        {
            throw new IllegalStateException("journal position " + position + " names unknown lease " + leaseId +
                " of partition " + state.partitionId());
        }
        return lease;
    }
}
