package io.leasegrid.client;

import io.leasegrid.codec.sbe.LeaseMode;

import java.time.Duration;
import java.util.function.IntConsumer;

/**
 * How to acquire a lease: mode, TTL, how long to wait in the queue (zero fails fast), auto-renewal by the
 * session keep-alive, holder limit for a shared lease, and a listener.
 */
public final class LeaseRequest
{
    final LeaseMode mode;
    final Duration ttl;
    Duration waitTimeout = Duration.ZERO;
    boolean autoRenew;
    int holderLimit;
    LeaseListener listener = new LeaseListener()
    {
    };
    IntConsumer onQueued;

    private LeaseRequest(final LeaseMode mode, final Duration ttl)
    {
        this.mode = mode;
        this.ttl = ttl;
    }

    public static LeaseRequest exclusive(final Duration ttl)
    {
        return new LeaseRequest(LeaseMode.EXCLUSIVE, ttl);
    }

    public static LeaseRequest shared(final Duration ttl)
    {
        return new LeaseRequest(LeaseMode.SHARED, ttl);
    }

    /**
     * A semaphore: at most {@code holders} shared holders at once.
     */
    public static LeaseRequest semaphore(final Duration ttl, final int holders)
    {
        final LeaseRequest request = new LeaseRequest(LeaseMode.SHARED, ttl);
        request.holderLimit = holders;
        return request;
    }

    public LeaseRequest waitTimeout(final Duration waitTimeout)
    {
        this.waitTimeout = waitTimeout;
        return this;
    }

    public long waitTimeoutNs()
    {
        return waitTimeout.toNanos();
    }

    public LeaseRequest autoRenew(final boolean autoRenew)
    {
        this.autoRenew = autoRenew;
        return this;
    }

    /**
     * @param onQueued told the 1-based queue position when the request has to wait (on the client's conductor thread).
     * @return this.
     */
    public LeaseRequest onQueued(final IntConsumer onQueued)
    {
        this.onQueued = onQueued;
        return this;
    }

    public LeaseRequest listener(final LeaseListener listener)
    {
        this.listener = listener;
        return this;
    }
}
