package io.leasegrid.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

import java.io.File;

/**
 * Settings of one partition's journal, fluent, Aeron style: unset values take their {@link JournalConfiguration}
 * default in {@link #conclude()}.
 */
public final class JournalContext
{
    private String journalDir;
    private int partitionId = -1;
    private String rollCycleName;
    private long blockSize;
    private long lockTimeoutMs;
    private boolean readOnly;
    private boolean readAhead = JournalConfiguration.readAhead();
    private EpochClock epochClock;
    private RollCycle rollCycle;
    private boolean concluded;

    /**
     * Fill in defaults and validate. Called by {@link PartitionJournal#open(JournalContext)}.
     *
     * @return this for a fluent API.
     * @throws IllegalArgumentException when a setting is invalid.
     */
    public JournalContext conclude()
    {
        if (concluded)
        {
            return this;
        }

        if (partitionId < 0 || partitionId > 0xFFFF)
        {
            throw new IllegalArgumentException("partitionId must be in [0, 65535]: " + partitionId);
        }
        if (null == journalDir)
        {
            journalDir = JournalConfiguration.dir();
        }
        if (null == rollCycleName)
        {
            rollCycleName = JournalConfiguration.rollCycle();
        }
        rollCycle = rollCycleByName(rollCycleName);
        if (0 == blockSize)
        {
            blockSize = JournalConfiguration.blockSize();
        }
        if (blockSize / 4 < JournalConfiguration.MAX_ENTRY_LENGTH)
        {
            throw new IllegalArgumentException("blockSize must be at least 4 x " + JournalConfiguration.MAX_ENTRY_LENGTH +
                " so that the largest entry is one contiguous region: " + blockSize);
        }
        if (0 == lockTimeoutMs)
        {
            lockTimeoutMs = JournalConfiguration.lockTimeoutMs();
        }
        if (null == epochClock)
        {
            epochClock = SystemEpochClock.INSTANCE;
        }

        concluded = true;
        return this;
    }

    /**
     * Directory holding every partition's journal directory.
     *
     * @param journalDir root directory.
     * @return this for a fluent API.
     */
    public JournalContext journalDir(final String journalDir)
    {
        this.journalDir = journalDir;
        return this;
    }

    /**
     * @return root directory holding every partition's journal directory.
     */
    public String journalDir()
    {
        return journalDir;
    }

    /**
     * Partition this journal belongs to.
     *
     * @param partitionId in [0, 65535].
     * @return this for a fluent API.
     */
    public JournalContext partitionId(final int partitionId)
    {
        this.partitionId = partitionId;
        return this;
    }

    /**
     * @return partition this journal belongs to.
     */
    public int partitionId()
    {
        return partitionId;
    }

    /**
     * @return the directory of this partition's journal: {@code journalDir/partition-NNNNN}.
     */
    public File partitionDir()
    {
        return partitionDir(new File(journalDir), partitionId);
    }

    /**
     * Directory of a partition's journal below a journal root.
     *
     * @param journalDir  root directory.
     * @param partitionId of the partition.
     * @return its directory.
     */
    public static File partitionDir(final File journalDir, final int partitionId)
    {
        return new File(journalDir, String.format("partition-%05d", partitionId));
    }

    /**
     * Roll cycle by Chronicle name, see {@link JournalConfiguration#ROLL_CYCLE_PROP_NAME}.
     *
     * @param rollCycleName such as {@code FAST_HOURLY}.
     * @return this for a fluent API.
     */
    public JournalContext rollCycle(final String rollCycleName)
    {
        this.rollCycleName = rollCycleName;
        return this;
    }

    /**
     * @return roll cycle, resolved by {@link #conclude()}.
     */
    public RollCycle rollCycle()
    {
        return rollCycle;
    }

    /**
     * Chunk size of journal files, see {@link JournalConfiguration#BLOCK_SIZE_PROP_NAME}.
     *
     * @param blockSize in bytes.
     * @return this for a fluent API.
     */
    public JournalContext blockSize(final long blockSize)
    {
        this.blockSize = blockSize;
        return this;
    }

    /**
     * @return chunk size of journal files in bytes.
     */
    public long blockSize()
    {
        return blockSize;
    }

    /**
     * How long to wait for a write lock held by another live process.
     *
     * @param lockTimeoutMs in milliseconds.
     * @return this for a fluent API.
     */
    public JournalContext lockTimeoutMs(final long lockTimeoutMs)
    {
        this.lockTimeoutMs = lockTimeoutMs;
        return this;
    }

    /**
     * @return lock timeout in milliseconds.
     */
    public long lockTimeoutMs()
    {
        return lockTimeoutMs;
    }

    /**
     * Open without writing anything: for tools reading a journal, possibly copied from another machine.
     * A torn tail is then reported but not discarded.
     *
     * @param readOnly true to never write.
     * @return this for a fluent API.
     */
    public JournalContext readOnly(final boolean readOnly)
    {
        this.readOnly = readOnly;
        return this;
    }

    /**
     * @return true when the journal never writes.
     */
    public boolean readOnly()
    {
        return readOnly;
    }

    /**
     * Let the kernel read ahead around the pages the writer faults in, see
     * {@link JournalConfiguration#READ_AHEAD_PROP_NAME}.
     *
     * @param readAhead true to leave the kernel's read-ahead on for the writer's mappings.
     * @return this for a fluent API.
     */
    public JournalContext readAhead(final boolean readAhead)
    {
        this.readAhead = readAhead;
        return this;
    }

    /**
     * @return true when the writer's mappings keep the kernel's read-ahead.
     */
    public boolean readAhead()
    {
        return readAhead;
    }

    /**
     * Clock that decides which roll cycle an entry lands in; inject a {@code CachedEpochClock} in tests to cross
     * cycles deterministically. It does not stamp entries: the primary's timestamp is passed to each append.
     *
     * @param epochClock in milliseconds since 1970.
     * @return this for a fluent API.
     */
    public JournalContext epochClock(final EpochClock epochClock)
    {
        this.epochClock = epochClock;
        return this;
    }

    /**
     * @return clock that decides roll cycles.
     */
    public EpochClock epochClock()
    {
        return epochClock;
    }

    static RollCycle rollCycleByName(final String name)
    {
        for (final RollCycles cycle : RollCycles.values())
        {
            if (cycle.name().equals(name))
            {
                return cycle;
            }
        }
        for (final TestRollCycles cycle : TestRollCycles.values())
        {
            if (cycle.name().equals(name))
            {
                return cycle;
            }
        }
        throw new IllegalArgumentException("unknown roll cycle: " + name + " (try FAST_HOURLY, FAST_DAILY or TEST_SECONDLY)");
    }
}
