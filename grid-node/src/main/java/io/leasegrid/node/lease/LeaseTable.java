package io.leasegrid.node.lease;

import io.leasegrid.codec.LeaseIds;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.util.BytesKeyMap;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * The lease state of one partition: resources with their holders and FIFO waiters, leases by id, and what each
 * session holds. It only records decisions; it never decides. The primary decides (who is granted, which token,
 * when something expires), journals the decision, and applies it here; replay applies the same journal the same
 * way, so every copy of a partition reaches the same state.
 * <p>
 * Fencing tokens, lease ids and the counters behind them only grow, so they stay strictly increasing per resource
 * across grants, releases, restarts and recoveries. Lease, waiter and resource objects are pooled: steady-state
 * acquire and release allocate nothing. Not thread safe: owned by the partition's shard.
 * <p>
 * Long because it owns the pooled, intrusively linked structures (holders, waiters, leases by id and by session)
 * whose links must change together; each operation keeps all of them consistent in one place.
 */
public final class LeaseTable
{
    private final int partitionId;
    private final BytesKeyMap<Resource> resources = new BytesKeyMap<>(1024);
    private final Long2ObjectHashMap<Lease> leases = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<SessionLeases> sessions = new Long2ObjectHashMap<>();
    private final ArrayList<Lease> freeLeases = new ArrayList<>();
    private final ArrayList<Waiter> freeWaiters = new ArrayList<>();
    private final ArrayList<Resource> freeResources = new ArrayList<>();
    private long lastFencingToken;
    private long lastLeaseSequence;
    private long waiterCount;

    /**
     * @param partitionId of the partition.
     */
    public LeaseTable(final int partitionId)
    {
        this.partitionId = partitionId;
    }

    /**
     * @return partition this table belongs to.
     */
    public int partitionId()
    {
        return partitionId;
    }

    /**
     * @return highest fencing token issued in the partition.
     */
    public long lastFencingToken()
    {
        return lastFencingToken;
    }

    /**
     * @return highest lease sequence issued in the partition.
     */
    public long lastLeaseSequence()
    {
        return lastLeaseSequence;
    }

    /**
     * @return id the next granted lease will get.
     */
    public long nextLeaseId()
    {
        return LeaseIds.leaseId(partitionId, lastLeaseSequence + 1);
    }

    /**
     * @return number of live leases.
     */
    public int leaseCount()
    {
        return leases.size();
    }

    /**
     * @return number of waiting acquires.
     */
    public long waiterCount()
    {
        return waiterCount;
    }

    /**
     * @return number of resources with holders or waiters.
     */
    public int resourceCount()
    {
        return resources.size();
    }

    /**
     * Look up a resource by name.
     *
     * @return the resource or null when nobody holds or waits for it.
     */
    public Resource resource(final DirectBuffer buffer, final int offset, final int length)
    {
        return resources.get(buffer, offset, length, BytesKeyMap.hash(buffer, offset, length));
    }

    /**
     * @param leaseId of the lease.
     * @return the live lease or null.
     */
    public Lease lease(final long leaseId)
    {
        return leases.get(leaseId);
    }

    /**
     * @return every live lease, in no particular order; for listing, not for the hot path.
     */
    public java.util.Collection<Lease> leases()
    {
        return leases.values();
    }

    /**
     * @param sessionId of the session.
     * @return what it holds in this partition, or null when it is unknown here.
     */
    public SessionLeases session(final long sessionId)
    {
        return sessions.get(sessionId);
    }

    /**
     * Record a session in this partition, with what it takes to let the session resume after a restart.
     */
    public SessionLeases openSession(final long sessionId, final long timeoutNs, final String clientName, final byte[] nonce)
    {
        final SessionLeases session = openSessionIfAbsent(sessionId);
        session.timeoutNs = timeoutNs;
        session.clientName = clientName;
        session.nonce = nonce;
        return session;
    }

    /**
     * The one rule of fencing: the live holder of {@code resource} whose token is {@code fencingToken}, or null when
     * the token is not (or no longer) a current holder's.
     */
    public Lease liveHolderWithToken(final Resource resource, final long fencingToken, final long nowNs)
    {
        if (null != resource)
        {
            for (Lease holder = resource.firstHolder; null != holder; holder = holder.nextHolder)
            {
                if (holder.fencingToken == fencingToken && holder.isLiveAt(nowNs))
                {
                    return holder;
                }
            }
        }
        return null;
    }

    /**
     * Record a grant.
     *
     * @return the new lease.
     */
    public Lease grant(
        final long leaseId,
        final long sessionId,
        final long fencingToken,
        final long ttlNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final long correlationId,
        final DirectBuffer resourceName,
        final int offset,
        final int length,
        final long nowNs)
    {
        final Resource resource = acquireResource(resourceName, offset, length);
        final Waiter waiter = findWaiter(resource, sessionId, correlationId);
        if (null != waiter)
        {
            unlinkWaiter(waiter);
            freeWaiters.add(waiter);
        }

        final Lease lease = freeLeases.isEmpty() ? new Lease() : freeLeases.remove(freeLeases.size() - 1);
        lease.leaseId = leaseId;
        lease.sessionId = sessionId;
        lease.fencingToken = fencingToken;
        lease.ttlNs = ttlNs;
        lease.expiresAtNs = nowNs + ttlNs;
        lease.mode = mode;
        lease.autoRenew = autoRenew;
        lease.resource = resource;

        if (0 == resource.holderCount)
        {
            resource.mode = mode;
            resource.holderLimit = LeaseMode.SHARED == mode ? holderLimit : 0;
        }
        lease.previousHolder = resource.lastHolder;
        if (null == resource.lastHolder)
        {
            resource.firstHolder = lease;
        }
        else
        {
            resource.lastHolder.nextHolder = lease;
        }
        resource.lastHolder = lease;
        resource.holderCount++;

        final SessionLeases session = openSessionIfAbsent(sessionId);
        lease.session = session;
        lease.nextInSession = session.firstLease;
        if (null != session.firstLease)
        {
            session.firstLease.previousInSession = lease;
        }
        session.firstLease = lease;
        session.leaseCount++;
        if (autoRenew)
        {
            session.autoRenewCount++;
        }

        leases.put(leaseId, lease);
        lastFencingToken = Math.max(lastFencingToken, fencingToken);
        lastLeaseSequence = Math.max(lastLeaseSequence, LeaseIds.sequence(leaseId));
        return lease;
    }

    /**
     * Record a renewal: the lease now expires {@code ttlNs} after {@code nowNs}.
     */
    public void renew(final Lease lease, final long ttlNs, final long nowNs)
    {
        lease.ttlNs = ttlNs;
        lease.expiresAtNs = nowNs + ttlNs;
    }

    /**
     * Record the end of a lease (release, expiry or session close). The lease object goes back to the pool.
     */
    public void end(final Lease lease)
    {
        final Resource resource = lease.resource;
        if (null == lease.previousHolder)
        {
            resource.firstHolder = lease.nextHolder;
        }
        else
        {
            lease.previousHolder.nextHolder = lease.nextHolder;
        }
        if (null == lease.nextHolder)
        {
            resource.lastHolder = lease.previousHolder;
        }
        else
        {
            lease.nextHolder.previousHolder = lease.previousHolder;
        }
        if (--resource.holderCount == 0)
        {
            resource.mode = null;
            resource.holderLimit = 0;
        }

        final SessionLeases session = lease.session;
        if (null != session)
        {
            if (null == lease.previousInSession)
            {
                session.firstLease = lease.nextInSession;
            }
            else
            {
                lease.previousInSession.nextInSession = lease.nextInSession;
            }
            if (null != lease.nextInSession)
            {
                lease.nextInSession.previousInSession = lease.previousInSession;
            }
            session.leaseCount--;
            if (lease.autoRenew)
            {
                session.autoRenewCount--;
            }
        }

        leases.remove(lease.leaseId);
        lease.reset();
        freeLeases.add(lease);
        releaseResourceIfIdle(resource);
    }

    /**
     * Record an acquire joining the back of a resource's queue.
     *
     * @return the new waiter.
     */
    public Waiter enqueue(
        final long sessionId,
        final long correlationId,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resourceName,
        final int offset,
        final int length,
        final long nowNs)
    {
        final Resource resource = acquireResource(resourceName, offset, length);
        final Waiter waiter = freeWaiters.isEmpty() ? new Waiter() : freeWaiters.remove(freeWaiters.size() - 1);
        waiter.sessionId = sessionId;
        waiter.correlationId = correlationId;
        waiter.ttlNs = ttlNs;
        waiter.waitTimeoutNs = waitTimeoutNs;
        waiter.deadlineNs = nowNs + waitTimeoutNs;
        waiter.mode = mode;
        waiter.autoRenew = autoRenew;
        waiter.holderLimit = holderLimit;
        waiter.resource = resource;

        waiter.previous = resource.lastWaiter;
        if (null == resource.lastWaiter)
        {
            resource.firstWaiter = waiter;
        }
        else
        {
            resource.lastWaiter.next = waiter;
        }
        resource.lastWaiter = waiter;
        resource.waiterCount++;

        final SessionLeases session = openSessionIfAbsent(sessionId);
        waiter.session = session;
        waiter.nextInSession = session.firstWaiter;
        if (null != session.firstWaiter)
        {
            session.firstWaiter.previousInSession = waiter;
        }
        session.firstWaiter = waiter;
        session.waiterCount++;
        waiterCount++;
        return waiter;
    }

    /**
     * Find the waiter of an acquire.
     *
     * @return the waiter or null.
     */
    public Waiter findWaiter(final Resource resource, final long sessionId, final long correlationId)
    {
        if (null == resource)
        {
            return null;
        }
        for (Waiter waiter = resource.firstWaiter; null != waiter; waiter = waiter.next)
        {
            if (waiter.sessionId == sessionId && waiter.correlationId == correlationId)
            {
                return waiter;
            }
        }
        return null;
    }

    /**
     * Record a waiter leaving its queue without a grant (timeout or session close).
     */
    public void removeWaiter(final Waiter waiter)
    {
        final Resource resource = waiter.resource;
        unlinkWaiter(waiter);
        freeWaiters.add(waiter);
        releaseResourceIfIdle(resource);
    }

    /**
     * Record a session closing: its waiters leave at once; its leases are released when {@code releaseLeases},
     * otherwise they stop being auto-renewed and run out their TTL.
     */
    public void closeSession(final SessionLeases session, final boolean releaseLeases)
    {
        while (null != session.firstWaiter)
        {
            removeWaiter(session.firstWaiter);
        }
        if (releaseLeases)
        {
            while (null != session.firstLease)
            {
                end(session.firstLease);
            }
        }
        else
        {
            for (Lease lease = session.firstLease; null != lease; lease = lease.nextInSession)
            {
                lease.autoRenew = false;
                lease.session = null;
            }
            // The leases stay until they expire, linked to no session.
            for (Lease lease = session.firstLease; null != lease; )
            {
                final Lease next = lease.nextInSession;
                lease.previousInSession = null;
                lease.nextInSession = null;
                lease = next;
            }
        }
        sessions.remove(session.sessionId);
    }

    /**
     * Record a new primary taking over: every deadline keeps the time it had left at the last checkpoint, counted
     * from {@code nowNs}, never more than its full TTL or wait timeout, never less than zero.
     */
    public void rebase(final long nowNs, final long lastCheckpointNs)
    {
        leases.forEach((id, lease) ->
            lease.expiresAtNs = nowNs + clamp(lease.expiresAtNs - lastCheckpointNs, lease.ttlNs));
        resources.forEach(resource ->
        {
            for (Waiter waiter = resource.firstWaiter; null != waiter; waiter = waiter.next)
            {
                waiter.deadlineNs = nowNs + clamp(waiter.deadlineNs - lastCheckpointNs, waiter.waitTimeoutNs);
            }
        });
    }

    /**
     * Visit every resource.
     */
    public void forEachResource(final Consumer<Resource> consumer)
    {
        resources.forEach(consumer);
    }

    /**
     * Visit every session known to the partition.
     */
    public void forEachSession(final Consumer<SessionLeases> consumer)
    {
        sessions.values().forEach(consumer);
    }

    /**
     * Set the counters, as a snapshot restores them.
     */
    public void restoreCounters(final long lastFencingToken, final long lastLeaseSequence)
    {
        this.lastFencingToken = lastFencingToken;
        this.lastLeaseSequence = lastLeaseSequence;
    }

    /**
     * Restore a lease from a snapshot, after its session and in holder order.
     */
    public Lease restoreLease(
        final long leaseId,
        final long sessionId,
        final long fencingToken,
        final long ttlNs,
        final long expiresAtNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final boolean sessionKnown,
        final DirectBuffer resourceName,
        final int offset,
        final int length)
    {
        final long savedToken = lastFencingToken;
        final long savedSequence = lastLeaseSequence;
        final Lease lease = grant(leaseId, sessionId, fencingToken, ttlNs, mode, autoRenew, holderLimit, 0,
            resourceName, offset, length, expiresAtNs - ttlNs);
        lease.expiresAtNs = expiresAtNs;
        if (!sessionKnown)
        {
            final SessionLeases session = lease.session;
            session.firstLease = lease.nextInSession;
            if (null != lease.nextInSession)
            {
                lease.nextInSession.previousInSession = null;
            }
            session.leaseCount--;
            if (autoRenew)
            {
                session.autoRenewCount--;
            }
            lease.session = null;
            lease.nextInSession = null;
            if (0 == session.leaseCount && 0 == session.waiterCount && session.timeoutNs == 0)
            {
                sessions.remove(sessionId);
            }
        }
        lastFencingToken = savedToken;
        lastLeaseSequence = savedSequence;
        return lease;
    }

    /**
     * Restore a waiter from a snapshot, in queue order.
     */
    public Waiter restoreWaiter(
        final long sessionId,
        final long correlationId,
        final long ttlNs,
        final long waitTimeoutNs,
        final long deadlineNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resourceName,
        final int offset,
        final int length)
    {
        final Waiter waiter = enqueue(sessionId, correlationId, ttlNs, waitTimeoutNs, mode, autoRenew, holderLimit,
            resourceName, offset, length, deadlineNs - waitTimeoutNs);
        waiter.deadlineNs = deadlineNs;
        return waiter;
    }

    private static long clamp(final long remainingNs, final long fullNs)
    {
        return Math.max(0, Math.min(remainingNs, fullNs));
    }

    private SessionLeases openSessionIfAbsent(final long sessionId)
    {
        SessionLeases session = sessions.get(sessionId);
        if (null == session)
        {
            session = new SessionLeases();
            session.sessionId = sessionId;
            sessions.put(sessionId, session);
        }
        return session;
    }

    private Resource acquireResource(final DirectBuffer name, final int offset, final int length)
    {
        final long hash = BytesKeyMap.hash(name, offset, length);
        Resource resource = resources.get(name, offset, length, hash);
        if (null == resource)
        {
            resource = freeResources.isEmpty() ? new Resource() : freeResources.remove(freeResources.size() - 1);
            resource.name(name, offset, length, hash);
            resources.add(resource, hash);
        }
        return resource;
    }

    private void releaseResourceIfIdle(final Resource resource)
    {
        if (0 == resource.holderCount && 0 == resource.waiterCount)
        {
            resources.remove(resource, resource.nameHash);
            resource.reset();
            freeResources.add(resource);
        }
    }

    private void unlinkWaiter(final Waiter waiter)
    {
        final Resource resource = waiter.resource;
        if (null == waiter.previous)
        {
            resource.firstWaiter = waiter.next;
        }
        else
        {
            waiter.previous.next = waiter.next;
        }
        if (null == waiter.next)
        {
            resource.lastWaiter = waiter.previous;
        }
        else
        {
            waiter.next.previous = waiter.previous;
        }
        resource.waiterCount--;

        final SessionLeases session = waiter.session;
        if (null != session)
        {
            if (null == waiter.previousInSession)
            {
                session.firstWaiter = waiter.nextInSession;
            }
            else
            {
                waiter.previousInSession.nextInSession = waiter.nextInSession;
            }
            if (null != waiter.nextInSession)
            {
                waiter.nextInSession.previousInSession = waiter.previousInSession;
            }
            session.waiterCount--;
        }
        waiterCount--;
        waiter.reset();
    }
}
