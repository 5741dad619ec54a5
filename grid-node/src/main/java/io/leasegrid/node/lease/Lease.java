package io.leasegrid.node.lease;

import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.util.TimerNode;

/**
 * A granted lease: one holder of a {@link Resource}. Pooled and reused by its {@link LeaseTable}; never hold on to
 * one after it ends. Linked into its resource's holder list and its session's lease list.
 */
public final class Lease extends TimerNode
{
    long leaseId;
    long sessionId;
    long fencingToken;
    long ttlNs;
    long expiresAtNs;
    LeaseMode mode;
    boolean autoRenew;
    Resource resource;
    SessionLeases session;
    Lease previousHolder;
    Lease nextHolder;
    Lease previousInSession;
    Lease nextInSession;

    /**
     * @return id of the lease, naming its partition.
     */
    public long leaseId()
    {
        return leaseId;
    }

    /**
     * @return session that holds it.
     */
    public long sessionId()
    {
        return sessionId;
    }

    /**
     * @return fencing token issued with the grant.
     */
    public long fencingToken()
    {
        return fencingToken;
    }

    /**
     * @return TTL a renewal extends it by.
     */
    public long ttlNs()
    {
        return ttlNs;
    }

    /**
     * @return primary-monotonic time at which it expires unless renewed.
     */
    public long expiresAtNs()
    {
        return expiresAtNs;
    }

    /**
     * @return true while the lease has not reached its expiry at {@code nowNs}, whether or not its timer fired yet.
     */
    public boolean isLiveAt(final long nowNs)
    {
        return expiresAtNs - nowNs > 0;
    }

    /**
     * @return mode it was granted in.
     */
    public LeaseMode mode()
    {
        return mode;
    }

    /**
     * @return whether its client renews it on its own (recorded for audits; the node treats all leases alike).
     */
    public boolean autoRenew()
    {
        return autoRenew;
    }

    /**
     * @return resource it holds.
     */
    public Resource resource()
    {
        return resource;
    }

    /**
     * @return true while a live session owns it; false once its session timed out and it runs out its TTL.
     */
    public boolean attachedToSession()
    {
        return null != session;
    }

    /**
     * @return the next holder of the same resource, or null.
     */
    public Lease nextHolder()
    {
        return nextHolder;
    }

    /**
     * @return the next lease of the same session in the partition, or null.
     */
    public Lease nextInSession()
    {
        return nextInSession;
    }



    void reset()
    {
        resource = null;
        session = null;
        previousHolder = null;
        nextHolder = null;
        previousInSession = null;
        nextInSession = null;
        mode = null;
    }
}
