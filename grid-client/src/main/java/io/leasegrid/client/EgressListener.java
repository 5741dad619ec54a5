package io.leasegrid.client;

import io.leasegrid.codec.sbe.LeaseListDecoder;
import io.leasegrid.codec.sbe.LeaseStatusDecoder;
import org.agrona.DirectBuffer;

/**
 * What the node says to the client, one method each, as {@link EgressAdapter} decodes it. Called on the thread that
 * runs the client's duty cycle; buffers and decoders are valid only during the call.
 */
interface EgressListener
{
    /**
     * Called before each message with the Aeron session id of the image it arrived on: one per session connection at
     * a node, which tells apart two connections of the same grid session at two nodes.
     */
    void onAnswerImage(int imageSessionId);

    void onChallenge(long correlationId, long clientInstanceId, long sessionId, DirectBuffer nonce, int offset, int length);

    void onConnected(
        long correlationId, long sessionId, long keepAliveIntervalNs, long sessionTimeoutNs, long clientInstanceId,
        boolean resumed);

    void onPartitionMap(
        long correlationId, long mapVersion, int senderNodeId, int[] streamIdByPartition, int[] primaryByPartition,
        int[] nodeIds, String[] channels);

    void onKeepAliveAck(long sessionId, long clientTimestampNs);

    void onSessionClosed(long correlationId, long sessionId, boolean timedOut);

    void onError(long correlationId, long sessionId, int code, DirectBuffer message, int offset, int length);

    void onLeaseGranted(
        long correlationId, long sessionId, long leaseId, long fencingToken, long ttlNs, LeaseMode mode,
        DirectBuffer resource, int offset, int length);

    void onLeaseQueued(long correlationId, long sessionId, int queuePosition);

    void onLeaseRenewed(long correlationId, long sessionId, long leaseId, long fencingToken, long ttlNs);

    void onLeaseReleased(long correlationId, long sessionId, long leaseId);

    void onLeaseExpired(long sessionId, long leaseId, long fencingToken);

    void onLeaseStatus(long correlationId, long sessionId, LeaseStatusDecoder status);

    void onLeaseList(long correlationId, long sessionId, LeaseListDecoder list);

    void onWaitCancelled(long correlationId, long sessionId, long acquireCorrelationId, boolean wasWaiting);

    void onValueWritten(long correlationId, long sessionId, long version, long timestampNs, boolean existed);

    void onValueRead(
        long correlationId, long sessionId, boolean found, long version, long timestampNs, DirectBuffer value, int offset,
        int length);
}
