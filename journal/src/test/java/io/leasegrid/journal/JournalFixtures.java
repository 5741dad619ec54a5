package io.leasegrid.journal;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Deterministic operations derived from their position, so a test can check any entry without remembering it,
 * and tools to find and damage an entry's bytes inside the journal files.
 */
final class JournalFixtures
{
    static final long BLOCK_SIZE = 8L * 1024 * 1024;

    private JournalFixtures()
    {
    }

    static JournalContext context(final File root, final int partitionId)
    {
        return new JournalContext().journalDir(root.getPath()).partitionId(partitionId).blockSize(BLOCK_SIZE);
    }

    /**
     * Operation bytes for a position: a unique marker followed by a position-dependent amount of filler.
     */
    static byte[] operation(final long position, final int salt)
    {
        final String marker = String.format("op-%010d-%04d|", position, salt);
        final StringBuilder text = new StringBuilder(marker);
        final int filler = (int)(position % 61);
        for (int i = 0; i < filler; i++)
        {
            text.append((char)('a' + (i + position) % 26));
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static long append(final PartitionJournal journal, final long epoch, final int salt)
    {
        final byte[] operation = operation(journal.nextPosition(), salt);
        return journal.append(epoch, 1_000L * journal.nextPosition(), 7L * journal.nextPosition(), new UnsafeBuffer(operation), 0, operation.length);
    }

    static String operationText(final io.leasegrid.codec.internal.JournalEntryDecoder entry)
    {
        final byte[] bytes = new byte[entry.operationLength()];
        entry.getOperation(bytes, 0, bytes.length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /**
     * Every entry from {@code from} as "position:epoch:operation" lines.
     */
    static List<String> readAll(final PartitionJournal journal, final long from)
    {
        final List<String> entries = new ArrayList<>();
        journal.replay(from, (entry, buffer, offset, length) ->
            entries.add(entry.position() + ":" + entry.epoch() + ":" + operationText(entry)));
        return entries;
    }

    static void assertEntry(final String line, final long position, final long epoch, final int salt)
    {
        assertEquals(position + ":" + epoch + ":" + new String(operation(position, salt), StandardCharsets.US_ASCII), line);
    }

    /**
     * Flip one byte in the middle of the operation of the entry at {@code position}, found by its marker.
     *
     * @return true if the marker was found and damaged.
     */
    static boolean corruptEntry(final File partitionDir, final long position, final int salt) throws IOException
    {
        final byte[] marker = String.format("op-%010d-%04d|", position, salt).getBytes(StandardCharsets.US_ASCII);
        final File[] files = partitionDir.listFiles((dir, name) -> name.endsWith(".cq4"));
        if (null == files)
        {
            return false;
        }
        for (final File file : files)
        {
            try (RandomAccessFile raf = new RandomAccessFile(file, "rw"); FileChannel channel = raf.getChannel())
            {
                final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
                final DirectBuffer bytes = new UnsafeBuffer(map);
                final int at = indexOf(bytes, (int)channel.size(), marker);
                if (at >= 0)
                {
                    final int victim = at + 5;
                    map.put(victim, (byte)(map.get(victim) ^ 0x20));
                    map.force();
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(final DirectBuffer bytes, final int length, final byte[] marker)
    {
        outer:
        for (int i = 0; i <= length - marker.length; i++)
        {
            for (int j = 0; j < marker.length; j++)
            {
                if (bytes.getByte(i + j) != marker[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
