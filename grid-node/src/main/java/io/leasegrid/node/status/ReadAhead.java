package io.leasegrid.node.status;

import io.leasegrid.journal.JournalConfiguration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The read-ahead of the block device a journal lives on, and whether it is large enough to stall a shard whose
 * journals keep the kernel's read-ahead ({@code leasegrid.journal.read.ahead=true}; by default the journal's writer
 * opts out, see the journal's {@code WriteMappingAdvice}).
 * <p>
 * A journal is a memory-mapped sparse file. The first write to each new page is a page fault that reads the page in,
 * and Linux reads ahead around it as it would for a file read: it zero-fills up to {@code read_ahead_kb} of the hole,
 * on the writing thread. With one journal per partition, a shard moves through many files at once, and the faults
 * of all of them come due together: with 8 MB read-ahead (the default on some virtual machines) one thread appending
 * round-robin to 271 journals stopped for about three seconds every ten million appends, 98% of it in the kernel's
 * {@code memset} ({@code perf}, {@code ManyJournalsAppendBenchmark}); at 128 KB it did not. Cold path: read once when
 * a node starts.
 * <p>
 * The device is found from the directory's device number ({@code /sys/dev/block/MAJOR:MINOR}), which names the
 * kernel's device whatever the mount table calls it ({@code /dev/root}, {@code /dev/mapper/...}, a device absent from
 * a container's {@code /dev}). File systems that are not on one block device (tmpfs, overlay's upper layer aside,
 * network and pooled file systems) give no answer. btrfs keeps a read-ahead of its own, not read here.
 */
public final class ReadAhead
{
    /** Above this a warning is printed: the usual default is 128 KB. */
    public static final long WARN_ABOVE_KB = 1024;

    private static final Path SYS_DEV_BLOCK = Paths.get("/sys/dev/block");
    private static final Path SYS_CLASS_BLOCK = Paths.get("/sys/class/block");
    private static final String SETTING = "queue/read_ahead_kb";

    private ReadAhead()
    {
    }

    /**
     * @return the {@code read_ahead_kb} file of the block device holding {@code path}, or null when there is none
     * (not Linux, not a block device, not readable).
     */
    public static Path settingFile(final Path path)
    {
        try
        {
            final long device = ((Number)Files.getAttribute(path, "unix:dev")).longValue();
            final Path sysDevice = SYS_DEV_BLOCK.resolve(major(device) + ":" + minor(device)).toRealPath();
            // A partition has no queue: the setting belongs to the disk it is part of.
            final Path disk = Files.isReadable(sysDevice.resolve(SETTING)) ? sysDevice : sysDevice.getParent();
            final Path setting = disk.resolve(SETTING);
            if (!Files.isReadable(setting))
            {
                return null;
            }
            // The short name people know, where it leads to the same file.
            final Path named = SYS_CLASS_BLOCK.resolve(disk.getFileName()).resolve(SETTING);
            return Files.isReadable(named) && Files.isSameFile(named, setting) ? named : setting;
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /**
     * @return the read-ahead in KB of the device holding {@code path}, or -1 when it cannot be told.
     */
    public static long kilobytes(final Path path)
    {
        return read(settingFile(path));
    }

    /**
     * @return a warning for a person, or null when the read-ahead is fine or unknown. Never throws. Only worth asking
     * when the journal keeps the kernel's read-ahead for its writer ({@link JournalConfiguration#READ_AHEAD_PROP_NAME});
     * by default it does not, and the disk's setting does not reach the shard.
     */
    public static String warning(final Path path)
    {
        final Path setting = settingFile(path);
        final long kilobytes = read(setting);
        if (kilobytes <= WARN_ABOVE_KB)
        {
            return null;
        }
        return "*** WARNING: " + JournalConfiguration.READ_AHEAD_PROP_NAME + "=true and the journal's disk reads ahead " +
            kilobytes + " KB: each first write to a journal page then zero-fills that much on the shard's thread, and " +
            "under sustained load the shard stalls for seconds. Leave the setting at its default (false), or lower the " +
            "disk's read-ahead (as root): echo 128 > " + setting + " and restart the node ***";
    }

    private static long read(final Path setting)
    {
        if (null == setting)
        {
            return -1;
        }
        try
        {
            return Long.parseLong(new String(Files.readAllBytes(setting), StandardCharsets.US_ASCII).trim());
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * Linux's encoding of a device number (glibc's {@code gnu_dev_major}).
     */
    static long major(final long device)
    {
        return ((device >>> 8) & 0xfffL) | ((device >>> 32) & ~0xfffL);
    }

    /**
     * Linux's encoding of a device number (glibc's {@code gnu_dev_minor}).
     */
    static long minor(final long device)
    {
        return (device & 0xffL) | ((device >>> 12) & ~0xffL);
    }
}
