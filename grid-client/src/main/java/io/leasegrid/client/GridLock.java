package io.leasegrid.client;

import io.leasegrid.codec.sbe.ErrorCode;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A {@link Lock} view of an exclusive, auto-renewed lease, for code written against the JDK. Not reentrant:
 * locking twice from the same holder waits for itself until the wait times out. {@link #newCondition()} is not
 * supported. The current lease, with its fencing token, is {@link #lease()}.
 */
public final class GridLock implements Lock
{
    private static final long FOREVER_WAIT_NS = TimeUnit.MINUTES.toNanos(10);

    private final GridClient client;
    private final String resource;
    private final Duration ttl;
    private volatile Lease lease;

    GridLock(final GridClient client, final String resource, final Duration ttl)
    {
        this.client = client;
        this.resource = resource;
        this.ttl = ttl;
    }

    /**
     * @return the lease held through this lock, or null.
     */
    public Lease lease()
    {
        return lease;
    }

    public void lock()
    {
        while (!tryLock(FOREVER_WAIT_NS))
        {
            Thread.onSpinWait();
        }
    }

    public void lockInterruptibly() throws InterruptedException
    {
        while (!tryLock(FOREVER_WAIT_NS))
        {
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
        }
    }

    public boolean tryLock()
    {
        return tryLock(0);
    }

    public boolean tryLock(final long time, final TimeUnit unit)
    {
        return tryLock(unit.toNanos(time));
    }

    public void unlock()
    {
        final Lease held = lease;
        if (null == held)
        {
            throw new IllegalMonitorStateException("not locked: " + resource);
        }
        lease = null;
        held.close();
    }

    public Condition newCondition()
    {
        throw new UnsupportedOperationException("conditions are not supported by grid locks");
    }

    private boolean tryLock(final long waitNs)
    {
        try
        {
            lease = client.acquire(resource, LeaseRequest.exclusive(ttl).autoRenew(true).waitTimeout(Duration.ofNanos(waitNs)));
            return true;
        }
        catch (final GridException ex)
        {
            if (ex.code() == ErrorCode.LEASE_UNAVAILABLE || ex.code() == ErrorCode.WAIT_TIMEOUT)
            {
                return false;
            }
            throw ex;
        }
    }
}
