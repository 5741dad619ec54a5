package io.leasegrid.journal;

import io.leasegrid.test.ChildJvm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.leasegrid.journal.JournalFixtures.append;
import static io.leasegrid.journal.JournalFixtures.assertEntry;
import static io.leasegrid.journal.JournalFixtures.context;
import static io.leasegrid.journal.JournalFixtures.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real child processes writing a journal, killed with SIGKILL, and the journal reopened by this process.
 */
@Timeout(120)
class JournalCrashTest
{
    private static final int SIGKILL_EXIT = 128 + 9;

    @TempDir
    File root;

    @Test
    void shouldGoOnFromTheLastIntactEntryAfterSigkillMidWrite() throws Exception
    {
        try (ChildJvm child = ChildJvm.start(JournalWriterMain.class, root.getPath(), "3", "mid-write", "500"))
        {
            child.awaitLine(line -> line.startsWith("MID-WRITE"), 60_000);
            assertEquals(SIGKILL_EXIT, child.killHard());
        }

        try (PartitionJournal journal = PartitionJournal.open(context(root, 3)))
        {
            assertEquals(500, journal.nextPosition());
            assertEquals(0, journal.tornEntriesDiscarded());
            final List<String> entries = readAll(journal, 0);
            assertEquals(500, entries.size());
            for (int i = 0; i < 500; i++)
            {
                assertEntry(entries.get(i), i, 1, 0);
            }

            assertEquals(500, append(journal, 2, 1));
        }

        try (PartitionJournal journal = PartitionJournal.open(context(root, 3)))
        {
            final List<String> entries = readAll(journal, 0);
            assertEquals(501, entries.size());
            assertEntry(entries.get(500), 500, 2, 1);
        }
    }

    @Test
    void shouldKeepEveryAcknowledgedEntryWhenKilledAtARandomMoment() throws Exception
    {
        killAtRandomMomentAndCheck(root);
    }

    @Tag("slow")
    @RepeatedTest(20)
    void shouldKeepEveryAcknowledgedEntryOverManyRandomKills(@TempDir final File dir) throws Exception
    {
        killAtRandomMomentAndCheck(dir);
    }

    @Test
    void shouldReportACorruptEntryInTheMiddleAfterSigkill() throws Exception
    {
        final long lastAck = killWhileStreaming(root, 1_000);
        final long victim = lastAck / 2;
        assertTrue(JournalFixtures.corruptEntry(JournalContext.partitionDir(root, 1), victim, 0));

        try (PartitionJournal journal = PartitionJournal.open(context(root, 1)))
        {
            assertTrue(journal.nextPosition() > lastAck);
            final JournalCorruptionException ex = assertThrows(JournalCorruptionException.class,
                () -> journal.replay(0, (entry, buffer, offset, length) -> {}));
            assertEquals(victim, ex.position());
        }
    }

    private static void killAtRandomMomentAndCheck(final File dir) throws Exception
    {
        final long lastAck = killWhileStreaming(dir, ThreadLocalRandom.current().nextInt(100, 20_000));

        try (PartitionJournal journal = PartitionJournal.open(context(dir, 1)))
        {
            // Every acknowledged entry is there; at most one more was written but not yet acknowledged.
            final long next = journal.nextPosition();
            assertTrue(next == lastAck + 1 || next == lastAck + 2, "next " + next + " after last ack " + lastAck);
            assertEquals(0, journal.tornEntriesDiscarded());

            final List<String> entries = readAll(journal, 0);
            assertEquals(next, entries.size());
            for (int i = 0; i < entries.size(); i++)
            {
                assertEntry(entries.get(i), i, 1, 0);
            }
            assertEquals(next, append(journal, 2, 3));
        }
    }

    /**
     * Start a child appending without end, kill it once it has acknowledged {@code atLeast} entries.
     *
     * @return the last position it acknowledged.
     */
    private static long killWhileStreaming(final File dir, final long atLeast) throws Exception
    {
        try (ChildJvm child = ChildJvm.start(JournalWriterMain.class, dir.getPath(), "1", "stream", "100000000"))
        {
            child.awaitLine(line -> line.startsWith("ACK ") && Long.parseLong(line.substring(4)) >= atLeast, 60_000);
            assertEquals(SIGKILL_EXIT, child.killHard());
            final String last = child.lastLine();
            assertTrue(last.startsWith("ACK "), last);
            return Long.parseLong(last.substring(4));
        }
    }
}
