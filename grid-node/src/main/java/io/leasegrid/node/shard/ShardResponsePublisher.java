package io.leasegrid.node.shard;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.leasegrid.codec.ErrorCodes;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.ErrorEncoder;
import io.leasegrid.codec.sbe.LeaseExpiredEncoder;
import io.leasegrid.codec.sbe.LeaseGrantedEncoder;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.codec.sbe.LeaseQueuedEncoder;
import io.leasegrid.codec.sbe.LeaseReleasedEncoder;
import io.leasegrid.codec.sbe.LeaseRenewedEncoder;
import io.leasegrid.codec.sbe.LeaseStatusEncoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.PartitionMapEncoder;
import io.leasegrid.codec.sbe.SessionChallengeEncoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.codec.sbe.SessionClosedEncoder;
import io.leasegrid.codec.sbe.SessionConnectedEncoder;
import io.leasegrid.codec.sbe.SessionKeepAliveAckEncoder;
import io.leasegrid.codec.sbe.ValueReadEncoder;
import io.leasegrid.codec.sbe.ValueWrittenEncoder;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.Resource;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes a shard's answers as SBE messages and offers them to each session's response publication. A message
 * that cannot be sent yet (the client's publication is still connecting, or back-pressured) waits, in order, in
 * the session's bounded outbox and is retried from the duty cycle; only a full outbox drops and counts. Owned by
 * the shard's thread.
 */
public final class ShardResponsePublisher implements ShardListener, AutoCloseable
{
    private static final int OFFER_ATTEMPTS = 3;
    private static final int MAX_WAITING_MESSAGES = 1024;
    private static final int MAX_STATUS_HOLDERS = 1024;

    private final Aeron aeron;
    private final int nodeId;
    private final int partitionCount;
    private final String nodeChannel;
    private final int[] streamIdByPartition;
    private final long keepAliveIntervalNs;
    private final long sessionTimeoutNs;
    private final boolean authenticating;
    private final Long2ObjectHashMap<SessionLink> links = new Long2ObjectHashMap<>();
    private final Map<String, SharedPublication> publications = new HashMap<>();
    private final List<SessionLink> waitingLinks = new ArrayList<>();
    private final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(128 * 1024);
    private final UnsafeBuffer sendBuffer = new UnsafeBuffer(new byte[0]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SessionChallengeEncoder challenge = new SessionChallengeEncoder();
    private final SessionConnectedEncoder connected = new SessionConnectedEncoder();
    private final SessionClosedEncoder closed = new SessionClosedEncoder();
    private final SessionKeepAliveAckEncoder keepAliveAck = new SessionKeepAliveAckEncoder();
    private final PartitionMapEncoder partitionMap = new PartitionMapEncoder();
    private final ErrorEncoder error = new ErrorEncoder();
    private final LeaseGrantedEncoder granted = new LeaseGrantedEncoder();
    private final LeaseQueuedEncoder queued = new LeaseQueuedEncoder();
    private final LeaseStatusEncoder status = new LeaseStatusEncoder();
    private final LeaseRenewedEncoder renewed = new LeaseRenewedEncoder();
    private final LeaseReleasedEncoder released = new LeaseReleasedEncoder();
    private final LeaseExpiredEncoder expired = new LeaseExpiredEncoder();
    private final ValueWrittenEncoder written = new ValueWrittenEncoder();
    private final ValueReadEncoder read = new ValueReadEncoder();
    private long droppedResponses;
    private ShardCounters counters;
    private Alerts alerts;

    public ShardResponsePublisher(
        final Aeron aeron,
        final int nodeId,
        final int partitionCount,
        final String nodeChannel,
        final int[] streamIdByPartition,
        final long keepAliveIntervalNs,
        final long sessionTimeoutNs,
        final boolean authenticating)
    {
        this.aeron = aeron;
        this.nodeId = nodeId;
        this.partitionCount = partitionCount;
        this.nodeChannel = nodeChannel;
        this.streamIdByPartition = streamIdByPartition.clone();
        this.keepAliveIntervalNs = keepAliveIntervalNs;
        this.sessionTimeoutNs = sessionTimeoutNs;
        this.authenticating = authenticating;
    }

    /**
     * Count and alert through these from now on.
     */
    public void observability(final ShardCounters counters, final Alerts alerts)
    {
        this.counters = counters;
        this.alerts = alerts;
    }

    private void count(final CounterType type)
    {
        if (null != counters)
        {
            counters.increment(type);
        }
    }

    private void alert(final Alerts.Kind kind)
    {
        if (null != alerts)
        {
            alerts.raise(kind);
        }
    }

    /**
     * @return responses dropped because a client could not take them.
     */
    public long droppedResponses()
    {
        return droppedResponses;
    }

    SessionLink link(final long sessionId)
    {
        return links.get(sessionId);
    }

    SessionLink addLink(
        final long sessionId,
        final int imageSessionId,
        final String channel,
        final int streamId,
        final String clientName,
        final byte[] nonce)
    {
        final String key = streamId + "|" + channel;
        SharedPublication shared = publications.get(key);
        if (null == shared)
        {
            shared = new SharedPublication(key, aeron.addPublication(channel, streamId));
            publications.put(key, shared);
        }
        shared.users++;
        final SessionLink link = new SessionLink(sessionId, imageSessionId, shared.publication, clientName, nonce);
        link.publicationKey = key;
        links.put(sessionId, link);
        return link;
    }

    /**
     * Forget a session's link; the response publication is closed when no other session answers through it, so a
     * node serving clients that come and go keeps only the publications of live sessions.
     */
    void removeLink(final long sessionId)
    {
        final SessionLink link = links.remove(sessionId);
        if (null != link)
        {
            waitingLinks.remove(link);
            final SharedPublication shared = publications.get(link.publicationKey);
            if (null != shared && --shared.users <= 0)
            {
                publications.remove(link.publicationKey);
                CloseHelper.quietClose(shared.publication);
            }
        }
    }

    /**
     * A response publication and how many sessions answer through it.
     */
    private static final class SharedPublication
    {
        final String key;
        final Publication publication;
        int users;

        SharedPublication(final String key, final Publication publication)
        {
            this.key = key;
            this.publication = publication;
        }
    }

    void sendChallenge(final SessionLink link, final long correlationId)
    {
        challenge.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(link.sessionId)
            .putNonce(link.nonce, 0, link.nonce.length);
        send(link, challenge.encodedLength());
    }

    void sendConnected(final SessionLink link, final long correlationId)
    {
        connected.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(link.sessionId)
            .keepAliveIntervalNs(keepAliveIntervalNs)
            .sessionTimeoutNs(sessionTimeoutNs)
            .nodeId(nodeId)
            .authenticated(authenticating ? BooleanType.TRUE : BooleanType.FALSE);
        send(link, connected.encodedLength());
        sendPartitionMap(link, correlationId);
    }

    /**
     * Tell a client where every partition lives: after it connects, and whenever it asked the wrong shard.
     */
    void sendPartitionMap(final SessionLink link, final long correlationId)
    {
        partitionMap.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .mapVersion(1)
            .partitionCount(partitionCount);
        partitionMap.nodesCount(1).next().nodeId(nodeId).channel(nodeChannel);
        final PartitionMapEncoder.PartitionsEncoder partitions = partitionMap.partitionsCount(partitionCount);
        for (int p = 0; p < partitionCount; p++)
        {
            partitions.next().partitionId(p).primaryNodeId(nodeId).streamId(streamIdByPartition[p]).epoch(1);
        }
        send(link, partitionMap.encodedLength());
    }

    void sendKeepAliveAck(final SessionLink link, final long clientTimestampNs)
    {
        keepAliveAck.wrapAndApplyHeader(buffer, 0, header).sessionId(link.sessionId).clientTimestampNs(clientTimestampNs);
        send(link, keepAliveAck.encodedLength());
    }

    void sendError(final SessionLink link, final long correlationId, final ErrorCode code, final int templateId, final String text)
    {
        error.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(link.sessionId)
            .code(code)
            .requestTemplateId(templateId)
            .message(text);
        send(link, error.encodedLength());
    }

    /**
     * Send what waited for client publications to connect.
     *
     * @return number of sessions flushed.
     */
    int flush()
    {
        int work = 0;
        for (int i = waitingLinks.size() - 1; i >= 0; i--)
        {
            final SessionLink link = waitingLinks.get(i);
            while (!link.outbox.isEmpty() && link.publication.isConnected())
            {
                final byte[] message = link.outbox.get(0);
                sendBuffer.wrap(message);
                if (link.publication.offer(sendBuffer, 0, message.length) <= 0)
                {
                    break;
                }
                link.outbox.remove(0);
                work++;
            }
            if (link.outbox.isEmpty())
            {
                waitingLinks.remove(i);
            }
        }
        return work;
    }

    public void onSessionOpened(final long correlationId, final long sessionId)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            sendConnected(link, correlationId);
        }
    }

    public void onSessionClosed(final long correlationId, final long sessionId)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            closed.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(sessionId).reason(SessionCloseReason.CLIENT_CLOSE);
            send(link, closed.encodedLength());
            removeLink(sessionId);
        }
    }

    public void onSessionTimedOut(final long sessionId)
    {
        count(CounterType.SESSION_TIMEOUTS);
        alert(Alerts.Kind.SESSION_TIMED_OUT);
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            closed.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(0).sessionId(sessionId).reason(SessionCloseReason.TIMEOUT);
            send(link, closed.encodedLength());
            removeLink(sessionId);
        }
    }

    public void onLeaseGranted(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs,
        final LeaseMode mode, final DirectBuffer resource, final int offset, final int length)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            granted.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .leaseId(leaseId)
                .fencingToken(fencingToken)
                .ttlNs(ttlNs)
                .mode(mode)
                .putResource(resource, offset, length);
            send(link, granted.encodedLength());
        }
    }

    public void onLeaseQueued(final long correlationId, final long sessionId, final int queuePosition)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            queued.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(sessionId).queuePosition(queuePosition);
            send(link, queued.encodedLength());
        }
    }

    public void onLeaseStatus(
        final long correlationId, final long sessionId, final Resource resource, final DirectBuffer name, final int offset,
        final int length, final long nowNs)
    {
        final SessionLink link = links.get(sessionId);
        if (null == link)
        {
            return;
        }
        long highestToken = 0;
        for (Lease lease = null == resource ? null : resource.firstHolder(); null != lease; lease = lease.nextHolder())
        {
            highestToken = Math.max(highestToken, lease.fencingToken());
        }
        status.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .lastFencingToken(highestToken)
            .holderLimit(null == resource ? 0 : resource.holderLimit())
            .waiterCount(null == resource ? 0 : resource.waiterCount());
        final int holders = null == resource ? 0 : Math.min(resource.holderCount(), MAX_STATUS_HOLDERS);
        final LeaseStatusEncoder.HoldersEncoder group = status.holdersCount(holders);
        Lease lease = null == resource ? null : resource.firstHolder();
        for (int i = 0; i < holders; i++, lease = lease.nextHolder())
        {
            group.next()
                .leaseId(lease.leaseId())
                .holderSessionId(lease.sessionId())
                .fencingToken(lease.fencingToken())
                .remainingTtlNs(Math.max(0, lease.expiresAtNs() - nowNs))
                .mode(lease.mode());
        }
        status.putResource(name, offset, length);
        send(link, status.encodedLength());
    }

    public void onLeaseRenewed(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            renewed.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(sessionId).leaseId(leaseId).fencingToken(fencingToken).ttlNs(ttlNs);
            send(link, renewed.encodedLength());
        }
    }

    public void onLeaseReleased(final long correlationId, final long sessionId, final long leaseId)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            released.wrapAndApplyHeader(buffer, 0, header).correlationId(correlationId).sessionId(sessionId).leaseId(leaseId);
            send(link, released.encodedLength());
        }
    }

    public void onLeaseExpired(
        final long sessionId, final long leaseId, final long fencingToken, final DirectBuffer resource, final int offset,
        final int length)
    {
        count(CounterType.EXPIRIES);
        alert(Alerts.Kind.LEASE_EXPIRED_WITHOUT_RELEASE);
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            expired.wrapAndApplyHeader(buffer, 0, header)
                .sessionId(sessionId).leaseId(leaseId).fencingToken(fencingToken).putResource(resource, offset, length);
            send(link, expired.encodedLength());
        }
    }

    public void onValueWritten(
        final long correlationId, final long sessionId, final long version, final long timestampNs, final boolean existed)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            written.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .version(version)
                .timestampNs(timestampNs)
                .existed(existed ? BooleanType.TRUE : BooleanType.FALSE);
            send(link, written.encodedLength());
        }
    }

    public void onValueRead(
        final long correlationId, final long sessionId, final boolean found, final long version, final long timestampNs,
        final DirectBuffer value, final int offset, final int length)
    {
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            read.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(sessionId)
                .found(found ? BooleanType.TRUE : BooleanType.FALSE)
                .version(version)
                .timestampNs(timestampNs)
                .putValue(value, offset, length);
            send(link, read.encodedLength());
        }
    }

    public void onError(final long correlationId, final long sessionId, final ErrorCode code, final int requestTemplateId)
    {
        if (null != counters)
        {
            counters.countError(code);
        }
        if (ErrorCode.WAIT_TIMEOUT == code)
        {
            count(CounterType.WAIT_TIMEOUTS);
            alert(Alerts.Kind.WAITER_TIMED_OUT);
        }
        final SessionLink link = links.get(sessionId);
        if (null != link)
        {
            sendError(link, correlationId, code, requestTemplateId, ErrorCodes.describe(code));
            if (ErrorCode.NOT_PRIMARY == code)
            {
                // The client's map is stale: the new one follows the error.
                sendPartitionMap(link, correlationId);
            }
        }
    }

    public void close()
    {
        publications.values().forEach(shared -> CloseHelper.quietClose(shared.publication));
        publications.clear();
        links.clear();
        waitingLinks.clear();
    }

    private void send(final SessionLink link, final int bodyLength)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + bodyLength;
        if (link.outbox.isEmpty())
        {
            for (int i = 0; i < OFFER_ATTEMPTS; i++)
            {
                final long result = link.publication.offer(buffer, 0, length);
                if (result > 0)
                {
                    return;
                }
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
                {
                    droppedResponses++;
                    return;
                }
                if (result == Publication.NOT_CONNECTED)
                {
                    break;
                }
            }
            waitingLinks.add(link);
        }
        count(CounterType.BACK_PRESSURE);
        // Not connected yet, or back-pressured: keep the message, in order, and retry from the duty cycle.
        if (link.outbox.size() >= MAX_WAITING_MESSAGES)
        {
            droppedResponses++;
            return;
        }
        final byte[] message = new byte[length];
        buffer.getBytes(0, message);
        link.outbox.add(message);
    }
}
