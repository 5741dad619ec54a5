package io.leasegrid.client;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.ErrorDecoder;
import io.leasegrid.codec.sbe.LeaseExpiredDecoder;
import io.leasegrid.codec.sbe.LeaseGrantedDecoder;
import io.leasegrid.codec.sbe.LeaseQueuedDecoder;
import io.leasegrid.codec.sbe.LeaseReleasedDecoder;
import io.leasegrid.codec.sbe.LeaseRenewedDecoder;
import io.leasegrid.codec.sbe.LeaseStatusDecoder;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.PartitionMapDecoder;
import io.leasegrid.codec.sbe.SessionChallengeDecoder;
import io.leasegrid.codec.sbe.SessionClosedDecoder;
import io.leasegrid.codec.sbe.SessionConnectedDecoder;
import io.leasegrid.codec.sbe.SessionKeepAliveAckDecoder;
import io.leasegrid.codec.sbe.ValueReadDecoder;
import io.leasegrid.codec.sbe.ValueWrittenDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;

import java.util.Iterator;
import java.util.Map;

/**
 * The client's duty cycle: decodes the node's answers and completes the waiting requests, answers
 * authentication challenges, sends keep-alives, fails requests past their deadline, and warns lease listeners
 * before a lease's safe-until time.
 */
final class ClientConductor implements Agent, FragmentHandler
{
    private static final long SWEEP_INTERVAL_NS = 1_000_000;

    private final GridClient client;
    private final Subscription responses;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SessionChallengeDecoder challenge = new SessionChallengeDecoder();
    private final SessionConnectedDecoder connected = new SessionConnectedDecoder();
    private final SessionClosedDecoder closed = new SessionClosedDecoder();
    private final SessionKeepAliveAckDecoder keepAliveAck = new SessionKeepAliveAckDecoder();
    private final PartitionMapDecoder partitionMap = new PartitionMapDecoder();
    private final ErrorDecoder error = new ErrorDecoder();
    private final LeaseGrantedDecoder granted = new LeaseGrantedDecoder();
    private final LeaseQueuedDecoder queued = new LeaseQueuedDecoder();
    private final LeaseStatusDecoder status = new LeaseStatusDecoder();
    private final LeaseRenewedDecoder renewed = new LeaseRenewedDecoder();
    private final LeaseReleasedDecoder released = new LeaseReleasedDecoder();
    private final LeaseExpiredDecoder expired = new LeaseExpiredDecoder();
    private final ValueWrittenDecoder written = new ValueWrittenDecoder();
    private final ValueReadDecoder read = new ValueReadDecoder();
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private long lastSweepNs;
    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();

    ClientConductor(final GridClient client, final Subscription responses)
    {
        this.client = client;
        this.responses = responses;
    }

    public String roleName()
    {
        return "leasegrid-client";
    }

    /**
     * One duty cycle, on whichever thread gets to run it: the conductor thread, or a caller waiting for its answer
     * ({@link GridClient#pollAnswers()}). Never two at once; a thread that finds it running does nothing.
     */
    public int doWork()
    {
        if (!running.compareAndSet(false, true))
        {
            return 0;
        }
        try
        {
            return dutyCycle();
        }
        finally
        {
            running.set(false);
        }
    }

    private int dutyCycle()
    {
        int work = responses.poll(assembler, 16);
        final long nowNs = System.nanoTime();
        if (nowNs - lastSweepNs >= SWEEP_INTERVAL_NS)
        {
            lastSweepNs = nowNs;
            client.sendKeepAlives(nowNs);
            work += client.maintainSessions(nowNs);
            work += client.expireCallbacks(nowNs);
            work += sweep(nowNs);
        }
        return work;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header frameHeader)
    {
        header.wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        switch (header.templateId())
        {
            case SessionChallengeDecoder.TEMPLATE_ID:
            {
                challenge.wrap(buffer, body, blockLength, version);
                final long correlationId = challenge.correlationId();
                final long sessionId = challenge.sessionId();
                final byte[] nonce = new byte[challenge.nonceLength()];
                challenge.getNonce(nonce, 0, nonce.length);
                client.onChallenge(correlationId, sessionId, nonce);
                break;
            }

            case SessionConnectedDecoder.TEMPLATE_ID:
                connected.wrap(buffer, body, blockLength, version);
                client.onConnected(connected.correlationId(), connected.sessionId(), connected.keepAliveIntervalNs(),
                    connected.sessionTimeoutNs());
                break;

            case PartitionMapDecoder.TEMPLATE_ID:
            {
                partitionMap.wrap(buffer, body, blockLength, version);
                final long correlationId = partitionMap.correlationId();
                final int[] streamIdByPartition = new int[partitionMap.partitionCount()];
                for (final PartitionMapDecoder.NodesDecoder node : partitionMap.nodes())
                {
                    node.nodeId();
                    node.channel();
                }
                for (final PartitionMapDecoder.PartitionsDecoder partition : partitionMap.partitions())
                {
                    streamIdByPartition[partition.partitionId()] = partition.streamId();
                }
                client.onPartitionMap(correlationId, streamIdByPartition);
                break;
            }

            case SessionKeepAliveAckDecoder.TEMPLATE_ID:
            {
                keepAliveAck.wrap(buffer, body, blockLength, version);
                final long sessionId = keepAliveAck.sessionId();
                final long sentNs = keepAliveAck.clientTimestampNs();
                for (final ShardConnection connection : client.connections())
                {
                    if (connection.sessionId == sessionId)
                    {
                        connection.lastHeardNs = System.nanoTime();
                    }
                }
                // The keep-alive renewed every auto-renew lease of the session from the moment it was sent.
                for (final Lease lease : client.leases.isEmpty() ? java.util.List.<Lease>of() : client.leases.values())
                {
                    if (lease.autoRenew())
                    {
                        lease.safeUntilNs(sentNs + lease.ttlNs() -
                            Math.min(client.context().clockDriftBoundNs(), lease.ttlNs() / 2));
                    }
                }
                break;
            }

            case SessionClosedDecoder.TEMPLATE_ID:
                closed.wrap(buffer, body, blockLength, version);
                for (final ShardConnection connection : client.connections())
                {
                    if (connection.sessionId == closed.sessionId())
                    {
                        connection.sessionId = 0;
                    }
                }
                break;

            case ErrorDecoder.TEMPLATE_ID:
            {
                error.wrap(buffer, body, blockLength, version);
                final long correlationId = error.correlationId();
                error.sessionId();
                final ErrorCode code = error.code();
                final Object callback = client.takeCallback(correlationId);
                if (null != callback)
                {
                    CallbackRequests.fail(correlationId, callback, code);
                    break;
                }
                error.requestTemplateId();
                final String message = error.message();
                final GridException failure = new GridException(code, message);
                // NOT_PRIMARY: the partition map that follows re-routes later requests; this one fails for the caller.
                final GridClient.Pending waiting = client.pending.remove(correlationId);
                if (null != waiting)
                {
                    waiting.future.completeExceptionally(failure);
                }
                else
                {
                    client.onConnectFailed(correlationId, failure);
                }
                break;
            }

            case LeaseGrantedDecoder.TEMPLATE_ID:
            {
                granted.wrap(buffer, body, blockLength, version);
                final Object callback = client.takeCallback(granted.correlationId());
                if (callback instanceof LeaseCallback)
                {
                    ((LeaseCallback)callback).onGranted(
                        granted.correlationId(), granted.leaseId(), granted.fencingToken(), granted.ttlNs());
                    break;
                }
                final GridClient.Pending waiting = client.pending.remove(granted.correlationId());
                if (null != waiting && null != waiting.request)
                {
                    waiting.future.complete(client.newLease(
                        waiting, granted.leaseId(), granted.fencingToken(), granted.ttlNs(), granted.mode()));
                }
                break;
            }

            case LeaseStatusDecoder.TEMPLATE_ID:
            {
                status.wrap(buffer, body, blockLength, version);
                final long correlationId = status.correlationId();
                status.sessionId();
                status.lastFencingToken();
                final int holderLimit = status.holderLimit();
                final int waiterCount = status.waiterCount();
                final java.util.List<ResourceStatus.Holder> holders = new java.util.ArrayList<>();
                for (final LeaseStatusDecoder.HoldersDecoder holder : status.holders())
                {
                    holders.add(new ResourceStatus.Holder(holder.leaseId(), holder.holderSessionId(), holder.fencingToken(),
                        java.time.Duration.ofNanos(holder.remainingTtlNs()), holder.mode()));
                }
                final GridClient.Pending waiting = client.pending.remove(correlationId);
                if (null != waiting)
                {
                    waiting.future.complete(new ResourceStatus(waiting.resource, holders, waiterCount, holderLimit));
                }
                break;
            }

            case LeaseQueuedDecoder.TEMPLATE_ID:
            {
                queued.wrap(buffer, body, blockLength, version);
                final Object callback = client.peekCallback(queued.correlationId());
                if (callback instanceof LeaseCallback)
                {
                    ((LeaseCallback)callback).onQueued(queued.correlationId(), queued.queuePosition());
                    break;
                }
                final GridClient.Pending waiting = client.pending.get(queued.correlationId());
                if (null != waiting && null != waiting.request && null != waiting.request.onQueued)
                {
                    waiting.request.onQueued.accept(queued.queuePosition());
                }
                break;
            }

            case LeaseRenewedDecoder.TEMPLATE_ID:
            {
                renewed.wrap(buffer, body, blockLength, version);
                final GridClient.Pending waiting = client.pending.remove(renewed.correlationId());
                if (null != waiting)
                {
                    if (null != waiting.lease)
                    {
                        waiting.lease.safeUntilNs(waiting.sendNs + renewed.ttlNs() -
                            Math.min(client.context().clockDriftBoundNs(), renewed.ttlNs() / 2));
                    }
                    waiting.future.complete(Boolean.TRUE);
                }
                break;
            }

            case LeaseReleasedDecoder.TEMPLATE_ID:
            {
                released.wrap(buffer, body, blockLength, version);
                final Object callback = client.takeCallback(released.correlationId());
                if (callback instanceof LeaseCallback)
                {
                    ((LeaseCallback)callback).onReleased(released.correlationId());
                    break;
                }
                final GridClient.Pending waiting = client.pending.remove(released.correlationId());
                if (null != waiting)
                {
                    waiting.future.complete(Boolean.TRUE);
                }
                break;
            }

            case LeaseExpiredDecoder.TEMPLATE_ID:
            {
                expired.wrap(buffer, body, blockLength, version);
                final Lease lease = client.leases.remove(expired.leaseId());
                if (null != lease)
                {
                    lease.markEnded();
                    lease.listener().onExpired(lease);
                }
                break;
            }

            case ValueWrittenDecoder.TEMPLATE_ID:
            {
                written.wrap(buffer, body, blockLength, version);
                final Object callback = client.takeCallback(written.correlationId());
                if (callback instanceof ValueCallback)
                {
                    ((ValueCallback)callback).onWritten(written.correlationId(), written.version(), written.timestampNs());
                    break;
                }
                final GridClient.Pending waiting = client.pending.remove(written.correlationId());
                if (null != waiting)
                {
                    waiting.future.complete(written.version());
                }
                break;
            }

            case ValueReadDecoder.TEMPLATE_ID:
            {
                read.wrap(buffer, body, blockLength, version);
                final Object callback = client.takeCallback(read.correlationId());
                if (callback instanceof ValueCallback)
                {
                    final long correlationId = read.correlationId();
                    final boolean found = BooleanType.TRUE == read.found();
                    final long valueVersion = read.version();
                    final long timestampNs = read.timestampNs();
                    final int valueLength = read.valueLength();
                    ((ValueCallback)callback).onRead(correlationId, found, valueVersion, timestampNs, buffer,
                        read.limit() + ValueReadDecoder.valueHeaderLength(), valueLength);
                    break;
                }
                final GridClient.Pending waiting = client.pending.remove(read.correlationId());
                final boolean found = BooleanType.TRUE == read.found();
                final long valueVersion = read.version();
                final long timestampNs = read.timestampNs();
                final byte[] value = new byte[read.valueLength()];
                read.getValue(value, 0, value.length);
                if (null != waiting)
                {
                    waiting.future.complete(found ? new ValueRecord(value, valueVersion, timestampNs) : null);
                }
                break;
            }

            default:
                break;
        }
    }

    private int sweep(final long nowNs)
    {
        int work = 0;
        if (client.pending.isEmpty() && client.leases.isEmpty())
        {
            return 0;
        }
        final Iterator<Map.Entry<Long, GridClient.Pending>> requests = client.pending.entrySet().iterator();
        while (requests.hasNext())
        {
            final GridClient.Pending waiting = requests.next().getValue();
            if (nowNs - waiting.deadlineNs > 0)
            {
                requests.remove();
                waiting.future.completeExceptionally(new GridTimeoutException("no answer from the node within the timeout"));
                work++;
            }
        }
        for (final Lease lease : client.leases.values())
        {
            if (!lease.expiringNotified && !lease.ended() && nowNs - (lease.safeUntilNs() - lease.ttlNs() / 4) > 0)
            {
                lease.expiringNotified = true;
                lease.listener().onExpiring(lease);
                work++;
            }
        }
        return work;
    }
}
