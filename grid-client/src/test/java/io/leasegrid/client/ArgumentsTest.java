package io.leasegrid.client;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgumentsTest
{
    private final Arguments arguments = new Arguments(new GridClientContext().conclude());

    @Test
    void shouldRefuseNamesOutsideTheirBoundsStatingTheLimit()
    {
        assertEquals(1, arguments.name("key", "k").length);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> arguments.name("key", ""))
            .getMessage().contains("1 to 256 bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> arguments.name("key", "k".repeat(70_000)))
            .getMessage().contains("not 70000"));
        assertThrows(NullPointerException.class, () -> arguments.name("key", null));
        assertThrows(IndexOutOfBoundsException.class, () -> arguments.name("key", new UnsafeBuffer(new byte[4]), 2, 3));
    }

    @Test
    void shouldRefuseValuesLongerThanTheNodeTakes()
    {
        arguments.value(new byte[64 * 1024]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> arguments.value(new byte[2 * 1024 * 1024]))
            .getMessage().contains("at most 65536 bytes"));
    }

    @Test
    void shouldRefuseTtlsAndWaitsOutOfRangeWithoutOverflowing()
    {
        assertEquals(Duration.ofSeconds(5).toNanos(), arguments.ttlNs(LeaseRequest.exclusive(Duration.ofSeconds(5))));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> arguments.ttlNs(LeaseRequest.exclusive(ChronoUnit.MILLENNIA.getDuration())))
            .getMessage().contains("TTL must be PT0.01S to PT1H"));
        assertThrows(IllegalArgumentException.class, () -> arguments.ttlNs(LeaseRequest.exclusive(Duration.ofMillis(1))));
        assertThrows(IllegalArgumentException.class, () -> arguments.ttlNs(LeaseRequest.exclusive(Duration.ofSeconds(-1))));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> arguments.ttlNs(
            LeaseRequest.exclusive(Duration.ofSeconds(5)).waitTimeout(Duration.ofNanos(Long.MAX_VALUE))))
            .getMessage().contains("wait timeout must be 0 to PT10M"));
        assertThrows(IllegalArgumentException.class, () -> LeaseRequest.semaphore(Duration.ofSeconds(1), 0));
    }

    @Test
    void shouldRouteOnlyLeaseIdsThatNameAPartitionOfTheGrid()
    {
        final PartitionRoutes routes = new PartitionRoutes();
        final ShardSession session = new ShardSession("aeron:ipc", 1, null);
        routes.update(1, new int[]{ 1, 1 }, new ShardSession[]{ session, session });
        assertEquals(session, routes.byLeaseId(io.leasegrid.codec.LeaseIds.leaseId(1, 5)));
        for (final long bogus : new long[]{ -1, 0, Long.MAX_VALUE, Long.MIN_VALUE, io.leasegrid.codec.LeaseIds.leaseId(2, 1) })
        {
            assertEquals(null, routes.byLeaseId(bogus), Long.toString(bogus));
        }
    }
}
