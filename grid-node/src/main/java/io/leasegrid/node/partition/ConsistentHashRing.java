package io.leasegrid.node.partition;

import io.leasegrid.codec.KeyHash;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * Places partitions on nodes: every node owns {@code virtualNodes} points on a 64-bit ring, every partition has one
 * point, and a partition's replica set is the first {@code n} distinct nodes clockwise from its point (the first is
 * its primary). Adding or removing one of {@code n} nodes only moves the partitions whose arc that node gains or
 * loses, about {@code 1/n} of them.
 * <p>
 * Immutable once built: membership changes build a new ring. Thread safe.
 */
public final class ConsistentHashRing
{
    /**
     * Default number of points per node: enough to keep the spread of load within a few percent.
     */
    public static final int DEFAULT_VIRTUAL_NODES = 128;

    private final long[] points;
    private final int[] owners;
    private final int[] nodeIds;
    private final int virtualNodes;

    /**
     * Build a ring.
     *
     * @param virtualNodes points per node.
     * @param nodeIds      members, distinct.
     */
    public ConsistentHashRing(final int virtualNodes, final int... nodeIds)
    {
        if (virtualNodes < 1)
        {
            throw new IllegalArgumentException("virtualNodes must be positive: " + virtualNodes);
        }
        this.virtualNodes = virtualNodes;
        this.nodeIds = nodeIds.clone();
        Arrays.sort(this.nodeIds);
        final TreeMap<Long, Integer> ring = new TreeMap<>();
        for (int i = 0; i < this.nodeIds.length; i++)
        {
            if (i > 0 && this.nodeIds[i] == this.nodeIds[i - 1])
            {
                throw new IllegalArgumentException("duplicate node id " + this.nodeIds[i]);
            }
            for (int v = 0; v < virtualNodes; v++)
            {
                long point = point(this.nodeIds[i], v);
                while (ring.containsKey(point))
                {
                    point++;
                }
                ring.put(point, this.nodeIds[i]);
            }
        }
        points = new long[ring.size()];
        owners = new int[ring.size()];
        int i = 0;
        for (final var entry : ring.entrySet())
        {
            points[i] = entry.getKey();
            owners[i] = entry.getValue();
            i++;
        }
    }

    /**
     * @return a ring with one more node.
     */
    public ConsistentHashRing withNode(final int nodeId)
    {
        final int[] more = Arrays.copyOf(nodeIds, nodeIds.length + 1);
        more[nodeIds.length] = nodeId;
        return new ConsistentHashRing(virtualNodes, more);
    }

    /**
     * @return a ring without {@code nodeId}.
     */
    public ConsistentHashRing withoutNode(final int nodeId)
    {
        return new ConsistentHashRing(virtualNodes, Arrays.stream(nodeIds).filter(id -> id != nodeId).toArray());
    }

    /**
     * @return the members, sorted.
     */
    public int[] nodeIds()
    {
        return nodeIds.clone();
    }

    /**
     * Primary of a partition.
     *
     * @param partitionId the partition.
     * @return node id of its primary.
     */
    public int primary(final int partitionId)
    {
        return replicas(partitionId, 1)[0];
    }

    /**
     * Replica set of a partition: the first {@code count} distinct nodes clockwise from its point, primary first.
     *
     * @param partitionId the partition.
     * @param count       replicas wanted; fewer come back when the ring has fewer nodes.
     * @return node ids.
     */
    public int[] replicas(final int partitionId, final int count)
    {
        if (nodeIds.length == 0)
        {
            throw new IllegalStateException("the ring has no nodes");
        }
        final int wanted = Math.min(count, nodeIds.length);
        final int[] replicas = new int[wanted];
        int found = 0;
        int index = Arrays.binarySearch(points, partitionPoint(partitionId));
        index = index >= 0 ? index : -index - 1;
        for (int step = 0; step < points.length && found < wanted; step++)
        {
            final int owner = owners[(index + step) % points.length];
            boolean seen = false;
            for (int i = 0; i < found; i++)
            {
                seen |= replicas[i] == owner;
            }
            if (!seen)
            {
                replicas[found++] = owner;
            }
        }
        return replicas;
    }

    /**
     * Partitions whose primary is {@code nodeId}, ascending.
     */
    public int[] partitionsOf(final int nodeId, final int partitionCount)
    {
        int count = 0;
        final int[] owned = new int[partitionCount];
        for (int p = 0; p < partitionCount; p++)
        {
            if (primary(p) == nodeId)
            {
                owned[count++] = p;
            }
        }
        return Arrays.copyOf(owned, count);
    }

    /**
     * Spread a node's partitions over its shards round-robin, so shard loads differ by at most one partition.
     *
     * @return for each shard, its partitions.
     */
    public static int[][] assignToShards(final int[] partitions, final int shardCount)
    {
        final int[][] shards = new int[shardCount][];
        for (int s = 0; s < shardCount; s++)
        {
            shards[s] = new int[(partitions.length - s + shardCount - 1) / shardCount];
        }
        for (int i = 0; i < partitions.length; i++)
        {
            shards[i % shardCount][i / shardCount] = partitions[i];
        }
        return shards;
    }

    private static long point(final int nodeId, final int virtualNode)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[9]);
        buffer.putByte(0, (byte)'N');
        buffer.putInt(1, nodeId);
        buffer.putInt(5, virtualNode);
        return KeyHash.hash(buffer, 0, 9);
    }

    private static long partitionPoint(final int partitionId)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[5]);
        buffer.putByte(0, (byte)'P');
        buffer.putInt(1, partitionId);
        return KeyHash.hash(buffer, 0, 5);
    }
}
