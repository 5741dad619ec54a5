package io.leasegrid.tools;

import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.shard.ShardHarness;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

import static io.leasegrid.node.shard.ShardHarness.MS;
import static io.leasegrid.node.shard.ShardHarness.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal tools on a partition whose oldest journal files were deleted once snapshots covered them.
 */
class CompactedJournalToolTest
{
    private static final String KEY = "price:{AAPL}";

    @TempDir
    File dir;

    @Test
    void shouldReplayFromTheSnapshotThatCoversTheDeletedEntries()
    {
        final int partition = ShardHarness.partitionOf(KEY);
        try (ShardHarness grid = new ShardHarness(dir, new CachedNanoClock(), 250 * MS, 60 * SECOND, new HashMap<>(),
            "TEST_SECONDLY"))
        {
            grid.open(1);
            grid.put(KEY, "100");
            grid.put(KEY, "101");
            grid.takeSnapshot(partition);
            grid.advanceEpoch(2 * SECOND);
            grid.put(KEY, "102");
            grid.advanceEpoch(2 * SECOND);
            grid.put(KEY, "103");
            grid.takeSnapshot(partition);
            grid.put(KEY, "104");
        }
        try (PartitionJournal journal = PartitionJournal.open(
            new JournalContext().journalDir(dir.getPath()).partitionId(partition).readOnly(true)))
        {
            assertTrue(journal.firstPosition() > 0, "no journal file was deleted: the test would prove nothing");
        }

        final String now = run(0, "replay", "--dir", dir.getPath(), "--partition", Integer.toString(partition),
            "--until", "2100-01-01T00:00:00Z");
        assertTrue(now.contains("value " + KEY + " = 104  (version 5"), now);

        final String atSnapshot = run(0, "replay", "--dir", dir.getPath(), "--partition", Integer.toString(partition),
            "--until", "1");
        assertTrue(atSnapshot.contains("at position 1 (from a snapshot)") &&
            atSnapshot.contains("value " + KEY + " = 101  (version 2"), atSnapshot);

        final String before = run(0, "replay", "--dir", dir.getPath(), "--partition", Integer.toString(partition),
            "--until", "0");
        assertTrue(before.contains("history before position 1 was compacted into a snapshot"), before);

        assertTrue(run(0, "verify", "--dir", dir.getPath()).contains("verify: OK"));
    }

    private static String run(final int expectedStatus, final String... args)
    {
        final String[] line = new String[args.length + 1];
        line[0] = "journal";
        System.arraycopy(args, 0, line, 1, args.length);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int status = LeasegridTool.run(line, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, text);
        return text;
    }
}
