package io.leasegrid.transport;

import io.aeron.CommonContext;
import org.agrona.IoUtil;

import java.io.File;
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
     * Remove the directories in {@code base} whose name starts with {@code prefix}, that no live media driver uses
     * (its heartbeat older than a minute, or no driver file at all) and that have not changed for a minute; a driver
     * starting now is never taken for a leftover.
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
        int removed = 0;
        for (final File candidate : candidates)
        {
            if (candidate.isDirectory() && candidate.lastModified() < staleBeforeMs &&
                !CommonContext.isDriverActive(candidate, LEFTOVER_AGE_MS, message -> {}))
            {
                IoUtil.delete(candidate, true);
                removed++;
            }
        }
        return removed;
    }
}
