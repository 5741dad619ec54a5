package io.leasegrid.system;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.ErrorCode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseListener;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.node.membership.GridMembers;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.test.Await;
import io.leasegrid.test.TestGrid;
import io.leasegrid.test.TestNode;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Failover with the control plane: three nodes in child JVMs, each hosting a control plane member; the primary of a
 * third of the partitions is killed with SIGKILL. Its partitions move to a replica that holds every acknowledged
 * write; a lease it had granted is not granted to anyone else before its TTL ran out; writes go on.
 */
class FailoverTest
{
    private static final int PARTITIONS = 16;

    @RegisterExtension
    final TestGrid grid = new TestGrid();

    @TempDir
    File dir;

    private MediaDriver clientDriver;
    private final List<GridClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        CloseHelper.quietCloseAll(clients);
        CloseHelper.quietClose(clientDriver);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldMoveADeadPrimarysPartitionsWithEveryAcknowledgedWriteAndNoLeaseGrantedTwice() throws Exception
    {
        final List<TestNode> nodes = startThreeNodesWithControlPlane();
        final ReplicaPlacement placement = new ReplicaPlacement(GridMembers.parse(grid.members()), PARTITIONS, 3, 2);
        final GridClient writer = connect(nodes.get(1), 4101);
        final GridClient other = connect(nodes.get(2), 4102);

        final Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 48; i++)
        {
            final String key = "price:" + i;
            putWithRetry(writer, key, "v" + i, 60_000);
            acknowledged.put(key, "v" + i);
        }
        final String resource = namesLedBy(placement, 1, "lock:", 1).get(0);
        final Lease held = writer.acquire(resource, LeaseRequest.exclusive(Duration.ofSeconds(6)));
        final long heldToken = held.fencingToken();
        final long heldSafeUntilNs = held.safeUntilNs();
        assertThrows(GridException.class, () -> other.tryAcquire(resource, Duration.ofSeconds(5)));
        final String keptResource = namesLedBy(placement, 1, "lock:", 2).get(1);
        final AtomicReference<String> keptEnded = new AtomicReference<>();
        final Lease kept = writer.acquire(keptResource, LeaseRequest.exclusive(Duration.ofSeconds(8)).autoRenew(true)
            .listener(new LeaseListener()
            {
                public void onExpired(final Lease lease)
                {
                    keptEnded.set(lease.toString());
                }
            }));

        final TestNode primary = nodes.get(0);
        final long killedAtNs = System.nanoTime();
        primary.kill();

        // Every partition node 1 led takes writes again, on a new primary.
        final List<String> movedKeys = namesLedBy(placement, 1, "price:", 8);
        long firstWriteAfterKillNs = 0;
        for (final String key : movedKeys)
        {
            putWithRetry(writer, key, "after", 30_000);
            acknowledged.put(key, "after");
            firstWriteAfterKillNs = 0 == firstWriteAfterKillNs ? System.nanoTime() : firstWriteAfterKillNs;
        }
        System.out.println("failover: first write on a moved partition " +
            TimeUnit.NANOSECONDS.toMillis(firstWriteAfterKillNs - killedAtNs) + " ms after SIGKILL");

        // The auto-renewed lease lives on: its session is resumed at the new primary, which renews it; only a
        // renewal sent after the kill can confirm it beyond the kill time + its TTL.
        final long renewedAfterKillNs = killedAtNs + TimeUnit.SECONDS.toNanos(8) - TimeUnit.MILLISECONDS.toNanos(50);
        Await.until(15_000, () -> "the auto-renewed lease was renewed at the new primary: " + kept + "\n" +
            grid.dump(), () -> kept.safeUntilNs() - renewedAfterKillNs > 0);
        assertTrue(kept.isValid(), kept.toString());
        assertEquals(null, keptEnded.get(), "the auto-renewed lease ended across the failover");
        kept.renew();
        final GridException refused = assertThrows(GridException.class,
            () -> other.tryAcquire(keptResource, Duration.ofSeconds(5)));
        assertEquals(ErrorCode.LEASE_UNAVAILABLE, refused.code(), refused.getMessage());
        final long keptToken = kept.fencingToken();
        kept.release();
        final Lease next = other.tryAcquire(keptResource, Duration.ofSeconds(5));
        assertTrue(next.fencingToken() > keptToken, next.fencingToken() + " after " + keptToken);
        next.release();

        // Nothing acknowledged was lost.
        for (final Map.Entry<String, String> entry : acknowledged.entrySet())
        {
            assertEquals(entry.getValue(), getWithRetry(other, entry.getKey(), 30_000).valueAsString(),
                entry.getKey() + "\n" + grid.dump());
        }

        // The lease node 1 granted is inherited: nobody else gets it before its TTL ran out, someone does after.
        Lease taken = null;
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (null == taken)
        {
            assertTrue(System.nanoTime() - deadlineNs < 0, "nobody got the inherited lease\n" + grid.dump());
            try
            {
                taken = other.tryAcquire(resource, Duration.ofSeconds(5));
                assertTrue(System.nanoTime() - heldSafeUntilNs >= 0,
                    "granted to another while its holder still counted on it");
            }
            catch (final GridException ex)
            {
                if (ErrorCode.LEASE_UNAVAILABLE != ex.code() && ErrorCode.TIMEOUT != ex.code() &&
                    ErrorCode.NOT_PRIMARY != ex.code() && ErrorCode.NOT_CONNECTED != ex.code())
                {
                    fail("acquire failed with " + ex.code() + ": " + ex.getMessage());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        assertTrue(taken.fencingToken() > heldToken, taken.fencingToken() + " after " + heldToken);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldNeverAnswerAsPrimaryAgainAfterAPausePastItsPrimaryLease() throws Exception
    {
        final List<TestNode> nodes = startThreeNodesWithControlPlane();
        final ReplicaPlacement placement = new ReplicaPlacement(GridMembers.parse(grid.members()), PARTITIONS, 3, 2);
        final GridClient writer = connect(nodes.get(1), 4201);
        final String key = namesLedBy(placement, 1, "price:", 1).get(0);
        putWithRetry(writer, key, "old", 60_000);
        final GridClient local = GridClient.connect(new GridClientContext()
            .aeronDir(nodes.get(0).aeronDir())
            .requestChannel("aeron:ipc")
            .responseChannel("aeron:ipc")
            .responseStreamId(4202)
            .requestTimeout(Duration.ofSeconds(2))
            .connectTimeout(Duration.ofSeconds(20)));
        clients.add(local);
        assertEquals("old", local.get(key).valueAsString(), "node 1 leads the key's partition");

        final TestNode paused = nodes.get(0);
        signal("STOP", paused);
        try
        {
            // Its partitions move while it sleeps; the new primary takes a write.
            putWithRetry(writer, key, "new", 30_000);
        }
        finally
        {
            signal("CONT", paused);
        }

        // Awake, it must not answer as the key's primary again: not the old value, not a write.
        final long untilNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int refused = 0;
        while (System.nanoTime() - untilNs < 0)
        {
            try
            {
                final String seen = local.get(key).valueAsString();
                assertEquals("new", seen, "node 1 answered for the key after its pause\n" + grid.dump());
            }
            catch (final GridException ex)
            {
                refused++;
            }
            try
            {
                local.put(key, "late".getBytes(StandardCharsets.UTF_8));
                fail("node 1 took a write after its pause\n" + grid.dump());
            }
            catch (final GridException ex)
            {
                refused++;
            }
        }
        assertTrue(refused > 0);
        assertEquals("new", getWithRetry(writer, key, 10_000).valueAsString());

        // And it follows the new primary as a replica: its copy ends up holding the new value.
        final int partition = Partitioner.partition(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
        io.leasegrid.test.Await.until(20_000, () -> "node 1's copy of partition " + partition + " catches up\n" +
            grid.dump(), () ->
        {
            try
            {
                return java.util.Arrays.equals(JournalContents.canonicalState(nodes.get(1).dir(), partition),
                    JournalContents.canonicalState(paused.dir(), partition)) ||
                    java.util.Arrays.equals(JournalContents.canonicalState(nodes.get(2).dir(), partition),
                    JournalContents.canonicalState(paused.dir(), partition));
            }
            catch (final RuntimeException ex)
            {
                return false;
            }
        });
    }

    private List<TestNode> startThreeNodesWithControlPlane() throws Exception
    {
        return grid.startGrid(3, Map.of(
            "leasegrid.partitions", Integer.toString(PARTITIONS),
            "leasegrid.session.timeout.ms", "3000",
            "leasegrid.control.members", TestGrid.controlPlaneMembers(3)));
    }

    private static void signal(final String signal, final TestNode node) throws Exception
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    private static void putWithRetry(final GridClient client, final String key, final String value, final long timeoutMs)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            try
            {
                client.put(key, value.getBytes(StandardCharsets.UTF_8));
                return;
            }
            catch (final GridException ex)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new AssertionError("put " + key + " never succeeded; last: " + ex.code() + " " + ex.getMessage());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    private static io.leasegrid.client.ValueRecord getWithRetry(
        final GridClient client, final String key, final long timeoutMs)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            try
            {
                return client.get(key);
            }
            catch (final GridException ex)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new AssertionError("get " + key + " never succeeded; last: " + ex.code() + " " + ex.getMessage());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    private static List<String> namesLedBy(
        final ReplicaPlacement placement, final int nodeId, final String prefix, final int count)
    {
        final List<String> names = new ArrayList<>();
        for (int i = 0; names.size() < count; i++)
        {
            if (nodeId == placement.primary(Partitioner.partition((prefix + i).getBytes(StandardCharsets.UTF_8), PARTITIONS)))
            {
                names.add(prefix + i);
            }
        }
        return names;
    }

    private GridClient connect(final TestNode node, final int responseStreamId)
    {
        if (null == clientDriver)
        {
            clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(new File(dir, "client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
        }
        final GridClient client = GridClient.connect(new GridClientContext()
            .aeronDir(clientDriver.aeronDirectoryName())
            .requestChannel(node.requestChannel())
            .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
            .responseStreamId(responseStreamId)
            .requestTimeout(Duration.ofSeconds(2))
            .connectTimeout(Duration.ofSeconds(20)));
        clients.add(client);
        return client;
    }
}
