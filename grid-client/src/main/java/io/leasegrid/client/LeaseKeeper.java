package io.leasegrid.client;

import java.util.concurrent.Executor;

/**
 * Keeps each lease honest as time passes: renews auto-renew leases about every third of their TTL
 * ({@link Lease#renewIntervalNs()}), tells listeners a
 * quarter of the TTL before safe-until when no renewal came, and ends a lease whose safe-until passed unconfirmed
 * (the grid expires it on its own clock soon after). Ending a lease, for whatever reason, happens here:
 * once, with {@link LeaseListener#onExpired} on the event executor when the holder did not ask for it.
 * <p>
 * Called from the duty cycle.
 */
final class LeaseKeeper
{
    private final RequestOutcomes client;
    private final Executor events;

    LeaseKeeper(final RequestOutcomes client, final Executor events)
    {
        this.client = client;
        this.events = events;
    }

    /**
     * @return leases that needed something.
     */
    int tick(final ShardSession[] sessions, final long nowNs)
    {
        int work = 0;
        for (final ShardSession session : sessions)
        {
            if (session.leases.isEmpty())
            {
                continue;
            }
            for (final Lease lease : session.leases.values())
            {
                work += tick(session, lease, nowNs);
            }
        }
        return work;
    }

    private int tick(final ShardSession session, final Lease lease, final long nowNs)
    {
        if (Lease.State.HELD != lease.state())
        {
            return 0;
        }
        final long safeUntilNs = lease.safeUntilNs();
        if (nowNs - safeUntilNs >= 0)
        {
            // The grid may count it a little longer, until its own expiry; this client can no longer be sure of it.
            end(lease, "its safe-until time passed before a renewal confirmed it", true);
            return 1;
        }
        int work = 0;
        if (lease.autoRenew() && nowNs - lease.nextRenewNs >= 0 && session.isOpen())
        {
            lease.nextRenewNs = nowNs + lease.renewIntervalNs();
            client.sendRenewal(lease);
            work++;
        }
        if (!lease.expiringNotified && nowNs - (safeUntilNs - lease.ttlNs() / 4) > 0)
        {
            lease.expiringNotified = true;
            final LeaseListener listener = lease.listener();
            events.execute(() -> listener.onExpiring(lease));
            work++;
        }
        return work;
    }

    /**
     * End a lease on this client: it is no longer valid, its session forgets it, and its listener hears
     * {@link LeaseListener#onExpired} when {@code notify} (everything but a release the holder asked for).
     */
    void end(final Lease lease, final String reason, final boolean notify)
    {
        if (lease.end(reason))
        {
            lease.session().leases.remove(lease.leaseId(), lease);
            if (notify)
            {
                final LeaseListener listener = lease.listener();
                events.execute(() -> listener.onExpired(lease));
            }
        }
    }
}
