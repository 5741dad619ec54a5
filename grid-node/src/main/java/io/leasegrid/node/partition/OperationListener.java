package io.leasegrid.node.partition;

import io.leasegrid.codec.internal.CheckpointKind;
import io.leasegrid.codec.internal.LeaseEndReason;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.codec.internal.SessionCloseReason;
import io.leasegrid.codec.internal.WaiterLeaveReason;
import org.agrona.DirectBuffer;

/**
 * The journaled operations, one method each, as {@link OperationAdapter} decodes them. The applier that changes a
 * partition's state and the journal tools that print entries both listen here, so there is one decoder of
 * operations. Buffers are valid only during the call.
 */
public interface OperationListener
{
    void onLeaseGrant(
        long leaseId, long sessionId, long fencingToken, long ttlNs, LeaseMode mode, boolean autoRenew, int holderLimit,
        long correlationId, DirectBuffer resource, int offset, int length);

    void onLeaseRenew(long leaseId, long ttlNs);

    void onLeaseEnd(long leaseId, LeaseEndReason reason);

    void onWaiterEnqueue(
        long sessionId, long correlationId, long ttlNs, long waitTimeoutNs, LeaseMode mode, boolean autoRenew,
        int holderLimit, DirectBuffer resource, int offset, int length);

    void onWaiterLeave(
        long sessionId, long correlationId, WaiterLeaveReason reason, DirectBuffer resource, int offset, int length);

    void onValuePut(
        long version, DirectBuffer key, int keyOffset, int keyLength, DirectBuffer value, int valueOffset, int valueLength);

    void onValueDelete(long version, DirectBuffer key, int keyOffset, int keyLength);

    void onTimeCheckpoint(CheckpointKind kind);

    void onSessionOpen(
        long sessionId, long sessionTimeoutNs, DirectBuffer clientName, int nameOffset, int nameLength,
        DirectBuffer nonce, int nonceOffset, int nonceLength);

    void onSessionClose(long sessionId, SessionCloseReason reason);
}
