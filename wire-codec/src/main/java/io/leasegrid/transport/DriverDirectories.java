package io.leasegrid.transport;

import io.aeron.CncFileDescriptor;
import io.aeron.CommonContext;
import org.agrona.IoUtil;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Where leasegrid's embedded media drivers keep their directories, and the removal of those that processes killed
 * before they could remove them left behind.
 * <p>
 * Directories go in shared memory ({@code /dev/shm}) where the machine has it, as Aeron's own default does: log
 * buffers on a disk-backed file system are written back to disk while the driver writes them, and under sustained
 * load that stalled every request for up to a second at a time. In shared memory a leftover directory holds memory
 * until someone removes it, so every node and client that starts removes the leftovers of its kind first.
 */
public final class DriverDirectories
{
    /** Linux's shared memory file system. */
    public static final String SHARED_MEMORY_DIR = "/dev/shm";

    /** Where media driver directories go instead of the default ({@code /dev/shm}, else the temporary directory). */
    public static final String BASE_PROP_NAME = "leasegrid.driver.dir.base";

    /** Free space {@code /dev/shm} must have to be used: a driver's log buffers take tens of MiB per stream. */
    public static final long SHARED_MEMORY_MIN_FREE_BYTES = 1L << 30;

    /** A directory with no live driver that has not changed for this long is a leftover. */
    static final long LEFTOVER_AGE_MS = TimeUnit.MINUTES.toMillis(1);

    private DriverDirectories()
    {
    }

    /**
     * @return the directory set by {@value #BASE_PROP_NAME}; else {@code /dev/shm} where it is a writable directory
     * with room for a few drivers ({@link #SHARED_MEMORY_MIN_FREE_BYTES}; a container's is often 64 MiB); else the
     * JVM's temporary directory.
     */
    public static File base()
    {
        final String configured = System.getProperty(BASE_PROP_NAME);
        if (null != configured)
        {
            return new File(configured);
        }
        final File shm = new File(SHARED_MEMORY_DIR);
        return shm.isDirectory() && shm.canWrite() && shm.getUsableSpace() >= SHARED_MEMORY_MIN_FREE_BYTES ? shm :
            new File(System.getProperty("java.io.tmpdir"));
    }

    /**
     * @return true when drivers keep their directories in shared memory on this machine.
     */
    public static boolean inSharedMemory()
    {
        return null == System.getProperty(BASE_PROP_NAME) && SHARED_MEMORY_DIR.equals(base().getPath());
    }

    /**
     * Remove leftovers ({@link #removeLeftovers(File, String)}) in {@code /dev/shm} and in {@link #base()}: shared
     * memory is swept even when it is too full to be used now, which is when its leftovers matter most.
     *
     * @return how many were removed.
     */
    public static int removeLeftovers(final String prefix)
    {
        final File shm = new File(SHARED_MEMORY_DIR);
        final File base = base();
        int removed = shm.isDirectory() ? removeLeftovers(shm, prefix) : 0;
        if (!base.equals(shm))
        {
            removed += removeLeftovers(base, prefix);
        }
        return removed;
    }

    /**
     * Remove the directories in {@code base} whose name starts with {@code prefix}, that this user owns, that no live
     * media driver uses (no driver file, a driver file never initialised, or a heartbeat older than a minute) and that
     * have not changed for a minute; a driver starting now is never taken for a leftover. A directory that cannot be
     * judged (another user's, unreadable, another Aeron version's) is left alone: cleaning up never fails a start.
     *
     * @return how many were removed.
     */
    public static int removeLeftovers(final File base, final String prefix)
    {
        final File[] candidates = base.listFiles((dir, name) -> name.startsWith(prefix));
        if (null == candidates)
        {
            return 0;
        }
        final long staleBeforeMs = System.currentTimeMillis() - LEFTOVER_AGE_MS;
        final String user = System.getProperty("user.name");
        int removed = 0;
        for (final File candidate : candidates)
        {
            try
            {
                if (candidate.isDirectory() && candidate.lastModified() < staleBeforeMs &&
                    user.equals(Files.getOwner(candidate.toPath()).getName()) && !hasLiveDriver(candidate))
                {
                    IoUtil.delete(candidate, true);
                    removed++;
                }
            }
            catch (final Exception ex)
            {
                // Not ours to judge, or gone meanwhile: leave it.
            }
        }
        return removed;
    }

    private static boolean hasLiveDriver(final File dir) throws IOException
    {
        final File cnc = new File(dir, CncFileDescriptor.CNC_FILE);
        if (!cnc.exists())
        {
            return false;
        }
        // Aeron waits for a driver file's version to be set; one still unset a minute on was left by a killed start.
        try (FileChannel channel = FileChannel.open(cnc.toPath(), StandardOpenOption.READ))
        {
            final ByteBuffer version = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (channel.read(version, CncFileDescriptor.cncVersionOffset(0)) < Integer.BYTES || 0 == version.getInt(0))
            {
                return false;
            }
        }
        return CommonContext.isDriverActive(dir, LEFTOVER_AGE_MS, message -> {});
    }
}
