package io.leasegrid.node.replication;

import io.aeron.Publication;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.partition.Partition;

/**
 * A primary partition's replicas: each entry appended goes at once to every replica that is up to date (zero copy,
 * from the journal's mapped memory); a replica that is behind is fed from the journal by {@link PrimaryDuties}.
 * The commit position is the W-th highest of the positions the copies hold, this node's journal included.
 */
final class PartitionReplicas implements Partition.Replicator
{
    private final ReplicaProgress[] replicas;
    private final int writeQuorum;
    private final long[] positions;
    private final PrimaryDuties shard;

    PartitionReplicas(final ReplicaProgress[] replicas, final int writeQuorum, final PrimaryDuties shard)
    {
        this.replicas = replicas;
        this.writeQuorum = writeQuorum;
        this.positions = new long[replicas.length + 1];
        this.shard = shard;
    }

    ReplicaProgress[] replicas()
    {
        return replicas;
    }

    ReplicaProgress replica(final int nodeId)
    {
        for (final ReplicaProgress replica : replicas)
        {
            if (replica.nodeId == nodeId)
            {
                return replica;
            }
        }
        return null;
    }

    public void onAppended(final Partition partition, final long position)
    {
        final PartitionJournal journal = partition.journal();
        for (final ReplicaProgress replica : replicas)
        {
            if (replica.nextSendPosition == position)
            {
                final long result = replica.link.offer(journal.lastEntry(), 0, journal.lastEntryLength());
                if (result > 0)
                {
                    replica.nextSendPosition = position + 1;
                }
                else if (Publication.NOT_CONNECTED == result || Publication.CLOSED == result)
                {
                    replica.forget();
                }
                else
                {
                    shard.onLiveSendRefused();
                }
            }
        }
    }

    public long quorumPosition(final Partition partition)
    {
        positions[0] = partition.appendPosition();
        for (int i = 0; i < replicas.length; i++)
        {
            positions[i + 1] = replicas[i].ackedPosition;
        }
        // A handful of copies: insertion sort, ascending, no allocation.
        for (int i = 1; i < positions.length; i++)
        {
            final long value = positions[i];
            int j = i - 1;
            while (j >= 0 && positions[j] > value)
            {
                positions[j + 1] = positions[j];
                j--;
            }
            positions[j + 1] = value;
        }
        return positions[positions.length - writeQuorum];
    }

    public boolean canReachWriteQuorum()
    {
        int reachable = 1;
        for (final ReplicaProgress replica : replicas)
        {
            // Only a replica that is linked, known and able to catch up from the journal can acknowledge a change.
            if (replica.link.isConnected() && ReplicaProgress.UNKNOWN != replica.nextSendPosition && !replica.needsSnapshot)
            {
                reachable++;
            }
        }
        return reachable >= writeQuorum;
    }

    /**
     * @return entries this node holds that the slowest replica has not acknowledged.
     */
    long lag(final Partition partition)
    {
        long lag = 0;
        final long appendPosition = partition.appendPosition();
        for (final ReplicaProgress replica : replicas)
        {
            // One not heard from since this node started is no measure of lag yet (it is probed).
            if (replica.heard)
            {
                lag = Math.max(lag, appendPosition - replica.ackedPosition);
            }
        }
        return lag;
    }

    void close()
    {
        for (final ReplicaProgress replica : replicas)
        {
            replica.closeReader();
        }
    }
}
