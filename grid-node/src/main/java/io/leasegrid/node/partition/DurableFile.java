package io.leasegrid.node.partition;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a small file so that a crash or power cut leaves either the old content or the new, never part of it:
 * written to a temporary file, forced, renamed over the old one, and the directory forced (the rename reaches the
 * disk only with it). Cold path.
 */
final class DurableFile
{
    private DurableFile()
    {
    }

    static void replace(final File file, final byte[] bytes)
    {
        final File temp = new File(file.getParentFile(), file.getName() + ".tmp");
        try
        {
            try (FileChannel channel = FileChannel.open(temp.toPath(),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
            {
                final ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel directory = FileChannel.open(file.getParentFile().toPath(), StandardOpenOption.READ))
            {
                directory.force(true);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
