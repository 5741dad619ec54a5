package io.leasegrid.client;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * How to acquire a lease: mode, TTL, how long to wait in the queue (zero, the default, fails fast), whether the
 * client renews it on its own (about every third of its TTL), the holder limit of a shared lease, a listener, and a
 * callback for the queue position. Ranges are checked when the request is used; the request itself is only read, so
 * one request can serve many calls. Not thread safe while it is being built.
 */
public final class LeaseRequest
{
    private static final LeaseListener NO_LISTENER = new LeaseListener()
    {
    };

    final LeaseMode mode;
    final Duration ttl;
    Duration waitTimeout = Duration.ZERO;
    boolean autoRenew;
    int holderLimit;
    LeaseListener listener = NO_LISTENER;
    IntConsumer onQueued;

    private LeaseRequest(final LeaseMode mode, final Duration ttl)
    {
        this.mode = mode;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
    }

    /**
     * @param ttl time to live.
     * @return a request for an exclusive lease.
     */
    public static LeaseRequest exclusive(final Duration ttl)
    {
        return new LeaseRequest(LeaseMode.EXCLUSIVE, ttl);
    }

    /**
     * @param ttl time to live.
     * @return a request for a shared lease without a holder limit.
     */
    public static LeaseRequest shared(final Duration ttl)
    {
        return new LeaseRequest(LeaseMode.SHARED, ttl);
    }

    /**
     * @param ttl     time to live.
     * @param holders at most this many shared holders at once, at least 1.
     * @return a request for a permit of a semaphore.
     */
    public static LeaseRequest semaphore(final Duration ttl, final int holders)
    {
        if (holders < 1)
        {
            throw new IllegalArgumentException("a semaphore needs at least 1 permit: " + holders);
        }
        final LeaseRequest request = new LeaseRequest(LeaseMode.SHARED, ttl);
        request.holderLimit = holders;
        return request;
    }

    /**
     * @param waitTimeout how long to wait in the resource's FIFO queue; zero fails fast when it is held.
     * @return this.
     */
    public LeaseRequest waitTimeout(final Duration waitTimeout)
    {
        this.waitTimeout = Objects.requireNonNull(waitTimeout, "waitTimeout");
        return this;
    }

    /**
     * @param autoRenew whether the client renews the lease on its own, about every third of its TTL.
     * @return this.
     */
    public LeaseRequest autoRenew(final boolean autoRenew)
    {
        this.autoRenew = autoRenew;
        return this;
    }

    /**
     * @param onQueued told the 1-based queue position when the request has to wait, on the client's event thread.
     * @return this.
     */
    public LeaseRequest onQueued(final IntConsumer onQueued)
    {
        this.onQueued = onQueued;
        return this;
    }

    /**
     * @param listener told before the lease can expire and when it has.
     * @return this.
     */
    public LeaseRequest listener(final LeaseListener listener)
    {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * @return the mode asked for.
     */
    public LeaseMode mode()
    {
        return mode;
    }

    /**
     * @return the TTL asked for.
     */
    public Duration ttl()
    {
        return ttl;
    }

    /**
     * @return how long the request may wait in the queue.
     */
    public Duration waitTimeout()
    {
        return waitTimeout;
    }

    /**
     * @return whether the client renews the lease on its own.
     */
    public boolean autoRenew()
    {
        return autoRenew;
    }

    /**
     * @return the holder limit, 0 for none.
     */
    public int holderLimit()
    {
        return holderLimit;
    }
}
