package io.leasegrid.node.status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The read-ahead of the block device a journal lives on, and whether it is large enough to stall a shard.
 * <p>
 * A journal is a memory-mapped sparse file. The first write to each new page is a page fault that reads the page in,
 * and Linux reads ahead around it as it would for a file read: it zero-fills up to {@code read_ahead_kb} of the hole,
 * on the writing thread. With one journal per partition, a shard moves through many files at once, and the faults
 * of all of them come due together: with 8 MB read-ahead (the default on some virtual machines) one thread appending
 * round-robin to 271 journals stopped for about three seconds every ten million appends, 98% of it in the kernel's
 * {@code memset} ({@code perf}, {@code ManyJournalsAppendBenchmark}); at 128 KB it did not. Cold path: read once when
 * a node starts.
 */
public final class ReadAhead
{
    /** Above this a warning is printed: the usual default is 128 KB. */
    public static final long WARN_ABOVE_KB = 1024;

    private static final Path SYS_CLASS_BLOCK = Paths.get("/sys/class/block");

    private ReadAhead()
    {
    }

    /**
     * @return the read-ahead in KB of the device holding {@code store}, or -1 when it cannot be told (not a block
     * device, not Linux, tmpfs).
     */
    public static long kilobytes(final FileStore store)
    {
        final String name = store.name();
        if (null == name || !name.startsWith("/dev/"))
        {
            return -1;
        }
        try
        {
            // /dev/mapper/x and /dev/disk/by-*/x are links to the kernel's name (dm-0, sda1).
            final String device = Paths.get(name).toRealPath().getFileName().toString();
            final Path sysDevice = SYS_CLASS_BLOCK.resolve(device).toRealPath();
            Path setting = sysDevice.resolve("queue/read_ahead_kb");
            if (!Files.isReadable(setting))
            {
                // A partition: the setting belongs to the disk it is part of.
                setting = sysDevice.getParent().resolve("queue/read_ahead_kb");
            }
            return Long.parseLong(new String(Files.readAllBytes(setting), StandardCharsets.US_ASCII).trim());
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * @return a warning for a person, or null when the read-ahead is fine or unknown.
     */
    public static String warning(final FileStore store)
    {
        final long kilobytes = kilobytes(store);
        if (kilobytes <= WARN_ABOVE_KB)
        {
            return null;
        }
        final String device = store.name();
        return "*** WARNING: the journal's device " + device + " reads ahead " + kilobytes + " KB: each first write " +
            "to a journal page then zero-fills that much on the shard's thread, and under sustained load the shard " +
            "stalls for seconds. Lower it (as root): echo 128 > /sys/class/block/" +
            Paths.get(device).getFileName() + "/queue/read_ahead_kb (or the disk it is a partition of) ***";
    }
}
