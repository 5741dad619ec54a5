package io.leasegrid.node;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * Whether the node's journals can be trusted to hold everything they once acknowledged. Journals are memory-mapped and
 * not forced per entry, so after a crash of the machine (not of the process) their tails may be gone without a trace.
 * A clean stop forces every journal file to disk and then leaves a marker; the next start takes the marker away.
 * Without it, a replicated primary treats its own copy as in doubt until enough replicas have spoken.
 */
final class CleanStop
{
    static final String MARKER = "clean-stop";

    private CleanStop()
    {
    }

    /**
     * @return true when the last run stopped cleanly; the marker is removed, so a crash from now on is noticed.
     */
    static boolean takeMarker(final File nodeDir)
    {
        try
        {
            final boolean clean = Files.deleteIfExists(new File(nodeDir, MARKER).toPath());
            if (clean)
            {
                forceDirectory(nodeDir.toPath());
            }
            return clean;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot remove " + new File(nodeDir, MARKER), ex);
        }
    }

    /**
     * Force every journal file to disk, then leave the marker. Call after the journals are closed.
     */
    static void leaveMarker(final File nodeDir, final File journalDir) throws IOException
    {
        if (journalDir.isDirectory())
        {
            try (Stream<Path> files = Files.walk(journalDir.toPath()))
            {
                for (final Path file : (Iterable<Path>)files::iterator)
                {
                    if (Files.isRegularFile(file))
                    {
                        force(file);
                    }
                }
            }
        }
        final Path marker = new File(nodeDir, MARKER).toPath();
        Files.write(marker, new byte[0]);
        force(marker);
        forceDirectory(nodeDir.toPath());
    }

    private static void force(final Path file) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.force(true);
        }
    }

    private static void forceDirectory(final Path dir)
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ignore)
        {
            // Not every file system lets a directory be forced; the marker is then as durable as it gets.
        }
    }
}
