package io.leasegrid.journal;

import io.leasegrid.codec.internal.JournalEntryDecoder;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static io.leasegrid.journal.JournalFixtures.append;
import static io.leasegrid.journal.JournalFixtures.assertEntry;
import static io.leasegrid.journal.JournalFixtures.context;
import static io.leasegrid.journal.JournalFixtures.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionJournalTest
{
    private static final long START_MS = 1_763_769_600_000L; // 2025-11-22T00:00:00Z

    @TempDir
    File root;

    private final List<PartitionJournal> opened = new ArrayList<>();
    private final CachedEpochClock clock = new CachedEpochClock();

    @AfterEach
    void closeAll()
    {
        opened.forEach(PartitionJournal::close);
    }

    private PartitionJournal open(final int partitionId)
    {
        clock.update(Math.max(clock.time(), START_MS));
        final PartitionJournal journal = PartitionJournal.open(
            context(root, partitionId).epochClock(clock).rollCycle("TEST_SECONDLY"));
        opened.add(journal);
        return journal;
    }

    private PartitionJournal reopen(final PartitionJournal journal)
    {
        journal.close();
        return open(journal.partitionId());
    }

    @Test
    void shouldAppendDensePositionsAndReadThemBack()
    {
        final PartitionJournal journal = open(7);
        assertEquals(0, journal.nextPosition());
        for (int i = 0; i < 1000; i++)
        {
            assertEquals(i, append(journal, 1, 0));
        }

        final List<String> entries = readAll(journal, 0);
        assertEquals(1000, entries.size());
        for (int i = 0; i < 1000; i++)
        {
            assertEntry(entries.get(i), i, 1, 0);
        }
    }

    @Test
    void shouldCreateTheCycleFileAheadWithoutWritingAnEntry()
    {
        PartitionJournal journal = open(3);
        assertEquals(0, cycleFiles(journal).length);
        journal.prepareCycle();
        journal.prepareCycle();
        assertEquals(1, cycleFiles(journal).length);
        assertEquals(0, journal.nextPosition());
        assertEquals(List.of(), readAll(journal, 0));

        assertEquals(0, append(journal, 1, 0));
        journal = reopen(journal);
        assertEquals(1, journal.nextPosition());
        assertEquals(1, readAll(journal, 0).size());
        assertEquals(1, cycleFiles(journal).length);
    }

    @Test
    void shouldStampEveryFieldOfTheEntry()
    {
        final PartitionJournal journal = open(42);
        final byte[] operation = JournalFixtures.operation(0, 9);
        journal.append(3, 123_456_789L, 555L, new UnsafeBuffer(operation), 0, operation.length);

        final List<String> seen = new ArrayList<>();
        journal.replay(0, (entry, buffer, offset, length) ->
        {
            seen.add(entry.partitionId() + "/" + entry.epoch() + "/" + entry.position() + "/" + entry.timestampNs() + "/" + entry.monotonicNs());
            assertEquals(io.leasegrid.codec.JournalEntryDescriptor.entryLength(operation.length), length);
        });
        assertEquals(List.of("42/3/0/123456789/555"), seen);
    }

    @Test
    void shouldContinueFromTheNextPositionAfterReopen()
    {
        PartitionJournal journal = open(1);
        for (int i = 0; i < 10; i++)
        {
            append(journal, 2, 0);
        }
        journal = reopen(journal);
        assertEquals(10, journal.nextPosition());
        assertEquals(2, journal.lastEpoch());
        assertEquals(10, append(journal, 2, 0));
        assertEquals(11, readAll(journal, 0).size());
    }

    @Test
    void shouldReadFromAnyPositionAndTailNewAppends()
    {
        final PartitionJournal journal = open(1);
        for (int i = 0; i < 100; i++)
        {
            append(journal, 1, 0);
        }

        final List<Long> positions = new ArrayList<>();
        try (JournalReader reader = journal.reader(60))
        {
            assertEquals(10, reader.poll((entry, buffer, offset, length) -> positions.add(entry.position()), 10));
            assertEquals(60L, positions.get(0));
            assertEquals(30, reader.poll((entry, buffer, offset, length) -> positions.add(entry.position()), 1000));
            assertEquals(0, reader.poll((entry, buffer, offset, length) -> positions.add(entry.position()), 1000));

            append(journal, 1, 0);
            assertEquals(1, reader.poll((entry, buffer, offset, length) -> positions.add(entry.position()), 1000));
        }
        assertEquals(41, positions.size());
        assertEquals(100L, positions.get(40));
        assertThrows(IllegalArgumentException.class, () -> journal.reader(102));
    }

    @Test
    void shouldCrossRollCyclesDeterministicallyAndFindPositionsInEach()
    {
        PartitionJournal journal = open(3);
        for (int cycle = 0; cycle < 4; cycle++)
        {
            for (int i = 0; i < 25; i++)
            {
                append(journal, 1, 0);
            }
            clock.advance(1000);
        }
        assertEquals(4, cycleFiles(journal).length);

        journal = reopen(journal);
        assertEquals(100, journal.nextPosition());
        for (final long from : new long[]{ 0, 24, 25, 26, 49, 50, 75, 99, 100 })
        {
            final List<String> entries = readAll(journal, from);
            assertEquals(100 - from, entries.size(), "from " + from);
            if (!entries.isEmpty())
            {
                assertEntry(entries.get(0), from, 1, 0);
            }
        }
    }

    @Test
    void shouldKeepAppendingWhenTheWallClockStepsBack()
    {
        PartitionJournal journal = open(5);
        append(journal, 1, 0);
        clock.advance(3000);
        append(journal, 1, 0);
        assertEquals(2, cycleFiles(journal).length);

        clock.update(clock.time() - 2000);
        append(journal, 1, 0);
        journal = reopen(journal);
        append(journal, 1, 0);
        assertEquals(4, journal.nextPosition());
        assertEquals(4, readAll(journal, 0).size());
        assertEquals(2, cycleFiles(journal).length, "an append went back to an older cycle file");
    }

    @Test
    void shouldDeleteOnlyCyclesWhollyBeforeThePosition()
    {
        PartitionJournal journal = open(3);
        for (int cycle = 0; cycle < 4; cycle++)
        {
            for (int i = 0; i < 10; i++)
            {
                append(journal, 1, 0);
            }
            clock.advance(1000);
        }

        assertEquals(0, journal.deleteCyclesBefore(9));
        assertEquals(1, journal.deleteCyclesBefore(15));
        assertEquals(10, journal.firstPosition());
        assertEquals(3, cycleFiles(journal).length);
        assertThrows(IllegalArgumentException.class, () -> journal.reader(9));
        assertEquals(30, readAll(journal, 10).size());

        final PartitionJournal reopened = reopen(journal);
        assertEquals(10, reopened.firstPosition());
        assertEquals(40, reopened.nextPosition());

        // The current cycle stays even when a snapshot covers everything.
        assertEquals(2, reopened.deleteCyclesBefore(40));
        assertEquals(1, cycleFiles(reopened).length);
        assertEquals(30, reopened.firstPosition());
        assertEquals(40, append(reopened, 1, 0));
        assertEquals(11, readAll(reopened, 30).size());
    }

    @Test
    void shouldTruncateAfterAPositionAndAppendNewEntriesInItsPlace()
    {
        PartitionJournal journal = open(5);
        for (int i = 0; i < 10; i++)
        {
            append(journal, 1, 0);
        }
        journal.truncateAfter(5);
        assertEquals(6, journal.nextPosition());
        for (int i = 0; i < 3; i++)
        {
            append(journal, 2, 1);
        }

        journal = reopen(journal);
        final List<String> entries = readAll(journal, 0);
        assertEquals(9, entries.size());
        for (int i = 0; i < 6; i++)
        {
            assertEntry(entries.get(i), i, 1, 0);
        }
        for (int i = 6; i < 9; i++)
        {
            assertEntry(entries.get(i), i, 2, 1);
        }
        assertEquals(2, journal.lastEpoch());
    }

    @Test
    void shouldTruncateAcrossRollCyclesAndToEmpty()
    {
        PartitionJournal journal = open(5);
        for (int cycle = 0; cycle < 3; cycle++)
        {
            for (int i = 0; i < 10; i++)
            {
                append(journal, 1, 0);
            }
            clock.advance(1000);
        }
        journal.truncateAfter(14);
        append(journal, 2, 7);
        journal = reopen(journal);
        assertEquals(16, journal.nextPosition());
        final List<String> entries = readAll(journal, 10);
        assertEntry(entries.get(4), 14, 1, 0);
        assertEntry(entries.get(5), 15, 2, 7);

        journal.truncateAfter(-1);
        assertEquals(0, journal.nextPosition());
        assertEquals(0, journal.lastEpoch());
        append(journal, 3, 8);
        journal = reopen(journal);
        assertEquals(1, journal.nextPosition());
        assertEntry(readAll(journal, 0).get(0), 0, 3, 8);
    }

    @Test
    void shouldMoveReadersBackToTheCut()
    {
        final PartitionJournal journal = open(5);
        for (int i = 0; i < 10; i++)
        {
            append(journal, 1, 0);
        }
        try (JournalReader reader = journal.reader(0))
        {
            assertEquals(10, reader.poll((entry, buffer, offset, length) -> {}, 100));
            journal.truncateAfter(3);
            append(journal, 2, 1);

            final List<String> seen = new ArrayList<>();
            reader.poll((entry, buffer, offset, length) -> seen.add(entry.position() + ":" + entry.epoch()), 100);
            assertEquals(List.of("4:2"), seen);
        }
    }

    @Test
    void shouldFindWhereACopyEndingInAnOlderEpochCanAgree()
    {
        final PartitionJournal journal = open(5);
        for (int i = 0; i < 4; i++)
        {
            append(journal, 1, 0);
        }
        for (int i = 0; i < 3; i++)
        {
            append(journal, 3, 0);
        }
        append(journal, 4, 0);
        assertEquals(1, journal.epochAt(0));
        assertEquals(3, journal.epochAt(6));
        assertEquals(4, journal.epochAt(7));
        assertThrows(IllegalArgumentException.class, () -> journal.epochAt(8));
        assertEquals(3, journal.lastPositionOfEpochAtMost(1));
        assertEquals(3, journal.lastPositionOfEpochAtMost(2));
        assertEquals(6, journal.lastPositionOfEpochAtMost(3));
        assertEquals(7, journal.lastPositionOfEpochAtMost(9));
        assertEquals(-1, journal.lastPositionOfEpochAtMost(0));
    }

    @Test
    void shouldStartAnEmptiedJournalAfterASnapshotPositionAndKeepItAcrossReopen()
    {
        PartitionJournal journal = open(5);
        for (int i = 0; i < 10; i++)
        {
            append(journal, 1, 0);
        }
        assertThrows(IllegalStateException.class, () -> journal.startAfter(99, 2));
        journal.truncateAfter(-1);
        journal.startAfter(99, 2);
        assertEquals(100, journal.firstPosition());
        assertEquals(100, journal.nextPosition());
        assertEquals(2, journal.lastEpoch());
        assertEquals(100, append(journal, 2, 5));
        assertEquals(101, append(journal, 3, 6));

        final PartitionJournal reopened = reopen(journal);
        assertEquals(100, reopened.firstPosition());
        assertEquals(102, reopened.nextPosition());
        assertEquals(3, reopened.lastEpoch());
        final List<String> entries = readAll(reopened, 100);
        assertEquals(2, entries.size());
        assertEntry(entries.get(0), 100, 2, 5);
        assertEntry(entries.get(1), 101, 3, 6);
    }

    @Test
    void shouldRejectBadTruncationAndDeletionArguments()
    {
        final PartitionJournal journal = open(5);
        append(journal, 1, 0);
        assertThrows(IllegalArgumentException.class, () -> journal.truncateAfter(1));
        assertThrows(IllegalArgumentException.class, () -> journal.truncateAfter(-2));
        assertThrows(IllegalArgumentException.class, () -> journal.deleteCyclesBefore(2));
        journal.truncateAfter(0);
        assertEquals(1, journal.nextPosition());
    }

    @Test
    void shouldCopyEntriesVerbatimToAReplicaJournal()
    {
        final PartitionJournal primary = open(9);
        final File replicaRoot = new File(root, "replica");
        final PartitionJournal replica = PartitionJournal.open(
            context(replicaRoot, 9).epochClock(clock).rollCycle("TEST_SECONDLY"));
        opened.add(replica);

        for (int i = 0; i < 50; i++)
        {
            append(primary, i < 25 ? 1 : 2, 0);
        }
        primary.replay(0, (entry, buffer, offset, length) -> replica.appendEntry(buffer, offset, length));

        final List<byte[]> primaryBytes = rawEntries(primary);
        final List<byte[]> replicaBytes = rawEntries(replica);
        assertEquals(50, replicaBytes.size());
        for (int i = 0; i < 50; i++)
        {
            assertArrayEquals(primaryBytes.get(i), replicaBytes.get(i), "entry " + i);
        }
    }

    @Test
    void shouldRejectReplicatedEntriesThatBreakTheRules()
    {
        final PartitionJournal primary = open(9);
        final PartitionJournal other = open(10);
        final PartitionJournal replica = PartitionJournal.open(
            context(new File(root, "replica"), 9).epochClock(clock).rollCycle("TEST_SECONDLY"));
        opened.add(replica);
        append(primary, 1, 0);
        append(primary, 1, 0);
        append(other, 1, 0);

        final List<byte[]> entries = rawEntries(primary);
        final byte[] fromOtherPartition = rawEntries(other).get(0);
        assertThrows(IllegalArgumentException.class, () -> replica.appendEntry(new UnsafeBuffer(entries.get(1)), 0, entries.get(1).length));
        assertThrows(IllegalArgumentException.class, () -> replica.appendEntry(new UnsafeBuffer(fromOtherPartition), 0, fromOtherPartition.length));

        final byte[] damaged = entries.get(0).clone();
        damaged[damaged.length - 1] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> replica.appendEntry(new UnsafeBuffer(damaged), 0, damaged.length));
        assertEquals(0, replica.nextPosition());

        assertEquals(0, replica.appendEntry(new UnsafeBuffer(entries.get(0)), 0, entries.get(0).length));
    }

    @Test
    void shouldNeverLetTheEpochGoBackwards()
    {
        final PartitionJournal journal = open(1);
        append(journal, 5, 0);
        assertThrows(IllegalArgumentException.class, () -> append(journal, 4, 0));
        assertEquals(1, journal.nextPosition());
        assertEquals(1, append(journal, 5, 0));
    }

    @Test
    void shouldLeaveNothingBehindAnAbortedClaim()
    {
        final PartitionJournal journal = open(1);
        append(journal, 1, 0);
        final int offset = journal.claim(16);
        journal.claimBuffer().putLong(offset, 42);
        assertThrows(IllegalStateException.class, () -> journal.claim(16));
        journal.abort();
        assertEquals(1, append(journal, 1, 0));

        assertEquals(2, readAll(reopen(journal), 0).size());
    }

    @Test
    void shouldEncodeInPlaceThroughAClaim()
    {
        final PartitionJournal journal = open(1);
        final int offset = journal.claim(8);
        journal.claimBuffer().putLong(offset, 0x0123456789ABCDEFL);
        assertEquals(0, journal.commit(1, 99, 98));

        final long[] seen = new long[1];
        journal.replay(0, (entry, buffer, entryOffset, length) ->
        {
            final UnsafeBuffer operation = new UnsafeBuffer(ByteBuffer.allocate(8));
            entry.getOperation(operation, 0, 8);
            seen[0] = operation.getLong(0);
        });
        assertEquals(0x0123456789ABCDEFL, seen[0]);
    }

    @Test
    void shouldReportACorruptEntryInTheMiddleWithItsPositionAndNeverSkipIt() throws Exception
    {
        PartitionJournal journal = open(2);
        for (int i = 0; i < 100; i++)
        {
            append(journal, 1, 0);
        }
        journal.close();
        assertTrue(JournalFixtures.corruptEntry(JournalContext.partitionDir(root, 2), 42, 0));

        journal = open(2);
        assertEquals(100, journal.nextPosition(), "a bad entry in the middle is not a torn tail");
        final List<Long> delivered = new ArrayList<>();
        try (JournalReader reader = journal.reader(0))
        {
            final JournalCorruptionException ex = assertThrows(JournalCorruptionException.class,
                () -> reader.poll((entry, buffer, offset, length) -> delivered.add(entry.position()), 1000));
            assertEquals(42, ex.position());
            assertEquals(2, ex.partitionId());
            assertTrue(ex.getMessage().contains("BAD_CHECKSUM"), ex.getMessage());
            assertEquals(42, delivered.size());
            assertEquals(42, reader.nextPosition());

            assertThrows(JournalCorruptionException.class,
                () -> reader.poll((entry, buffer, offset, length) -> delivered.add(entry.position()), 1000));
            assertEquals(42, delivered.size(), "the reader stays at the bad entry");
        }
        final PartitionJournal corrupt = journal;
        assertThrows(JournalCorruptionException.class, () -> corrupt.replay(0, (entry, buffer, offset, length) -> {}));
        assertEquals(57, readAll(journal, 43).size());
    }

    @Test
    void shouldDiscardATornTailOnOpenAndGoOnFromTheLastIntactEntry() throws Exception
    {
        PartitionJournal journal = open(2);
        for (int i = 0; i < 20; i++)
        {
            append(journal, 1, 0);
        }
        journal.close();
        assertTrue(JournalFixtures.corruptEntry(JournalContext.partitionDir(root, 2), 19, 0));

        journal = open(2);
        assertEquals(1, journal.tornEntriesDiscarded());
        assertEquals(19, journal.nextPosition());
        assertEquals(19, append(journal, 1, 5));

        journal = reopen(journal);
        assertEquals(0, journal.tornEntriesDiscarded(), "the discarded range was persisted");
        final List<String> entries = readAll(journal, 0);
        assertEquals(20, entries.size());
        assertEntry(entries.get(19), 19, 1, 5);
    }

    @Test
    void shouldOpenReadOnlyWithoutWriting() throws Exception
    {
        PartitionJournal journal = open(4);
        for (int i = 0; i < 5; i++)
        {
            append(journal, 1, 0);
        }
        journal.close();
        assertTrue(JournalFixtures.corruptEntry(JournalContext.partitionDir(root, 4), 4, 0));

        final PartitionJournal readOnly = PartitionJournal.open(context(root, 4).readOnly(true));
        opened.add(readOnly);
        assertEquals(4, readOnly.nextPosition());
        assertEquals(1, readOnly.tornEntriesDiscarded());
        assertEquals(4, readAll(readOnly, 0).size());
        assertThrows(IllegalStateException.class, () -> append(readOnly, 1, 0));
        assertThrows(IllegalStateException.class, () -> readOnly.truncateAfter(1));
        assertTrue(!new File(JournalContext.partitionDir(root, 4), DiscardedRanges.FILE_NAME).exists());

        assertThrows(IllegalArgumentException.class, () -> PartitionJournal.open(context(root, 99).readOnly(true)));
    }

    @Test
    void shouldValidateItsContext()
    {
        assertThrows(IllegalArgumentException.class, () -> context(root, -1).conclude());
        assertThrows(IllegalArgumentException.class, () -> context(root, 70_000).conclude());
        assertThrows(IllegalArgumentException.class, () -> context(root, 1).rollCycle("HOURLYISH").conclude());
        assertThrows(IllegalArgumentException.class, () -> context(root, 1).blockSize(1024 * 1024).conclude());
        assertThrows(IllegalArgumentException.class, () -> open(1).claim(JournalConfiguration.MAX_ENTRY_LENGTH));
    }

    @Test
    void shouldRejectUseAfterCloseAndCloseTwice()
    {
        final PartitionJournal journal = open(1);
        journal.close();
        journal.close();
        assertTrue(journal.isClosed());
        assertThrows(IllegalStateException.class, () -> append(journal, 1, 0));
        assertThrows(IllegalStateException.class, () -> journal.reader(0));
    }

    private static File[] cycleFiles(final PartitionJournal journal)
    {
        return journal.directory().listFiles((dir, name) -> name.endsWith(".cq4"));
    }

    private static List<byte[]> rawEntries(final PartitionJournal journal)
    {
        final List<byte[]> entries = new ArrayList<>();
        journal.replay(0, (JournalEntryDecoder entry, org.agrona.DirectBuffer buffer, int offset, int length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            entries.add(bytes);
        });
        return entries;
    }
}
