package io.leasegrid.journal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * Ranges of Chronicle Queue indices whose excerpts are no longer part of the journal: a tail discarded by
 * {@link PartitionJournal#truncateAfter(long)} or a torn tail found on open. Chronicle Queue cannot remove
 * written excerpts, so they stay in the files and every reader skips them.
 * <p>
 * Persisted in {@value #FILE_NAME}, one {@code fromIndex toIndex} pair of hex numbers a line (to exclusive),
 * rewritten atomically (write, force, rename) before the journal acts on a new range. Truncation is rare, so the
 * list stays short. Not thread safe: owned by the journal's thread.
 */
final class DiscardedRanges
{
    static final String FILE_NAME = "discarded-ranges.txt";

    private final File file;
    private final boolean readOnly;
    private long[] from = new long[4];
    private long[] to = new long[4];
    private int count;

    private DiscardedRanges(final File file, final boolean readOnly)
    {
        this.file = file;
        this.readOnly = readOnly;
    }

    static DiscardedRanges load(final File dir, final boolean readOnly)
    {
        final DiscardedRanges ranges = new DiscardedRanges(new File(dir, FILE_NAME), readOnly);
        if (ranges.file.exists())
        {
            try
            {
                final List<String> lines = Files.readAllLines(ranges.file.toPath(), StandardCharsets.US_ASCII);
                for (final String line : lines)
                {
                    final String trimmed = line.trim();
                    if (trimmed.isEmpty() || trimmed.startsWith("#"))
                    {
                        continue;
                    }
                    final String[] parts = trimmed.split("\\s+");
                    if (parts.length != 2)
                    {
                        throw new IllegalStateException("malformed line in " + ranges.file + ": " + line);
                    }
                    ranges.addInMemory(Long.parseUnsignedLong(parts[0], 16), Long.parseUnsignedLong(parts[1], 16));
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return ranges;
    }

    int count()
    {
        return count;
    }

    /**
     * End (exclusive) of the discarded range holding {@code index}, or {@code index} itself when it is kept.
     */
    long skip(final long index)
    {
        for (int i = 0; i < count; i++)
        {
            if (index >= from[i] && index < to[i])
            {
                return to[i];
            }
        }
        return index;
    }

    /**
     * Start of the first discarded range beginning after {@code index}, or {@link Long#MAX_VALUE} when none does.
     */
    long nextStartAfter(final long index)
    {
        for (int i = 0; i < count; i++)
        {
            if (from[i] > index)
            {
                return from[i];
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * Discard {@code [fromIndex, toIndex)}, persisting before returning unless read-only.
     */
    void add(final long fromIndex, final long toIndex)
    {
        if (toIndex <= fromIndex)
        {
            return;
        }
        addInMemory(fromIndex, toIndex);
        if (!readOnly)
        {
            persist();
        }
    }

    /**
     * Forget ranges that end at or before {@code index}: their files are gone.
     */
    void dropBefore(final long index)
    {
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            if (to[i] > index)
            {
                from[kept] = from[i];
                to[kept] = to[i];
                kept++;
            }
        }
        if (kept != count)
        {
            count = kept;
            if (!readOnly)
            {
                persist();
            }
        }
    }

    private void addInMemory(final long fromIndex, final long toIndex)
    {
        if (count == from.length)
        {
            from = Arrays.copyOf(from, count * 2);
            to = Arrays.copyOf(to, count * 2);
        }
        int i = count;
        while (i > 0 && from[i - 1] > fromIndex)
        {
            from[i] = from[i - 1];
            to[i] = to[i - 1];
            i--;
        }
        from[i] = fromIndex;
        to[i] = toIndex;
        count++;
    }

    private void persist()
    {
        final StringBuilder text = new StringBuilder(
            "# leasegrid journal: Chronicle Queue index ranges [from, to) that are not part of the journal\n");
        for (int i = 0; i < count; i++)
        {
            text.append(Long.toHexString(from[i])).append(' ').append(Long.toHexString(to[i])).append('\n');
        }

        final File temp = new File(file.getParentFile(), FILE_NAME + ".tmp");
        try (FileChannel channel = FileChannel.open(
            temp.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            final ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }

        try
        {
            Files.move(temp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
