package io.leasegrid.node;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

/**
 * A node's claim on its data directory: an exclusive lock on {@code <dir>/node.lock}, taken before anything else in
 * the directory is touched and held until the node closes, with the owner's pid written in the file so that a second
 * node can say whose directory it is. The operating system drops the lock when the owner dies, SIGKILL included, so
 * a crashed node never leaves the directory locked.
 */
public final class DirectoryLock implements AutoCloseable
{
    /** File name of the lock inside the node directory. */
    public static final String FILE_NAME = "node.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(final FileChannel channel, final FileLock lock)
    {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Take the directory, creating it when missing.
     *
     * @throws IllegalStateException naming the other node's pid when another node holds it.
     */
    public static DirectoryLock acquire(final File dir)
    {
        final File file = new File(dir, FILE_NAME);
        FileChannel channel = null;
        try
        {
            Files.createDirectories(dir.toPath());
            channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                lock = null;
            }
            if (null == lock)
            {
                final String owner = owner(file);
                channel.close();
                throw new IllegalStateException(dir.getAbsolutePath() + " belongs to another running node (" + owner +
                    "); stop it, or give this node another directory with -Dleasegrid.dir");
            }
            final byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(pid), 0);
            channel.force(false);
            return new DirectoryLock(channel, lock);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + file, ex);
        }
    }

    /**
     * @return "pid N" of the node that holds (or last held) the directory, as far as its lock file says.
     */
    public static String owner(final File file)
    {
        try
        {
            final String text = Files.readString(file.toPath(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? "pid unknown" : "pid " + text;
        }
        catch (final IOException ex)
        {
            return "pid unknown";
        }
    }

    /**
     * Give the directory back. Idempotent.
     */
    public void close()
    {
        try
        {
            if (lock.isValid())
            {
                lock.release();
            }
        }
        catch (final IOException ignore)
        {
            // The channel closes below, which releases the lock anyway.
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing more to release
            }
        }
    }
}
