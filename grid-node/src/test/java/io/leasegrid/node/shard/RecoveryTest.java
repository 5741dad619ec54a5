package io.leasegrid.node.shard;

import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.partition.OperationApplier;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.partition.PartitionState;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Random;

import static io.leasegrid.node.shard.ShardHarness.MS;
import static io.leasegrid.node.shard.ShardHarness.PARTITION_COUNT;
import static io.leasegrid.node.shard.ShardHarness.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoveryTest
{
    private static final String ROLL = "TEST_SECONDLY";

    @TempDir
    File dir;

    @Test
    void shouldReproduceTheStateByteForByteByApplyingTheJournal()
    {
        final List<byte[]> live = new ArrayList<>();
        try (ShardHarness grid = new ShardHarness(dir))
        {
            randomWorkload(grid, new Random(42), 3_000);
            for (int p = 0; p < PARTITION_COUNT; p++)
            {
                live.add(grid.stateBytes(p));
            }
        }

        for (int p = 0; p < PARTITION_COUNT; p++)
        {
            assertArrayEquals(live.get(p), PartitionSnapshot.encode(replayFromScratch(p)), "partition " + p);
        }
    }

    @Test
    void shouldReproduceTheSameStateFromASnapshotAndTheJournalAfterIt()
    {
        final int partition = ShardHarness.partitionOf("r0");
        final byte[] live;
        try (ShardHarness grid = new ShardHarness(dir))
        {
            final Random random = new Random(7);
            randomWorkload(grid, random, 1_000);
            grid.shard.takeSnapshot(partition);
            randomWorkload(grid, random, 1_000);
            live = grid.stateBytes(partition);
        }

        final File partitionDir = JournalContext.partitionDir(dir, partition);
        final PartitionState fromSnapshot = PartitionSnapshot.loadLatest(partitionDir);
        assertTrue(fromSnapshot.lastAppliedPosition() > 0);
        replay(fromSnapshot, fromSnapshot.lastAppliedPosition() + 1);
        assertArrayEquals(live, PartitionSnapshot.encode(fromSnapshot));
        assertArrayEquals(live, PartitionSnapshot.encode(replayFromScratch(partition)));
    }

    @Test
    void shouldFallBackToThePreviousSnapshotAndTheJournalAfterItWhenTheNewestIsDamaged() throws Exception
    {
        final int partition = ShardHarness.partitionOf("r0");
        final byte[] live;
        final Map<Long, long[]> keys = new HashMap<>();
        try (ShardHarness grid = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 60 * SECOND, keys, ROLL))
        {
            // Three roll cycles: the first covered by the previous snapshot, the second by the newest, the third current.
            final Random random = new Random(11);
            randomWorkload(grid, random, 500);
            grid.shard.takeSnapshot(partition);
            grid.advanceEpoch(2 * SECOND);
            randomWorkload(grid, random, 500);
            grid.advanceEpoch(2 * SECOND);
            randomWorkload(grid, random, 100);
            grid.shard.takeSnapshot(partition);
            randomWorkload(grid, random, 500);
            live = grid.stateBytes(partition);
        }

        final File partitionDir = JournalContext.partitionDir(dir, partition);
        final File[] snapshots = PartitionSnapshot.list(partitionDir);
        assertEquals(2, snapshots.length);
        final byte[] newest = Files.readAllBytes(snapshots[1].toPath());
        newest[newest.length / 2] ^= 0x5A;
        Files.write(snapshots[1].toPath(), newest);

        final PartitionState previous = PartitionSnapshot.loadLatest(partitionDir);
        assertEquals(PartitionSnapshot.position(snapshots[0]), previous.lastAppliedPosition());
        replay(previous, previous.lastAppliedPosition() + 1, ROLL);
        assertArrayEquals(live, PartitionSnapshot.encode(previous));
        try (ShardHarness restarted = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 60 * SECOND, keys, ROLL))
        {
            assertTrue(restarted.shard.partition(partition).isPrimary(), "the partition did not recover");
        }
    }

    @Test
    void shouldKeepTheTtlLeftAtTheLastCheckpointCountedFromRecovery()
    {
        final CachedNanoClock firstLife = new CachedNanoClock();
        firstLife.update(1_000 * SECOND);
        try (ShardHarness grid = new ShardHarness(dir, firstLife, 250 * MS))
        {
            grid.open(1);
            grid.exclusive(1, "lease", 10 * SECOND, 0);
            grid.advance(3_100 * MS);
            assertEquals(2, grid.events().size());
        }

        // A new process: its monotonic clock has nothing to do with the old one.
        final CachedNanoClock secondLife = new CachedNanoClock();
        secondLife.update(77 * SECOND);
        try (ShardHarness grid = new ShardHarness(dir, secondLife, 250 * MS))
        {
            // The truth is 6.9 s left; the last checkpoint (at 3.0 s) said 7.0 s. Never less, never a full 10 s.
            grid.advance(6_900 * MS);
            assertEquals(List.of(), grid.events(), "expired earlier than the truth");
            grid.advance(260 * MS);
            assertEquals(List.of("EXPIRED s=1 lease token=1"), grid.events());
        }
    }

    @Test
    void shouldNeverMakeALeaseImmortalAcrossRepeatedRecoveries()
    {
        long base = 1_000 * SECOND;
        boolean expired = false;
        for (int life = 0; life < 10 && !expired; life++)
        {
            final CachedNanoClock clock = new CachedNanoClock();
            clock.update(base);
            base += 10_000 * SECOND;
            try (ShardHarness grid = new ShardHarness(dir, clock, 250 * MS))
            {
                if (0 == life)
                {
                    grid.open(1);
                    grid.exclusive(1, "stubborn", 5 * SECOND, 0);
                    grid.events();
                }
                grid.advance(SECOND);
                expired = grid.events().contains("EXPIRED s=1 stubborn token=1");
                if (expired)
                {
                    assertTrue(life >= 4, "expired after only " + (life + 1) + " s of uptime");
                }
            }
        }
        assertTrue(expired, "the lease outlived 10 recoveries of 1 s each with a 5 s TTL");
    }

    @Test
    void shouldKeepTokensIncreasingAndWaitersQueuedAcrossRestartForResumedSessions()
    {
        final Map<Long, long[]> keys = new HashMap<>();
        final long holderLease;
        try (ShardHarness grid = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 60 * SECOND, keys))
        {
            grid.open(1);
            grid.open(2);
            grid.exclusive(1, "fifo", 30 * SECOND, 0);
            holderLease = grid.listener.lastLeaseId;
            grid.exclusive(2, "fifo", 30 * SECOND, 20 * SECOND);
            grid.events();
        }

        try (ShardHarness grid = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 60 * SECOND, keys))
        {
            // The sessions live on, detached; their clients resume them with the keys they were opened with.
            assertEquals(2, grid.shard.sessions().sessionCount());
            grid.release(1, holderLease);
            assertEquals(List.of(), grid.events(), "a detached session acts only once resumed");
            grid.resume(1);
            grid.resume(2);
            assertEquals(List.of("RESUMED c=2 s=1", "RESUMED c=3 s=2"), grid.events());
            grid.release(1, holderLease);
            final List<String> events = grid.events();
            assertEquals("RELEASED c=4 s=1", events.get(0));
            assertEquals("GRANTED c=4 s=2 EXCLUSIVE fifo token=2", events.get(1));
        }
    }

    @Test
    void shouldRefuseToResumeWithoutTheSessionKey()
    {
        final Map<Long, long[]> keys = new HashMap<>();
        try (ShardHarness grid = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 60 * SECOND, keys))
        {
            grid.open(1);
            grid.exclusive(1, "mine", 30 * SECOND, 0);
            grid.events();
        }
        keys.put(1L, new long[]{ 1, 2 });
        try (ShardHarness grid = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 60 * SECOND, keys))
        {
            grid.resume(1);
            assertEquals(List.of("ERROR c=1 s=1 AUTHENTICATION_FAILED"), grid.events());
            assertEquals(io.leasegrid.node.session.ClientSession.State.DETACHED, grid.session(1).state());
        }
    }

    static void randomWorkload(final ShardHarness grid, final Random random, final int operations)
    {
        for (long session = 1; session <= 5; session++)
        {
            grid.open(session);
        }
        final List<long[]> held = new ArrayList<>();
        for (int i = 0; i < operations; i++)
        {
            final long session = 1 + random.nextInt(5);
            final String resource = "r" + random.nextInt(20);
            switch (random.nextInt(8))
            {
                case 0:
                case 1:
                    grid.acquire(session, resource, (1 + random.nextInt(5)) * SECOND, random.nextInt(3) * SECOND,
                        random.nextBoolean() ? LeaseMode.EXCLUSIVE : LeaseMode.SHARED, 0, random.nextBoolean());
                    if (!grid.listener.events.isEmpty() && grid.listener.events.get(0).startsWith("GRANTED"))
                    {
                        held.add(new long[]{ session, grid.listener.lastLeaseId });
                    }
                    break;
                case 2:
                    if (!held.isEmpty())
                    {
                        final long[] lease = held.remove(random.nextInt(held.size()));
                        grid.release(lease[0], lease[1]);
                    }
                    break;
                case 3:
                    if (!held.isEmpty())
                    {
                        final long[] lease = held.get(random.nextInt(held.size()));
                        grid.renew(lease[0], lease[1]);
                    }
                    break;
                case 4:
                    grid.put("k" + random.nextInt(30), "v" + i);
                    break;
                case 5:
                    grid.keepAlive(session);
                    break;
                default:
                    grid.advance(random.nextInt(400) * MS);
                    break;
            }
            grid.listener.events.clear();
        }
    }

    private PartitionState replayFromScratch(final int partitionId)
    {
        final PartitionState state = new PartitionState(partitionId);
        replay(state, 0);
        return state;
    }

    private void replay(final PartitionState state, final long from)
    {
        replay(state, from, null);
    }

    private void replay(final PartitionState state, final long from, final String rollCycle)
    {
        final OperationApplier applier = new OperationApplier();
        final JournalContext context = new JournalContext().journalDir(dir.getPath()).partitionId(state.partitionId())
            .readOnly(true);
        if (null != rollCycle)
        {
            context.rollCycle(rollCycle);
        }
        try (PartitionJournal journal = PartitionJournal.open(context))
        {
            journal.replay(from, (JournalEntryDecoder entry, org.agrona.DirectBuffer buffer, int offset, int length) ->
                applier.apply(state, entry.position(), entry.epoch(), entry.timestampNs(), entry.monotonicNs(), buffer,
                    entry.limit() + JournalEntryDecoder.operationHeaderLength()));
        }
    }
}
