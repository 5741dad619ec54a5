package io.leasegrid.node.control;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where each of a node's copies stands (highest epoch, last entry's epoch, next position, and the version of the
 * control plane's table its shard had taken the roles of), written by the shard that holds it at least once a
 * millisecond and read by the control plane client for its heartbeats: the control plane picks a new primary from
 * these, so a reader must never pair one moment's position with another's epoch.
 * <p>
 * One writer per partition (its shard), any reader: a sequence lock per partition (odd while being written), all
 * accesses volatile. The writer never waits; a reader retries while a write is under way.
 */
public final class CopyStandings implements ControlPlaneClient.CopyReporter
{
    private static final int FIELDS = 5;
    private static final int SEQUENCE = 0;
    private static final int EPOCH = 1;
    private static final int LAST_ENTRY_EPOCH = 2;
    private static final int NEXT_POSITION = 3;
    private static final int TABLE_VERSION = 4;
    private static final int READ_ATTEMPTS = 1_000;

    private final int[] heldPartitions;
    private final AtomicLongArray values;

    /**
     * @param partitionCount of the grid.
     * @param heldPartitions the partitions this node holds a copy of.
     */
    public CopyStandings(final int partitionCount, final int[] heldPartitions)
    {
        this.heldPartitions = heldPartitions.clone();
        values = new AtomicLongArray(partitionCount * FIELDS);
    }

    /**
     * The shard holding the partition says where its copy stands now.
     */
    public void update(
        final int partitionId, final long epoch, final long lastEntryEpoch, final long nextPosition, final long tableVersion)
    {
        final int base = partitionId * FIELDS;
        final long sequence = values.get(base + SEQUENCE);
        values.set(base + SEQUENCE, sequence + 1);
        values.set(base + EPOCH, epoch);
        values.set(base + LAST_ENTRY_EPOCH, lastEntryEpoch);
        values.set(base + NEXT_POSITION, nextPosition);
        values.set(base + TABLE_VERSION, tableVersion);
        values.set(base + SEQUENCE, sequence + 2);
    }

    /**
     * Report the copies the control plane asks about: those of partitions without a primary in {@code table} (all
     * of them before the first table), once their shard has said where they stand and only as one consistent reading.
     */
    public void report(final PartitionAssignments table, final ControlPlaneClient.CopySink sink)
    {
        for (final int partitionId : heldPartitions)
        {
            if (partitionId < table.partitionCount() && ControlPlaneState.NO_PRIMARY != table.primary(partitionId))
            {
                continue;
            }
            final int base = partitionId * FIELDS;
            for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++)
            {
                final long before = values.get(base + SEQUENCE);
                if (0 == before)
                {
                    break; // not yet said: a copy nobody has looked at is not reported
                }
                final long epoch = values.get(base + EPOCH);
                final long lastEntryEpoch = values.get(base + LAST_ENTRY_EPOCH);
                final long next = values.get(base + NEXT_POSITION);
                final long version = values.get(base + TABLE_VERSION);
                if (0 == (before & 1) && values.get(base + SEQUENCE) == before)
                {
                    sink.copy(partitionId, epoch, lastEntryEpoch, next, version);
                    break;
                }
                Thread.onSpinWait();
            }
        }
    }
}
