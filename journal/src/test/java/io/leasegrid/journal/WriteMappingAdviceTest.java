package io.leasegrid.journal;

import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.core.OS;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
    void shouldMarkTheWritersMappingsForRandomAccessInEveryChunkAndNothingElse() throws IOException
    {
        final Set<String> randomElsewhereBefore = randomAccessMappingsOutside(root);
        try (PartitionJournal journal = PartitionJournal.open(JournalFixtures.context(root, 3)))
        {
            // One and a half chunks: a chunk after the first starts at a file position other than 0, the case that
            // advising by the store's capacity (its end in the file, not its length) got wrong.
            final UnsafeBuffer operation = new UnsafeBuffer(new byte[4000]);
            final long entries = JournalFixtures.BLOCK_SIZE * 3 / 2 / operation.capacity();
            for (long i = 0; i < entries; i++)
            {
                journal.append(1, i, i, operation, 0, operation.capacity());
            }

            final List<String> flags = vmFlagsOfMappingsUnder(journal.directory());
            assertFalse(flags.isEmpty(), "no mapping of the journal's files found in /proc/self/smaps");
            assertTrue(flags.stream().filter(line -> line.contains(" rr")).count() >= 2,
                "not every chunk the writer entered is marked for random access: " + flags);
            assertEquals(0, journal.writeAdviceRefusals());
            final Set<String> randomElsewhereAfter = randomAccessMappingsOutside(root);
            randomElsewhereAfter.removeAll(randomElsewhereBefore);
            assertEquals(Set.of(), randomElsewhereAfter, "mappings of other files were advised too");
        }
    }

    @Test
    void shouldMakeTheWindowAheadOfTheWriterPresentInOneGo() throws IOException
    {
        assumeTrue(kernelAtLeast(5, 14), "MADV_POPULATE_WRITE needs Linux 5.14: " + System.getProperty("os.version"));
        final File file = new File(root, "window.bin");
        try (MappedBytes bytes = MappedBytes.mappedBytes(file, JournalFixtures.BLOCK_SIZE))
        {
            final WriteMappingAdvice advice = new WriteMappingAdvice(true);
            // As the journal does: the first page is touched (Chronicle's header), then the advice, then the write.
            bytes.writeLong(0L, 0L);
            advice.beforeWrite(bytes, bytes.addressForWrite(0));
            final long firstWindowKb = residentKbOfMappingsOf(file);

            // Writing on through the window asks for the next one before the writer reaches it.
            for (long offset = 0; offset < WriteMappingAdvice.POPULATE_WINDOW_BYTES; offset += 512)
            {
                advice.beforeWrite(bytes, bytes.addressForWrite(offset));
                bytes.writeLong(offset, offset);
            }
            final long secondWindowKb = residentKbOfMappingsOf(file);

            assertEquals(0, advice.refusals());
            final long pageKb = OS.pageSize() / 1024;
            final long windowKb = WriteMappingAdvice.POPULATE_WINDOW_BYTES / 1024;
            assertTrue(firstWindowKb >= pageKb + windowKb && firstWindowKb < pageKb + 2 * windowKb,
                "present after the first write: " + firstWindowKb + " KB");
            assertTrue(secondWindowKb >= pageKb + 2 * windowKb,
                "present after writing a window: " + secondWindowKb + " KB");
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

    private static boolean kernelAtLeast(final int major, final int minor)
    {
        final String[] parts = System.getProperty("os.version").split("[.-]");
        final int actualMajor = Integer.parseInt(parts[0]);
        return actualMajor > major || (actualMajor == major && Integer.parseInt(parts[1]) >= minor);
    }

    /**
     * The first line (address range, offset, path) of every mapping marked for random access that is not of a file
     * under {@code dir}.
     */
    private static Set<String> randomAccessMappingsOutside(final File dir) throws IOException
    {
        final String prefix = dir.getCanonicalPath() + File.separator;
        final Set<String> mappings = new HashSet<>();
        String mapping = "";
        for (final String line : Files.readAllLines(Path.of("/proc/self/smaps"), StandardCharsets.UTF_8))
        {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*"))
            {
                mapping = line;
            }
            else if (line.startsWith("VmFlags:") && line.contains(" rr") && !mapping.contains(prefix))
            {
                mappings.add(mapping);
            }
        }
        return mappings;
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
