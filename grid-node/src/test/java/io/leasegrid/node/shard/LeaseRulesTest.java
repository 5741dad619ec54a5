package io.leasegrid.node.shard;

import io.leasegrid.codec.sbe.LeaseMode;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.HashMap;
import java.util.List;

import static io.leasegrid.node.shard.ShardHarness.MS;
import static io.leasegrid.node.shard.ShardHarness.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseRulesTest
{
    private static final long TTL = 10 * SECOND;
    private static final long WAIT = 5 * SECOND;

    @TempDir
    File dir;

    private ShardHarness grid;

    @BeforeEach
    void start()
    {
        grid = new ShardHarness(dir);
        for (long session = 1; session <= 6; session++)
        {
            grid.open(session);
        }
        grid.events();
    }

    @AfterEach
    void stop()
    {
        grid.close();
    }

    @Test
    void shouldGrantExclusiveAndFailFastWhenHeld()
    {
        grid.exclusive(1, "orders", TTL, 0);
        grid.exclusive(2, "orders", TTL, 0);
        assertEquals(List.of("GRANTED c=7 s=1 EXCLUSIVE orders token=1", "ERROR c=8 s=2 LEASE_UNAVAILABLE"), grid.events());
    }

    @Test
    void shouldShareButQueueSharedBehindAQueuedExclusive()
    {
        grid.shared(1, "book", TTL, 0, 0);
        grid.shared(2, "book", TTL, 0, 0);
        final long s1Lease = grid.listener.lastLeaseId - 1;
        final long s2Lease = grid.listener.lastLeaseId;
        grid.exclusive(3, "book", TTL, WAIT);
        grid.shared(4, "book", TTL, WAIT, 0);
        assertEquals(List.of(
            "GRANTED c=7 s=1 SHARED book token=1",
            "GRANTED c=8 s=2 SHARED book token=2",
            "QUEUED c=9 s=3 at=1",
            "QUEUED c=10 s=4 at=2"), grid.events());

        grid.release(1, s1Lease);
        assertEquals(List.of("RELEASED c=11 s=1"), grid.events(), "exclusive still waits for the other holder");
        grid.release(2, s2Lease);
        assertEquals(List.of("RELEASED c=12 s=2", "GRANTED c=9 s=3 EXCLUSIVE book token=3"), grid.events());

        grid.release(3, grid.listener.lastLeaseId);
        assertEquals(List.of("RELEASED c=13 s=3", "GRANTED c=10 s=4 SHARED book token=4"), grid.events());
    }

    @Test
    void shouldGrantInStrictFifoOrderWithMixedModes()
    {
        grid.exclusive(1, "r", TTL, 0);
        final long first = grid.listener.lastLeaseId;
        grid.shared(2, "r", TTL, WAIT, 0);
        grid.shared(3, "r", TTL, WAIT, 0);
        grid.exclusive(4, "r", TTL, WAIT);
        grid.shared(5, "r", TTL, WAIT, 0);
        grid.events();

        grid.release(1, first);
        assertEquals(List.of(
            "RELEASED c=12 s=1",
            "GRANTED c=8 s=2 SHARED r token=2",
            "GRANTED c=9 s=3 SHARED r token=3"), grid.events(), "the exclusive at position 3 blocks the shared behind it");

        final long sharedB = grid.listener.lastLeaseId;
        grid.release(2, sharedB - 1);
        assertEquals(List.of("RELEASED c=13 s=2"), grid.events());
        grid.release(3, sharedB);
        assertEquals(List.of("RELEASED c=14 s=3", "GRANTED c=10 s=4 EXCLUSIVE r token=4"), grid.events());
        grid.release(4, grid.listener.lastLeaseId);
        assertEquals(List.of("RELEASED c=15 s=4", "GRANTED c=11 s=5 SHARED r token=5"), grid.events());
    }

    @Test
    void shouldLimitSharedHoldersLikeASemaphore()
    {
        grid.shared(1, "pool", TTL, 0, 2);
        final long firstPermit = grid.listener.lastLeaseId;
        grid.shared(2, "pool", TTL, 0, 2);
        grid.shared(3, "pool", TTL, WAIT, 2);
        grid.shared(4, "pool", TTL, 0, 2);
        grid.shared(5, "pool", TTL, WAIT, 3);
        assertEquals(List.of(
            "GRANTED c=7 s=1 SHARED pool token=1",
            "GRANTED c=8 s=2 SHARED pool token=2",
            "QUEUED c=9 s=3 at=1",
            "ERROR c=10 s=4 LEASE_UNAVAILABLE",
            "ERROR c=11 s=5 HOLDER_LIMIT_MISMATCH"), grid.events());

        grid.release(1, firstPermit);
        assertEquals(List.of("RELEASED c=12 s=1", "GRANTED c=9 s=3 SHARED pool token=3"), grid.events());
    }

    @Test
    void shouldIssueStrictlyIncreasingTokensPerResource()
    {
        long previous = 0;
        for (int i = 0; i < 50; i++)
        {
            grid.exclusive(1 + i % 3, "token-test", TTL, 0);
            final long token = grid.listener.lastToken;
            assertTrue(token > previous, "token " + token + " after " + previous);
            previous = token;
            grid.release(1 + i % 3, grid.listener.lastLeaseId);
        }
    }

    @Test
    void shouldRenewByTtlAndRejectForeignUnknownAndExpiredLeases()
    {
        grid.exclusive(1, "renewal", TTL, 0);
        final long leaseId = grid.listener.lastLeaseId;
        grid.advance(9 * SECOND);
        grid.renew(1, leaseId);
        grid.renew(2, leaseId);
        grid.renew(1, leaseId + 1000);
        grid.release(2, leaseId);
        assertEquals(List.of(
            "GRANTED c=7 s=1 EXCLUSIVE renewal token=1",
            "RENEWED c=8 s=1 token=1",
            "ERROR c=9 s=2 NOT_LEASE_HOLDER",
            "ERROR c=10 s=1 LEASE_NOT_FOUND",
            "ERROR c=11 s=2 NOT_LEASE_HOLDER"), grid.events());

        grid.advance(9 * SECOND);
        assertEquals(List.of(), grid.events(), "the renewal pushed expiry to 19 s after the grant");
        grid.advance(2 * SECOND);
        assertEquals(List.of("EXPIRED s=1 renewal token=1"), grid.events());
        grid.renew(1, leaseId);
        grid.release(1, leaseId);
        assertEquals(List.of("ERROR c=12 s=1 LEASE_NOT_FOUND", "ERROR c=13 s=1 LEASE_NOT_FOUND"), grid.events());
    }

    @Test
    void shouldNeverReviveALeaseWhoseExpiryRacesItsRenewal()
    {
        grid.exclusive(1, "race", TTL, 0);
        final long leaseId = grid.listener.lastLeaseId;
        grid.exclusive(2, "race", TTL, WAIT);
        grid.events();

        // A duty cycle begins after the expiry, and the renewal arrives before the cycle fires its timers.
        grid.clock.advance(TTL);
        grid.shard.updateClocks();
        grid.renew(1, leaseId);
        assertEquals(List.of(
            "EXPIRED s=1 race token=1",
            "GRANTED c=8 s=2 EXCLUSIVE race token=2",
            "ERROR c=9 s=1 LEASE_EXPIRED"), grid.events());
    }

    @Test
    void shouldExpireOnTheTimerWheelAndGrantTheNextWaiter()
    {
        grid.exclusive(1, "ttl", 2 * SECOND, 0);
        grid.exclusive(2, "ttl", TTL, 3 * SECOND);
        grid.events();
        grid.advance(2 * SECOND - MS);
        assertEquals(List.of(), grid.events());
        grid.advance(3 * MS);
        assertEquals(List.of("EXPIRED s=1 ttl token=1", "GRANTED c=8 s=2 EXCLUSIVE ttl token=2"), grid.events());
    }

    @Test
    void shouldTimeOutWaitersAndLetTheOnesBehindThrough()
    {
        grid.exclusive(1, "slow", TTL, 0);
        final long holder = grid.listener.lastLeaseId;
        grid.exclusive(2, "slow", TTL, 1 * SECOND);
        grid.exclusive(3, "slow", TTL, 5 * SECOND);
        grid.events();
        grid.advance(1 * SECOND + 2 * MS);
        assertEquals(List.of("ERROR c=8 s=2 WAIT_TIMEOUT"), grid.events());
        grid.release(1, holder);
        assertEquals(List.of("RELEASED c=10 s=1", "GRANTED c=9 s=3 EXCLUSIVE slow token=2"), grid.events());
    }

    @Test
    void shouldGrantAWaiterWhoseTimeoutRacesARelease()
    {
        grid.exclusive(1, "edge", TTL, 0);
        final long holder = grid.listener.lastLeaseId;
        grid.exclusive(2, "edge", TTL, 1 * SECOND);
        grid.events();

        // Release and wait timeout fall due in the same duty cycle; the release is handled first and wins.
        grid.clock.advance(1 * SECOND);
        grid.shard.updateClocks();
        grid.release(1, holder);
        grid.advance(5 * MS);
        assertEquals(List.of("RELEASED c=9 s=1", "GRANTED c=8 s=2 EXCLUSIVE edge token=2"), grid.events());
    }

    @Test
    void shouldLetTheTimeoutWinWhenItFiresBeforeTheRelease()
    {
        grid.exclusive(1, "edge", TTL, 0);
        final long holder = grid.listener.lastLeaseId;
        grid.exclusive(2, "edge", TTL, 1 * SECOND);
        grid.events();
        grid.advance(1 * SECOND + 2 * MS);
        grid.release(1, holder);
        assertEquals(List.of("ERROR c=8 s=2 WAIT_TIMEOUT", "RELEASED c=9 s=1"), grid.events());
    }

    @Test
    void shouldRenewNoLeaseOnKeepAlive()
    {
        // Each lease is renewed on its own by its client: a keep-alive keeps the session, not its leases.
        grid.acquire(1, "auto", 2 * SECOND, 0, LeaseMode.EXCLUSIVE, 0, true);
        grid.acquire(1, "manual", 2 * SECOND, 0, LeaseMode.EXCLUSIVE, 0, false);
        grid.events();
        for (int i = 0; i < 5; i++)
        {
            grid.advance(SECOND);
            grid.keepAlive(1);
        }
        final List<String> events = grid.events();
        assertEquals(2, events.size(), events.toString());
        assertTrue(events.stream().anyMatch(event -> event.startsWith("EXPIRED s=1 auto ")), events.toString());
        assertTrue(events.stream().anyMatch(event -> event.startsWith("EXPIRED s=1 manual ")), events.toString());
    }

    @Test
    void shouldDropWaitersAtOnceWhenTheirSessionTimesOut()
    {
        grid.close();
        grid = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 2 * SECOND, new HashMap<>());
        for (long session = 1; session <= 2; session++)
        {
            grid.open(session);
        }
        grid.open(7);
        grid.exclusive(1, "held", 30 * SECOND, 0);
        grid.exclusive(7, "held", TTL, 20 * SECOND);
        grid.exclusive(2, "held", TTL, 20 * SECOND);
        grid.events();
        // Sessions 1 and 2 keep alive; 7 falls silent.
        for (int i = 0; i < 4; i++)
        {
            grid.advance(500 * MS);
            grid.keepAlive(1);
            grid.keepAlive(2);
        }
        grid.advance(2 * MS);
        assertEquals(List.of("TIMED OUT s=7"), grid.events(), "no answer but the notice that the session is gone");
        assertEquals(1, grid.shard.partitionState(ShardHarness.partitionOf("held")).leases().waiterCount());
        assertEquals(2, grid.shard.sessions().sessionCount());
    }

    @Test
    void shouldReleaseLeasesAndWaitersWhenTheClientClosesItsSession()
    {
        grid.exclusive(1, "a", TTL, 0);
        grid.exclusive(2, "a", TTL, WAIT);
        grid.exclusive(2, "b", TTL, 0);
        grid.exclusive(1, "b", TTL, WAIT);
        grid.events();
        grid.close(1);
        final List<String> events = grid.events();
        assertTrue(events.contains("GRANTED c=8 s=2 EXCLUSIVE a token=" + tokenIn(events, "a")), events.toString());
        assertTrue(events.contains("CLOSED c=11 s=1"), events.toString());
        assertEquals(0, grid.shard.partitionState(ShardHarness.partitionOf("b")).leases().resource(
            ShardHarness.bytes("b"), 0, 1).waiterCount());
        assertNull(grid.session(1));
        grid.exclusive(1, "c", TTL, 0);
        assertEquals(List.of(), grid.events(), "a closed session's frames are dropped");
    }

    @Test
    void shouldRejectBadInputWithTypedErrors()
    {
        grid.exclusive(1, "x".repeat(257), TTL, 0);
        grid.exclusive(1, "", TTL, 0);
        grid.exclusive(1, "x", MS, 0);
        grid.exclusive(1, "x", TTL, -1);
        grid.acquire(1, "x", TTL, 0, LeaseMode.EXCLUSIVE, 3, false);
        grid.exclusive(42, "x", TTL, 0);
        assertEquals(List.of(
            "ERROR c=7 s=1 KEY_TOO_LONG",
            "ERROR c=8 s=1 INVALID_ARGUMENT",
            "ERROR c=9 s=1 INVALID_TTL",
            "ERROR c=10 s=1 INVALID_ARGUMENT",
            "ERROR c=11 s=1 MODE_MISMATCH"), grid.events(), "a frame of an unknown session is dropped, not answered");
        assertEquals(1, grid.shard.sessions().foreignFrames());
    }

    private static String tokenIn(final List<String> events, final String resource)
    {
        for (final String event : events)
        {
            if (event.startsWith("GRANTED") && event.contains(" " + resource + " "))
            {
                return event.substring(event.indexOf("token=") + 6);
            }
        }
        return "?";
    }
}
