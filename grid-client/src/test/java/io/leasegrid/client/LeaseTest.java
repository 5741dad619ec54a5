package io.leasegrid.client;

import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final CachedNanoClock clock = new CachedNanoClock();

    @Test
    void shouldBeValidOnlyWhileHeldAndBeforeTheLatestConfirmationsSafeUntil()
    {
        clock.update(-5 * SECOND);
        final Lease lease = new Lease(null, clock, null, "r", 1, 1, 2 * SECOND, TimeUnit.MILLISECONDS.toNanos(50),
            LeaseMode.EXCLUSIVE, false, new LeaseListener()
        {
        });
        lease.confirmedBy(clock.nanoTime());
        assertFalse(lease.isValid(), "not handed out yet");
        lease.held(clock.nanoTime());
        assertTrue(lease.isValid());
        assertEquals(clock.nanoTime() + 2 * SECOND - TimeUnit.MILLISECONDS.toNanos(50), lease.safeUntilNs());

        final long older = clock.nanoTime() - SECOND;
        lease.confirmedBy(older);
        assertEquals(clock.nanoTime() + 2 * SECOND - TimeUnit.MILLISECONDS.toNanos(50), lease.safeUntilNs(),
            "an older confirmation never shortens it");

        clock.advance(2 * SECOND);
        assertFalse(lease.isValid());
        assertTrue(lease.end("done"));
        assertFalse(lease.end("again"));
        lease.confirmedBy(clock.nanoTime());
        assertFalse(lease.isValid(), "an ended lease never comes back");
    }

    @Test
    void shouldTakeAtMostHalfTheTtlAsDriftBound()
    {
        clock.update(0);
        final Lease lease = new Lease(null, clock, null, "r", 1, 1, TimeUnit.MILLISECONDS.toNanos(40), SECOND,
            LeaseMode.EXCLUSIVE, false, new LeaseListener()
        {
        });
        lease.confirmedBy(0);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(20), lease.safeUntilNs());
    }

    @Test
    void shouldRenewThreeTimesWithinTheTimeAConfirmationKeepsItValid()
    {
        final long ms = TimeUnit.MILLISECONDS.toNanos(1);
        final Lease shortLease = new Lease(null, clock, null, "r", 1, 1, 10 * ms, 50 * ms, LeaseMode.EXCLUSIVE, true,
            new LeaseListener()
        {
        });
        // Valid for 5 ms after each renewal is sent (10 ms less a 5 ms drift bound): renewed every 1.67 ms.
        assertEquals(5 * ms / 3, shortLease.renewIntervalNs());
        final Lease longLease = new Lease(null, clock, null, "r", 1, 1, 30 * SECOND, 50 * ms, LeaseMode.EXCLUSIVE, true,
            new LeaseListener()
        {
        });
        assertEquals((30 * SECOND - 50 * ms) / 3, longLease.renewIntervalNs());
    }
}
