package io.leasegrid.journal;

import net.openhft.chronicle.bytes.MappedBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's mappings of a journal file carry the kernel's "random access" flag ({@code rr} in
 * {@code /proc/self/smaps}) unless read-ahead is asked for: the flag is what stops read-ahead zero-filling around
 * every page the writer faults in. And the pages just ahead of the writer are present before it gets there.
 */
class WriteMappingAdviceTest
{
    @TempDir
    File root;

    @Test
    void shouldMarkTheWritersMappingsForRandomAccessByDefault() throws IOException
    {
        try (PartitionJournal journal = PartitionJournal.open(JournalFixtures.context(root, 3)))
        {
            appendSome(journal);
            final List<String> flags = vmFlagsOfMappingsUnder(journal.directory());
            assertFalse(flags.isEmpty(), "no mapping of the journal's files found in /proc/self/smaps");
            assertTrue(flags.stream().anyMatch(line -> line.contains(" rr")),
                "no mapping of the journal's files is marked for random access: " + flags);
            assertEquals(0, journal.writeAdviceRefusals());
        }
    }

    @Test
    void shouldMakeTheWindowAheadOfTheWriterPresentInOneGo() throws IOException
    {
        final File file = new File(root, "window.bin");
        try (MappedBytes bytes = MappedBytes.mappedBytes(file, JournalFixtures.BLOCK_SIZE))
        {
            final WriteMappingAdvice advice = new WriteMappingAdvice(true);
            bytes.writeLong(0L, 1L);
            advice.beforeWrite(bytes, bytes.addressForWrite(0));
            final long firstWindowKb = residentKbOfMappingsOf(file);

            // Writing on through the window asks for the next one before the writer reaches it.
            for (long offset = 0; offset < WriteMappingAdvice.POPULATE_WINDOW_BYTES; offset += 512)
            {
                bytes.writeLong(offset, offset);
                advice.beforeWrite(bytes, bytes.addressForWrite(offset));
            }
            final long secondWindowKb = residentKbOfMappingsOf(file);

            assertEquals(0, advice.refusals());
            final long windowKb = WriteMappingAdvice.POPULATE_WINDOW_BYTES / 1024;
            assertTrue(firstWindowKb >= 4 + windowKb && firstWindowKb < 4 + 2 * windowKb,
                "present after the first write: " + firstWindowKb + " KB");
            assertTrue(secondWindowKb >= 4 + 2 * windowKb, "present after writing a window: " + secondWindowKb + " KB");
        }
    }

    @Test
    void shouldLeaveReadAheadAloneWhenAskedTo() throws IOException
    {
        try (PartitionJournal journal = PartitionJournal.open(JournalFixtures.context(root, 4).readAhead(true)))
        {
            appendSome(journal);
            final List<String> flags = vmFlagsOfMappingsUnder(journal.directory());
            assertFalse(flags.isEmpty(), "no mapping of the journal's files found in /proc/self/smaps");
            assertEquals(0, flags.stream().filter(line -> line.contains(" rr")).count(), flags.toString());
        }
    }

    @Test
    void shouldTakeTheSettingFromItsSystemProperty()
    {
        final String previous = System.getProperty(JournalConfiguration.READ_AHEAD_PROP_NAME);
        try
        {
            System.setProperty(JournalConfiguration.READ_AHEAD_PROP_NAME, "true");
            assertTrue(new JournalContext().readAhead());
            System.clearProperty(JournalConfiguration.READ_AHEAD_PROP_NAME);
            assertFalse(new JournalContext().readAhead());
        }
        finally
        {
            if (null != previous)
            {
                System.setProperty(JournalConfiguration.READ_AHEAD_PROP_NAME, previous);
            }
        }
    }

    private static void appendSome(final PartitionJournal journal)
    {
        for (int i = 0; i < 100; i++)
        {
            JournalFixtures.append(journal, 1, 0);
        }
    }

    private static List<String> vmFlagsOfMappingsUnder(final File dir) throws IOException
    {
        return smapsLines(dir.getCanonicalPath() + File.separator, "VmFlags:");
    }

    private static long residentKbOfMappingsOf(final File file) throws IOException
    {
        long kb = 0;
        for (final String line : smapsLines(file.getCanonicalPath(), "Rss:"))
        {
            kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return kb;
    }

    /**
     * The lines starting with {@code field} of every mapping of a file whose path starts with {@code prefix}.
     */
    private static List<String> smapsLines(final String prefix, final String field) throws IOException
    {
        final List<String> flags = new ArrayList<>();
        boolean inside = false;
        for (final String line : Files.readAllLines(Path.of("/proc/self/smaps"), StandardCharsets.UTF_8))
        {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*"))
            {
                inside = line.contains(prefix);
            }
            else if (inside && line.startsWith(field))
            {
                flags.add(line);
            }
        }
        return flags;
    }
}
