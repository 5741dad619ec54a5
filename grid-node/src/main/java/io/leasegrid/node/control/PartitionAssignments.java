package io.leasegrid.node.control;

import java.util.Arrays;

/**
 * One version of the control plane's partition table as a node received it: each partition's epoch and primary
 * (node and run). Immutable; a new table replaces the old one whole.
 */
public final class PartitionAssignments
{
    /** Before the first table arrives. */
    public static final PartitionAssignments NONE = new PartitionAssignments(-1, 0, new long[0], new int[0], new long[0]);

    private final long version;
    private final long changedAtMs;
    private final long[] epoch;
    private final int[] primary;
    private final long[] primaryRunId;

    PartitionAssignments(
        final long version, final long changedAtMs, final long[] epoch, final int[] primary, final long[] primaryRunId)
    {
        this.version = version;
        this.changedAtMs = changedAtMs;
        this.epoch = epoch;
        this.primary = primary;
        this.primaryRunId = primaryRunId;
    }

    public long version()
    {
        return version;
    }

    /**
     * @return the control plane's time (epoch ms, its leader's clock) of the change that made this version.
     */
    public long changedAtMs()
    {
        return changedAtMs;
    }

    public int partitionCount()
    {
        return primary.length;
    }

    public long epoch(final int partitionId)
    {
        return epoch[partitionId];
    }

    /**
     * @return the partition's primary node, or {@link ControlPlaneState#NO_PRIMARY}.
     */
    public int primary(final int partitionId)
    {
        return primary[partitionId];
    }

    /**
     * @return true when this run of this node is the partition's appointed primary.
     */
    public boolean isPrimary(final int partitionId, final int nodeId, final long runId)
    {
        return partitionId < primary.length && primary[partitionId] == nodeId && primaryRunId[partitionId] == runId;
    }

    /**
     * @return how many partitions each node leads, indexed by node id (index 0: partitions without a primary).
     */
    public int[] primariesPerNode(final int maxNodeId)
    {
        final int[] counts = new int[maxNodeId + 1];
        for (final int node : primary)
        {
            if (node <= maxNodeId)
            {
                counts[node]++;
            }
        }
        return counts;
    }

    public String toString()
    {
        return "PartitionAssignments{version=" + version + ", primary=" + Arrays.toString(primary) +
            ", epoch=" + Arrays.toString(epoch) + '}';
    }
}
