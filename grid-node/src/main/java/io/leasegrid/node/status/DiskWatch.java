package io.leasegrid.node.status;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;

import java.io.IOException;
import java.nio.file.FileStore;
import java.util.List;

/**
 * Watches the file system that holds the journals, once a second, from a thread of its own so that no shard makes
 * the system call: the bytes in use go to each shard's counter, and an alert is raised above the threshold.
 */
public final class DiskWatch implements Agent
{
    private static final long INTERVAL_MS = 1_000;

    private final FileStore store;
    private final List<ShardCounters> shards;
    private final Alerts alerts;
    private final double usageThreshold;
    private final EpochClock clock;
    private long nextCheckMs;

    /**
     * @param store          holding the journals.
     * @param shards         whose counters show the usage.
     * @param alerts         of the node.
     * @param usageThreshold fraction of the file system in use above which to alert.
     * @param clock          to pace the checks.
     */
    public DiskWatch(
        final FileStore store, final List<ShardCounters> shards, final Alerts alerts, final double usageThreshold,
        final EpochClock clock)
    {
        this.store = store;
        this.shards = List.copyOf(shards);
        this.alerts = alerts;
        this.usageThreshold = usageThreshold;
        this.clock = clock;
    }

    public String roleName()
    {
        return "leasegrid-disk-watch";
    }

    public int doWork()
    {
        final long nowMs = clock.time();
        if (nowMs < nextCheckMs)
        {
            return 0;
        }
        nextCheckMs = nowMs + INTERVAL_MS;
        try
        {
            final long total = store.getTotalSpace();
            final long usable = store.getUsableSpace();
            for (final ShardCounters shard : shards)
            {
                shard.set(CounterType.JOURNAL_FS_USED_BYTES, total - usable);
            }
            if (total > 0 && 1.0 - (double)usable / total > usageThreshold)
            {
                alerts.raise(Alerts.Kind.JOURNAL_DISK_USAGE);
            }
        }
        catch (final IOException ex)
        {
            // The file system could not be asked this time; the next check tries again.
        }
        return 1;
    }
}
