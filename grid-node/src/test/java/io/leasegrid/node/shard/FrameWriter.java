package io.leasegrid.node.shard;

import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.SessionKeys;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.LeaseAcquireEncoder;
import io.leasegrid.codec.sbe.LeaseCancelWaitEncoder;
import io.leasegrid.codec.sbe.LeaseListRequestEncoder;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.codec.sbe.LeaseReleaseEncoder;
import io.leasegrid.codec.sbe.LeaseRenewEncoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestEncoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.SessionAuthenticateEncoder;
import io.leasegrid.codec.sbe.SessionCloseEncoder;
import io.leasegrid.codec.sbe.SessionConnectEncoder;
import io.leasegrid.codec.sbe.SessionKeepAliveEncoder;
import io.leasegrid.codec.sbe.ValueCompareAndSetEncoder;
import io.leasegrid.codec.sbe.ValueDeleteEncoder;
import io.leasegrid.codec.sbe.ValueFencedPutEncoder;
import io.leasegrid.codec.sbe.ValueGetEncoder;
import io.leasegrid.codec.sbe.ValuePutEncoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes the frames a client would send, signed with each session's key and sequence, and hands them to a shard's
 * {@link IngressAdapter} as if they had arrived: tests drive the whole ingress path, proofs included.
 */
public final class FrameWriter
{
    private final IngressAdapter ingress;
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * 1024 * 1024));
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final Map<Long, long[]> keys;
    private final Map<Long, Long> sequences = new HashMap<>();

    /**
     * @param ingress to hand frames to.
     * @param keys    session keys by session id, as {k0, k1}; shared between lives of a shard so that sessions can
     *                resume after a restart.
     */
    public FrameWriter(final IngressAdapter ingress, final Map<Long, long[]> keys)
    {
        this.ingress = ingress;
        this.keys = keys;
    }

    public void connect(
        final long correlationId, final long clientInstanceId, final long resumeSessionId, final int responseStreamId,
        final String clientName, final String responseChannel)
    {
        final SessionConnectEncoder connect = new SessionConnectEncoder();
        connect.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .responseStreamId(responseStreamId)
            .protocolVersion(SessionConnectEncoder.SCHEMA_VERSION)
            .clientInstanceId(clientInstanceId)
            .resumeSessionId(resumeSessionId)
            .clientName(clientName)
            .responseChannel(responseChannel);
        ingress.onFragment(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + connect.encodedLength(), null);
    }

    /**
     * Answer a challenge to a new session with the open-mode secret, and learn the session's key.
     */
    public void authenticateNew(final long correlationId, final long sessionId, final byte[] nonce)
    {
        final byte[] proof = SessionKeys.newSessionProof(SessionKeys.OPEN_MODE_SECRET, nonce, sessionId);
        final byte[] key = SessionKeys.sessionKey(SessionKeys.OPEN_MODE_SECRET, nonce, sessionId);
        keys.put(sessionId, new long[]{ SessionKeys.k0(key), SessionKeys.k1(key) });
        sequences.put(sessionId, 0L);
        authenticate(correlationId, sessionId, 1, proof);
    }

    /**
     * Answer a challenge to resume a session with its key.
     */
    public void authenticateResume(final long correlationId, final long sessionId, final byte[] nonce)
    {
        final long next = sequences.getOrDefault(sessionId, 0L) + 1;
        sequences.put(sessionId, next - 1);
        authenticate(correlationId, sessionId, next, SessionKeys.resumeProof(keyBytes(sessionId), nonce, sessionId, next));
    }

    public void authenticate(final long correlationId, final long sessionId, final long nextSequence, final byte[] proof)
    {
        final SessionAuthenticateEncoder authenticate = new SessionAuthenticateEncoder();
        authenticate.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .nextSequence(nextSequence)
            .putMac(proof, 0, proof.length);
        ingress.onFragment(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + authenticate.encodedLength(), null);
    }

    public void keepAlive(final long sessionId, final long clientTimestampNs)
    {
        final SessionKeepAliveEncoder keepAlive = new SessionKeepAliveEncoder();
        keepAlive.wrapAndApplyHeader(buffer, 0, header).sessionId(sessionId).clientTimestampNs(clientTimestampNs);
        send(sessionId, keepAlive.encodedLength());
    }

    public void close(final long correlationId, final long sessionId)
    {
        final SessionCloseEncoder close = new SessionCloseEncoder();
        close.wrapAndApplyHeader(buffer, 0, header).correlationId(correlationId).sessionId(sessionId);
        send(sessionId, close.encodedLength());
    }

    public void acquire(
        final long correlationId, final long sessionId, final String resource, final long ttlNs, final long waitNs,
        final LeaseMode mode, final int holderLimit, final boolean autoRenew)
    {
        final LeaseAcquireEncoder acquire = new LeaseAcquireEncoder();
        acquire.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .ttlNs(ttlNs)
            .waitTimeoutNs(waitNs)
            .mode(mode)
            .autoRenew(autoRenew ? BooleanType.TRUE : BooleanType.FALSE)
            .holderLimit(holderLimit)
            .putResource(bytes(resource), 0, bytes(resource).length);
        send(sessionId, acquire.encodedLength());
    }

    public void renew(final long correlationId, final long sessionId, final long leaseId)
    {
        final LeaseRenewEncoder renew = new LeaseRenewEncoder();
        renew.wrapAndApplyHeader(buffer, 0, header).correlationId(correlationId).sessionId(sessionId).leaseId(leaseId);
        send(sessionId, renew.encodedLength());
    }

    public void release(final long correlationId, final long sessionId, final long leaseId)
    {
        final LeaseReleaseEncoder release = new LeaseReleaseEncoder();
        release.wrapAndApplyHeader(buffer, 0, header).correlationId(correlationId).sessionId(sessionId).leaseId(leaseId);
        send(sessionId, release.encodedLength());
    }

    public void status(final long correlationId, final long sessionId, final String resource)
    {
        final LeaseStatusRequestEncoder status = new LeaseStatusRequestEncoder();
        status.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .putResource(bytes(resource), 0, bytes(resource).length);
        send(sessionId, status.encodedLength());
    }

    public void list(
        final long correlationId, final long sessionId, final int partitionId, final long owner, final int max,
        final String prefix)
    {
        final LeaseListRequestEncoder list = new LeaseListRequestEncoder();
        list.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .partitionId(partitionId)
            .ownerSessionId(owner)
            .maxLeases(max)
            .putResourcePrefix(bytes(prefix), 0, bytes(prefix).length);
        send(sessionId, list.encodedLength());
    }

    public void cancelWait(final long correlationId, final long sessionId, final long acquireCorrelationId)
    {
        final LeaseCancelWaitEncoder cancel = new LeaseCancelWaitEncoder();
        cancel.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .acquireCorrelationId(acquireCorrelationId);
        send(sessionId, cancel.encodedLength());
    }

    public void put(final long correlationId, final long sessionId, final String key, final String value)
    {
        final ValuePutEncoder put = new ValuePutEncoder();
        put.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .putKey(bytes(key), 0, bytes(key).length)
            .putValue(bytes(value), 0, bytes(value).length);
        send(sessionId, put.encodedLength());
    }

    public void get(final long correlationId, final long sessionId, final String key)
    {
        final ValueGetEncoder get = new ValueGetEncoder();
        get.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .putKey(bytes(key), 0, bytes(key).length);
        send(sessionId, get.encodedLength());
    }

    public void delete(final long correlationId, final long sessionId, final String key)
    {
        final ValueDeleteEncoder delete = new ValueDeleteEncoder();
        delete.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .putKey(bytes(key), 0, bytes(key).length);
        send(sessionId, delete.encodedLength());
    }

    public void compareAndSet(
        final long correlationId, final long sessionId, final long expectedVersion, final String key, final String value)
    {
        final ValueCompareAndSetEncoder cas = new ValueCompareAndSetEncoder();
        cas.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .expectedVersion(expectedVersion)
            .putKey(bytes(key), 0, bytes(key).length)
            .putValue(bytes(value), 0, bytes(value).length);
        send(sessionId, cas.encodedLength());
    }

    public void fencedPut(
        final long correlationId, final long sessionId, final long token, final String key, final String resource,
        final String value)
    {
        final ValueFencedPutEncoder fenced = new ValueFencedPutEncoder();
        fenced.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .fencingToken(token)
            .putKey(bytes(key), 0, bytes(key).length)
            .putLeaseResource(bytes(resource), 0, bytes(resource).length)
            .putValue(bytes(value), 0, bytes(value).length);
        send(sessionId, fenced.encodedLength());
    }

    /**
     * Hand a raw frame to the adapter, as a hostile or broken client would send it.
     */
    public void raw(final DirectBuffer frame, final int offset, final int length)
    {
        ingress.onFragment(frame, offset, length, null);
    }

    /**
     * @return the session's key bytes, for proofs.
     */
    public byte[] keyBytes(final long sessionId)
    {
        final long[] key = keys.get(sessionId);
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[SessionKeys.KEY_LENGTH]);
        bytes.putLong(0, key[0], java.nio.ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(8, key[1], java.nio.ByteOrder.LITTLE_ENDIAN);
        return bytes.byteArray();
    }

    private void send(final long sessionId, final int bodyLength)
    {
        final long[] key = keys.getOrDefault(sessionId, new long[2]);
        final long sequence = sequences.getOrDefault(sessionId, 0L) + 1;
        sequences.put(sessionId, sequence);
        final int length = RequestFrame.sign(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength, sequence,
            key[0], key[1]);
        ingress.onFragment(buffer, 0, length, null);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
