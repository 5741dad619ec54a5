package io.leasegrid.node.shard;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.LeaseAcquireDecoder;
import io.leasegrid.codec.sbe.LeaseCancelWaitDecoder;
import io.leasegrid.codec.sbe.LeaseListRequestDecoder;
import io.leasegrid.codec.sbe.LeaseReleaseDecoder;
import io.leasegrid.codec.sbe.LeaseRenewDecoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestDecoder;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.PartitionMapRequestDecoder;
import io.leasegrid.codec.sbe.SessionAuthenticateDecoder;
import io.leasegrid.codec.sbe.SessionCloseDecoder;
import io.leasegrid.codec.sbe.SessionConnectDecoder;
import io.leasegrid.codec.sbe.SessionKeepAliveDecoder;
import io.leasegrid.codec.sbe.ValueCompareAndSetDecoder;
import io.leasegrid.codec.sbe.ValueDeleteDecoder;
import io.leasegrid.codec.sbe.ValueFencedPutDecoder;
import io.leasegrid.codec.sbe.ValueGetDecoder;
import io.leasegrid.codec.sbe.ValuePutDecoder;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.session.SessionManager;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.Queue;

/**
 * Decodes what clients send a shard, and only that: polls the shard's subscriptions (UDP and IPC, one fragment
 * assembler each), checks every frame's header, bounds and session proof, and calls its {@link IngressListener}
 * method with the decoded fields. A frame that does not decode is counted as malformed and dropped; a request frame
 * that does not prove its session is counted as foreign and dropped. Decoding checks every length and offset against
 * the frame before it reads, so it throws nothing and needs no catch; what the listener does with a request is not
 * its business (a failed journal write fails its partition there, never counted here as a malformed frame).
 * <p>
 * Owned by the shard's thread; allocates nothing but for connects.
 */
public final class IngressAdapter implements FragmentHandler
{
    private static final int FRAGMENT_LIMIT = 16;
    private static final int HEADER = MessageHeaderDecoder.ENCODED_LENGTH;

    private final Subscription[] subscriptions;
    private final FragmentAssembler[] assemblers;
    private final Queue<Long> closedImages;
    private final SessionManager sessions;
    private final IngressListener listener;
    private final ShardCounters counters;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SessionConnectDecoder connect = new SessionConnectDecoder();
    private final SessionAuthenticateDecoder authenticate = new SessionAuthenticateDecoder();
    private final SessionKeepAliveDecoder keepAlive = new SessionKeepAliveDecoder();
    private final SessionCloseDecoder close = new SessionCloseDecoder();
    private final LeaseAcquireDecoder acquire = new LeaseAcquireDecoder();
    private final LeaseRenewDecoder renew = new LeaseRenewDecoder();
    private final LeaseReleaseDecoder release = new LeaseReleaseDecoder();
    private final LeaseStatusRequestDecoder statusRequest = new LeaseStatusRequestDecoder();
    private final LeaseListRequestDecoder listRequest = new LeaseListRequestDecoder();
    private final LeaseCancelWaitDecoder cancelWait = new LeaseCancelWaitDecoder();
    private final ValuePutDecoder put = new ValuePutDecoder();
    private final ValueGetDecoder get = new ValueGetDecoder();
    private final ValueDeleteDecoder delete = new ValueDeleteDecoder();
    private final ValueCompareAndSetDecoder cas = new ValueCompareAndSetDecoder();
    private final ValueFencedPutDecoder fencedPut = new ValueFencedPutDecoder();
    private final PartitionMapRequestDecoder mapRequest = new PartitionMapRequestDecoder();
    private final int[] varOffsets = new int[3];
    private final int[] varLengths = new int[3];
    private long malformedFrames;

    /**
     * @param subscriptions the shard's request streams.
     * @param closedImages  images that went away, as {@code subscription index << 32 | image session id}, filled by
     *                      the Aeron client's thread, so that their half-assembled messages are let go.
     * @param sessions      of the shard, which prove request frames.
     * @param listener      to tell.
     * @param counters      of the shard.
     */
    public IngressAdapter(
        final Subscription[] subscriptions,
        final Queue<Long> closedImages,
        final SessionManager sessions,
        final IngressListener listener,
        final ShardCounters counters)
    {
        this.subscriptions = subscriptions.clone();
        this.closedImages = closedImages;
        this.sessions = sessions;
        this.listener = listener;
        this.counters = counters;
        assemblers = new FragmentAssembler[subscriptions.length];
        for (int i = 0; i < subscriptions.length; i++)
        {
            assemblers[i] = new FragmentAssembler(this);
        }
    }

    /**
     * Poll every subscription once.
     *
     * @return fragments read.
     */
    public int poll()
    {
        int work = 0;
        for (int i = 0; i < subscriptions.length; i++)
        {
            work += subscriptions[i].poll(assemblers[i], FRAGMENT_LIMIT);
        }
        if (null != closedImages && !closedImages.isEmpty())
        {
            Long closed;
            while (null != (closed = closedImages.poll()))
            {
                final int subscription = (int)(closed >>> 32);
                if (subscription < assemblers.length)
                {
                    assemblers[subscription].freeSessionBuffer((int)(long)closed);
                }
                work++;
            }
        }
        return work;
    }

    /**
     * @return frames dropped because they could not be decoded.
     */
    public long malformedFrames()
    {
        return malformedFrames;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header frameHeader)
    {
        if (length < HEADER)
        {
            malformed();
            return;
        }
        header.wrap(buffer, offset);
        final int templateId = header.templateId();
        final int blockLength = header.blockLength();
        final int version = header.version();
        final int body = offset + HEADER;
        if (MessageHeaderDecoder.SCHEMA_ID != header.schemaId() || blockLength > length - HEADER)
        {
            malformed();
            return;
        }

        if (SessionConnectDecoder.TEMPLATE_ID == templateId)
        {
            onConnect(buffer, body, blockLength, version, offset + length);
            return;
        }
        if (SessionAuthenticateDecoder.TEMPLATE_ID == templateId)
        {
            onAuthenticate(buffer, body, blockLength, version, offset + length);
            return;
        }

        // Every other request is a session's frame: SBE message, then sequence and tag.
        final int messageLength = length - RequestFrame.TRAILER_LENGTH;
        final int sessionIdOffset = SessionKeepAliveDecoder.TEMPLATE_ID == templateId ? 0 : 8;
        if (messageLength < HEADER + blockLength || blockLength < sessionIdOffset + 8)
        {
            malformed();
            return;
        }
        final long sessionId = buffer.getLong(body + sessionIdOffset, ByteOrder.LITTLE_ENDIAN);
        final ClientSession session = sessions.verifiedSession(sessionId, buffer, offset, length);
        if (null == session)
        {
            return;
        }
        counters.countRequest(templateId);
        dispatch(session, templateId, buffer, body, blockLength, version, offset + messageLength);
    }

    private void dispatch(
        final ClientSession session,
        final int templateId,
        final DirectBuffer buffer,
        final int body,
        final int blockLength,
        final int version,
        final int end)
    {
        switch (templateId)
        {
            case SessionKeepAliveDecoder.TEMPLATE_ID:
                if (blockLength >= SessionKeepAliveDecoder.BLOCK_LENGTH)
                {
                    keepAlive.wrap(buffer, body, blockLength, version);
                    listener.onKeepAlive(session, keepAlive.clientTimestampNs());
                    return;
                }
                break;

            case SessionCloseDecoder.TEMPLATE_ID:
                if (blockLength >= SessionCloseDecoder.BLOCK_LENGTH)
                {
                    close.wrap(buffer, body, blockLength, version);
                    listener.onSessionClose(session, close.correlationId());
                    return;
                }
                break;

            case LeaseAcquireDecoder.TEMPLATE_ID:
                if (blockLength >= LeaseAcquireDecoder.BLOCK_LENGTH)
                {
                    acquire.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, acquire.limit(), 1, false, end))
                    {
                        final short mode = acquire.modeRaw();
                        listener.onLeaseAcquire(session, acquire.correlationId(), buffer, varOffsets[0], varLengths[0],
                            acquire.ttlNs(), acquire.waitTimeoutNs(),
                            0 == mode ? LeaseMode.EXCLUSIVE : 1 == mode ? LeaseMode.SHARED : null,
                            acquire.holderLimit(), BooleanType.TRUE.value() == acquire.autoRenewRaw());
                        return;
                    }
                }
                break;

            case LeaseRenewDecoder.TEMPLATE_ID:
                if (blockLength >= LeaseRenewDecoder.BLOCK_LENGTH)
                {
                    renew.wrap(buffer, body, blockLength, version);
                    listener.onLeaseRenew(session, renew.correlationId(), renew.leaseId());
                    return;
                }
                break;

            case LeaseReleaseDecoder.TEMPLATE_ID:
                if (blockLength >= LeaseReleaseDecoder.BLOCK_LENGTH)
                {
                    release.wrap(buffer, body, blockLength, version);
                    listener.onLeaseRelease(session, release.correlationId(), release.leaseId());
                    return;
                }
                break;

            case LeaseStatusRequestDecoder.TEMPLATE_ID:
                if (blockLength >= LeaseStatusRequestDecoder.BLOCK_LENGTH)
                {
                    statusRequest.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, statusRequest.limit(), 1, false, end))
                    {
                        listener.onLeaseStatus(session, statusRequest.correlationId(), buffer, varOffsets[0], varLengths[0]);
                        return;
                    }
                }
                break;

            case LeaseListRequestDecoder.TEMPLATE_ID:
                if (blockLength >= LeaseListRequestDecoder.BLOCK_LENGTH)
                {
                    listRequest.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, listRequest.limit(), 1, false, end))
                    {
                        listener.onLeaseList(session, listRequest.correlationId(), listRequest.partitionId(),
                            listRequest.ownerSessionId(), listRequest.maxLeases(), buffer, varOffsets[0], varLengths[0]);
                        return;
                    }
                }
                break;

            case LeaseCancelWaitDecoder.TEMPLATE_ID:
                if (blockLength >= LeaseCancelWaitDecoder.BLOCK_LENGTH)
                {
                    cancelWait.wrap(buffer, body, blockLength, version);
                    listener.onLeaseCancelWait(session, cancelWait.correlationId(), cancelWait.acquireCorrelationId());
                    return;
                }
                break;

            case ValuePutDecoder.TEMPLATE_ID:
                if (blockLength >= ValuePutDecoder.BLOCK_LENGTH)
                {
                    put.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, put.limit(), 2, true, end))
                    {
                        listener.onValuePut(session, put.correlationId(), buffer, varOffsets[0], varLengths[0],
                            buffer, varOffsets[1], varLengths[1]);
                        return;
                    }
                }
                break;

            case ValueGetDecoder.TEMPLATE_ID:
                if (blockLength >= ValueGetDecoder.BLOCK_LENGTH)
                {
                    get.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, get.limit(), 1, false, end))
                    {
                        listener.onValueGet(session, get.correlationId(), buffer, varOffsets[0], varLengths[0]);
                        return;
                    }
                }
                break;

            case ValueDeleteDecoder.TEMPLATE_ID:
                if (blockLength >= ValueDeleteDecoder.BLOCK_LENGTH)
                {
                    delete.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, delete.limit(), 1, false, end))
                    {
                        listener.onValueDelete(session, delete.correlationId(), buffer, varOffsets[0], varLengths[0]);
                        return;
                    }
                }
                break;

            case ValueCompareAndSetDecoder.TEMPLATE_ID:
                if (blockLength >= ValueCompareAndSetDecoder.BLOCK_LENGTH)
                {
                    cas.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, cas.limit(), 2, true, end))
                    {
                        listener.onValueCompareAndSet(session, cas.correlationId(), cas.expectedVersion(),
                            buffer, varOffsets[0], varLengths[0], buffer, varOffsets[1], varLengths[1]);
                        return;
                    }
                }
                break;

            case ValueFencedPutDecoder.TEMPLATE_ID:
                if (blockLength >= ValueFencedPutDecoder.BLOCK_LENGTH)
                {
                    fencedPut.wrap(buffer, body, blockLength, version);
                    if (varData(buffer, fencedPut.limit(), 3, true, end))
                    {
                        listener.onValueFencedPut(session, fencedPut.correlationId(), fencedPut.fencingToken(),
                            buffer, varOffsets[0], varLengths[0], buffer, varOffsets[1], varLengths[1],
                            buffer, varOffsets[2], varLengths[2]);
                        return;
                    }
                }
                break;

            case PartitionMapRequestDecoder.TEMPLATE_ID:
                if (blockLength >= PartitionMapRequestDecoder.BLOCK_LENGTH)
                {
                    mapRequest.wrap(buffer, body, blockLength, version);
                    listener.onPartitionMapRequest(session, mapRequest.correlationId(), mapRequest.knownMapVersion());
                    return;
                }
                break;

            default:
                listener.onUnknownRequest(session, buffer.getLong(body, ByteOrder.LITTLE_ENDIAN), templateId);
                return;
        }
        malformed();
    }

    private void onConnect(
        final DirectBuffer buffer, final int body, final int blockLength, final int version, final int end)
    {
        if (blockLength < SessionConnectDecoder.BLOCK_LENGTH)
        {
            malformed();
            return;
        }
        connect.wrap(buffer, body, blockLength, version);
        final long correlationId = connect.correlationId();
        final int responseStreamId = connect.responseStreamId();
        final long clientInstanceId = connect.clientInstanceId();
        final long resumeSessionId = connect.resumeSessionId();
        if (!varData(buffer, connect.limit(), 2, false, end))
        {
            malformed();
            return;
        }
        final String clientName = buffer.getStringWithoutLengthUtf8(varOffsets[0], varLengths[0]);
        final String responseChannel = buffer.getStringWithoutLengthUtf8(varOffsets[1], varLengths[1]);
        listener.onConnect(correlationId, clientInstanceId, resumeSessionId, responseStreamId, clientName, responseChannel);
    }

    private void onAuthenticate(
        final DirectBuffer buffer, final int body, final int blockLength, final int version, final int end)
    {
        if (blockLength < SessionAuthenticateDecoder.BLOCK_LENGTH)
        {
            malformed();
            return;
        }
        authenticate.wrap(buffer, body, blockLength, version);
        if (!varData(buffer, authenticate.limit(), 1, false, end))
        {
            malformed();
            return;
        }
        listener.onAuthenticate(authenticate.correlationId(), authenticate.sessionId(), authenticate.nextSequence(),
            buffer, varOffsets[0], varLengths[0]);
    }

    /**
     * Find {@code count} variable-length fields starting at {@code limit}, each a length prefix and its bytes, and
     * check that they end by {@code end}. Lengths take 2 bytes, but a value's, which comes last and takes 4.
     *
     * @return false when a field runs past the frame.
     */
    private boolean varData(
        final DirectBuffer buffer, final int limit, final int count, final boolean lastIsValue, final int end)
    {
        int position = limit;
        for (int i = 0; i < count; i++)
        {
            final boolean wide = lastIsValue && i == count - 1;
            final int prefix = wide ? 4 : 2;
            if (position + prefix > end)
            {
                return false;
            }
            final long length = wide ?
                buffer.getInt(position, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL :
                buffer.getShort(position, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            if (position + prefix + length > end)
            {
                return false;
            }
            varOffsets[i] = position + prefix;
            varLengths[i] = (int)length;
            position += prefix + (int)length;
        }
        return true;
    }

    private void malformed()
    {
        malformedFrames++;
        counters.increment(CounterType.MALFORMED_FRAMES);
    }
}
