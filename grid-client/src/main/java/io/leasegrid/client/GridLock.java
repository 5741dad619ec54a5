package io.leasegrid.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A {@link Lock} over an exclusive, auto-renewed lease, behaving as a JDK lock does:
 * <ul>
 *     <li>owned by the thread that locked it: {@link #unlock()} from another thread throws
 *     {@link IllegalMonitorStateException};</li>
 *     <li>reentrant: the owner may lock it again, and must unlock it as many times (one lease throughout);</li>
 *     <li>{@link #lockInterruptibly()} and {@link #tryLock(long, TimeUnit)} give up when interrupted, and their wait
 *     leaves the grid's queue at once; {@link #lock()} is not interruptible, as the contract says;</li>
 *     <li>a lock whose lease was lost (it expired, its session was lost) is no longer held: {@link #unlock()} throws
 *     {@link IllegalMonitorStateException} saying so, and {@link #isHeld()} is false.</li>
 * </ul>
 * The lease, with its fencing token, is {@link #lease()}. {@link #newCondition()} is not supported. Thread safe.
 */
public final class GridLock implements Lock
{
    private static final Duration LONGEST_WAIT = Duration.ofMinutes(10);

    private final GridClient client;
    private final String resource;
    private final Duration ttl;
    private Thread owner;
    private int holds;
    private Lease lease;

    GridLock(final GridClient client, final String resource, final Duration ttl)
    {
        this.client = client;
        this.resource = resource;
        this.ttl = ttl;
    }

    /**
     * @return the resource locked.
     */
    public String resource()
    {
        return resource;
    }

    /**
     * @return the lease held through this lock, or null when it is not held.
     */
    public synchronized Lease lease()
    {
        return lease;
    }

    /**
     * @return the fencing token of the lease held, to present with every write the lock guards.
     * @throws IllegalMonitorStateException when the lock is not held.
     */
    public synchronized long fencingToken()
    {
        if (null == lease)
        {
            throw new IllegalMonitorStateException("not locked: " + resource);
        }
        return lease.fencingToken();
    }

    /**
     * @return true when the calling thread holds the lock and its lease is valid.
     */
    public synchronized boolean isHeldByCurrentThread()
    {
        return Thread.currentThread() == owner && null != lease && lease.isValid();
    }

    /**
     * @return true while some thread of this client holds the lock and its lease is valid.
     */
    public synchronized boolean isHeld()
    {
        return null != lease && lease.isValid();
    }

    /**
     * @return how many times the owner has locked it without unlocking.
     */
    public synchronized int holdCount()
    {
        return Thread.currentThread() == owner ? holds : 0;
    }

    public void lock()
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                if (acquire(LONGEST_WAIT.toNanos(), false))
                {
                    break;
                }
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    public void lockInterruptibly() throws InterruptedException
    {
        if (Thread.interrupted())
        {
            throw new InterruptedException("interrupted before locking " + resource);
        }
        while (!acquire(LONGEST_WAIT.toNanos(), true))
        {
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted while waiting for " + resource);
            }
        }
    }

    public boolean tryLock()
    {
        try
        {
            return acquire(0, true);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean tryLock(final long time, final TimeUnit unit) throws InterruptedException
    {
        if (Thread.interrupted())
        {
            throw new InterruptedException("interrupted before locking " + resource);
        }
        return acquire(Math.max(0, unit.toNanos(time)), true);
    }

    /**
     * Unlock once; the lease is released when the owner's last hold goes.
     *
     * @throws IllegalMonitorStateException when the calling thread does not hold the lock, or its lease was lost.
     */
    public void unlock()
    {
        final Lease released;
        synchronized (this)
        {
            if (Thread.currentThread() != owner)
            {
                throw new IllegalMonitorStateException(null == owner ? "not locked: " + resource :
                    "locked by another thread: " + resource);
            }
            if (--holds > 0)
            {
                if (!lease.isValid())
                {
                    throw new IllegalMonitorStateException("the lock on " + resource + " was lost: " + lost(lease));
                }
                return;
            }
            released = lease;
            lease = null;
            owner = null;
        }
        if (!released.isValid())
        {
            released.close();
            throw new IllegalMonitorStateException("the lock on " + resource + " was lost while held: " + lost(released));
        }
        released.close();
    }

    public Condition newCondition()
    {
        throw new UnsupportedOperationException("conditions are not supported by grid locks");
    }

    public String toString()
    {
        final Lease held = lease();
        return "GridLock{" + resource + (null == held ? ", unlocked" : ", " + held) + "}";
    }

    private boolean acquire(final long waitNs, final boolean interruptible) throws InterruptedException
    {
        synchronized (this)
        {
            if (Thread.currentThread() == owner)
            {
                if (null != lease && lease.isValid())
                {
                    holds++;
                    return true;
                }
                throw new IllegalMonitorStateException("the lock on " + resource + " was lost while held: " + lost(lease));
            }
        }
        final Lease granted;
        try
        {
            granted = client.acquire(
                resource, LeaseRequest.exclusive(ttl).autoRenew(true).waitTimeout(Duration.ofNanos(waitNs)), interruptible);
        }
        catch (final GridException ex)
        {
            if (ErrorCode.INTERRUPTED == ex.code())
            {
                Thread.interrupted();
                throw new InterruptedException("interrupted while waiting for " + resource);
            }
            if (ErrorCode.LEASE_UNAVAILABLE == ex.code() || ErrorCode.WAIT_TIMEOUT == ex.code())
            {
                return false;
            }
            throw ex;
        }
        synchronized (this)
        {
            owner = Thread.currentThread();
            holds = 1;
            lease = granted;
        }
        return true;
    }

    private static String lost(final Lease lease)
    {
        return null == lease || null == lease.endReason() ? "its lease is no longer valid" : lease.endReason();
    }
}
