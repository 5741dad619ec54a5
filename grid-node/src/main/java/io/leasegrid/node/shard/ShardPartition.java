package io.leasegrid.node.shard;

import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.partition.PartitionState;

/**
 * A partition as its shard holds it: state, journal, and when its next checkpoint and snapshot are due.
 */
final class ShardPartition
{
    final PartitionState state;
    final PartitionJournal journal;
    long nextCheckpointNs;
    long entriesSinceSnapshot;

    ShardPartition(final PartitionState state, final PartitionJournal journal)
    {
        this.state = state;
        this.journal = journal;
    }
}
