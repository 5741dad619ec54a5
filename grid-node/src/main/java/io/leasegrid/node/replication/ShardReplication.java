package io.leasegrid.node.replication;

import io.leasegrid.node.control.ControlPlaneState;
import io.leasegrid.node.control.PartitionAssignments;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.partition.PartitionLog;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Replication for one shard's partitions, on the shard's thread, in its duty cycle: it takes what peers sent
 * ({@link ReplicationAdapter}), does the replica's part for the partitions held as replica ({@link ReplicaDuties})
 * and the primary's for those it leads ({@link PrimaryDuties}), and every few milliseconds probes, resends and
 * announces. Allocates nothing per entry in steady state.
 */
public final class ShardReplication implements ReplicationAdapter.Handler
{
    private static final int FRAGMENT_LIMIT = 64;
    private static final long SCAN_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private final ReplicationLinks links;
    private final ReplicationAdapter adapter;
    private final ReplicaDuties asReplica;
    private final PrimaryDuties asPrimary;
    private final Partition[] partitionById;
    private final boolean appointed;
    private long nextScanNs;

    /**
     * @param links         the shard's replication transport.
     * @param partitionById the shard's partitions by id (null where another shard or node holds them).
     * @param log           the write path, whose applier replicas apply entries with.
     * @param counters      of the shard.
     * @param alerts        of the node.
     * @param errorHandler  the error log.
     * @param leader        starts serving a partition whose replicas have said where they stand.
     * @param journalsTrusted false after a run that did not stop cleanly: this node's journals may have lost tails.
     * @param appointed     true when a control plane appoints primaries ({@link #follow}); false when the placement
     *                      fixes them.
     */
    public ShardReplication(
        final ReplicationLinks links,
        final Partition[] partitionById,
        final PartitionLog log,
        final ShardCounters counters,
        final Alerts alerts,
        final ErrorHandler errorHandler,
        final Consumer<Partition> leader,
        final boolean journalsTrusted,
        final boolean appointed)
    {
        this.links = links;
        this.partitionById = partitionById;
        this.appointed = appointed;
        final ReplicationSender sender = new ReplicationSender(links.nodeId(), ThreadLocalRandom.current().nextLong());
        final ReplicationRefusals refusals = new ReplicationRefusals(counters, alerts);
        adapter = new ReplicationAdapter(this, refusals);
        asReplica = new ReplicaDuties(links, partitionById, log, counters, alerts, errorHandler, sender, refusals);
        asPrimary = new PrimaryDuties(links, partitionById, counters, alerts, errorHandler, leader, sender, refusals,
            journalsTrusted);
    }

    /**
     * @return true when this node starts as the partition's primary: by the placement, unless a control plane
     * appoints primaries (then every copy starts as a replica and waits for its table).
     */
    public boolean isPrimary(final int partitionId)
    {
        return !appointed && links.placement().primary(partitionId) == links.nodeId();
    }

    /**
     * Take the roles a control plane's table gives this run of this node: lead the partitions it was appointed to
     * (in the table's epoch), stop leading the others, and follow each partition's primary as replica. Called when
     * the table changes; cold path. A lapsed primary lease does not change roles: it only stops this node answering
     * (the shard checks the lease before it serves a request or releases an answer) until it holds the lease again
     * or a new table moves the partition away.
     */
    public void follow(final PartitionAssignments table, final long runId)
    {
        final int nodeId = links.nodeId();
        for (int partitionId = 0; partitionId < partitionById.length; partitionId++)
        {
            final Partition partition = partitionById[partitionId];
            if (null == partition || PartitionRole.FAILED == partition.role() || partitionId >= table.partitionCount())
            {
                continue;
            }
            final boolean leading = PartitionRole.PRIMARY == partition.role() ||
                PartitionRole.RECOVERING == partition.role();
            if (table.isPrimary(partitionId, nodeId, runId))
            {
                if (!leading || partition.epoch() != table.epoch(partitionId))
                {
                    if (leading)
                    {
                        asPrimary.demote(partition);
                    }
                    asReplica.forget(partition);
                    asPrimary.promote(partition, table.epoch(partitionId));
                }
            }
            else if (leading)
            {
                asPrimary.demote(partition);
                partition.becomeReplica(partition.epoch());
                asReplica.replicaOf(partition, primaryOrNone(table, partitionId, nodeId));
            }
            else if (asReplica.primaryOf(partitionId) != primaryOrNone(table, partitionId, nodeId))
            {
                asReplica.replicaOf(partition, primaryOrNone(table, partitionId, nodeId));
            }
        }
    }

    private static int primaryOrNone(final PartitionAssignments table, final int partitionId, final int nodeId)
    {
        final int primary = table.primary(partitionId);
        // This node's own entry under another run (its previous process): nobody leads it until it is appointed.
        return primary == nodeId ? ControlPlaneState.NO_PRIMARY : primary;
    }

    /**
     * The replicator of a partition this node is primary of, or null when it has no replicas (N = 1). Cold path.
     */
    public Partition.Replicator replicatorFor(final Partition partition)
    {
        return asPrimary.replicatorFor(partition);
    }

    /**
     * This node holds a replica of the partition: link it to its primary. Cold path.
     */
    public void replicaOf(final Partition partition)
    {
        if (appointed)
        {
            // Nobody leads it until the control plane's table says who does.
            asReplica.replicaOf(partition, ControlPlaneState.NO_PRIMARY);
        }
        else
        {
            asReplica.replicaOf(partition);
        }
    }

    /**
     * One duty cycle's replication work: take what peers sent, acknowledge, feed replicas that are behind, and every
     * few milliseconds probe, resend and announce.
     *
     * @return work done.
     */
    public int doWork(final long nowNs)
    {
        asReplica.nowNs(nowNs);
        asPrimary.nowNs(nowNs);
        int work = adapter.poll(links.subscription(), FRAGMENT_LIMIT);
        work += asReplica.flushAcks();
        work += asPrimary.catchUpIfPending();
        if (nowNs - nextScanNs >= 0)
        {
            nextScanNs = nowNs + SCAN_INTERVAL_NS;
            work += asPrimary.scan();
            work += asReplica.announce();
        }
        return work;
    }

    /**
     * @return the first position a partition's journal must keep for its replicas: after the last entry every
     * replica acknowledged (0 while one has not said where it stands); no limit when this node is not its primary.
     */
    public long retainFrom(final int partitionId)
    {
        return asPrimary.retainFrom(partitionId);
    }

    /**
     * @return the largest number of entries a replica of this shard's primaries has not acknowledged.
     */
    public long maxLag()
    {
        return asPrimary.maxLag();
    }

    /**
     * Close the catch-up readers; the journals close with the shard.
     */
    public void close()
    {
        asPrimary.close();
    }

    public void onEntry(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int blockLength,
        final int version,
        final int senderSessionId)
    {
        asReplica.onEntry(buffer, offset, length, blockLength, version, senderSessionId);
    }

    public void onAck(final int partitionId, final long epoch, final long position, final int nodeId)
    {
        asPrimary.onAck(partitionId, epoch, position, nodeId);
    }

    public void onProbe(final int partitionId, final long epoch, final int primaryNodeId)
    {
        asReplica.onProbe(partitionId, epoch, primaryNodeId);
    }

    public void onCatchUpRequest(
        final int partitionId,
        final long epoch,
        final long nextPosition,
        final long lastEntryEpoch,
        final long runId,
        final int nodeId)
    {
        asPrimary.onCatchUpRequest(partitionId, epoch, nextPosition, lastEntryEpoch, runId, nodeId);
    }

    public void onSync(
        final int partitionId, final long epoch, final long keepThrough, final int primaryNodeId, final int senderSessionId)
    {
        asReplica.onSync(partitionId, epoch, keepThrough, primaryNodeId, senderSessionId);
    }

    public void onSnapshotChunk(
        final int partitionId,
        final long epoch,
        final long position,
        final int totalLength,
        final int chunkOffset,
        final int primaryNodeId,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int senderSessionId)
    {
        asReplica.onSnapshotChunk(
            partitionId, epoch, position, totalLength, chunkOffset, primaryNodeId, buffer, offset, length, senderSessionId);
    }
}
