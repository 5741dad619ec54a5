package io.leasegrid.client;

import org.agrona.concurrent.NanoClock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A lease the grid granted this client. Its fencing token goes with every write it guards.
 * <p>
 * {@link #isValid()} answers, on this client's own monotonic clock, whether the client may still act as the holder:
 * until its <b>safe-until</b> time, which only ever comes from a request this lease's session sent for this lease and
 * the grid answered (the acquire that granted it, or a renewal): the send time of that request, plus the TTL, minus a
 * clock-drift bound. Nothing else extends it: not keep-alives, not another lease's renewal, not a reconnect. The grid
 * cannot have given the resource to anyone else before then; once it passes unconfirmed, or the grid ends the lease,
 * or its session is lost, the lease has ended on this client for good: {@link LeaseListener#onExpired} fires, and fenced
 * puts with it are refused before they are sent.
 * <p>
 * Thread safe.
 */
public final class Lease implements AutoCloseable
{
    /**
     * Where a lease stands on this client.
     */
    enum State
    {
        /** Granted after a wait: a renewal confirms how long it may be used before it is handed out. */
        CONFIRMING,
        /** Held: valid until its safe-until time. */
        HELD,
        /** Ended: released, expired, refused, lapsed or lost with its session. */
        ENDED
    }

    private final GridClient client;
    private final NanoClock clock;
    private volatile ShardSession session;
    private final String resource;
    private final long leaseId;
    private final long fencingToken;
    private final long ttlNs;
    private final long driftBoundNs;
    private final LeaseMode mode;
    private final boolean autoRenew;
    private final LeaseListener listener;
    private volatile State state = State.CONFIRMING;
    private volatile long safeUntilNs;
    private boolean confirmed;
    private volatile String endReason;
    boolean expiringNotified;
    long nextRenewNs;

    Lease(
        final GridClient client,
        final NanoClock clock,
        final ShardSession session,
        final String resource,
        final long leaseId,
        final long fencingToken,
        final long ttlNs,
        final long clockDriftBoundNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final LeaseListener listener)
    {
        this.client = client;
        this.clock = clock;
        this.session = session;
        this.resource = resource;
        this.leaseId = leaseId;
        this.fencingToken = fencingToken;
        this.ttlNs = ttlNs;
        this.driftBoundNs = Math.min(clockDriftBoundNs, ttlNs / 2);
        this.mode = mode;
        this.autoRenew = autoRenew;
        this.listener = listener;
    }

    /**
     * @return the resource it holds.
     */
    public String resource()
    {
        return resource;
    }

    /**
     * @return the lease id, which names its partition.
     */
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

    /**
     * @return its time to live; a renewal extends it by this much from the renewal.
     */
    public Duration ttl()
    {
        return Duration.ofNanos(ttlNs);
    }

    long ttlNs()
    {
        return ttlNs;
    }

    /**
     * @return the mode it holds in.
     */
    public LeaseMode mode()
    {
        return mode;
    }

    /**
     * @return whether the client renews it on its own, about every third of its TTL.
     */
    public boolean autoRenew()
    {
        return autoRenew;
    }

    /**
     * @return id of the session that holds it.
     */
    public long sessionId()
    {
        return session.sessionId();
    }

    ShardSession session()
    {
        return session;
    }

    /**
     * Its partition moved to another node, which inherited it: renewals and the release go to the session resumed
     * there from now on.
     */
    void movedTo(final ShardSession session)
    {
        this.session = session;
    }

    LeaseListener listener()
    {
        return listener;
    }

    State state()
    {
        return state;
    }

    /**
     * @return true while the client may act as the holder: held, and before its safe-until time.
     */
    public boolean isValid()
    {
        return State.HELD == state && clock.nanoTime() - safeUntilNs < 0;
    }

    /**
     * @return the client-monotonic time ({@link GridClientContext#nanoClock()}, by default {@link System#nanoTime()})
     * until which the lease is safe to use.
     */
    public long safeUntilNs()
    {
        return safeUntilNs;
    }

    /**
     * @return why the lease ended on this client, or null while it has not.
     */
    public String endReason()
    {
        return endReason;
    }

    /**
     * The grid answered a request for this lease sent at {@code sendNs}: it holds at least until then plus its TTL, on
     * the grid's clock; on ours, less a drift bound. The one rule of safe-until.
     */
    void confirmedBy(final long sendNs)
    {
        final long candidate = sendNs + ttlNs - driftBoundNs;
        if (!confirmed || candidate - safeUntilNs > 0)
        {
            safeUntilNs = candidate;
            confirmed = true;
            expiringNotified = false;
        }
    }

    /**
     * The lease may be handed out: held from now on.
     */
    void held(final long nowNs)
    {
        if (State.CONFIRMING == state)
        {
            state = State.HELD;
            nextRenewNs = nowNs + renewIntervalNs();
        }
    }

    /**
     * @return how often an auto-renew lease is renewed: a third of the time a confirmation keeps it valid here (its TTL
     * less the drift bound), so two renewals in a row may be late or lost before it ends. For long TTLs that is about a
     * third of the TTL; a 10 ms lease is renewed every 1.7 ms, not 3.3 ms, which left it too little room on a busy
     * machine.
     */
    long renewIntervalNs()
    {
        return Math.max(1, (ttlNs - driftBoundNs) / 3);
    }

    /**
     * End the lease on this client.
     *
     * @return true when this call ended it (it was not ended already).
     */
    boolean end(final String reason)
    {
        synchronized (this)
        {
            if (State.ENDED == state)
            {
                return false;
            }
            state = State.ENDED;
            endReason = reason;
            return true;
        }
    }

    /**
     * Extend the lease by its TTL, waiting for the grid's answer.
     *
     * @throws GridException with {@code LEASE_EXPIRED} or {@code LEASE_NOT_FOUND} when it is already gone.
     */
    public void renew()
    {
        client.renew(this);
    }

    /**
     * Extend the lease by its TTL without waiting; the future completes on the client's event thread.
     *
     * @return completed when the grid renewed it, or exceptionally with a {@link GridException}.
     */
    public CompletableFuture<Void> renewAsync()
    {
        return client.renewAsync(this);
    }

    /**
     * Give the lease back, waiting for the grid's answer; waiters behind it are granted.
     *
     * @throws GridException when the grid no longer had it (it ends on this client either way).
     */
    public void release()
    {
        client.release(this);
    }

    /**
     * Give the lease back without waiting; the future completes on the client's event thread.
     *
     * @return completed when the grid released it, or exceptionally with a {@link GridException}.
     */
    public CompletableFuture<Void> releaseAsync()
    {
        return client.releaseAsync(this);
    }

    /**
     * Release the lease if it is still held; a lease already gone is not an error here.
     */
    public void close()
    {
        if (State.ENDED != state)
        {
            try
            {
                release();
            }
            catch (final GridException ex)
            {
                end("closed: " + ex.code());
            }
        }
    }

    public String toString()
    {
        return "Lease{" + resource + ", id=" + leaseId + ", token=" + fencingToken + ", " + mode +
            ", ttl=" + Duration.ofNanos(ttlNs) + (isValid() ? ", valid" : ", not valid") +
            (null == endReason ? "" : ", ended: " + endReason) + "}";
    }
}
