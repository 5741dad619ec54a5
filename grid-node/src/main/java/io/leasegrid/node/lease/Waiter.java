package io.leasegrid.node.lease;

import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.util.TimerNode;

/**
 * An acquire waiting in a resource's FIFO queue. Pooled and reused by its {@link LeaseTable}.
 */
public final class Waiter extends TimerNode
{
    long sessionId;
    long correlationId;
    long ttlNs;
    long waitTimeoutNs;
    long deadlineNs;
    LeaseMode mode;
    boolean autoRenew;
    int holderLimit;
    Resource resource;
    SessionLeases session;
    Waiter previous;
    Waiter next;
    Waiter previousInSession;
    Waiter nextInSession;

    /**
     * @return session that waits.
     */
    public long sessionId()
    {
        return sessionId;
    }

    /**
     * @return the acquire request it answers.
     */
    public long correlationId()
    {
        return correlationId;
    }

    /**
     * @return TTL the lease will have once granted.
     */
    public long ttlNs()
    {
        return ttlNs;
    }

    /**
     * @return how long it may wait in all.
     */
    public long waitTimeoutNs()
    {
        return waitTimeoutNs;
    }

    /**
     * @return primary-monotonic time at which the wait times out.
     */
    public long deadlineNs()
    {
        return deadlineNs;
    }

    /**
     * @return requested mode.
     */
    public LeaseMode mode()
    {
        return mode;
    }

    /**
     * @return whether the lease will be auto-renewed.
     */
    public boolean autoRenew()
    {
        return autoRenew;
    }

    /**
     * @return holder limit for a shared request, 0 for none.
     */
    public int holderLimit()
    {
        return holderLimit;
    }

    /**
     * @return resource waited for.
     */
    public Resource resource()
    {
        return resource;
    }

    /**
     * @return the waiter behind this one, or null.
     */
    public Waiter next()
    {
        return next;
    }

    /**
     * @return the next waiter of the same session in the partition, or null.
     */
    public Waiter nextInSession()
    {
        return nextInSession;
    }



    void reset()
    {
        resource = null;
        session = null;
        previous = null;
        next = null;
        previousInSession = null;
        nextInSession = null;
        mode = null;
    }
}
