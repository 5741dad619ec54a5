package io.leasegrid.node.shard;

import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.session.ClientSession;
import org.agrona.DirectBuffer;

/**
 * The requests a shard takes, one method each, as {@link IngressAdapter} decodes them. Every request but connect and
 * authenticate arrives with the session its frame proved it came from. Buffers are valid only during the call.
 */
public interface IngressListener
{
    void onConnect(
        long correlationId, long clientInstanceId, long resumeSessionId, int responseStreamId, String clientName,
        String responseChannel);

    void onAuthenticate(long correlationId, long sessionId, long nextSequence, DirectBuffer proof, int offset, int length);

    void onKeepAlive(ClientSession session, long clientTimestampNs);

    void onSessionClose(ClientSession session, long correlationId);

    /**
     * @param mode null when the request named a mode that does not exist.
     */
    void onLeaseAcquire(
        ClientSession session, long correlationId, DirectBuffer resource, int offset, int length, long ttlNs,
        long waitTimeoutNs, LeaseMode mode, int holderLimit, boolean autoRenew);

    void onLeaseRenew(ClientSession session, long correlationId, long leaseId);

    void onLeaseRelease(ClientSession session, long correlationId, long leaseId);

    void onLeaseStatus(ClientSession session, long correlationId, DirectBuffer resource, int offset, int length);

    void onLeaseList(
        ClientSession session, long correlationId, int partitionId, long ownerSessionId, int maxLeases,
        DirectBuffer prefix, int offset, int length);

    void onLeaseCancelWait(ClientSession session, long correlationId, long acquireCorrelationId);

    void onValuePut(
        ClientSession session, long correlationId, DirectBuffer key, int keyOffset, int keyLength,
        DirectBuffer value, int valueOffset, int valueLength);

    void onValueGet(ClientSession session, long correlationId, DirectBuffer key, int keyOffset, int keyLength);

    void onValueDelete(ClientSession session, long correlationId, DirectBuffer key, int keyOffset, int keyLength);

    void onValueCompareAndSet(
        ClientSession session, long correlationId, long expectedVersion, DirectBuffer key, int keyOffset, int keyLength,
        DirectBuffer value, int valueOffset, int valueLength);

    void onValueFencedPut(
        ClientSession session, long correlationId, long fencingToken, DirectBuffer key, int keyOffset, int keyLength,
        DirectBuffer leaseResource, int resourceOffset, int resourceLength, DirectBuffer value, int valueOffset,
        int valueLength);

    void onPartitionMapRequest(ClientSession session, long correlationId, long knownMapVersion);

    /**
     * A request of a type this version does not serve.
     */
    void onUnknownRequest(ClientSession session, long correlationId, int templateId);
}
