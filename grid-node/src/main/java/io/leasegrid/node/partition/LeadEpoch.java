package io.leasegrid.node.partition;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * The highest epoch this node has led a partition in, kept in the partition's directory ({@code lead-epoch}) and
 * forced to disk before the first entry of that epoch is written. The journal records epochs too, but a journal in
 * doubt (a crash, a torn tail) may have lost the entry that named the latest one; leading again in an epoch already
 * used would let a replica's tail of that epoch pass for this primary's entries.
 */
public final class LeadEpoch
{
    static final String FILE_NAME = "lead-epoch";

    private LeadEpoch()
    {
    }

    /**
     * @return the epoch recorded in {@code dir}, 0 when none is.
     * @throws IllegalStateException when the file is there but unreadable: guessing low would be unsafe.
     */
    public static long read(final File dir)
    {
        final File file = new File(dir, FILE_NAME);
        if (!file.exists())
        {
            return 0;
        }
        try
        {
            return Long.parseLong(new String(Files.readAllBytes(file.toPath()), StandardCharsets.US_ASCII).trim());
        }
        catch (final IOException | NumberFormatException ex)
        {
            throw new IllegalStateException("cannot read " + file + ": remove it only if the partition's replicas are " +
                "known to hold no entry of a later epoch", ex);
        }
    }

    /**
     * Record {@code epoch} in {@code dir}: written to a temporary file, forced, renamed, and the directory forced.
     */
    public static void write(final File dir, final long epoch)
    {
        DurableFile.replace(new File(dir, FILE_NAME), (epoch + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
