package io.leasegrid.node.partition;

import io.leasegrid.node.lease.LeaseTable;
import io.leasegrid.node.value.ValueStore;

/**
 * Everything one partition holds: leases, values, and where in the journal and on the primary's clock its state
 * stands. Rebuilt by applying journal entries, in order, to an empty state or to a snapshot.
 */
public final class PartitionState
{
    private final int partitionId;
    private final LeaseTable leases;
    private final ValueStore values = new ValueStore();
    long lastAppliedPosition = -1;
    long lastAppliedMonotonicNs;
    long lastCheckpointNs;
    long lastEpoch;

    /**
     * @param partitionId of the partition.
     */
    public PartitionState(final int partitionId)
    {
        this.partitionId = partitionId;
        this.leases = new LeaseTable(partitionId);
    }

    /**
     * @return the partition.
     */
    public int partitionId()
    {
        return partitionId;
    }

    /**
     * @return its lease table.
     */
    public LeaseTable leases()
    {
        return leases;
    }

    /**
     * @return its values.
     */
    public ValueStore values()
    {
        return values;
    }

    /**
     * @return journal position of the last applied entry, -1 for none.
     */
    public long lastAppliedPosition()
    {
        return lastAppliedPosition;
    }

    /**
     * @return primary-monotonic time of the last applied entry.
     */
    public long lastAppliedMonotonicNs()
    {
        return lastAppliedMonotonicNs;
    }

    /**
     * @return primary-monotonic time of the last time checkpoint.
     */
    public long lastCheckpointNs()
    {
        return lastCheckpointNs;
    }

    /**
     * @return epoch of the last applied entry.
     */
    public long lastEpoch()
    {
        return lastEpoch;
    }
}
