package io.leasegrid.node.control;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where each of a node's copies stands (highest epoch, last entry's epoch, next position), written by the shards that
 * hold them at least once a millisecond and read by the control plane client for its heartbeats: the control plane
 * picks a new primary from these, so they must be current when a heartbeat leaves.
 * <p>
 * One writer per partition (its shard), any reader; a reader may see the three values of one partition from
 * different moments, each no older than the last write.
 */
public final class CopyStandings implements ControlPlaneClient.CopyReporter
{
    private static final long UNKNOWN = -1;

    private final int[] heldPartitions;
    private final AtomicLongArray epoch;
    private final AtomicLongArray lastEntryEpoch;
    private final AtomicLongArray nextPosition;

    /**
     * @param partitionCount of the grid.
     * @param heldPartitions the partitions this node holds a copy of, reported in every heartbeat.
     */
    public CopyStandings(final int partitionCount, final int[] heldPartitions)
    {
        this.heldPartitions = heldPartitions.clone();
        epoch = new AtomicLongArray(partitionCount);
        lastEntryEpoch = new AtomicLongArray(partitionCount);
        nextPosition = new AtomicLongArray(partitionCount);
        for (int p = 0; p < partitionCount; p++)
        {
            nextPosition.set(p, UNKNOWN);
        }
    }

    /**
     * The shard holding the partition says where its copy stands now.
     */
    public void update(final int partitionId, final long epoch, final long lastEntryEpoch, final long nextPosition)
    {
        this.epoch.lazySet(partitionId, epoch);
        this.lastEntryEpoch.lazySet(partitionId, lastEntryEpoch);
        // Last: a reader that sees the position sees the epochs written with it.
        this.nextPosition.set(partitionId, nextPosition);
    }

    /**
     * Report every copy whose shard has said where it stands; one not yet recovered is left out, so that the control
     * plane never appoints from a copy nobody has looked at (nor picks an epoch below one it holds).
     */
    public void report(final ControlPlaneClient.CopySink sink)
    {
        for (final int partitionId : heldPartitions)
        {
            final long next = nextPosition.get(partitionId);
            if (UNKNOWN != next)
            {
                sink.copy(partitionId, epoch.get(partitionId), lastEntryEpoch.get(partitionId), next);
            }
        }
    }
}
