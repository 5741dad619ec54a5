package io.leasegrid.node.lease;

import io.leasegrid.codec.internal.LeaseEndReason;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.codec.internal.WaiterLeaveReason;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.LeaseAcquireDecoder;
import io.leasegrid.codec.sbe.LeaseCancelWaitDecoder;
import io.leasegrid.codec.sbe.LeaseListRequestDecoder;
import io.leasegrid.codec.sbe.LeaseReleaseDecoder;
import io.leasegrid.codec.sbe.LeaseRenewDecoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestDecoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.node.RequestLimits;
import io.leasegrid.node.egress.EgressPublisher;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionLog;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.session.SessionManager;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import io.leasegrid.node.util.TimerWheel;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;

/**
 * The lease rules, decided as a partition's primary: who is granted, in which order, with which fencing token, when a
 * lease expires and a wait times out. Each decision is written through the {@link PartitionLog} and answered through
 * the {@link EgressPublisher} with the journal position it depends on.
 * <ul>
 *     <li>FIFO queues without barging: an acquire is granted at once only when nobody waits and it is compatible
 *     with the holders ({@link Resource#canHold}); otherwise it waits, or fails fast when it asked not to wait.</li>
 *     <li>Tokens strictly increase per resource; an expired lease is never renewed; only the holder's session renews
 *     or releases.</li>
 *     <li>Expiries and wait timeouts fire on the shard's monotonic clock through the timer wheel.</li>
 * </ul>
 * Owned by the shard's thread; steady-state acquire, renew and release allocate nothing.
 * <p>
 * Long because every lease request kind (acquire, renew, release, cancel, status, list) and every lease timer is
 * decided here, so that each rule exists once; encoding is in the {@link EgressPublisher}, state in {@link LeaseTable}.
 */
public final class LeaseDecider
{
    private static final int MAX_STATUS_HOLDERS = 1024;
    private static final int MAX_LIST_LEASES = 1000;
    private static final int MAX_LIST_BYTES = 60 * 1024;

    private final RequestLimits limits;
    private final int maxWaitersPerResource;
    private final PartitionLog log;
    private final EgressPublisher egress;
    private final SessionManager sessions;
    private final TimerWheel timers;
    private final NanoClock clock;
    private final ShardCounters counters;
    private final Alerts alerts;
    private final ExpandableArrayBuffer affectedNames = new ExpandableArrayBuffer(1024);
    private final IntArrayList affectedNameOffsets = new IntArrayList();
    private final ArrayList<Lease> listed = new ArrayList<>();
    private int listedBytes;

    public LeaseDecider(
        final RequestLimits limits,
        final int maxWaitersPerResource,
        final PartitionLog log,
        final EgressPublisher egress,
        final SessionManager sessions,
        final TimerWheel timers,
        final NanoClock clock,
        final ShardCounters counters,
        final Alerts alerts)
    {
        this.limits = limits;
        this.maxWaitersPerResource = maxWaitersPerResource;
        this.log = log;
        this.egress = egress;
        this.sessions = sessions;
        this.timers = timers;
        this.clock = clock;
        this.counters = counters;
        this.alerts = alerts;
    }

    /**
     * Acquire a lease on a resource of {@code partition}: granted at once when compatible and nobody waits, queued for
     * up to {@code waitTimeoutNs} otherwise (0 fails fast).
     *
     * @param mode null when the request named a mode that does not exist.
     */
    public void acquire(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final DirectBuffer resource,
        final int offset,
        final int length,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final int holderLimit,
        final boolean autoRenew)
    {
        final int template = LeaseAcquireDecoder.TEMPLATE_ID;
        ErrorCode invalid = limits.nameError(length);
        if (null == invalid)
        {
            invalid = limits.ttlError(ttlNs);
        }
        if (null == invalid)
        {
            invalid = limits.waitError(waitTimeoutNs);
        }
        if (null == invalid && (null == mode || holderLimit < 0 || (LeaseMode.EXCLUSIVE == mode && 0 != holderLimit)))
        {
            invalid = ErrorCode.MODE_MISMATCH;
        }
        if (null != invalid)
        {
            refuse(partition, session, correlationId, invalid, template);
            return;
        }
        if (!ensureSessionIn(partition, session, correlationId, template))
        {
            return;
        }

        final LeaseTable leases = partition.state().leases();
        final Resource held = leases.resource(resource, offset, length);
        if (null == held || (0 == held.waiterCount() && held.canHold(mode, holderLimit)))
        {
            grant(partition, session.sessionId(), correlationId, ttlNs, mode, autoRenew, holderLimit, resource, offset, length);
            return;
        }
        if (held.holderCount() > 0 && LeaseMode.SHARED == held.mode() && LeaseMode.SHARED == mode &&
            held.holderLimit() != holderLimit)
        {
            refuse(partition, session, correlationId, ErrorCode.HOLDER_LIMIT_MISMATCH, template);
            return;
        }
        if (0 == waitTimeoutNs)
        {
            refuse(partition, session, correlationId, ErrorCode.LEASE_UNAVAILABLE, template);
            return;
        }
        if (held.waiterCount() >= maxWaitersPerResource)
        {
            refuse(partition, session, correlationId, ErrorCode.WAIT_QUEUE_FULL, template);
            return;
        }
        if (null != leases.findWaiter(held, session.sessionId(), correlationId))
        {
            refuse(partition, session, correlationId, ErrorCode.INVALID_ARGUMENT, template);
            return;
        }

        final long position = log.enqueue(partition, session.sessionId(), correlationId, ttlNs, waitTimeoutNs, mode,
            autoRenew, holderLimit, resource, offset, length);
        if (PartitionLog.FAILED == position)
        {
            failed(partition, session, correlationId, template);
            return;
        }
        final Waiter waiter = log.lastEnqueued();
        timers.schedule(waiter, waiter.deadlineNs());
        egress.leaseQueued(partition, position, session, correlationId, waiter.resource().waiterCount());
    }

    /**
     * Renew a lease by its TTL. Only its session may; an expired lease is never revived.
     */
    public void renew(final Partition partition, final ClientSession session, final long correlationId, final long leaseId)
    {
        final Lease lease = heldLease(partition, session, correlationId, leaseId, LeaseRenewDecoder.TEMPLATE_ID);
        if (null == lease)
        {
            return;
        }
        final long position = log.renew(partition, leaseId, lease.ttlNs());
        if (PartitionLog.FAILED == position)
        {
            failed(partition, session, correlationId, LeaseRenewDecoder.TEMPLATE_ID);
            return;
        }
        egress.leaseRenewed(partition, position, session, correlationId, lease);
    }

    /**
     * Release a lease. Only its session may; waiters behind it are granted in FIFO order.
     */
    public void release(final Partition partition, final ClientSession session, final long correlationId, final long leaseId)
    {
        final Lease lease = heldLease(partition, session, correlationId, leaseId, LeaseReleaseDecoder.TEMPLATE_ID);
        if (null == lease)
        {
            return;
        }
        final long position = endLease(partition, lease, LeaseEndReason.RELEASED);
        if (PartitionLog.FAILED == position)
        {
            failed(partition, session, correlationId, LeaseReleaseDecoder.TEMPLATE_ID);
            return;
        }
        egress.leaseReleased(partition, position, session, correlationId, leaseId);
        promoteAffected(partition);
    }

    /**
     * Renew or release named a lease of no partition this grid has.
     */
    public void unknownLease(final ClientSession session, final long correlationId, final int template)
    {
        egress.error(null, 0, session, correlationId, ErrorCode.LEASE_NOT_FOUND, template);
    }

    /**
     * Who holds and who waits for a resource.
     */
    public void status(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        final ErrorCode invalid = limits.nameError(length);
        if (null != invalid)
        {
            refuse(partition, session, correlationId, invalid, LeaseStatusRequestDecoder.TEMPLATE_ID);
            return;
        }
        egress.leaseStatus(partition, partition.appendPosition(), session, correlationId,
            partition.state().leases().resource(resource, offset, length), resource, offset, length, MAX_STATUS_HOLDERS,
            clock.nanoTime());
    }

    /**
     * The leases of some partitions held by one session ({@code ownerSessionId}, 0 for any) on resources that start
     * with {@code prefix}, at most {@code maxLeases} (and what fits one answer).
     */
    public void list(
        final Partition[] partitions,
        final int partitionCount,
        final ClientSession session,
        final long correlationId,
        final int partitionId,
        final long ownerSessionId,
        final int maxLeases,
        final DirectBuffer prefix,
        final int prefixOffset,
        final int prefixLength)
    {
        if (maxLeases <= 0 || prefixLength < 0 || prefixLength > limits.maxNameLength())
        {
            egress.error(null, 0, session, correlationId, ErrorCode.INVALID_ARGUMENT, LeaseListRequestDecoder.TEMPLATE_ID);
            return;
        }
        final int limit = Math.min(maxLeases, MAX_LIST_LEASES);
        listed.clear();
        listedBytes = 0;
        boolean truncated = false;
        for (int i = 0; i < partitionCount && !truncated; i++)
        {
            final Partition partition = partitions[i];
            // Only the primary's copy answers: a replica's may lag, and every node is asked.
            if ((-1 != partitionId && partition.partitionId() != partitionId) || !partition.isPrimary())
            {
                continue;
            }
            final LeaseTable leases = partition.state().leases();
            if (0 != ownerSessionId)
            {
                final SessionLeases owned = leases.session(ownerSessionId);
                for (Lease lease = null == owned ? null : owned.firstLease(); null != lease && !truncated;
                    lease = lease.nextInSession())
                {
                    truncated = !listIfMatches(lease, prefix, prefixOffset, prefixLength, limit);
                }
            }
            else
            {
                for (final Lease lease : leases.leases())
                {
                    if (!listIfMatches(lease, prefix, prefixOffset, prefixLength, limit))
                    {
                        truncated = true;
                        break;
                    }
                }
            }
        }
        // A list looks across partitions: it leaves once each has committed what it read (at once with one copy).
        egress.leaseList(session, correlationId, partitionId, truncated, listed, partitions, partitionCount,
            clock.nanoTime());
        listed.clear();
    }

    /**
     * @return false when the lease matches but the list is full: the list is truncated.
     */
    private boolean listIfMatches(
        final Lease lease, final DirectBuffer prefix, final int prefixOffset, final int prefixLength, final int limit)
    {
        if (matches(lease.resource(), prefix, prefixOffset, prefixLength))
        {
            listedBytes += EgressPublisher.leaseListEntryLength(lease);
            if (listed.size() >= limit || listedBytes > MAX_LIST_BYTES)
            {
                return false;
            }
            listed.add(lease);
        }
        return true;
    }

    /**
     * A waiting client gives up: its acquire leaves the queue, unless it was granted (or ended) already.
     */
    public void cancelWait(
        final Partition[] partitions, final ClientSession session, final long correlationId, final long acquireCorrelationId)
    {
        final IntArrayList touched = session.partitions();
        for (int i = 0, size = touched.size(); i < size; i++)
        {
            final Partition partition = partitions[touched.getInt(i)];
            final SessionLeases held = partition.state().leases().session(session.sessionId());
            for (Waiter waiter = null == held ? null : held.firstWaiter(); null != waiter; waiter = waiter.nextInSession())
            {
                if (waiter.correlationId() == acquireCorrelationId)
                {
                    final long position = leaveQueue(partition, waiter, WaiterLeaveReason.CANCELLED);
                    if (PartitionLog.FAILED == position)
                    {
                        failed(partition, session, correlationId, LeaseCancelWaitDecoder.TEMPLATE_ID);
                        return;
                    }
                    egress.error(partition, position, session, acquireCorrelationId, ErrorCode.WAIT_CANCELLED,
                        LeaseAcquireDecoder.TEMPLATE_ID);
                    egress.waitCancelled(partition, position, session, correlationId, acquireCorrelationId, true);
                    promoteAffected(partition);
                    return;
                }
            }
        }
        egress.waitCancelled(null, 0, session, correlationId, acquireCorrelationId, false);
    }

    /**
     * A lease's timer fired: it expires unless it was renewed since.
     */
    public void onLeaseTimer(final Partition partition, final Lease lease, final long nowNs)
    {
        if (lease.isLiveAt(nowNs))
        {
            // Renewals move only the deadline; the timer catches up here.
            timers.schedule(lease, lease.expiresAtNs());
        }
        else
        {
            expire(partition, lease);
        }
    }

    /**
     * A waiter's timer fired: it times out unless its deadline moved.
     */
    public void onWaiterTimer(final Partition partition, final Waiter waiter, final long nowNs)
    {
        if (waiter.deadlineNs() - nowNs > 0)
        {
            timers.schedule(waiter, waiter.deadlineNs());
            return;
        }
        final long sessionId = waiter.sessionId();
        final long correlationId = waiter.correlationId();
        final long position = leaveQueue(partition, waiter, WaiterLeaveReason.TIMED_OUT);
        counters.increment(CounterType.WAIT_TIMEOUTS);
        alerts.raise(Alerts.Kind.WAITER_TIMED_OUT);
        final ClientSession session = sessions.session(sessionId);
        if (null != session && PartitionLog.FAILED != position)
        {
            egress.error(partition, position, session, correlationId, ErrorCode.WAIT_TIMEOUT, LeaseAcquireDecoder.TEMPLATE_ID);
        }
        promoteAffected(partition);
    }

    /**
     * A session ends in the partitions it touched: its waiters leave; a client close releases its leases, a timeout
     * leaves them to run out their TTL.
     */
    public void closeSession(final Partition[] partitions, final ClientSession session, final SessionCloseReason reason)
    {
        final io.leasegrid.codec.internal.SessionCloseReason journaled =
            io.leasegrid.codec.internal.SessionCloseReason.get(reason.value());
        final IntArrayList touched = session.partitions();
        for (int i = 0, size = touched.size(); i < size; i++)
        {
            final Partition partition = partitions[touched.getInt(i)];
            final SessionLeases held = partition.state().leases().session(session.sessionId());
            if (null == held)
            {
                continue;
            }
            for (Waiter waiter = held.firstWaiter(); null != waiter; waiter = waiter.nextInSession())
            {
                rememberAffected(waiter.resource());
                timers.cancel(waiter);
            }
            if (SessionCloseReason.CLIENT_CLOSE == reason)
            {
                for (Lease lease = held.firstLease(); null != lease; lease = lease.nextInSession())
                {
                    rememberAffected(lease.resource());
                    timers.cancel(lease);
                }
            }
            log.closeSession(partition, session.sessionId(), journaled);
            promoteAffected(partition);
        }
    }

    // ------------------------------------------------------------------------------------------------ decisions

    private void grant(
        final Partition partition,
        final long sessionId,
        final long correlationId,
        final long ttlNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        final LeaseTable leases = partition.state().leases();
        final long position = log.grant(partition, leases.nextLeaseId(), sessionId, leases.lastFencingToken() + 1, ttlNs,
            mode, autoRenew, holderLimit, correlationId, resource, offset, length);
        final ClientSession session = sessions.session(sessionId);
        if (PartitionLog.FAILED == position)
        {
            if (null != session)
            {
                failed(partition, session, correlationId, LeaseAcquireDecoder.TEMPLATE_ID);
            }
            return;
        }
        final Lease lease = log.lastGranted();
        timers.schedule(lease, lease.expiresAtNs());
        if (null != session)
        {
            egress.leaseGranted(partition, position, session, correlationId, lease);
        }
    }

    /**
     * Grant waiters at the head of each affected resource's queue while they are compatible with the holders.
     */
    private void promoteAffected(final Partition partition)
    {
        final LeaseTable leases = partition.state().leases();
        for (int i = 0; i < affectedNameOffsets.size(); i++)
        {
            final int nameOffset = affectedNameOffsets.getInt(i);
            final int nameLength = affectedNames.getInt(nameOffset);
            Resource resource = leases.resource(affectedNames, nameOffset + 4, nameLength);
            while (partition.isPrimary() && null != resource && null != resource.firstWaiter() &&
                resource.canHold(resource.firstWaiter().mode(), resource.firstWaiter().holderLimit()))
            {
                final Waiter head = resource.firstWaiter();
                timers.cancel(head);
                grant(partition, head.sessionId(), head.correlationId(), head.ttlNs(), head.mode(), head.autoRenew(),
                    head.holderLimit(), affectedNames, nameOffset + 4, nameLength);
                resource = leases.resource(affectedNames, nameOffset + 4, nameLength);
            }
        }
        affectedNameOffsets.clear();
    }

    private void expire(final Partition partition, final Lease lease)
    {
        final long sessionId = lease.sessionId();
        final long leaseId = lease.leaseId();
        final long token = lease.fencingToken();
        final long position = endLease(partition, lease, LeaseEndReason.EXPIRED);
        counters.increment(CounterType.EXPIRIES);
        alerts.raise(Alerts.Kind.LEASE_EXPIRED_WITHOUT_RELEASE);
        final ClientSession session = sessions.session(sessionId);
        if (null != session && PartitionLog.FAILED != position)
        {
            final int nameOffset = affectedNameOffsets.getInt(affectedNameOffsets.size() - 1);
            egress.leaseExpired(partition, position, session, leaseId, token, affectedNames, nameOffset + 4,
                affectedNames.getInt(nameOffset));
        }
        promoteAffected(partition);
    }

    private long endLease(final Partition partition, final Lease lease, final LeaseEndReason reason)
    {
        rememberAffected(lease.resource());
        timers.cancel(lease);
        return log.end(partition, lease.leaseId(), reason);
    }

    private long leaveQueue(final Partition partition, final Waiter waiter, final WaiterLeaveReason reason)
    {
        final Resource resource = waiter.resource();
        rememberAffected(resource);
        timers.cancel(waiter);
        return log.leave(partition, waiter.sessionId(), waiter.correlationId(), reason, resource.nameBuffer(), 0,
            resource.nameLength());
    }

    private void rememberAffected(final Resource resource)
    {
        int offset = 0;
        if (!affectedNameOffsets.isEmpty())
        {
            final int last = affectedNameOffsets.getInt(affectedNameOffsets.size() - 1);
            offset = last + 4 + affectedNames.getInt(last);
        }
        affectedNames.putInt(offset, resource.nameLength());
        affectedNames.putBytes(offset + 4, resource.nameBuffer(), 0, resource.nameLength());
        affectedNameOffsets.addInt(offset);
    }

    // ----------------------------------------------------------------------------------------------- the rules

    /**
     * A session has journaled state in a partition from its first lease or wait there, so that the partition knows
     * whose leases are whose after a restart, and the session can resume.
     */
    private boolean ensureSessionIn(
        final Partition partition, final ClientSession session, final long correlationId, final int template)
    {
        if (null == partition.state().leases().session(session.sessionId()))
        {
            if (PartitionLog.FAILED == log.openSession(
                partition, session.sessionId(), session.timeoutNs(), session.clientName(), session.nonce()))
            {
                failed(partition, session, correlationId, template);
                return false;
            }
            session.touch(partition.partitionId());
        }
        return true;
    }

    /**
     * The lease a renew or release names, when this session holds it and it is live; otherwise the refusal is
     * answered here and null returned. A lease found past its expiry is ended now, never revived.
     */
    private Lease heldLease(
        final Partition partition, final ClientSession session, final long correlationId, final long leaseId, final int template)
    {
        final Lease lease = partition.state().leases().lease(leaseId);
        if (null == lease)
        {
            refuse(partition, session, correlationId, ErrorCode.LEASE_NOT_FOUND, template);
            return null;
        }
        if (lease.sessionId() != session.sessionId())
        {
            refuse(partition, session, correlationId, ErrorCode.NOT_LEASE_HOLDER, template);
            return null;
        }
        if (!lease.isLiveAt(clock.nanoTime()))
        {
            expire(partition, lease);
            refuse(partition, session, correlationId, ErrorCode.LEASE_EXPIRED, template);
            return null;
        }
        return lease;
    }

    private static boolean matches(
        final Resource resource, final DirectBuffer prefix, final int prefixOffset, final int prefixLength)
    {
        if (resource.nameLength() < prefixLength)
        {
            return false;
        }
        for (int i = 0; i < prefixLength; i++)
        {
            if (resource.nameBuffer().getByte(i) != prefix.getByte(prefixOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * A refusal reads the partition's state as it stands, so it is released once everything appended so far commits.
     */
    private void refuse(
        final Partition partition, final ClientSession session, final long correlationId, final ErrorCode code,
        final int template)
    {
        egress.error(partition, partition.appendPosition(), session, correlationId, code, template);
    }

    private void failed(final Partition partition, final ClientSession session, final long correlationId, final int template)
    {
        alerts.raise(Alerts.Kind.PARTITION_FAILED);
        egress.error(null, 0, session, correlationId, ErrorCode.INTERNAL_ERROR, template);
    }
}
