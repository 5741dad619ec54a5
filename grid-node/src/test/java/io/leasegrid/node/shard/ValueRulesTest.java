package io.leasegrid.node.shard;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.List;

import static io.leasegrid.node.shard.ShardHarness.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ValueRulesTest
{
    @TempDir
    File dir;

    private ShardHarness grid;

    @BeforeEach
    void start()
    {
        grid = new ShardHarness(dir);
        grid.open(1);
        grid.open(2);
        grid.events();
    }

    @AfterEach
    void stop()
    {
        grid.close();
    }

    @Test
    void shouldPutGetAndDeleteWithVersionsThatKeepIncreasing()
    {
        grid.put("price:{AAPL}", "187.10");
        grid.put("price:{AAPL}", "187.12");
        grid.get("price:{AAPL}");
        delete("price:{AAPL}");
        grid.get("price:{AAPL}");
        delete("price:{AAPL}");
        grid.put("price:{AAPL}", "190.00");
        assertEquals(List.of(
            "WRITTEN c=3 v=1 existed=false",
            "WRITTEN c=4 v=2 existed=true",
            "READ c=5 v=2 187.12",
            "WRITTEN c=6 v=3 existed=true",
            "READ c=7 absent",
            "WRITTEN c=8 v=0 existed=false",
            "WRITTEN c=9 v=4 existed=false"), grid.events());
    }

    @Test
    void shouldCompareAndSetOnVersion()
    {
        cas("k", 0, "first");
        cas("k", 0, "second");
        cas("k", 1, "third");
        grid.get("k");
        assertEquals(List.of(
            "WRITTEN c=3 v=1 existed=false",
            "ERROR c=4 s=1 VERSION_MISMATCH",
            "WRITTEN c=5 v=2 existed=true",
            "READ c=6 v=2 third"), grid.events());
    }

    @Test
    void shouldAcceptFencedPutsOnlyFromTheCurrentHolder()
    {
        grid.exclusive(1, "feed:{AAPL}", 2 * SECOND, 0);
        final long oldToken = grid.listener.lastToken;
        fencedPut(1, oldToken, "price:{AAPL}", "feed:{AAPL}", "187.10");
        grid.events();

        grid.advance(2 * SECOND + 2 * ShardHarness.MS);
        grid.exclusive(2, "feed:{AAPL}", 2 * SECOND, 0);
        final long newToken = grid.listener.lastToken;
        grid.events();

        fencedPut(1, oldToken, "price:{AAPL}", "feed:{AAPL}", "150.00");
        fencedPut(2, newToken, "price:{AAPL}", "feed:{AAPL}", "187.20");
        fencedPut(2, newToken, "price:{MSFT}", "feed:{AAPL}", "1.00");
        fencedPut(2, newToken, "price:{AAPL}", "standby:{AAPL}", "1.00");
        grid.get("price:{AAPL}");
        final List<String> events = grid.events();
        assertEquals("ERROR c=" + (first(events) ) + " s=1 FENCING_TOKEN_REJECTED", events.get(0));
        assertEquals("WRITTEN c=" + (first(events) + 1) + " v=2 existed=true", events.get(1));
        assertEquals(ShardHarness.partitionOf("price:{MSFT}") == ShardHarness.partitionOf("feed:{AAPL}") ?
            "ERROR c=" + (first(events) + 2) + " s=2 FENCING_TOKEN_REJECTED" :
            "ERROR c=" + (first(events) + 2) + " s=2 FENCE_NOT_COLOCATED", events.get(2));
        assertEquals("ERROR c=" + (first(events) + 3) + " s=2 FENCING_TOKEN_REJECTED", events.get(3));
        assertEquals("READ c=" + (first(events) + 4) + " v=2 187.20", events.get(4));
    }

    @Test
    void shouldRefuseAFencedPutWithAnotherSessionsLiveToken()
    {
        grid.exclusive(2, "feed:{AAPL}", 10 * SECOND, 0);
        final long holderToken = grid.listener.lastToken;
        grid.events();

        // Session 1 learnt the live token (status() shows it) and tries to write with it.
        fencedPut(1, holderToken, "price:{AAPL}", "feed:{AAPL}", "1.00");
        fencedPut(2, holderToken, "price:{AAPL}", "feed:{AAPL}", "187.30");
        grid.get("price:{AAPL}");
        final List<String> events = grid.events();
        assertEquals(List.of(
            "ERROR c=" + first(events) + " s=1 NOT_LEASE_HOLDER",
            "WRITTEN c=" + (first(events) + 1) + " v=1 existed=false",
            "READ c=" + (first(events) + 2) + " v=1 187.30"), events);
    }

    @Test
    void shouldBoundKeyAndValueSizes()
    {
        grid.put("k".repeat(257), "v");
        grid.put("", "v");
        grid.put("k", "v".repeat(64 * 1024 + 1));
        grid.put("k", "");
        assertEquals(List.of(
            "ERROR c=3 s=1 KEY_TOO_LONG",
            "ERROR c=4 s=1 INVALID_ARGUMENT",
            "ERROR c=5 s=1 VALUE_TOO_LONG",
            "WRITTEN c=6 v=1 existed=false"), grid.events());
    }

    private static long first(final List<String> events)
    {
        final String event = events.get(0);
        return Long.parseLong(event.substring(event.indexOf("c=") + 2, event.indexOf(' ', event.indexOf("c="))));
    }

    private void delete(final String key)
    {
        grid.frames.delete(grid.nextCorrelationId(), 1, key);
    }

    private void cas(final String key, final long expectedVersion, final String value)
    {
        grid.frames.compareAndSet(grid.nextCorrelationId(), 1, expectedVersion, key, value);
    }

    private void fencedPut(
        final long sessionId, final long token, final String key, final String resource, final String value)
    {
        grid.frames.fencedPut(grid.nextCorrelationId(), sessionId, token, key, resource, value);
    }
}
