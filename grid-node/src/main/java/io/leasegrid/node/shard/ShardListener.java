package io.leasegrid.node.shard;

import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.node.lease.Resource;
import org.agrona.DirectBuffer;

/**
 * What a shard tells its clients: answers to requests and unsolicited notifications. The network layer encodes
 * them as SBE messages; tests record them. Called on the shard's thread; buffers are valid only during the call.
 */
public interface ShardListener
{
    void onSessionOpened(long correlationId, long sessionId);

    void onSessionClosed(long correlationId, long sessionId);

    /**
     * The session was not heard from within its timeout and is gone: its waiters left, its leases run out.
     */
    void onSessionTimedOut(long sessionId);

    void onLeaseGranted(
        long correlationId, long sessionId, long leaseId, long fencingToken, long ttlNs, LeaseMode mode,
        DirectBuffer resource, int offset, int length);

    void onLeaseQueued(long correlationId, long sessionId, int queuePosition);

    /**
     * Answer to a status request: {@code resource} is null when nobody holds or waits for the name.
     */
    void onLeaseStatus(
        long correlationId, long sessionId, Resource resource, DirectBuffer name, int offset, int length, long nowNs);

    void onLeaseRenewed(long correlationId, long sessionId, long leaseId, long fencingToken, long ttlNs);

    void onLeaseReleased(long correlationId, long sessionId, long leaseId);

    void onLeaseExpired(long sessionId, long leaseId, long fencingToken, DirectBuffer resource, int offset, int length);

    void onValueWritten(long correlationId, long sessionId, long version, long timestampNs, boolean existed);

    void onValueRead(
        long correlationId, long sessionId, boolean found, long version, long timestampNs,
        DirectBuffer value, int offset, int length);

    void onError(long correlationId, long sessionId, ErrorCode code, int requestTemplateId);
}
