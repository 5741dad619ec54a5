package io.leasegrid.node.shard;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.SessionKeys;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.LeaseAcquireDecoder;
import io.leasegrid.codec.sbe.LeaseReleaseDecoder;
import io.leasegrid.codec.sbe.LeaseRenewDecoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestDecoder;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.SessionAuthenticateDecoder;
import io.leasegrid.codec.sbe.SessionCloseDecoder;
import io.leasegrid.codec.sbe.SessionConnectDecoder;
import io.leasegrid.codec.sbe.SessionKeepAliveDecoder;
import io.leasegrid.codec.sbe.ValueCompareAndSetDecoder;
import io.leasegrid.codec.sbe.ValueDeleteDecoder;
import io.leasegrid.codec.sbe.ValueFencedPutDecoder;
import io.leasegrid.codec.sbe.ValueGetDecoder;
import io.leasegrid.codec.sbe.ValuePutDecoder;
import io.leasegrid.node.session.Credentials;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import net.openhft.affinity.AffinityLock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.security.SecureRandom;
import java.util.ArrayDeque;

/**
 * A shard on the wire: polls the shard's request stream (UDP and IPC), authenticates sessions, checks that each
 * request comes from the connection that owns its session, decodes it in place and hands it to the
 * {@link ShardAgent}, whose answers go out through the {@link ShardResponsePublisher}. Malformed or foreign frames
 * are counted and dropped; nothing a client sends can throw out of the duty cycle.
 */
public final class ShardNetworkAgent implements Agent, FragmentHandler
{
    private static final int FRAGMENT_LIMIT = 16;
    private static final int MAX_UNAUTHENTICATED = 1024;

    private final ShardAgent shard;
    private final ShardResponsePublisher publisher;
    private final Subscription[] subscriptions;
    private final Credentials credentials;
    private final long sessionTimeoutNs;
    private final int cpu;
    private volatile AffinityLock affinityLock;
    private final SecureRandom random = new SecureRandom();
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final ArrayDeque<SessionLink> unauthenticated = new ArrayDeque<>();
    private final NanoClock clock = SystemNanoClock.INSTANCE;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SessionConnectDecoder connect = new SessionConnectDecoder();
    private final SessionAuthenticateDecoder authenticate = new SessionAuthenticateDecoder();
    private final SessionKeepAliveDecoder keepAlive = new SessionKeepAliveDecoder();
    private final SessionCloseDecoder close = new SessionCloseDecoder();
    private final LeaseAcquireDecoder acquire = new LeaseAcquireDecoder();
    private final LeaseRenewDecoder renew = new LeaseRenewDecoder();
    private final LeaseStatusRequestDecoder statusRequest = new LeaseStatusRequestDecoder();
    private final LeaseReleaseDecoder release = new LeaseReleaseDecoder();
    private final ValuePutDecoder put = new ValuePutDecoder();
    private final ValueGetDecoder get = new ValueGetDecoder();
    private final ValueDeleteDecoder delete = new ValueDeleteDecoder();
    private final ValueCompareAndSetDecoder cas = new ValueCompareAndSetDecoder();
    private final ValueFencedPutDecoder fencedPut = new ValueFencedPutDecoder();
    private static final long GAUGE_INTERVAL_NS = 100_000_000;
    private static final long DUTY_WINDOW_NS = 1_000_000_000;
    private ShardCounters counters;
    private Alerts alerts;
    private long stallThresholdNs = Long.MAX_VALUE;
    private double diskUsageThreshold = 2.0;
    private java.nio.file.FileStore journalStore;
    private long nextGaugeNs;
    private long dutyWindowEndNs;
    private long dutyMaxNs;
    private long malformedFrames;
    private long foreignFrames;
    private long rejectedAuthentications;

    public ShardNetworkAgent(
        final ShardAgent shard,
        final ShardResponsePublisher publisher,
        final Subscription[] subscriptions,
        final Credentials credentials,
        final long sessionTimeoutNs,
        final int cpu)
    {
        this.cpu = cpu;
        this.shard = shard;
        this.publisher = publisher;
        this.subscriptions = subscriptions.clone();
        this.credentials = credentials;
        this.sessionTimeoutNs = sessionTimeoutNs;
    }

    public String roleName()
    {
        return shard.roleName();
    }

    public void onStart()
    {
        if (cpu >= 0)
        {
            affinityLock = AffinityLock.acquireLock(cpu);
        }
        shard.onStart();
    }

    /**
     * Count and alert through these: stall threshold for duty cycles, disk usage fraction for the journal.
     */
    public void observability(
        final ShardCounters counters,
        final Alerts alerts,
        final long stallThresholdNs,
        final double diskUsageThreshold,
        final java.nio.file.FileStore journalStore)
    {
        this.counters = counters;
        this.alerts = alerts;
        this.stallThresholdNs = stallThresholdNs;
        this.diskUsageThreshold = diskUsageThreshold;
        this.journalStore = journalStore;
        publisher.observability(counters, alerts);
    }

    public int doWork()
    {
        final long startNs = clock.nanoTime();
        final int work = pollAndWork();
        if (null != counters)
        {
            observe(startNs, clock.nanoTime());
        }
        return work;
    }

    private void observe(final long startNs, final long endNs)
    {
        final long dutyNs = endNs - startNs;
        dutyMaxNs = Math.max(dutyMaxNs, dutyNs);
        if (dutyNs > stallThresholdNs)
        {
            counters.increment(CounterType.DUTY_CYCLE_STALLS);
            alerts.raise(Alerts.Kind.DUTY_CYCLE_STALL);
        }
        if (endNs - dutyWindowEndNs >= 0)
        {
            counters.set(CounterType.DUTY_CYCLE_MAX_NS, dutyMaxNs);
            dutyMaxNs = 0;
            dutyWindowEndNs = endNs + DUTY_WINDOW_NS;
            checkDisk();
        }
        if (endNs - nextGaugeNs >= 0)
        {
            nextGaugeNs = endNs + GAUGE_INTERVAL_NS;
            counters.set(CounterType.ACTIVE_LEASES, shard.leaseCount());
            counters.set(CounterType.WAITERS, shard.waiterCount());
            counters.set(CounterType.SESSIONS, shard.sessionCount());
            counters.set(CounterType.JOURNAL_ENTRIES, shard.journalEntries());
            counters.set(CounterType.MALFORMED_FRAMES, malformedFrames);
            counters.set(CounterType.FOREIGN_FRAMES, foreignFrames);
            counters.set(CounterType.REJECTED_AUTHENTICATIONS, rejectedAuthentications);
        }
    }

    private void checkDisk()
    {
        if (null == journalStore)
        {
            return;
        }
        try
        {
            final long total = journalStore.getTotalSpace();
            final long usable = journalStore.getUsableSpace();
            counters.set(CounterType.JOURNAL_FS_USED_BYTES, total - usable);
            if (total > 0 && 1.0 - (double)usable / total > diskUsageThreshold)
            {
                alerts.raise(Alerts.Kind.JOURNAL_DISK_USAGE);
            }
        }
        catch (final java.io.IOException ex)
        {
            // The file system could not be asked this time; the next check tries again.
        }
    }

    private int pollAndWork()
    {
        int work = 0;
        for (final Subscription subscription : subscriptions)
        {
            work += subscription.poll(assembler, FRAGMENT_LIMIT);
        }
        work += shard.doWork();
        work += publisher.flush();
        work += expireUnauthenticated();
        return work;
    }

    private int expireUnauthenticated()
    {
        int work = 0;
        final long nowNs = clock.nanoTime();
        SessionLink oldest;
        while (null != (oldest = unauthenticated.peekFirst()) &&
            (oldest.authenticated || null == publisher.link(oldest.sessionId) || nowNs - oldest.createdNs > sessionTimeoutNs))
        {
            unauthenticated.pollFirst();
            if (!oldest.authenticated)
            {
                // A connect that never completed its challenge: forget it.
                publisher.removeLink(oldest.sessionId);
                work++;
            }
        }
        return work;
    }

    public void onClose()
    {
        shard.onClose();
        publisher.close();
        if (null != affinityLock)
        {
            affinityLock.release();
        }
    }

    /**
     * @return the CPU the shard's thread is pinned to, or -1.
     */
    public int pinnedCpu()
    {
        return null == affinityLock ? -1 : affinityLock.cpuId();
    }

    /**
     * @return frames dropped because they could not be decoded.
     */
    public long malformedFrames()
    {
        return malformedFrames;
    }

    /**
     * @return frames dropped because their session is unknown, unauthenticated or owned by another connection.
     */
    public long foreignFrames()
    {
        return foreignFrames;
    }

    /**
     * @return authentications that failed.
     */
    public long rejectedAuthentications()
    {
        return rejectedAuthentications;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header frameHeader)
    {
        try
        {
            dispatch(buffer, offset, length, frameHeader.sessionId());
        }
        catch (final IndexOutOfBoundsException | IllegalArgumentException ex)
        {
            // A frame that lies about its lengths or holds values outside the schema; the node keeps serving.
            malformedFrames++;
        }
    }

    private void dispatch(final DirectBuffer buffer, final int offset, final int length, final int imageSessionId)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            malformedFrames++;
            return;
        }
        header.wrap(buffer, offset);
        final int templateId = header.templateId();
        final int blockLength = header.blockLength();
        final int version = header.version();
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        if (header.schemaId() != MessageHeaderDecoder.SCHEMA_ID || blockLength > length - MessageHeaderDecoder.ENCODED_LENGTH)
        {
            malformedFrames++;
            return;
        }

        switch (templateId)
        {
            case SessionConnectDecoder.TEMPLATE_ID:
                onConnect(buffer, body, blockLength, version, imageSessionId);
                return;
            case SessionAuthenticateDecoder.TEMPLATE_ID:
                onAuthenticate(buffer, body, blockLength, version, imageSessionId);
                return;
            default:
                break;
        }

        final SessionLink link = requestLink(buffer, body, blockLength, templateId, imageSessionId);
        if (null == link)
        {
            return;
        }
        if (null != counters)
        {
            counters.countRequest(templateId);
        }
        switch (templateId)
        {
            case SessionKeepAliveDecoder.TEMPLATE_ID:
                keepAlive.wrap(buffer, body, blockLength, version);
                shard.onSessionKeepAlive(link.sessionId);
                publisher.sendKeepAliveAck(link, keepAlive.clientTimestampNs());
                break;

            case SessionCloseDecoder.TEMPLATE_ID:
                close.wrap(buffer, body, blockLength, version);
                shard.onSessionClose(close.correlationId(), link.sessionId);
                break;

            case LeaseAcquireDecoder.TEMPLATE_ID:
            {
                acquire.wrap(buffer, body, blockLength, version);
                final long correlationId = acquire.correlationId();
                final long ttlNs = acquire.ttlNs();
                final long waitTimeoutNs = acquire.waitTimeoutNs();
                final io.leasegrid.codec.sbe.LeaseMode mode = acquire.mode();
                final boolean autoRenew = BooleanType.TRUE == acquire.autoRenew();
                final int holderLimit = acquire.holderLimit();
                final int resourceLength = acquire.resourceLength();
                final int resourceOffset = acquire.limit() + LeaseAcquireDecoder.resourceHeaderLength();
                checkEnd(resourceOffset + resourceLength, offset, length);
                if (io.leasegrid.codec.sbe.LeaseMode.NULL_VAL == mode)
                {
                    publisher.sendError(link, correlationId, ErrorCode.MODE_MISMATCH, templateId, "unknown lease mode");
                    break;
                }
                shard.onLeaseAcquire(correlationId, link.sessionId, buffer, resourceOffset, resourceLength, ttlNs,
                    waitTimeoutNs, mode, holderLimit, autoRenew);
                break;
            }

            case LeaseStatusRequestDecoder.TEMPLATE_ID:
            {
                statusRequest.wrap(buffer, body, blockLength, version);
                final long correlationId = statusRequest.correlationId();
                final int resourceLength = statusRequest.resourceLength();
                final int resourceOffset = statusRequest.limit() + LeaseStatusRequestDecoder.resourceHeaderLength();
                checkEnd(resourceOffset + resourceLength, offset, length);
                shard.onLeaseStatus(correlationId, link.sessionId, buffer, resourceOffset, resourceLength);
                break;
            }

            case LeaseRenewDecoder.TEMPLATE_ID:
                renew.wrap(buffer, body, blockLength, version);
                shard.onLeaseRenew(renew.correlationId(), link.sessionId, renew.leaseId());
                break;

            case LeaseReleaseDecoder.TEMPLATE_ID:
                release.wrap(buffer, body, blockLength, version);
                shard.onLeaseRelease(release.correlationId(), link.sessionId, release.leaseId());
                break;

            case ValuePutDecoder.TEMPLATE_ID:
            {
                put.wrap(buffer, body, blockLength, version);
                final long correlationId = put.correlationId();
                final int keyLength = put.keyLength();
                final int keyOffset = put.limit() + ValuePutDecoder.keyHeaderLength();
                put.skipKey();
                final int valueLength = put.valueLength();
                final int valueOffset = put.limit() + ValuePutDecoder.valueHeaderLength();
                checkEnd(valueOffset + valueLength, offset, length);
                shard.onValuePut(correlationId, link.sessionId, buffer, keyOffset, keyLength, buffer, valueOffset, valueLength);
                break;
            }

            case ValueGetDecoder.TEMPLATE_ID:
            {
                get.wrap(buffer, body, blockLength, version);
                final long correlationId = get.correlationId();
                final int keyLength = get.keyLength();
                final int keyOffset = get.limit() + ValueGetDecoder.keyHeaderLength();
                checkEnd(keyOffset + keyLength, offset, length);
                shard.onValueGet(correlationId, link.sessionId, buffer, keyOffset, keyLength);
                break;
            }

            case ValueDeleteDecoder.TEMPLATE_ID:
            {
                delete.wrap(buffer, body, blockLength, version);
                final long correlationId = delete.correlationId();
                final int keyLength = delete.keyLength();
                final int keyOffset = delete.limit() + ValueDeleteDecoder.keyHeaderLength();
                checkEnd(keyOffset + keyLength, offset, length);
                shard.onValueDelete(correlationId, link.sessionId, buffer, keyOffset, keyLength);
                break;
            }

            case ValueCompareAndSetDecoder.TEMPLATE_ID:
            {
                cas.wrap(buffer, body, blockLength, version);
                final long correlationId = cas.correlationId();
                final long expectedVersion = cas.expectedVersion();
                final int keyLength = cas.keyLength();
                final int keyOffset = cas.limit() + ValueCompareAndSetDecoder.keyHeaderLength();
                cas.skipKey();
                final int valueLength = cas.valueLength();
                final int valueOffset = cas.limit() + ValueCompareAndSetDecoder.valueHeaderLength();
                checkEnd(valueOffset + valueLength, offset, length);
                shard.onValueCompareAndSet(correlationId, link.sessionId, expectedVersion, buffer, keyOffset, keyLength,
                    buffer, valueOffset, valueLength);
                break;
            }

            case ValueFencedPutDecoder.TEMPLATE_ID:
            {
                fencedPut.wrap(buffer, body, blockLength, version);
                final long correlationId = fencedPut.correlationId();
                final long token = fencedPut.fencingToken();
                final int keyLength = fencedPut.keyLength();
                final int keyOffset = fencedPut.limit() + ValueFencedPutDecoder.keyHeaderLength();
                fencedPut.skipKey();
                final int resourceLength = fencedPut.leaseResourceLength();
                final int resourceOffset = fencedPut.limit() + ValueFencedPutDecoder.leaseResourceHeaderLength();
                fencedPut.skipLeaseResource();
                final int valueLength = fencedPut.valueLength();
                final int valueOffset = fencedPut.limit() + ValueFencedPutDecoder.valueHeaderLength();
                checkEnd(valueOffset + valueLength, offset, length);
                shard.onValueFencedPut(correlationId, link.sessionId, token, buffer, keyOffset, keyLength,
                    buffer, resourceOffset, resourceLength, buffer, valueOffset, valueLength);
                break;
            }

            default:
                publisher.sendError(link, 0, ErrorCode.UNKNOWN_TEMPLATE, templateId, "unknown message template " + templateId);
                break;
        }
    }

    private void onConnect(
        final DirectBuffer buffer, final int body, final int blockLength, final int version, final int imageSessionId)
    {
        connect.wrap(buffer, body, blockLength, version);
        final long correlationId = connect.correlationId();
        final int responseStreamId = connect.responseStreamId();
        connect.protocolVersion();
        final String clientName = connect.clientName();
        final String responseChannel = connect.responseChannel();
        if (!responseChannel.startsWith("aeron:"))
        {
            malformedFrames++;
            return;
        }

        final long sessionId = newSessionId();
        if (null == credentials)
        {
            final SessionLink link = publisher.addLink(sessionId, imageSessionId, responseChannel, responseStreamId,
                clientName, null);
            link.authenticated = true;
            shard.onSessionOpen(correlationId, sessionId, sessionTimeoutNs);
        }
        else
        {
            if (unauthenticated.size() >= MAX_UNAUTHENTICATED)
            {
                rejectedAuthentications++;
                return;
            }
            final byte[] nonce = new byte[SessionKeys.NONCE_LENGTH];
            random.nextBytes(nonce);
            final SessionLink link = publisher.addLink(sessionId, imageSessionId, responseChannel, responseStreamId,
                clientName, nonce);
            link.createdNs = clock.nanoTime();
            unauthenticated.addLast(link);
            publisher.sendChallenge(link, correlationId);
        }
    }

    private void onAuthenticate(
        final DirectBuffer buffer, final int body, final int blockLength, final int version, final int imageSessionId)
    {
        authenticate.wrap(buffer, body, blockLength, version);
        final long correlationId = authenticate.correlationId();
        final long sessionId = authenticate.sessionId();
        final byte[] mac = new byte[authenticate.macLength()];
        authenticate.getMac(mac, 0, mac.length);
        final SessionLink link = publisher.link(sessionId);
        if (null == link || link.imageSessionId != imageSessionId || link.authenticated || null == link.nonce)
        {
            foreignFrames++;
            return;
        }
        if (credentials.verify(link.clientName, link.nonce, sessionId, mac))
        {
            link.authenticated = true;
            shard.onSessionOpen(correlationId, sessionId, sessionTimeoutNs);
        }
        else
        {
            rejectedAuthentications++;
            if (null != alerts)
            {
                alerts.raise(Alerts.Kind.REJECTED_AUTHENTICATION);
            }
            publisher.sendError(link, correlationId, ErrorCode.AUTHENTICATION_FAILED, SessionAuthenticateDecoder.TEMPLATE_ID,
                "authentication failed for client '" + link.clientName + "'");
            publisher.removeLink(sessionId);
        }
    }

    private SessionLink requestLink(
        final DirectBuffer buffer, final int body, final int blockLength, final int templateId, final int imageSessionId)
    {
        // Every request except keep-alive carries correlationId then sessionId; keep-alive carries sessionId first.
        final int sessionIdOffset = SessionKeepAliveDecoder.TEMPLATE_ID == templateId ? 0 : 8;
        if (blockLength < sessionIdOffset + 8)
        {
            malformedFrames++;
            return null;
        }
        final long sessionId = buffer.getLong(body + sessionIdOffset, java.nio.ByteOrder.LITTLE_ENDIAN);
        final SessionLink link = publisher.link(sessionId);
        if (null == link || link.imageSessionId != imageSessionId)
        {
            foreignFrames++;
            return null;
        }
        if (!link.authenticated)
        {
            final long correlationId = SessionKeepAliveDecoder.TEMPLATE_ID == templateId ? 0 :
                buffer.getLong(body, java.nio.ByteOrder.LITTLE_ENDIAN);
            publisher.sendError(link, correlationId, ErrorCode.NOT_AUTHENTICATED, templateId,
                "authenticate before sending requests");
            return null;
        }
        return link;
    }

    private long newSessionId()
    {
        long sessionId;
        do
        {
            sessionId = random.nextLong() & Long.MAX_VALUE;
        }
        while (0 == sessionId || null != publisher.link(sessionId));
        return sessionId;
    }

    private static void checkEnd(final int end, final int offset, final int length)
    {
        if (end > offset + length)
        {
            throw new IndexOutOfBoundsException("message runs past its frame");
        }
    }
}
