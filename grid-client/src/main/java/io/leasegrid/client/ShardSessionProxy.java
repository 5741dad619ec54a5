package io.leasegrid.client;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.LeaseAcquireEncoder;
import io.leasegrid.codec.sbe.LeaseCancelWaitEncoder;
import io.leasegrid.codec.sbe.LeaseListRequestEncoder;
import io.leasegrid.codec.sbe.LeaseReleaseEncoder;
import io.leasegrid.codec.sbe.LeaseRenewEncoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestEncoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.PartitionMapRequestEncoder;
import io.leasegrid.codec.sbe.SessionAuthenticateEncoder;
import io.leasegrid.codec.sbe.SessionCloseEncoder;
import io.leasegrid.codec.sbe.SessionConnectEncoder;
import io.leasegrid.codec.sbe.SessionKeepAliveEncoder;
import io.leasegrid.codec.sbe.ValueCompareAndSetEncoder;
import io.leasegrid.codec.sbe.ValueDeleteEncoder;
import io.leasegrid.codec.sbe.ValueFencedPutEncoder;
import io.leasegrid.codec.sbe.ValueGetEncoder;
import io.leasegrid.codec.sbe.ValuePutEncoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Sends one shard session's requests: one method per request, each encoding straight into the session's exclusive
 * publication (or, for a message longer than a frame, offering it whole) and signing it with the session's key and
 * next sequence ({@link RequestFrame}). Each call makes one attempt and returns its outcome; retrying is the caller's
 * choice. A lock per session keeps the publication single-writer and the sequences in the order they are sent; no
 * lock is shared between sessions.
 */
final class ShardSessionProxy implements AutoCloseable
{
    private static final int HEADER = MessageHeaderEncoder.ENCODED_LENGTH;

    private final ExclusivePublication publication;
    private final BufferClaim bufferClaim = new BufferClaim();
    private final ExpandableDirectByteBuffer scratch = new ExpandableDirectByteBuffer(4096);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private static final int ADMIN_ACTION_RETRIES = 3;

    private final SessionConnectEncoder connect = new SessionConnectEncoder();
    private final SessionAuthenticateEncoder authenticate = new SessionAuthenticateEncoder();
    private final SessionKeepAliveEncoder keepAlive = new SessionKeepAliveEncoder();
    private final PartitionMapRequestEncoder mapRequest = new PartitionMapRequestEncoder();
    private final SessionCloseEncoder close = new SessionCloseEncoder();
    private final LeaseAcquireEncoder acquire = new LeaseAcquireEncoder();
    private final LeaseRenewEncoder renew = new LeaseRenewEncoder();
    private final LeaseReleaseEncoder release = new LeaseReleaseEncoder();
    private final LeaseStatusRequestEncoder status = new LeaseStatusRequestEncoder();
    private final LeaseListRequestEncoder list = new LeaseListRequestEncoder();
    private final LeaseCancelWaitEncoder cancelWait = new LeaseCancelWaitEncoder();
    private final ValuePutEncoder put = new ValuePutEncoder();
    private final ValueGetEncoder get = new ValueGetEncoder();
    private final ValueDeleteEncoder delete = new ValueDeleteEncoder();
    private final ValueCompareAndSetEncoder cas = new ValueCompareAndSetEncoder();
    private final ValueFencedPutEncoder fencedPut = new ValueFencedPutEncoder();
    private long k0;
    private long k1;
    private long lastSequence;
    private MutableDirectBuffer target;
    private int targetOffset;
    private boolean claimed;
    private int claimedMessageLength;

    ShardSessionProxy(final ExclusivePublication publication)
    {
        this.publication = publication;
    }

    /**
     * @return true while the node's shard receives what this proxy sends.
     */
    boolean isConnected()
    {
        return publication.isConnected();
    }

    /**
     * Sign frames with this key from now on.
     */
    synchronized void key(final long k0, final long k1)
    {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * @return the sequence the next frame will carry.
     */
    synchronized long nextSequence()
    {
        return lastSequence + 1;
    }

    /**
     * Go on from another connection's sequence: the same session resumed at another node never repeats a sequence
     * it has signed, so none of its frames can be replayed there.
     */
    synchronized void continueSequenceOf(final ShardSessionProxy other)
    {
        lastSequence = Math.max(lastSequence, other.nextSequence() - 1);
    }

    // ---------------------------------------------------------------------- session traffic (before the key)

    synchronized long connect(
        final long correlationId,
        final int responseStreamId,
        final long clientInstanceId,
        final long resumeSessionId,
        final String clientName,
        final String responseChannel)
    {
        connect.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .responseStreamId(responseStreamId)
            .protocolVersion(SessionConnectEncoder.SCHEMA_VERSION)
            .clientInstanceId(clientInstanceId)
            .resumeSessionId(resumeSessionId)
            .clientName(clientName)
            .responseChannel(responseChannel);
        return offerScratch(HEADER + connect.encodedLength());
    }

    synchronized long authenticate(final long correlationId, final long sessionId, final long nextSequence, final byte[] proof)
    {
        authenticate.wrapAndApplyHeader(scratch, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .nextSequence(nextSequence)
            .putMac(proof, 0, proof.length);
        final long result = offerScratch(HEADER + authenticate.encodedLength());
        if (result > 0)
        {
            lastSequence = nextSequence - 1;
        }
        return result;
    }

    // ------------------------------------------------------------------------------------ signed requests

    synchronized long keepAlive(final long sessionId, final long clientTimestampNs)
    {
        final long claim = begin(HEADER + SessionKeepAliveEncoder.BLOCK_LENGTH);
        if (claim > 0)
        {
            keepAlive.wrapAndApplyHeader(target, targetOffset, header).sessionId(sessionId).clientTimestampNs(clientTimestampNs);
            return finish(HEADER + keepAlive.encodedLength());
        }
        return claim;
    }

    synchronized long partitionMapRequest(final long correlationId, final long sessionId, final long knownMapVersion)
    {
        final long claim = begin(HEADER + PartitionMapRequestEncoder.BLOCK_LENGTH);
        if (claim > 0)
        {
            mapRequest.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .knownMapVersion(knownMapVersion);
            return finish(HEADER + mapRequest.encodedLength());
        }
        return claim;
    }

    synchronized long close(final long correlationId, final long sessionId)
    {
        final long claim = begin(HEADER + SessionCloseEncoder.BLOCK_LENGTH);
        if (claim > 0)
        {
            close.wrapAndApplyHeader(target, targetOffset, header).correlationId(correlationId).sessionId(sessionId);
            return finish(HEADER + close.encodedLength());
        }
        return claim;
    }

    synchronized long acquire(
        final long correlationId,
        final long sessionId,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        final long claim = begin(HEADER + LeaseAcquireEncoder.BLOCK_LENGTH + LeaseAcquireEncoder.resourceHeaderLength() + length);
        if (claim > 0)
        {
            acquire.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .ttlNs(ttlNs)
                .waitTimeoutNs(waitTimeoutNs)
                .mode(LeaseMode.EXCLUSIVE == mode ? io.leasegrid.codec.sbe.LeaseMode.EXCLUSIVE :
                    io.leasegrid.codec.sbe.LeaseMode.SHARED)
                .autoRenew(autoRenew ? BooleanType.TRUE : BooleanType.FALSE)
                .holderLimit(holderLimit)
                .putResource(resource, offset, length);
            return finish(HEADER + acquire.encodedLength());
        }
        return claim;
    }

    synchronized long renew(final long correlationId, final long sessionId, final long leaseId)
    {
        final long claim = begin(HEADER + LeaseRenewEncoder.BLOCK_LENGTH);
        if (claim > 0)
        {
            renew.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId).sessionId(sessionId).leaseId(leaseId);
            return finish(HEADER + renew.encodedLength());
        }
        return claim;
    }

    synchronized long release(final long correlationId, final long sessionId, final long leaseId)
    {
        final long claim = begin(HEADER + LeaseReleaseEncoder.BLOCK_LENGTH);
        if (claim > 0)
        {
            release.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId).sessionId(sessionId).leaseId(leaseId);
            return finish(HEADER + release.encodedLength());
        }
        return claim;
    }

    synchronized long cancelWait(final long correlationId, final long sessionId, final long acquireCorrelationId)
    {
        final long claim = begin(HEADER + LeaseCancelWaitEncoder.BLOCK_LENGTH);
        if (claim > 0)
        {
            cancelWait.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId).sessionId(sessionId).acquireCorrelationId(acquireCorrelationId);
            return finish(HEADER + cancelWait.encodedLength());
        }
        return claim;
    }

    synchronized long status(final long correlationId, final long sessionId, final byte[] resource)
    {
        final long claim = begin(HEADER + LeaseStatusRequestEncoder.BLOCK_LENGTH + LeaseStatusRequestEncoder.resourceHeaderLength() +
            resource.length);
        if (claim > 0)
        {
            status.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId).sessionId(sessionId).putResource(resource, 0, resource.length);
            return finish(HEADER + status.encodedLength());
        }
        return claim;
    }

    synchronized long list(
        final long correlationId, final long sessionId, final long ownerSessionId, final int maxLeases, final byte[] prefix)
    {
        final long claim = begin(HEADER + LeaseListRequestEncoder.BLOCK_LENGTH + LeaseListRequestEncoder.resourcePrefixHeaderLength() +
            prefix.length);
        if (claim > 0)
        {
            list.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .partitionId(-1)
                .ownerSessionId(ownerSessionId)
                .maxLeases(maxLeases)
                .putResourcePrefix(prefix, 0, prefix.length);
            return finish(HEADER + list.encodedLength());
        }
        return claim;
    }

    synchronized long put(
        final long correlationId,
        final long sessionId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final long claim = begin(HEADER + ValuePutEncoder.BLOCK_LENGTH + ValuePutEncoder.keyHeaderLength() + keyLength +
            ValuePutEncoder.valueHeaderLength() + valueLength);
        if (claim > 0)
        {
            put.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .putKey(key, keyOffset, keyLength)
                .putValue(value, valueOffset, valueLength);
            return finish(HEADER + put.encodedLength());
        }
        return claim;
    }

    synchronized long get(
        final long correlationId, final long sessionId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final long claim = begin(HEADER + ValueGetEncoder.BLOCK_LENGTH + ValueGetEncoder.keyHeaderLength() + keyLength);
        if (claim > 0)
        {
            get.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId).sessionId(sessionId).putKey(key, keyOffset, keyLength);
            return finish(HEADER + get.encodedLength());
        }
        return claim;
    }

    synchronized long delete(
        final long correlationId, final long sessionId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final long claim = begin(HEADER + ValueDeleteEncoder.BLOCK_LENGTH + ValueDeleteEncoder.keyHeaderLength() + keyLength);
        if (claim > 0)
        {
            delete.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId).sessionId(sessionId).putKey(key, keyOffset, keyLength);
            return finish(HEADER + delete.encodedLength());
        }
        return claim;
    }

    synchronized long compareAndSet(
        final long correlationId,
        final long sessionId,
        final long expectedVersion,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final long claim = begin(HEADER + ValueCompareAndSetEncoder.BLOCK_LENGTH + ValueCompareAndSetEncoder.keyHeaderLength() + keyLength +
            ValueCompareAndSetEncoder.valueHeaderLength() + valueLength);
        if (claim > 0)
        {
            cas.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .expectedVersion(expectedVersion)
                .putKey(key, keyOffset, keyLength)
                .putValue(value, valueOffset, valueLength);
            return finish(HEADER + cas.encodedLength());
        }
        return claim;
    }

    synchronized long fencedPut(
        final long correlationId,
        final long sessionId,
        final long fencingToken,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer leaseResource,
        final int resourceOffset,
        final int resourceLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final long claim = begin(HEADER + ValueFencedPutEncoder.BLOCK_LENGTH + ValueFencedPutEncoder.keyHeaderLength() + keyLength +
            ValueFencedPutEncoder.leaseResourceHeaderLength() + resourceLength +
            ValueFencedPutEncoder.valueHeaderLength() + valueLength);
        if (claim > 0)
        {
            fencedPut.wrapAndApplyHeader(target, targetOffset, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .fencingToken(fencingToken)
                .putKey(key, keyOffset, keyLength)
                .putLeaseResource(leaseResource, resourceOffset, resourceLength)
                .putValue(value, valueOffset, valueLength);
            return finish(HEADER + fencedPut.encodedLength());
        }
        return claim;
    }

    public void close()
    {
        CloseHelper.quietClose(publication);
    }

    // ------------------------------------------------------------------------------------------- framing

    /**
     * Find room for a signed frame around a message of {@code messageLength}: claimed in the publication when it fits
     * a frame, else a scratch buffer offered whole by {@link #finish}.
     *
     * @return positive when there is room; otherwise the publication's answer (back-pressured, not connected, closed).
     */
    private long begin(final int messageLength)
    {
        final int frameLength = messageLength + RequestFrame.TRAILER_LENGTH;
        claimedMessageLength = messageLength;
        if (frameLength <= publication.maxPayloadLength())
        {
            long result = publication.tryClaim(frameLength, bufferClaim);
            // ADMIN_ACTION: the log rotated to its next term under this claim; Aeron asks for an immediate retry.
            for (int i = 0; i < ADMIN_ACTION_RETRIES && Publication.ADMIN_ACTION == result; i++)
            {
                result = publication.tryClaim(frameLength, bufferClaim);
            }
            if (result > 0)
            {
                claimed = true;
                target = bufferClaim.buffer();
                targetOffset = bufferClaim.offset();
            }
            return result;
        }
        claimed = false;
        scratch.checkLimit(frameLength);
        target = scratch;
        targetOffset = 0;
        return 1;
    }

    private long finish(final int messageLength)
    {
        if (messageLength != claimedMessageLength)
        {
            if (claimed)
            {
                bufferClaim.abort();
            }
            throw new IllegalStateException("encoded " + messageLength + " bytes into room for " + claimedMessageLength);
        }
        final long sequence = lastSequence + 1;
        final int frameLength = RequestFrame.sign(target, targetOffset, messageLength, sequence, k0, k1);
        if (claimed)
        {
            bufferClaim.commit();
            lastSequence = sequence;
            return 1;
        }
        final long result = offerScratch(frameLength);
        if (result > 0)
        {
            lastSequence = sequence;
        }
        return result;
    }

    private long offerScratch(final int length)
    {
        long result = publication.offer(scratch, 0, length);
        for (int i = 0; i < ADMIN_ACTION_RETRIES && Publication.ADMIN_ACTION == result; i++)
        {
            result = publication.offer(scratch, 0, length);
        }
        return result;
    }
}
