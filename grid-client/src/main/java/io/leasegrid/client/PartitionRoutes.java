package io.leasegrid.client;

import io.leasegrid.codec.LeaseIds;
import io.leasegrid.codec.Partitioner;
import org.agrona.DirectBuffer;

/**
 * Which shard session serves each partition, from the node's partition map. Replaced whole when a new map arrives,
 * so a reader sees one map or the other, never a mix. Thread safe.
 */
final class PartitionRoutes
{
    private static final ShardSession[] NONE = new ShardSession[0];

    private volatile ShardSession[] byPartition = NONE;
    private volatile int[] streamByPartition = new int[0];
    private volatile long version = -1;

    /**
     * @return how many partitions the grid has, 0 before the first map.
     */
    int partitionCount()
    {
        return byPartition.length;
    }

    long version()
    {
        return version;
    }

    int[] streams()
    {
        return streamByPartition;
    }

    void update(final long version, final int[] streamByPartition, final ShardSession[] byPartition)
    {
        this.streamByPartition = streamByPartition;
        this.byPartition = byPartition;
        this.version = version;
    }

    ShardSession byName(final byte[] name)
    {
        final ShardSession[] routes = byPartition;
        return 0 == routes.length ? null : routes[Partitioner.partition(name, routes.length)];
    }

    ShardSession byName(final DirectBuffer name, final int offset, final int length)
    {
        final ShardSession[] routes = byPartition;
        return 0 == routes.length ? null : routes[Partitioner.partition(name, offset, length, routes.length)];
    }

    /**
     * @return the session of the lease's partition, or null when the id names no partition of this grid.
     */
    ShardSession byLeaseId(final long leaseId)
    {
        final ShardSession[] routes = byPartition;
        final int partitionId = LeaseIds.partitionId(leaseId);
        return leaseId <= 0 || partitionId >= routes.length ? null : routes[partitionId];
    }
}
