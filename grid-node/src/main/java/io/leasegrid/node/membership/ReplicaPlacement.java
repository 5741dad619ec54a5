package io.leasegrid.node.membership;

import io.leasegrid.node.partition.ConsistentHashRing;

/**
 * Where every partition's copies live: its replica set is the first N distinct members clockwise from its point on
 * the consistent-hash ring, its primary the first of them; an entry is committed once W of them hold it. Every node
 * computes the same placement from the same members, so they agree without talking.
 * <p>
 * Within a node, partition p belongs to shard {@code p mod shards}: a primary's shard and its replicas' shards then
 * have the same index, so replication traffic for a partition flows between shards of one index on every node (all
 * members run the same number of shards). Immutable.
 */
public final class ReplicaPlacement
{
    private final GridMembers members;
    private final int partitionCount;
    private final int replicationFactor;
    private final int writeQuorum;
    private final int[][] replicaSets;

    /**
     * @param members           of the grid.
     * @param partitionCount    of the grid.
     * @param replicationFactor N, copies of each partition.
     * @param writeQuorum       W, copies that must hold an entry before it is committed.
     * @throws IllegalArgumentException when N does not fit the members or W is not a majority of N.
     */
    public ReplicaPlacement(
        final GridMembers members, final int partitionCount, final int replicationFactor, final int writeQuorum)
    {
        check(members.size(), replicationFactor, writeQuorum);
        this.members = members;
        this.partitionCount = partitionCount;
        this.replicationFactor = replicationFactor;
        this.writeQuorum = writeQuorum;
        final ConsistentHashRing ring = new ConsistentHashRing(ConsistentHashRing.DEFAULT_VIRTUAL_NODES, members.nodeIds());
        replicaSets = new int[partitionCount][];
        for (int p = 0; p < partitionCount; p++)
        {
            replicaSets[p] = ring.replicas(p, replicationFactor);
        }
    }

    /**
     * @return N when the setting does not say: three copies when the grid has three members or more, else one per
     * member.
     */
    public static int defaultReplicationFactor(final int memberCount)
    {
        return Math.min(3, memberCount);
    }

    /**
     * @return W when the setting does not say: the smallest majority of N.
     */
    public static int defaultWriteQuorum(final int replicationFactor)
    {
        return replicationFactor / 2 + 1;
    }

    /**
     * Refuse a replication factor and write quorum that cannot keep an acknowledged write, with the reason in one line.
     */
    public static void check(final int memberCount, final int replicationFactor, final int writeQuorum)
    {
        if (replicationFactor < 1 || replicationFactor > memberCount)
        {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " must be in [1, " +
                memberCount + "], the number of members");
        }
        if (writeQuorum > replicationFactor)
        {
            throw new IllegalArgumentException("write quorum " + writeQuorum + " exceeds the replication factor " +
                replicationFactor + ": no write could ever commit");
        }
        if (writeQuorum * 2 <= replicationFactor)
        {
            throw new IllegalArgumentException("write quorum " + writeQuorum + " is not a majority of the replication " +
                "factor " + replicationFactor + ": two quorums could miss each other and a committed write be lost; use " +
                "at least " + defaultWriteQuorum(replicationFactor));
        }
    }

    public GridMembers members()
    {
        return members;
    }

    public int partitionCount()
    {
        return partitionCount;
    }

    public int replicationFactor()
    {
        return replicationFactor;
    }

    public int writeQuorum()
    {
        return writeQuorum;
    }

    /**
     * @return node ids holding the partition, primary first; do not modify.
     */
    public int[] replicaSet(final int partitionId)
    {
        return replicaSets[partitionId];
    }

    public int primary(final int partitionId)
    {
        return replicaSets[partitionId][0];
    }

    /**
     * @return true when {@code nodeId} holds a copy of the partition.
     */
    public boolean holds(final int nodeId, final int partitionId)
    {
        for (final int holder : replicaSets[partitionId])
        {
            if (holder == nodeId)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return for each shard of a node with {@code shards} shards, the partitions it holds a copy of, ascending.
     */
    public int[][] partitionsByShard(final int nodeId, final int shards)
    {
        final int[] counts = new int[shards];
        for (int p = 0; p < partitionCount; p++)
        {
            if (holds(nodeId, p))
            {
                counts[shardOf(p, shards)]++;
            }
        }
        final int[][] byShard = new int[shards][];
        for (int s = 0; s < shards; s++)
        {
            byShard[s] = new int[counts[s]];
            counts[s] = 0;
        }
        for (int p = 0; p < partitionCount; p++)
        {
            if (holds(nodeId, p))
            {
                final int shard = shardOf(p, shards);
                byShard[shard][counts[shard]++] = p;
            }
        }
        return byShard;
    }

    /**
     * @return the shard that holds partition {@code partitionId} on every node with {@code shards} shards.
     */
    public static int shardOf(final int partitionId, final int shards)
    {
        return partitionId % shards;
    }
}
