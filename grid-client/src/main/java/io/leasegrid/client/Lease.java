package io.leasegrid.client;

import io.leasegrid.codec.sbe.LeaseMode;

import java.time.Duration;

/**
 * A lease the grid granted this client. Its fencing token goes with every write it guards; {@link #isValid()}
 * answers on the client's own monotonic clock whether the grid can still be counting on this client as the
 * holder (send time of the grant or renewal + TTL - a clock-drift bound). Thread safe.
 */
public final class Lease implements AutoCloseable
{
    private final GridClient client;
    private final String resource;
    private final long leaseId;
    private final long fencingToken;
    private final long ttlNs;
    private final LeaseMode mode;
    private final boolean autoRenew;
    private final LeaseListener listener;
    private volatile long safeUntilNs;
    private volatile boolean ended;
    volatile boolean expiringNotified;

    Lease(
        final GridClient client,
        final String resource,
        final long leaseId,
        final long fencingToken,
        final long ttlNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final LeaseListener listener,
        final long safeUntilNs)
    {
        this.client = client;
        this.resource = resource;
        this.leaseId = leaseId;
        this.fencingToken = fencingToken;
        this.ttlNs = ttlNs;
        this.mode = mode;
        this.autoRenew = autoRenew;
        this.listener = listener;
        this.safeUntilNs = safeUntilNs;
    }

    public String resource()
    {
        return resource;
    }

    public long leaseId()
    {
        return leaseId;
    }

    /**
     * @return the token to present with every write this lease guards; strictly greater than any earlier holder's.
     */
    public long fencingToken()
    {
        return fencingToken;
    }

    public Duration ttl()
    {
        return Duration.ofNanos(ttlNs);
    }

    long ttlNs()
    {
        return ttlNs;
    }

    public LeaseMode mode()
    {
        return mode;
    }

    public boolean autoRenew()
    {
        return autoRenew;
    }

    LeaseListener listener()
    {
        return listener;
    }

    /**
     * @return true while the client may act as the holder: before safe-until and not ended.
     */
    public boolean isValid()
    {
        return !ended && System.nanoTime() - safeUntilNs < 0;
    }

    /**
     * @return the client-monotonic time ({@link System#nanoTime()}) until which the lease is safe.
     */
    public long safeUntilNs()
    {
        return safeUntilNs;
    }

    void safeUntilNs(final long safeUntilNs)
    {
        if (safeUntilNs - this.safeUntilNs > 0)
        {
            this.safeUntilNs = safeUntilNs;
            expiringNotified = false;
        }
    }

    boolean ended()
    {
        return ended;
    }

    void markEnded()
    {
        ended = true;
    }

    /**
     * Extend the lease by its TTL.
     *
     * @throws GridException with {@code LEASE_EXPIRED} or {@code LEASE_NOT_FOUND} when it is already gone.
     */
    public void renew()
    {
        client.renew(this);
    }

    /**
     * Give the lease back; waiters behind it are granted.
     */
    public void release()
    {
        client.release(this);
    }

    /**
     * Release the lease if it is still held; a lease already gone is not an error here.
     */
    public void close()
    {
        if (!ended)
        {
            try
            {
                release();
            }
            catch (final GridException ex)
            {
                markEnded();
            }
        }
    }

    public String toString()
    {
        return "Lease{" + resource + ", id=" + leaseId + ", token=" + fencingToken + ", " + mode +
            ", ttl=" + Duration.ofNanos(ttlNs) + (isValid() ? ", valid" : ", not valid") + "}";
    }
}
