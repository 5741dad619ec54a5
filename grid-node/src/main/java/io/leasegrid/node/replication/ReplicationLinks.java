package io.leasegrid.node.replication;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.leasegrid.node.membership.ReplicaPlacement;

import java.util.Map;

/**
 * A shard's replication transport: the subscription its peers' shards of the same index send to, and one
 * publication to each other member's shard of that index. Entries flow primary to replica, acknowledgements,
 * probes and catch-up requests the other way, on the same links.
 */
public final class ReplicationLinks
{
    private final int nodeId;
    private final ReplicaPlacement placement;
    private final Subscription subscription;
    private final Map<Integer, ExclusivePublication> publicationsByNodeId;

    /**
     * @param nodeId               this node.
     * @param placement            where partitions live.
     * @param subscription         on this node's replication endpoint, the shard's stream.
     * @param publicationsByNodeId to every other member's replication endpoint, the same stream.
     */
    public ReplicationLinks(
        final int nodeId,
        final ReplicaPlacement placement,
        final Subscription subscription,
        final Map<Integer, ExclusivePublication> publicationsByNodeId)
    {
        this.nodeId = nodeId;
        this.placement = placement;
        this.subscription = subscription;
        this.publicationsByNodeId = Map.copyOf(publicationsByNodeId);
    }

    public int nodeId()
    {
        return nodeId;
    }

    public ReplicaPlacement placement()
    {
        return placement;
    }

    public Subscription subscription()
    {
        return subscription;
    }

    /**
     * @return the publication to another member; cold path (looked up once per partition at start).
     */
    public ExclusivePublication publication(final int peerNodeId)
    {
        final ExclusivePublication publication = publicationsByNodeId.get(peerNodeId);
        if (null == publication)
        {
            throw new IllegalArgumentException("no replication link to node " + peerNodeId);
        }
        return publication;
    }
}
