package io.leasegrid.node.shard;

import io.leasegrid.codec.Partitioner;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.partition.PartitionState;
import io.leasegrid.node.value.ValueEntry;
import io.leasegrid.test.ChildJvm;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A shard in a child JVM drives thousands of operations and is killed with SIGKILL at a random moment; the shard
 * recovered from its journals must hold every acknowledged grant, release and put, issue higher tokens than any
 * acknowledged, and give back no lease for longer than the rules allow.
 */
@Timeout(180)
class ShardCrashTest
{
    private static final long SLACK_MS = 150;

    @TempDir
    File dir;

    @Test
    void shouldKeepEveryAcknowledgedDecisionAcrossSigkill() throws Exception
    {
        crashAndCheck(dir);
    }

    @Tag("slow")
    @RepeatedTest(20)
    void shouldKeepEveryAcknowledgedDecisionAcrossManySigkills(@TempDir final File runDir) throws Exception
    {
        crashAndCheck(runDir);
    }

    private static final class AckedLease
    {
        long token;
        String resource;
        long expiryWallMs;
        long ttlMs;
    }

    static void crashAndCheck(final File dir) throws Exception
    {
        final long seed = ThreadLocalRandom.current().nextLong();
        final int linesBeforeKill = ThreadLocalRandom.current().nextInt(2_000, 30_000);
        final long killWallMs;
        final List<String> lines;
        try (ChildJvm child = ChildJvm.start(ShardCrashMain.class, dir.getPath(), Long.toString(seed)))
        {
            child.awaitLine("READY"::equals, 60_000);
            child.awaitLine(line -> child.lineCount() >= linesBeforeKill, 60_000);
            killWallMs = System.currentTimeMillis();
            assertEquals(128 + 9, child.killHard());
            lines = child.lines();
        }

        final Map<Long, AckedLease> live = new HashMap<>();
        final Set<Long> released = new HashSet<>();
        final Map<String, long[]> putVersions = new HashMap<>();
        final Map<String, String> putValues = new HashMap<>();
        final long[] maxTokenByPartition = new long[ShardCrashMain.PARTITION_COUNT];
        long inFlightRenewal = 0;
        long inFlightRelease = 0;
        int grants = 0;
        int releases = 0;
        int puts = 0;
        for (final String line : lines)
        {
            final String[] f = line.split(" ");
            try
            {
                switch (f[0])
                {
                    case "G":
                    {
                        final AckedLease lease = new AckedLease();
                        lease.token = Long.parseLong(f[2]);
                        lease.resource = f[3];
                        lease.expiryWallMs = Long.parseLong(f[4]);
                        lease.ttlMs = Long.parseLong(f[5]);
                        live.put(Long.parseLong(f[1]), lease);
                        final int partition = partitionOf(lease.resource);
                        assertTrue(lease.token > maxTokenByPartition[partition], "tokens increase: " + line);
                        maxTokenByPartition[partition] = lease.token;
                        grants++;
                        break;
                    }
                    case "I":
                        inFlightRenewal = Long.parseLong(f[1]);
                        break;
                    case "R":
                        live.get(Long.parseLong(f[1])).expiryWallMs = Long.parseLong(f[2]);
                        inFlightRenewal = 0;
                        break;
                    case "Y":
                        inFlightRelease = Long.parseLong(f[1]);
                        break;
                    case "X":
                        live.remove(Long.parseLong(f[1]));
                        released.add(Long.parseLong(f[1]));
                        releases++;
                        break;
                    case "E":
                        live.remove(Long.parseLong(f[1]));
                        break;
                    case "P":
                        putVersions.put(f[1], new long[]{ Long.parseLong(f[2]) });
                        putValues.put(f[1], f[3]);
                        puts++;
                        break;
                    default:
                        break;
                }
            }
            catch (final RuntimeException ex)
            {
                // Only the very last line can be cut short by the kill.
                assertEquals(lines.get(lines.size() - 1), line, "unparsable line in the middle: " + line);
            }
        }
        assertTrue(grants > 50 && puts > 50, "workload too small: " + grants + " grants, " + puts + " puts");

        final org.agrona.concurrent.CachedNanoClock clock = new org.agrona.concurrent.CachedNanoClock();
        clock.update(System.nanoTime());
        try (ShardHarness grid = new ShardHarness(dir, clock,
            TimeUnit.MILLISECONDS.toNanos(ShardCrashMain.CHECKPOINT_INTERVAL_MS), TimeUnit.SECONDS.toNanos(60), new HashMap<>()))
        {
            final ShardAgent shard = grid.shard;
            for (final Map.Entry<Long, AckedLease> entry : live.entrySet())
            {
                final AckedLease acked = entry.getValue();
                final PartitionState state = state(shard, acked.resource);
                final Lease lease = state.leases().lease(entry.getKey());
                final long truthAtKillMs = acked.expiryWallMs - killWallMs;
                if (null == lease)
                {
                    // Gone without an acknowledged end: only the release in flight at the kill, or an expiry due by then.
                    assertTrue(entry.getKey() == inFlightRelease || truthAtKillMs <= SLACK_MS, "acknowledged lease " +
                        entry.getKey() + " lost with " + truthAtKillMs + " ms left");
                    continue;
                }
                assertEquals(acked.token, lease.fencingToken());
                // Counted from the partition's recovery checkpoint, the moment it was ready to serve again.
                final long remainingMs = TimeUnit.NANOSECONDS.toMillis(lease.expiresAtNs() - state.lastCheckpointNs());
                assertTrue(remainingMs <= acked.ttlMs, "lease came back with more than its TTL: " + remainingMs);
                assertTrue(remainingMs >= truthAtKillMs - SLACK_MS,
                    "lease came back shorter than the truth: " + remainingMs + " < " + truthAtKillMs);
                if (entry.getKey() != inFlightRenewal)
                {
                    assertTrue(remainingMs <= truthAtKillMs + ShardCrashMain.CHECKPOINT_INTERVAL_MS + SLACK_MS,
                        "lease came back longer than allowed: " + remainingMs + " > " + truthAtKillMs);
                }
            }

            for (final long leaseId : released)
            {
                for (int p = 0; p < ShardCrashMain.PARTITION_COUNT; p++)
                {
                    assertNull(shard.partitionState(p).leases().lease(leaseId), "released lease came back");
                }
            }

            for (final Map.Entry<String, long[]> entry : putVersions.entrySet())
            {
                final UnsafeBuffer key = bytes(entry.getKey());
                final ValueEntry value = state(shard, entry.getKey()).values().get(key, 0, key.capacity());
                assertNotNull(value, "acknowledged put of " + entry.getKey() + " lost");
                assertTrue(value.version() >= entry.getValue()[0]);
                if (value.version() == entry.getValue()[0])
                {
                    final byte[] bytes = new byte[value.valueLength()];
                    value.valueBuffer().getBytes(0, bytes);
                    assertEquals(putValues.get(entry.getKey()), new String(bytes, StandardCharsets.UTF_8));
                }
            }

            grid.open(99);
            for (int p = 0; p < ShardCrashMain.PARTITION_COUNT; p++)
            {
                grid.exclusive(99, freshResourceIn(p), TimeUnit.SECONDS.toNanos(1), 0);
                assertTrue(grid.listener.lastToken > maxTokenByPartition[p],
                    "token " + grid.listener.lastToken + " after recovery, acknowledged up to " + maxTokenByPartition[p]);
            }
            final List<String> events = grid.events();
            assertTrue(events.stream().noneMatch(e -> e.contains("INTERNAL_ERROR")), events.toString());
        }
    }

    private static PartitionState state(final ShardAgent shard, final String name)
    {
        return shard.partitionState(partitionOf(name));
    }

    private static int partitionOf(final String name)
    {
        return Partitioner.partition(name.getBytes(StandardCharsets.UTF_8), ShardCrashMain.PARTITION_COUNT);
    }

    private static String freshResourceIn(final int partition)
    {
        for (int i = 0; ; i++)
        {
            if (partitionOf("fresh" + i) == partition)
            {
                return "fresh" + i;
            }
        }
    }

    private static UnsafeBuffer bytes(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.UTF_8));
    }
}
