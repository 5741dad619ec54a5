package io.leasegrid.node.partition;

import java.util.Arrays;
import java.util.List;

/**
 * Where every partition lives: its epoch, its primary node and the request stream of the shard that owns it there,
 * and the channel each member node takes requests on. Clients keep a copy (the {@code PartitionMap} message) and
 * route by it; a node answers {@code NOT_PRIMARY} with the current table when a client's copy is stale.
 * <p>
 * Immutable; a new version replaces it.
 */
public final class PartitionTable
{
    /**
     * A node of the grid, as clients reach it.
     */
    public static final class Member
    {
        private final int nodeId;
        private final String requestChannel;

        public Member(final int nodeId, final String requestChannel)
        {
            this.nodeId = nodeId;
            this.requestChannel = requestChannel;
        }

        public int nodeId()
        {
            return nodeId;
        }

        public String requestChannel()
        {
            return requestChannel;
        }
    }

    private final long version;
    private final List<Member> members;
    private final int[] primaryNodeIds;
    private final int[] streamIds;
    private final long[] epochs;

    /**
     * @param version        of the table; higher replaces lower.
     * @param members        of the grid.
     * @param primaryNodeIds by partition.
     * @param streamIds      request stream of the owning shard, by partition.
     * @param epochs         by partition.
     */
    public PartitionTable(
        final long version,
        final List<Member> members,
        final int[] primaryNodeIds,
        final int[] streamIds,
        final long[] epochs)
    {
        if (primaryNodeIds.length != streamIds.length || streamIds.length != epochs.length)
        {
            throw new IllegalArgumentException("one primary, stream and epoch per partition");
        }
        this.version = version;
        this.members = List.copyOf(members);
        this.primaryNodeIds = primaryNodeIds.clone();
        this.streamIds = streamIds.clone();
        this.epochs = epochs.clone();
    }

    /**
     * The table of a grid of one node: every partition's primary is that node, in epoch {@code epoch}.
     */
    public static PartitionTable singleNode(
        final int nodeId, final String requestChannel, final int[] streamIdByPartition, final long epoch)
    {
        final int[] primaries = new int[streamIdByPartition.length];
        Arrays.fill(primaries, nodeId);
        final long[] epochs = new long[streamIdByPartition.length];
        Arrays.fill(epochs, epoch);
        return new PartitionTable(1, List.of(new Member(nodeId, requestChannel)), primaries, streamIdByPartition, epochs);
    }

    /**
     * @return this table with other primaries and epochs (the control plane's), under a new version; a partition
     * without a primary keeps the one named here, whose node then answers NOT_PRIMARY with the newer table.
     */
    public PartitionTable withPrimaries(final long version, final int[] primaries, final long[] epochs)
    {
        final int[] merged = primaryNodeIds.clone();
        final long[] mergedEpochs = this.epochs.clone();
        for (int p = 0; p < merged.length && p < primaries.length; p++)
        {
            if (0 != primaries[p])
            {
                merged[p] = primaries[p];
                mergedEpochs[p] = epochs[p];
            }
        }
        return new PartitionTable(version, members, merged, streamIds, mergedEpochs);
    }

    public long version()
    {
        return version;
    }

    public int partitionCount()
    {
        return streamIds.length;
    }

    public List<Member> members()
    {
        return members;
    }

    public int primaryNodeId(final int partitionId)
    {
        return primaryNodeIds[partitionId];
    }

    public int streamId(final int partitionId)
    {
        return streamIds[partitionId];
    }

    public long epoch(final int partitionId)
    {
        return epochs[partitionId];
    }
}
