package io.leasegrid.node.replication;

import io.aeron.Publication;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.journal.EntryHandler;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.node.partition.LeadEpoch;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What a shard does for the partitions it leads: track each replica's standing ({@link ReplicaProgress}), move the
 * commit position as acknowledgements arrive, feed replicas that are behind from the journal, probe the ones whose
 * standing is unknown, send again what was not acknowledged for long, and let a restarted primary lead only once
 * enough replicas said where they stand. Owned by the shard's thread; allocates nothing per entry.
 */
final class PrimaryDuties
{
    private static final int CATCH_UP_BATCH = 32;
    private static final long PROBE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Entries sent but not acknowledged for this long are sent again: they went to a replica that died. */
    private static final long RESEND_AFTER_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int MAX_RESENDS_UNANSWERED = 3;
    /** Snapshot chunks sent per duty cycle and replica: a large snapshot must not hold up the shard's requests. */
    private static final int SNAPSHOT_CHUNKS_PER_CYCLE = 16;

    private final ReplicationLinks links;
    private final ReplicaPlacement placement;
    private final Partition[] partitionById;
    private final ShardCounters counters;
    private final Alerts alerts;
    private final ErrorHandler errorHandler;
    private final Consumer<Partition> leader;
    private final ReplicationSender sender;
    private final ReplicationRefusals refusals;
    private final PartitionReplicas[] replicasById;
    private final boolean[] ownCopyInDoubt;
    private final boolean journalsTrusted;
    private final List<Partition> primaries = new ArrayList<>();
    private final EntryHandler entrySender = this::sendEntry;
    private boolean catchUpPending;
    private ReplicaProgress sending;
    private boolean sendRefused;
    private long nowNs;

    PrimaryDuties(
        final ReplicationLinks links,
        final Partition[] partitionById,
        final ShardCounters counters,
        final Alerts alerts,
        final ErrorHandler errorHandler,
        final Consumer<Partition> leader,
        final ReplicationSender sender,
        final ReplicationRefusals refusals,
        final boolean journalsTrusted)
    {
        this.journalsTrusted = journalsTrusted;
        this.links = links;
        this.placement = links.placement();
        this.partitionById = partitionById;
        this.counters = counters;
        this.alerts = alerts;
        this.errorHandler = errorHandler;
        this.leader = leader;
        this.sender = sender;
        this.refusals = refusals;
        replicasById = new PartitionReplicas[partitionById.length];
        ownCopyInDoubt = new boolean[partitionById.length];
    }

    void nowNs(final long nowNs)
    {
        this.nowNs = nowNs;
    }

    /**
     * The replicator of a partition this node is primary of, or null when it has no replicas (N = 1). Cold path.
     */
    Partition.Replicator replicatorFor(final Partition partition)
    {
        final int partitionId = partition.partitionId();
        final int[] replicaSet = placement.replicaSet(partitionId);
        if (replicaSet.length < 2)
        {
            return null;
        }
        // Every copy but this node's: the placement's primary first, or any member the control plane appointed.
        final ReplicaProgress[] replicas = new ReplicaProgress[replicaSet.length - 1];
        int next = 0;
        for (final int nodeId : replicaSet)
        {
            if (nodeId != links.nodeId())
            {
                replicas[next++] = new ReplicaProgress(nodeId, links.publication(nodeId));
            }
        }
        final PartitionReplicas partitionReplicas = new PartitionReplicas(replicas, placement.writeQuorum(), this);
        replicasById[partitionId] = partitionReplicas;
        // A journal that is empty, lost a torn tail at open, or outlived an unclean stop may lack committed entries.
        ownCopyInDoubt[partitionId] = !journalsTrusted || 0 == partition.journal().nextPosition() ||
            partition.journal().tornEntriesDiscarded() > 0;
        if (!primaries.contains(partition))
        {
            primaries.add(partition);
        }
        return partitionReplicas;
    }

    /**
     * The control plane appointed this node the partition's primary in {@code epoch}. It holds every committed entry
     * (the control plane chose the copy that reported the most, from enough copies to include one that holds each
     * committed entry), so it leads at once, in exactly that epoch; its replicas are checked as they answer its
     * probes. Cold path.
     */
    void promote(final Partition partition, final long epoch)
    {
        final int partitionId = partition.partitionId();
        final long seen;
        try
        {
            // Not written to lead-epoch: the control plane's log is the durable record of the epochs it gave out (it
            // never gives one twice), and forcing a file per partition stalled the shard for a second when a node
            // took over a third of the partitions at once. Read as a backstop against a grid run before without it.
            seen = Math.max(Math.max(partition.epoch(), partition.journal().lastEpoch()),
                LeadEpoch.read(partition.journal().directory()));
        }
        catch (final RuntimeException ex)
        {
            partition.fail();
            alerts.raise(Alerts.Kind.PARTITION_FAILED);
            errorHandler.onError(new IllegalStateException("partition " + partitionId +
                " cannot read its recorded epoch and does not lead", ex));
            return;
        }
        if (epoch <= seen)
        {
            // Another writer may have used that epoch: leading in it could let two histories pass the replicas' check.
            partition.fail();
            alerts.raise(Alerts.Kind.PARTITION_FAILED);
            errorHandler.onError(new IllegalStateException("partition " + partitionId + " was appointed primary in " +
                "epoch " + epoch + " but this copy has already seen epoch " + seen + "; it does not lead"));
            return;
        }
        if (epoch > 1)
        {
            alerts.raise(Alerts.Kind.PARTITION_TAKEN_OVER);
        }
        final Partition.Replicator replicator = replicatorFor(partition);
        partition.awaitReplicas(epoch, replicator);
        if (null != replicator)
        {
            for (final ReplicaProgress replica : replicasById[partitionId].replicas())
            {
                replica.forget();
                replica.ackedPosition = -1;
                replica.nextProbeNs = nowNs;
            }
        }
        leader.accept(partition);
        partition.updateCommitPosition();
        catchUpPending = true;
    }

    /**
     * The control plane moved the partition to another primary, or this node's primary lease lapsed: it stops leading
     * (the caller makes it a replica). Cold path.
     */
    void demote(final Partition partition)
    {
        final int partitionId = partition.partitionId();
        primaries.remove(partition);
        if (null != replicasById[partitionId])
        {
            replicasById[partitionId].close();
            replicasById[partitionId] = null;
        }
    }

    /**
     * A live send met back-pressure: the replica is now fed from the journal.
     */
    void onLiveSendRefused()
    {
        counters.increment(CounterType.REPLICATION_BACK_PRESSURE);
        catchUpPending = true;
    }

    void onAck(final int partitionId, final long epoch, final long position, final int nodeId)
    {
        final ReplicaProgress replica = replicaOfPrimary(partitionId, epoch, nodeId);
        final Partition partition = null == replica ? null : partitionById[partitionId];
        // Only a primary that leads takes acknowledgements: while it recovers, only what replicas report counts.
        if (null == partition || PartitionRole.PRIMARY != partition.role() || position > partition.appendPosition())
        {
            refusals.refuse();
            return;
        }
        replica.heardNs = nowNs;
        replica.heard = true;
        replica.resendsUnanswered = 0;
        if (position > replica.ackedPosition)
        {
            replica.ackedPosition = position;
            partition.updateCommitPosition();
        }
    }

    /**
     * A replica said where its copy ends: its next position and the epoch of its last entry, and the epoch it last
     * took entries of ({@code replicaEpoch}). While this primary recovers it only counts who spoke; once it leads, a
     * copy synced in this epoch resumes where it ends, any other is checked against this journal first.
     */
    void onCatchUpRequest(
        final int partitionId,
        final long replicaEpoch,
        final long nextPosition,
        final long lastEntryEpoch,
        final long runId,
        final int nodeId)
    {
        final ReplicaProgress replica = replicaOfLeader(partitionId, nodeId);
        final Partition partition = null == replica ? null : partitionById[partitionId];
        if (null == partition || nextPosition < 0 || lastEntryEpoch < 0 ||
            (PartitionRole.PRIMARY == partition.role() && replicaEpoch > partition.epoch()))
        {
            refusals.refuse();
            return;
        }
        replica.heardNs = nowNs;
        replica.heard = true;
        replica.resendsUnanswered = 0;
        final PartitionJournal journal = partition.journal();
        if (PartitionRole.RECOVERING == partition.role())
        {
            if (nextPosition > journal.nextPosition() && lastEntryEpoch >= journal.lastEpoch())
            {
                // Entries of this primary's own latest epoch (or a later one) that its journal lacks: it lost them.
                onReplicaAhead(partition, nodeId, nextPosition);
                return;
            }
            replica.reportedNextPosition = nextPosition;
            replica.reportedLastEntryEpoch = lastEntryEpoch;
            replica.reportedEpoch = Math.max(replicaEpoch, lastEntryEpoch);
            leadOnceEnoughReplicasHeard(partition);
            return;
        }
        if (replicaEpoch < replica.checkedEpoch && runId == replica.checkedRunId)
        {
            // Sent by the same run of the replica before it took the epoch it was checked in (it answered an
            // announce and a probe): already answered. A new run (restarted, perhaps emptied) is checked again.
            return;
        }
        replica.checkedRunId = runId;
        if (replicaEpoch == partition.epoch())
        {
            // It took only this epoch's entries since its copy was checked: a prefix of this journal.
            if (nextPosition > journal.nextPosition())
            {
                refusals.refuse();
                return;
            }
            resume(partition, replica, nextPosition);
        }
        else
        {
            check(partition, replica, nextPosition, lastEntryEpoch);
        }
    }

    /**
     * Compare a copy from another epoch with this journal at its last entry. Epochs have one writer each and never
     * decrease along a journal, so equal epochs at a position mean equal journals up to it. Where they differ, the
     * replica keeps what can still agree (before its last entry, and no further than this journal's last entry of
     * that epoch) and asks again; a copy whose end this journal no longer holds is replaced by a snapshot.
     */
    private void check(final Partition partition, final ReplicaProgress replica, final long nextPosition, final long lastEntryEpoch)
    {
        final PartitionJournal journal = partition.journal();
        final long last = nextPosition - 1;
        replica.forget();
        replica.ackedPosition = -1;
        if (last >= journal.firstPosition() && last < journal.nextPosition() && journal.epochAt(last) == lastEntryEpoch)
        {
            agree(partition, replica, last);
            return;
        }
        final long keepThrough = last < journal.firstPosition() ?
            last : Math.min(last - 1, journal.lastPositionOfEpochAtMost(lastEntryEpoch));
        if (keepThrough < journal.firstPosition() && !(-1 == keepThrough && 0 == journal.firstPosition()))
        {
            // This journal no longer holds where the copy could agree with it: the copy is replaced by a snapshot.
            replica.nextSendPosition = nextPosition;
            startSnapshot(partition, replica);
            catchUpPending = true;
            return;
        }
        if (keepThrough == last)
        {
            // An empty copy agrees with any journal that still starts at the beginning.
            agree(partition, replica, last);
            return;
        }
        counters.increment(CounterType.REPLICA_TRUNCATIONS);
        sender.sync(replica.link, partition.partitionId(), partition.epoch(), keepThrough);
    }

    private void agree(final Partition partition, final ReplicaProgress replica, final long last)
    {
        if (sender.sync(replica.link, partition.partitionId(), partition.epoch(), last))
        {
            replica.checkedEpoch = partition.epoch();
            resume(partition, replica, last + 1);
        }
    }

    private void resume(final Partition partition, final ReplicaProgress replica, final long nextPosition)
    {
        replica.resendFrom = 0;
        replica.ackedPosition = nextPosition - 1;
        replica.nextSendPosition = nextPosition;
        replica.needsSnapshot = false;
        replica.snapshot = null;
        if (replica.isBehind(partition.journal().nextPosition()))
        {
            catchUpPending = true;
        }
        partition.updateCommitPosition();
    }

    /**
     * A recovering primary serves once enough replicas said where they stand and none is ahead of it. With its own
     * journal intact, W - 1 are enough: any entry a write quorum held is then in its journal or theirs, since two
     * quorums of N share a copy. A journal that may have lost entries (empty, or a torn tail cut at open) does not
     * count as a copy: then N - W + 1 replicas must answer, so that one of them holds every committed entry.
     * <p>
     * It leads in a new epoch, above every epoch it or they have seen: entries it writes from now on can never be
     * mistaken for a tail some earlier run wrote at the same positions and lost. The replicas that spoke are checked
     * against its journal at once; the others when they answer a probe.
     */
    private void leadOnceEnoughReplicasHeard(final Partition partition)
    {
        final ReplicaProgress[] replicas = replicasById[partition.partitionId()].replicas();
        int heard = 0;
        long epoch = partition.epoch();
        for (final ReplicaProgress replica : replicas)
        {
            heard += replica.heard ? 1 : 0;
            epoch = Math.max(epoch, replica.heard ? replica.reportedEpoch : 0);
        }
        final int needed = ownCopyInDoubt[partition.partitionId()] ?
            replicas.length + 1 - placement.writeQuorum() + 1 : placement.writeQuorum() - 1;
        if (heard >= needed)
        {
            // Forced before the epoch's first entry exists anywhere: a later lead never reuses it.
            final long newEpoch;
            try
            {
                newEpoch = Math.max(epoch, LeadEpoch.read(partition.journal().directory())) + 1;
                LeadEpoch.write(partition.journal().directory(), newEpoch);
            }
            catch (final RuntimeException ex)
            {
                partition.fail();
                alerts.raise(Alerts.Kind.PARTITION_FAILED);
                errorHandler.onError(new IllegalStateException("partition " + partition.partitionId() +
                    " cannot record its new epoch and does not lead", ex));
                return;
            }
            partition.awaitReplicas(newEpoch, partition.replicator());
            for (final ReplicaProgress replica : replicas)
            {
                replica.forget();
                replica.ackedPosition = -1;
                replica.nextProbeNs = nowNs;
            }
            leader.accept(partition);
            for (final ReplicaProgress replica : replicas)
            {
                if (replica.heard)
                {
                    check(partition, replica, replica.reportedNextPosition, replica.reportedLastEntryEpoch);
                }
            }
            partition.updateCommitPosition();
            catchUpPending = true;
        }
    }

    private void onReplicaAhead(final Partition partition, final int nodeId, final long replicaNextPosition)
    {
        partition.fail();
        alerts.raise(Alerts.Kind.PRIMARY_BEHIND_REPLICA);
        errorHandler.onError(new IllegalStateException("partition " + partition.partitionId() + ": node " + nodeId +
            " holds entries up to " + (replicaNextPosition - 1) + " but this primary's journal ends at " +
            partition.appendPosition() + "; it lost entries, so it does not serve the partition (restore its " +
            "journal, or let a replica take over once failover exists)"));
    }

    private static boolean isLeading(final Partition partition)
    {
        return null != partition &&
            (PartitionRole.PRIMARY == partition.role() || PartitionRole.RECOVERING == partition.role());
    }

    private ReplicaProgress replicaOfLeader(final int partitionId, final int nodeId)
    {
        if (partitionId < 0 || partitionId >= partitionById.length || null == replicasById[partitionId] ||
            !isLeading(partitionById[partitionId]))
        {
            return null;
        }
        return replicasById[partitionId].replica(nodeId);
    }

    private ReplicaProgress replicaOfPrimary(final int partitionId, final long epoch, final int nodeId)
    {
        if (partitionId < 0 || partitionId >= partitionById.length || null == replicasById[partitionId])
        {
            return null;
        }
        final Partition partition = partitionById[partitionId];
        if (!isLeading(partition) || epoch != partition.epoch())
        {
            return null;
        }
        return replicasById[partitionId].replica(nodeId);
    }

    int catchUpIfPending()
    {
        if (!catchUpPending)
        {
            return 0;
        }
        catchUpPending = false;
        int sent = 0;
        for (int i = 0; i < primaries.size(); i++)
        {
            final Partition partition = primaries.get(i);
            if (!isLeading(partition))
            {
                continue;
            }
            final PartitionJournal journal = partition.journal();
            for (final ReplicaProgress replica : replicasById[partition.partitionId()].replicas())
            {
                if (replica.needsSnapshot)
                {
                    sent += sendSnapshot(partition, replica);
                    continue;
                }
                if (!replica.isBehind(journal.nextPosition()))
                {
                    continue;
                }
                if (replica.nextSendPosition < journal.firstPosition())
                {
                    startSnapshot(partition, replica);
                    sent += sendSnapshot(partition, replica);
                    continue;
                }
                sent += feed(replica, journal);
                // The reader stays open once the replica is level: bursts of back-pressure come and go, and a new
                // reader each time would cost a Chronicle tailer. A full or down link waits for the next scan.
                if (replica.isBehind(journal.nextPosition()) && !sendRefused)
                {
                    catchUpPending = true;
                }

            }
        }
        return sent;
    }

    /**
     * The journal no longer holds what the replica lacks: send it the partition's state as it is now (the canonical
     * snapshot encoding), then the entries after it. Encoding allocates and takes time in proportion to the
     * partition, on this thread: it happens only for a replica that lost its copy after this journal was trimmed.
     */
    private void startSnapshot(final Partition partition, final ReplicaProgress replica)
    {
        replica.closeReader();
        replica.needsSnapshot = true;
        replica.snapshot = PartitionSnapshot.encode(partition.state());
        replica.snapshotPosition = partition.state().lastAppliedPosition();
        replica.snapshotSent = 0;
        counters.increment(CounterType.SNAPSHOTS_SENT);
        alerts.raise(Alerts.Kind.REPLICA_NEEDS_SNAPSHOT);
    }

    private int sendSnapshot(final Partition partition, final ReplicaProgress replica)
    {
        final byte[] snapshot = replica.snapshot;
        int chunks = 0;
        while (replica.snapshotSent < snapshot.length && chunks < SNAPSHOT_CHUNKS_PER_CYCLE)
        {
            final int length = Math.min(ReplicationSender.SNAPSHOT_CHUNK_LENGTH, snapshot.length - replica.snapshotSent);
            if (!sender.snapshotChunk(replica.link, partition.partitionId(), partition.epoch(), replica.snapshotPosition,
                snapshot, replica.snapshotSent, length))
            {
                if (!replica.link.isConnected())
                {
                    replica.forget();
                }
                // A full link waits for the next scan.
                return chunks;
            }
            replica.snapshotSent += length;
            chunks++;
        }
        if (replica.snapshotSent < snapshot.length)
        {
            catchUpPending = true;
            return chunks;
        }
        replica.needsSnapshot = false;
        replica.snapshot = null;
        replica.nextSendPosition = replica.snapshotPosition + 1;
        // Its acknowledgement comes once it has installed the snapshot: a resend meanwhile starts after it.
        replica.resendFrom = replica.snapshotPosition + 1;
        // Installing it, the replica takes this epoch: requests it sent before are answered by the snapshot.
        replica.checkedEpoch = partition.epoch();
        replica.heardNs = nowNs;
        if (replica.isBehind(partition.journal().nextPosition()))
        {
            catchUpPending = true;
        }
        return chunks;
    }

    private int feed(final ReplicaProgress replica, final PartitionJournal journal)
    {
        if (null == replica.reader)
        {
            replica.reader = journal.reader(replica.nextSendPosition);
        }
        else if (replica.reader.nextPosition() != replica.nextSendPosition)
        {
            replica.reader.seek(replica.nextSendPosition);
        }
        sending = replica;
        sendRefused = false;
        final int read = replica.reader.poll(entrySender, CATCH_UP_BATCH);
        sending = null;
        if (sendRefused && !replica.link.isConnected())
        {
            replica.forget();
        }
        return read;
    }

    private void sendEntry(final JournalEntryDecoder entry, final DirectBuffer buffer, final int offset, final int length)
    {
        if (sendRefused)
        {
            return;
        }
        final long result = sending.link.offer(buffer, offset, length);
        if (result > 0)
        {
            sending.nextSendPosition = entry.position() + 1;
        }
        else
        {
            sendRefused = true;
            if (Publication.BACK_PRESSURED == result || Publication.ADMIN_ACTION == result)
            {
                counters.increment(CounterType.REPLICATION_BACK_PRESSURE);
            }
        }
    }

    /**
     * Every few milliseconds: probe replicas whose standing is unknown, send again what a replica has not acknowledged
     * for long (it went to a process that died and came back, or was lost), and feed replicas that are behind.
     */
    int scan()
    {
        int probes = 0;
        for (int i = 0; i < primaries.size(); i++)
        {
            final Partition partition = primaries.get(i);
            if (!isLeading(partition))
            {
                continue;
            }
            final long nextPosition = partition.journal().nextPosition();
            for (final ReplicaProgress replica : replicasById[partition.partitionId()].replicas())
            {
                if (replica.needsSnapshot)
                {
                    catchUpPending = true;
                    continue;
                }
                if (ReplicaProgress.UNKNOWN == replica.nextSendPosition)
                {
                    if (nowNs - replica.nextProbeNs >= 0 && replica.link.isConnected())
                    {
                        replica.nextProbeNs = nowNs + PROBE_INTERVAL_NS;
                        if (sender.probe(replica.link, partition.partitionId(), partition.epoch(), nextPosition))
                        {
                            probes++;
                        }
                    }
                    continue;
                }
                if (replica.nextSendPosition > replica.ackedPosition + 1 && nowNs - replica.heardNs > RESEND_AFTER_NS)
                {
                    replica.heardNs = nowNs;
                    if (++replica.resendsUnanswered > MAX_RESENDS_UNANSWERED)
                    {
                        // It takes nothing (its copy failed, or it is gone): stop sending, probe it like a stranger.
                        replica.forget();
                        continue;
                    }
                    replica.nextSendPosition = Math.max(replica.ackedPosition + 1, replica.resendFrom);
                }
                if (replica.isBehind(nextPosition))
                {
                    catchUpPending = true;
                }
            }
        }
        return probes;
    }

    /**
     * @return the first position a partition's journal must keep for its replicas: after the last entry every
     * replica acknowledged (0 while one has not said where it stands); no limit when this node is not its primary.
     */
    long retainFrom(final int partitionId)
    {
        final PartitionReplicas replicas = replicasById[partitionId];
        if (null == replicas)
        {
            return Long.MAX_VALUE;
        }
        long retainFrom = Long.MAX_VALUE;
        for (final ReplicaProgress replica : replicas.replicas())
        {
            retainFrom = Math.min(retainFrom, replica.ackedPosition + 1);
        }
        return retainFrom;
    }

    /**
     * @return the largest number of entries a replica of this shard's primaries has not acknowledged.
     */
    long maxLag()
    {
        long lag = 0;
        for (int i = 0; i < primaries.size(); i++)
        {
            final Partition partition = primaries.get(i);
            lag = Math.max(lag, replicasById[partition.partitionId()].lag(partition));
        }
        return lag;
    }

    /**
     * Close the catch-up readers; the journals close with the shard.
     */
    void close()
    {
        for (final PartitionReplicas replicas : replicasById)
        {
            if (null != replicas)
            {
                replicas.close();
            }
        }
    }
}
