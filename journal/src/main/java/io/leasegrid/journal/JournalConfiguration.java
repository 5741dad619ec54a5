package io.leasegrid.journal;

/**
 * Property names and defaults of a partition journal. Each can be set as a system property; a
 * {@link JournalContext} setter wins over the property.
 */
public final class JournalConfiguration
{
    /**
     * Directory holding one sub-directory per partition.
     */
    public static final String DIR_PROP_NAME = "leasegrid.journal.dir";

    /**
     * Default journal directory, relative to the working directory.
     */
    public static final String DIR_DEFAULT = "data/journal";

    /**
     * Roll cycle of the journal files, by the name of a Chronicle Queue roll cycle such as {@code FAST_HOURLY},
     * {@code FAST_DAILY} or, for tests, {@code TEST_SECONDLY}. Old cycles are what {@code deleteCyclesBefore}
     * removes, so a shorter cycle frees disk sooner.
     */
    public static final String ROLL_CYCLE_PROP_NAME = "leasegrid.journal.roll.cycle";

    /**
     * Default roll cycle: one file an hour.
     */
    public static final String ROLL_CYCLE_DEFAULT = "FAST_HOURLY";

    /**
     * Size of each memory-mapped chunk of a journal file. A quarter of it is the largest entry that can be
     * written as one contiguous region, so it must be at least 4 times {@link #MAX_ENTRY_LENGTH}.
     */
    public static final String BLOCK_SIZE_PROP_NAME = "leasegrid.journal.block.size";

    /**
     * Default chunk size: 16 MiB, files are sparse so little of it reaches the disk until written.
     */
    public static final long BLOCK_SIZE_DEFAULT = 16L * 1024 * 1024;

    /**
     * How long to wait for the write lock of a journal held by another live process before failing.
     */
    public static final String LOCK_TIMEOUT_MS_PROP_NAME = "leasegrid.journal.lock.timeout.ms";

    /**
     * Default lock timeout.
     */
    public static final long LOCK_TIMEOUT_MS_DEFAULT = 10_000;

    /**
     * Whether the kernel may read ahead around the pages a journal's writer faults in. Off by default: journal files
     * are sparse, and read-ahead on a hole zero-fills up to the disk's {@code read_ahead_kb} of page cache on the
     * writer's thread at every fault (8 MiB on some cloud disks: a quarter of a shard's cycles under load). Chunks the
     * writer never enters keep read-ahead either way, so recovery and the tools read with it.
     */
    public static final String READ_AHEAD_PROP_NAME = "leasegrid.journal.read.ahead";

    /**
     * Largest journal entry: the entry header plus a maximum-size operation (1 MiB) and its own header room.
     */
    public static final int MAX_ENTRY_LENGTH = 1024 * 1024 + 4096;

    private JournalConfiguration()
    {
    }

    static String dir()
    {
        return System.getProperty(DIR_PROP_NAME, DIR_DEFAULT);
    }

    static String rollCycle()
    {
        return System.getProperty(ROLL_CYCLE_PROP_NAME, ROLL_CYCLE_DEFAULT);
    }

    static long blockSize()
    {
        return Long.getLong(BLOCK_SIZE_PROP_NAME, BLOCK_SIZE_DEFAULT);
    }

    static boolean readAhead()
    {
        return Boolean.getBoolean(READ_AHEAD_PROP_NAME);
    }

    static long lockTimeoutMs()
    {
        return Long.getLong(LOCK_TIMEOUT_MS_PROP_NAME, LOCK_TIMEOUT_MS_DEFAULT);
    }
}
