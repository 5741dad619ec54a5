package io.leasegrid.node.replication;

import io.aeron.ExclusivePublication;
import io.leasegrid.codec.JournalEntryDescriptor;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionLog;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.partition.PartitionState;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a shard does for the partitions it holds as replica: check each entry (intact, a partition held here as
 * replica, the epoch its primary last checked this copy in, the next position), append it unchanged, apply it with
 * the applier recovery uses (no timers fire on a replica), and acknowledge its highest contiguous position once per
 * duty cycle per partition. A gap asks the primary to send from where the journal ends; so do a link to a primary
 * that comes up and an entry of a newer epoch. The primary's answer may discard a tail it does not hold
 * ({@link #onSync}) or replace the copy with a snapshot ({@link #onSnapshotChunk}). Owned by the shard's thread;
 * allocates nothing per entry.
 */
final class ReplicaDuties
{
    private static final long CATCH_UP_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(20);
    /** The largest snapshot a replica gathers in memory: a bogus length must not take the heap. */
    private static final int MAX_SNAPSHOT_LENGTH = 1 << 30;

    private final ReplicaPlacement placement;
    private final Partition[] partitionById;
    private final PartitionLog log;
    private final ShardCounters counters;
    private final Alerts alerts;
    private final ErrorHandler errorHandler;
    private final ReplicationSender sender;
    private final ReplicationRefusals refusals;
    private final ReplicationLinks links;
    private final ExclusivePublication[] primaryLinkById;
    /** Each partition's primary as this replica knows it (the placement's, or the control plane's); 0 for none. */
    private final int[] primaryIdById;
    /** The Aeron session of the link its primary checked the copy over: older epochs' entries come only over it. */
    private final int[] checkedLinkSessionById;
    private final boolean[] checkedLinkKnown;
    private final long[] nextCatchUpRequestNs;
    private final boolean[] ackDue;
    private final int[] ackDueIds;
    private final boolean[] announced;
    private final byte[][] snapshotById;
    private final long[] snapshotPositionById;
    private final int[] snapshotReceivedById;
    private final List<Partition> replicas = new ArrayList<>();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private int ackDueCount;
    private long nowNs;

    ReplicaDuties(
        final ReplicationLinks links,
        final Partition[] partitionById,
        final PartitionLog log,
        final ShardCounters counters,
        final Alerts alerts,
        final ErrorHandler errorHandler,
        final ReplicationSender sender,
        final ReplicationRefusals refusals)
    {
        this.links = links;
        this.placement = links.placement();
        this.partitionById = partitionById;
        this.log = log;
        this.counters = counters;
        this.alerts = alerts;
        this.errorHandler = errorHandler;
        this.sender = sender;
        this.refusals = refusals;
        primaryLinkById = new ExclusivePublication[partitionById.length];
        primaryIdById = new int[partitionById.length];
        checkedLinkSessionById = new int[partitionById.length];
        checkedLinkKnown = new boolean[partitionById.length];
        nextCatchUpRequestNs = new long[partitionById.length];
        ackDue = new boolean[partitionById.length];
        ackDueIds = new int[partitionById.length];
        announced = new boolean[partitionById.length];
        snapshotById = new byte[partitionById.length][];
        snapshotPositionById = new long[partitionById.length];
        snapshotReceivedById = new int[partitionById.length];
    }

    void nowNs(final long nowNs)
    {
        this.nowNs = nowNs;
    }

    /**
     * This node holds a replica of the partition: link it to its primary. Cold path.
     */
    void replicaOf(final Partition partition)
    {
        replicaOf(partition, placement.primary(partition.partitionId()));
    }

    /**
     * This node holds a replica of the partition and {@code primaryNodeId} leads it (0: nobody does yet). Called
     * again when the control plane appoints another primary: the copy tells the new one where it stands. Cold path.
     */
    void replicaOf(final Partition partition, final int primaryNodeId)
    {
        final int partitionId = partition.partitionId();
        primaryIdById[partitionId] = primaryNodeId;
        primaryLinkById[partitionId] = 0 == primaryNodeId ? null : links.publication(primaryNodeId);
        checkedLinkKnown[partitionId] = false;
        announced[partitionId] = false;
        nextCatchUpRequestNs[partitionId] = nowNs;
        snapshotById[partitionId] = null;
        if (!replicas.contains(partition))
        {
            replicas.add(partition);
        }
    }

    /**
     * This node leads the partition from now on: it is no longer a replica of it. Cold path.
     */
    void forget(final Partition partition)
    {
        final int partitionId = partition.partitionId();
        replicas.remove(partition);
        primaryIdById[partitionId] = 0;
        primaryLinkById[partitionId] = null;
        checkedLinkKnown[partitionId] = false;
        snapshotById[partitionId] = null;
    }

    /**
     * @return the partition's primary as this replica knows it; 0 for none.
     */
    int primaryOf(final int partitionId)
    {
        return primaryIdById[partitionId];
    }

    void onEntry(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int blockLength,
        final int version,
        final int senderSessionId)
    {
        // Intact first (header, lengths, checksum): nothing of a frame is believed before that.
        if (length < JournalEntryDescriptor.MIN_LENGTH ||
            JournalEntryDescriptor.Check.VALID != JournalEntryDescriptor.check(buffer, offset, length))
        {
            refusals.refuse();
            return;
        }
        entryDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
        final int partitionId = entryDecoder.partitionId();
        final Partition partition = replicaPartition(partitionId);
        final long epoch = entryDecoder.epoch();
        if (null == partition || (epoch < partition.epoch() &&
            !(checkedLinkKnown[partitionId] && checkedLinkSessionById[partitionId] == senderSessionId)))
        {
            // An older epoch's entry is taken only from the primary that checked this copy, over the link it checked
            // it on: a new primary feeds what its journal holds from earlier epochs, a deposed one may still send its
            // tail, which this copy must not mix in.
            refusals.refuse();
            return;
        }
        if (epoch > partition.epoch())
        {
            // A primary's new epoch: its entries are taken once it has checked this copy against its journal.
            requestCatchUp(partition);
            return;
        }
        final PartitionJournal journal = partition.journal();
        final long position = entryDecoder.position();
        final long nextPosition = journal.nextPosition();
        if (position < nextPosition)
        {
            markAckDue(partition.partitionId());
            return;
        }
        if (position > nextPosition)
        {
            requestCatchUp(partition);
            return;
        }
        try
        {
            journal.appendEntry(buffer, offset, length);
            log.replay(partition.state(), position, epoch, entryDecoder.timestampNs(), entryDecoder.monotonicNs(),
                buffer, entryDecoder.limit() + JournalEntryDecoder.operationHeaderLength());
            partition.onReplicated(position);
            counters.increment(CounterType.REPLICATED_ENTRIES);
            markAckDue(partition.partitionId());
        }
        catch (final RuntimeException ex)
        {
            failCopy(partition, "on entry " + position, ex);
        }
    }

    void onProbe(final int partitionId, final long epoch, final int primaryNodeId)
    {
        final Partition partition = replicaPartition(partitionId);
        // Answered whatever the probe's epoch: a primary that restarted with a lost journal is behind every epoch its
        // replicas took, and it must hear where they stand to know that it lost entries.
        if (null == partition || 0 == primaryNodeId || primaryIdById[partitionId] != primaryNodeId)
        {
            refusals.refuse();
            return;
        }
        nextCatchUpRequestNs[partitionId] = nowNs + CATCH_UP_RETRY_NS;
        sendCatchUp(partition, primaryLinkById[partitionId]);
    }

    private boolean sendCatchUp(final Partition partition, final ExclusivePublication link)
    {
        if (null == link)
        {
            return false;
        }
        final PartitionJournal journal = partition.journal();
        return sender.catchUp(link, partition.partitionId(), partition.epoch(), journal.nextPosition(), journal.lastEpoch());
    }

    private void requestCatchUp(final Partition partition)
    {
        final int partitionId = partition.partitionId();
        if (nowNs - nextCatchUpRequestNs[partitionId] >= 0)
        {
            nextCatchUpRequestNs[partitionId] = nowNs + CATCH_UP_RETRY_NS;
            sendCatchUp(partition, primaryLinkById[partitionId]);
        }
    }

    /**
     * Its primary checked this copy: it agrees through {@code keepThrough}. Entries after it are another epoch's that
     * the primary does not hold (written by a primary that lost them before they were committed): they go, from the
     * journal, the snapshots and the state, and this copy takes the primary's epoch once nothing is left to discard.
     */
    void onSync(
        final int partitionId, final long epoch, final long keepThrough, final int primaryNodeId, final int senderSessionId)
    {
        final Partition partition = replicaPartition(partitionId);
        if (null == partition || 0 == primaryNodeId || primaryIdById[partitionId] != primaryNodeId ||
            epoch < partition.epoch() ||
            keepThrough < -1 || keepThrough > partition.appendPosition())
        {
            refusals.refuse();
            return;
        }
        if (keepThrough == partition.appendPosition())
        {
            partition.becomeReplica(epoch);
            checkedLinkSessionById[partitionId] = senderSessionId;
            checkedLinkKnown[partitionId] = true;
            markAckDue(partitionId);
            return;
        }
        if (epoch == partition.epoch())
        {
            // A copy already checked in this epoch holds only this primary's entries since: an answer to an older
            // request that crossed the entries on the way, nothing to discard.
            return;
        }
        try
        {
            final long discardedFrom = keepThrough + 1;
            final long discardedTo = partition.appendPosition();
            if (!rollBack(partition, keepThrough))
            {
                discardCopy(partition);
            }
            errorHandler.onError(new IllegalStateException("partition " + partitionId + ": discarded entries " +
                discardedFrom + ".." + discardedTo + " that primary node " + primaryNodeId + " does not hold " +
                "(another epoch's uncommitted tail); the copy now ends at " + partition.appendPosition()));
            nextCatchUpRequestNs[partitionId] = nowNs + CATCH_UP_RETRY_NS;
            sendCatchUp(partition, primaryLinkById[partitionId]);
        }
        catch (final RuntimeException ex)
        {
            failCopy(partition, "discarding entries after " + keepThrough, ex);
        }
    }

    /**
     * Rebuild the copy as it stood at {@code keepThrough}: the newest snapshot at or before it, then the journal up
     * to it. Snapshots beyond it are deleted: they hold what is discarded.
     *
     * @return false when this copy no longer holds what the rebuild needs (its journal was trimmed past it).
     */
    private boolean rollBack(final Partition partition, final long keepThrough)
    {
        final PartitionJournal journal = partition.journal();
        if (keepThrough < journal.firstPosition() - 1)
        {
            return false;
        }
        PartitionState base = null;
        final File[] snapshots = PartitionSnapshot.list(journal.directory());
        for (int i = snapshots.length - 1; i >= 0 && null == base; i--)
        {
            final long position = PartitionSnapshot.position(snapshots[i]);
            if (position <= keepThrough && position + 1 >= journal.firstPosition())
            {
                try
                {
                    base = PartitionSnapshot.load(snapshots[i]);
                }
                catch (final RuntimeException ex)
                {
                    // A damaged snapshot: an older one, or the journal from the start, may still do.
                }
            }
        }
        if (null == base)
        {
            if (journal.firstPosition() > 0)
            {
                return false;
            }
            base = new PartitionState(partition.partitionId());
        }
        PartitionSnapshot.deleteAfter(journal.directory(), keepThrough);
        journal.truncateAfter(keepThrough);
        final PartitionState rebuilt = base;
        journal.replay(rebuilt.lastAppliedPosition() + 1, (entry, buffer, offset, length) -> log.replay(rebuilt,
            entry.position(), entry.epoch(), entry.timestampNs(), entry.monotonicNs(), buffer,
            entry.limit() + JournalEntryDecoder.operationHeaderLength()));
        partition.replaceState(rebuilt);
        return true;
    }

    /**
     * Throw the whole copy away (journal entries first, then snapshots, so that a crash in between leaves an older
     * copy, which its primary checks again, never a mix): it starts empty and takes a snapshot from its primary.
     */
    private void discardCopy(final Partition partition)
    {
        final PartitionJournal journal = partition.journal();
        if (journal.nextPosition() > journal.firstPosition())
        {
            journal.truncateAfter(journal.firstPosition() - 1);
        }
        PartitionSnapshot.deleteAfter(journal.directory(), -1);
        journal.startAfter(-1, 0);
        partition.replaceState(new PartitionState(partition.partitionId()));
    }

    /**
     * Part of a snapshot from the primary, which replaces this copy once whole. Chunks come in order on one link; a
     * chunk out of place drops what was gathered, and the next catch-up request starts it again.
     */
    void onSnapshotChunk(
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
        final Partition partition = replicaPartition(partitionId);
        if (null == partition || 0 == primaryNodeId || primaryIdById[partitionId] != primaryNodeId ||
            epoch < partition.epoch() ||
            position < -1 || totalLength <= 0 || totalLength > MAX_SNAPSHOT_LENGTH || chunkOffset < 0 ||
            length > totalLength - chunkOffset)
        {
            refusals.refuse();
            return;
        }
        if (0 == chunkOffset)
        {
            snapshotById[partitionId] = new byte[totalLength];
            snapshotPositionById[partitionId] = position;
            snapshotReceivedById[partitionId] = 0;
        }
        final byte[] snapshot = snapshotById[partitionId];
        if (null == snapshot || snapshot.length != totalLength || snapshotPositionById[partitionId] != position ||
            snapshotReceivedById[partitionId] != chunkOffset)
        {
            refusals.refuse();
            snapshotById[partitionId] = null;
            requestCatchUp(partition);
            return;
        }
        buffer.getBytes(offset, snapshot, chunkOffset, length);
        snapshotReceivedById[partitionId] += length;
        if (snapshotReceivedById[partitionId] == totalLength)
        {
            snapshotById[partitionId] = null;
            install(partition, epoch, position, snapshot, senderSessionId);
        }
    }

    private void install(
        final Partition partition, final long epoch, final long position, final byte[] snapshot, final int senderSessionId)
    {
        final PartitionState state;
        try
        {
            state = PartitionSnapshot.decode(snapshot);
        }
        catch (final RuntimeException ex)
        {
            refusals.refuse();
            requestCatchUp(partition);
            return;
        }
        if (state.partitionId() != partition.partitionId() || state.lastAppliedPosition() != position)
        {
            refusals.refuse();
            requestCatchUp(partition);
            return;
        }
        try
        {
            // The new snapshot first (forced, renamed): from then on a restart recovers from it, whatever of the
            // old copy is still there (a journal ending before it starts after it; one reaching past it is checked
            // by the primary again). Then the old entries go, then the older snapshots.
            final PartitionJournal journal = partition.journal();
            PartitionSnapshot.write(state, journal.directory());
            if (journal.nextPosition() > journal.firstPosition())
            {
                journal.truncateAfter(journal.firstPosition() - 1);
            }
            journal.startAfter(position, state.lastEpoch());
            journal.deleteCyclesBefore(position + 1);
            PartitionSnapshot.deleteBefore(journal.directory(), position);
            partition.replaceState(state);
            partition.becomeReplica(epoch);
            checkedLinkSessionById[partition.partitionId()] = senderSessionId;
            checkedLinkKnown[partition.partitionId()] = true;
            markAckDue(partition.partitionId());
        }
        catch (final RuntimeException ex)
        {
            failCopy(partition, "installing its primary's snapshot up to " + position, ex);
        }
    }

    private void failCopy(final Partition partition, final String what, final RuntimeException ex)
    {
        partition.fail();
        alerts.raise(Alerts.Kind.PARTITION_FAILED);
        errorHandler.onError(new IllegalStateException("replica of partition " + partition.partitionId() +
            " failed " + what + " and takes no more entries", ex));
    }

    private void markAckDue(final int partitionId)
    {
        if (!ackDue[partitionId])
        {
            ackDue[partitionId] = true;
            ackDueIds[ackDueCount++] = partitionId;
        }
    }

    int flushAcks()
    {
        int sent = 0;
        int kept = 0;
        for (int i = 0; i < ackDueCount; i++)
        {
            final int partitionId = ackDueIds[i];
            final Partition partition = partitionById[partitionId];
            if (PartitionRole.REPLICA != partition.role() || null == primaryLinkById[partitionId])
            {
                ackDue[partitionId] = false;
            }
            else if (sender.ack(primaryLinkById[partitionId], partitionId, partition.epoch(), partition.appendPosition()))
            {
                ackDue[partitionId] = false;
                sent++;
            }
            else
            {
                ackDueIds[kept++] = partitionId;
            }
        }
        ackDueCount = kept;
        return sent;
    }

    /**
     * A replica that just started tells each primary where its copy ends, once the link is up: its primary may
     * believe it holds more (it may have started empty) and would otherwise wait for the next write to find out.
     */
    int announce()
    {
        int sent = 0;
        for (int i = 0; i < replicas.size(); i++)
        {
            final Partition partition = replicas.get(i);
            final int partitionId = partition.partitionId();
            final ExclusivePublication link = primaryLinkById[partitionId];
            if (!announced[partitionId] && PartitionRole.REPLICA == partition.role() && null != link &&
                link.isConnected() &&
                sendCatchUp(partition, link))
            {
                announced[partitionId] = true;
                sent++;
            }
        }
        return sent;
    }

    private Partition replicaPartition(final int partitionId)
    {
        if (partitionId < 0 || partitionId >= partitionById.length)
        {
            return null;
        }
        final Partition partition = partitionById[partitionId];
        return null != partition && PartitionRole.REPLICA == partition.role() ? partition : null;
    }
}
