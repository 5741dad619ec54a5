package io.leasegrid.node.replication;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.JournalEntryDescriptor;
import io.leasegrid.codec.internal.CatchUpRequestDecoder;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.ReplicaProbeDecoder;
import io.leasegrid.codec.internal.ReplicationAckDecoder;
import io.leasegrid.journal.EntryHandler;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionLog;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;

/**
 * Replication for one shard's partitions, on the shard's thread, in its duty cycle.
 * <p>
 * <b>As primary</b> of a partition it sends each entry to the replicas as it is appended ({@link PartitionReplicas}),
 * feeds a replica that is behind from the journal (the same reader serves catch-up and a replica that fell behind
 * under back-pressure), probes replicas whose standing it does not know, and moves the commit position as
 * acknowledgements arrive, which releases the answers waiting for it.
 * <p>
 * <b>As replica</b> it checks each entry (intact, this shard's partition held as replica, epoch not older than the
 * partition's, the next position), appends it to the journal unchanged, applies it with the same applier recovery
 * uses (no timers fire on a replica), and acknowledges its highest contiguous position once per duty cycle per
 * partition. A gap asks the primary to send from where the journal ends. Anything refused is counted.
 * <p>
 * Allocates nothing per entry in steady state.
 */
public final class ShardReplication implements FragmentHandler
{
    private static final int FRAGMENT_LIMIT = 64;
    private static final int CATCH_UP_BATCH = 32;
    private static final long SCAN_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long PROBE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long CATCH_UP_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Entries sent but not acknowledged for this long are sent again: they went to a replica that died. */
    private static final long RESEND_AFTER_NS = TimeUnit.MILLISECONDS.toNanos(200);

    private final ReplicationLinks links;
    private final ReplicaPlacement placement;
    private final Partition[] partitionById;
    private final PartitionLog log;
    private final ShardCounters counters;
    private final Alerts alerts;
    private final ErrorHandler errorHandler;
    private final Consumer<Partition> leader;
    private final ReplicationSender sender;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final PartitionReplicas[] replicasById;
    private final ExclusivePublication[] primaryLinkById;
    private final long[] nextCatchUpRequestNs;
    private final boolean[] ownCopyInDoubt;
    private final List<Partition> replicas = new ArrayList<>();
    private final boolean[] announced;
    private final boolean[] ackDue;
    private final int[] ackDueIds;
    private final List<Partition> primaries = new ArrayList<>();
    private int ackDueCount;
    private boolean catchUpPending;
    private long nextScanNs;
    private long nowNs;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private final ReplicationAckDecoder ackDecoder = new ReplicationAckDecoder();
    private final ReplicaProbeDecoder probeDecoder = new ReplicaProbeDecoder();
    private final CatchUpRequestDecoder catchUpDecoder = new CatchUpRequestDecoder();

    private ReplicaProgress sending;
    private boolean sendRefused;
    private final EntryHandler entrySender = this::sendEntry;

    /**
     * @param links         the shard's replication transport.
     * @param partitionById the shard's partitions by id (null where another shard or node holds them).
     * @param log           the write path, whose applier replicas apply entries with.
     * @param counters      of the shard.
     * @param alerts        of the node.
     * @param errorHandler  the error log.
     * @param leader        starts serving a partition whose replicas have said where they stand.
     */
    public ShardReplication(
        final ReplicationLinks links,
        final Partition[] partitionById,
        final PartitionLog log,
        final ShardCounters counters,
        final Alerts alerts,
        final ErrorHandler errorHandler,
        final Consumer<Partition> leader)
    {
        this.links = links;
        this.placement = links.placement();
        this.partitionById = partitionById;
        this.log = log;
        this.counters = counters;
        this.alerts = alerts;
        this.errorHandler = errorHandler;
        this.leader = leader;
        this.sender = new ReplicationSender(links.nodeId());
        replicasById = new PartitionReplicas[partitionById.length];
        primaryLinkById = new ExclusivePublication[partitionById.length];
        nextCatchUpRequestNs = new long[partitionById.length];
        ownCopyInDoubt = new boolean[partitionById.length];
        announced = new boolean[partitionById.length];
        ackDue = new boolean[partitionById.length];
        ackDueIds = new int[partitionById.length];
    }

    /**
     * @return true when this node is the partition's primary by the placement.
     */
    public boolean isPrimary(final int partitionId)
    {
        return placement.primary(partitionId) == links.nodeId();
    }

    /**
     * The replicator of a partition this node is primary of, or null when it has no replicas (N = 1). Cold path.
     */
    public Partition.Replicator replicatorFor(final Partition partition)
    {
        final int partitionId = partition.partitionId();
        final int[] replicaSet = placement.replicaSet(partitionId);
        if (replicaSet.length < 2)
        {
            return null;
        }
        final ReplicaProgress[] replicas = new ReplicaProgress[replicaSet.length - 1];
        for (int i = 1; i < replicaSet.length; i++)
        {
            replicas[i - 1] = new ReplicaProgress(replicaSet[i], links.publication(replicaSet[i]));
        }
        final PartitionReplicas partitionReplicas = new PartitionReplicas(replicas, placement.writeQuorum(), this);
        replicasById[partitionId] = partitionReplicas;
        ownCopyInDoubt[partitionId] =
            0 == partition.journal().nextPosition() || partition.journal().tornEntriesDiscarded() > 0;
        primaries.add(partition);
        return partitionReplicas;
    }

    /**
     * This node holds a replica of the partition: link it to its primary. Cold path.
     */
    public void replicaOf(final Partition partition)
    {
        primaryLinkById[partition.partitionId()] = links.publication(placement.primary(partition.partitionId()));
        replicas.add(partition);
    }

    /**
     * One duty cycle's replication work: take what peers sent, acknowledge, feed replicas that are behind, probe
     * the ones not heard from.
     *
     * @return work done.
     */
    public int doWork(final long nowNs)
    {
        this.nowNs = nowNs;
        int work = links.subscription().poll(assembler, FRAGMENT_LIMIT);
        work += flushAcks();
        if (catchUpPending)
        {
            work += catchUp();
        }
        if (nowNs - nextScanNs >= 0)
        {
            nextScanNs = nowNs + SCAN_INTERVAL_NS;
            work += scanReplicas();
            work += announceReplicas();
        }
        return work;
    }

    /**
     * @return the first position a partition's journal must keep for its replicas: after the last entry every
     * replica acknowledged (0 while one has not said where it stands); no limit when this node is not its primary.
     */
    public long retainFrom(final int partitionId)
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
    public long maxLag()
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
    public void close()
    {
        for (final PartitionReplicas replicas : replicasById)
        {
            if (null != replicas)
            {
                replicas.close();
            }
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

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            refuse();
            return;
        }
        headerDecoder.wrap(buffer, offset);
        if (JournalEntryDecoder.SCHEMA_ID != headerDecoder.schemaId())
        {
            refuse();
            return;
        }
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        switch (headerDecoder.templateId())
        {
            case JournalEntryDecoder.TEMPLATE_ID:
                onEntry(buffer, offset, length);
                break;

            case ReplicationAckDecoder.TEMPLATE_ID:
                if (length < MessageHeaderDecoder.ENCODED_LENGTH + ReplicationAckDecoder.BLOCK_LENGTH)
                {
                    refuse();
                    return;
                }
                ackDecoder.wrap(buffer, body, blockLength, version);
                onAck(ackDecoder.partitionId(), ackDecoder.epoch(), ackDecoder.position(), ackDecoder.nodeId());
                break;

            case ReplicaProbeDecoder.TEMPLATE_ID:
                if (length < MessageHeaderDecoder.ENCODED_LENGTH + ReplicaProbeDecoder.BLOCK_LENGTH)
                {
                    refuse();
                    return;
                }
                probeDecoder.wrap(buffer, body, blockLength, version);
                onProbe(probeDecoder.partitionId(), probeDecoder.epoch(), probeDecoder.nodeId());
                break;

            case CatchUpRequestDecoder.TEMPLATE_ID:
                if (length < MessageHeaderDecoder.ENCODED_LENGTH + CatchUpRequestDecoder.BLOCK_LENGTH)
                {
                    refuse();
                    return;
                }
                catchUpDecoder.wrap(buffer, body, blockLength, version);
                onCatchUpRequest(catchUpDecoder.partitionId(), catchUpDecoder.epoch(), catchUpDecoder.nextPosition(),
                    catchUpDecoder.nodeId());
                break;

            default:
                refuse();
        }
    }

    // ------------------------------------------------------------------------------------------------ as replica

    private void onEntry(final DirectBuffer buffer, final int offset, final int length)
    {
        // Intact first (header, lengths, checksum): nothing of a frame is believed before that.
        if (length < JournalEntryDescriptor.MIN_LENGTH ||
            JournalEntryDescriptor.Check.VALID != JournalEntryDescriptor.check(buffer, offset, length))
        {
            refuse();
            return;
        }
        entryDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final Partition partition = replicaPartition(entryDecoder.partitionId());
        final long epoch = entryDecoder.epoch();
        if (null == partition || epoch < partition.epoch())
        {
            refuse();
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
            if (epoch > partition.epoch())
            {
                partition.becomeReplica(epoch);
            }
            journal.appendEntry(buffer, offset, length);
            log.replay(partition.state(), position, epoch, entryDecoder.timestampNs(), entryDecoder.monotonicNs(),
                buffer, entryDecoder.limit() + JournalEntryDecoder.operationHeaderLength());
            partition.onReplicated(position);
            counters.increment(CounterType.REPLICATED_ENTRIES);
            markAckDue(partition.partitionId());
        }
        catch (final RuntimeException ex)
        {
            partition.fail();
            alerts.raise(Alerts.Kind.PARTITION_FAILED);
            errorHandler.onError(new IllegalStateException("replica of partition " + partition.partitionId() +
                " failed on entry " + position + " and takes no more entries", ex));
        }
    }

    private void onProbe(final int partitionId, final long epoch, final int primaryNodeId)
    {
        final Partition partition = replicaPartition(partitionId);
        if (null == partition || placement.primary(partitionId) != primaryNodeId || epoch < partition.epoch())
        {
            refuse();
            return;
        }
        nextCatchUpRequestNs[partitionId] = nowNs + CATCH_UP_RETRY_NS;
        sender.catchUp(primaryLinkById[partitionId], partitionId, partition.epoch(), partition.journal().nextPosition());
    }

    private void requestCatchUp(final Partition partition)
    {
        final int partitionId = partition.partitionId();
        if (nowNs - nextCatchUpRequestNs[partitionId] >= 0)
        {
            nextCatchUpRequestNs[partitionId] = nowNs + CATCH_UP_RETRY_NS;
            sender.catchUp(primaryLinkById[partitionId], partitionId, partition.epoch(), partition.journal().nextPosition());
        }
    }

    private void markAckDue(final int partitionId)
    {
        if (!ackDue[partitionId])
        {
            ackDue[partitionId] = true;
            ackDueIds[ackDueCount++] = partitionId;
        }
    }

    private int flushAcks()
    {
        int sent = 0;
        int kept = 0;
        for (int i = 0; i < ackDueCount; i++)
        {
            final int partitionId = ackDueIds[i];
            final Partition partition = partitionById[partitionId];
            if (PartitionRole.REPLICA != partition.role())
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

    private Partition replicaPartition(final int partitionId)
    {
        if (partitionId < 0 || partitionId >= partitionById.length)
        {
            return null;
        }
        final Partition partition = partitionById[partitionId];
        return null != partition && PartitionRole.REPLICA == partition.role() ? partition : null;
    }

    // ------------------------------------------------------------------------------------------------ as primary

    private void onAck(final int partitionId, final long epoch, final long position, final int nodeId)
    {
        final ReplicaProgress replica = replicaOfPrimary(partitionId, epoch, nodeId);
        final Partition partition = null == replica ? null : partitionById[partitionId];
        if (null == partition || position > partition.appendPosition())
        {
            refuse();
            return;
        }
        replica.heardNs = nowNs;
        if (position > replica.ackedPosition)
        {
            replica.ackedPosition = position;
            partition.updateCommitPosition();
        }
    }

    private void onCatchUpRequest(final int partitionId, final long epoch, final long nextPosition, final int nodeId)
    {
        final ReplicaProgress replica = replicaOfPrimary(partitionId, epoch, nodeId);
        final Partition partition = null == replica ? null : partitionById[partitionId];
        if (null == partition || nextPosition < 0)
        {
            refuse();
            return;
        }
        if (nextPosition > partition.journal().nextPosition())
        {
            // A replica holding entries its primary has not: this journal lost entries (a copy restored empty, a torn
            // tail). Serving from it could answer wrongly, so a primary still recovering never starts; one already
            // serving cannot have lost them (they were appended here first).
            onReplicaAhead(partition, nodeId, nextPosition);
            return;
        }
        replica.heardNs = nowNs;
        replica.heard = true;
        replica.ackedPosition = nextPosition - 1;
        replica.nextSendPosition = nextPosition;
        replica.needsSnapshot = false;
        if (PartitionRole.RECOVERING == partition.role())
        {
            leadOnceEnoughReplicasHeard(partition);
        }
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
     */
    private void leadOnceEnoughReplicasHeard(final Partition partition)
    {
        final ReplicaProgress[] replicas = replicasById[partition.partitionId()].replicas();
        int heard = 0;
        for (final ReplicaProgress replica : replicas)
        {
            heard += replica.heard ? 1 : 0;
        }
        final int needed = ownCopyInDoubt[partition.partitionId()] ?
            replicas.length + 1 - placement.writeQuorum() + 1 : placement.writeQuorum() - 1;
        if (heard >= needed)
        {
            leader.accept(partition);
            partition.updateCommitPosition();
            catchUpPending = true;
        }
    }

    private void onReplicaAhead(final Partition partition, final int nodeId, final long replicaNextPosition)
    {
        if (PartitionRole.RECOVERING == partition.role())
        {
            partition.fail();
            alerts.raise(Alerts.Kind.PRIMARY_BEHIND_REPLICA);
            errorHandler.onError(new IllegalStateException("partition " + partition.partitionId() + ": node " + nodeId +
                " holds entries up to " + (replicaNextPosition - 1) + " but this primary's journal ends at " +
                partition.appendPosition() + "; it lost entries, so it does not serve the partition (restore its " +
                "journal, or let a replica take over once failover exists)"));
        }
        else
        {
            refuse();
        }
    }

    private static boolean isLeading(final Partition partition)
    {
        return null != partition &&
            (PartitionRole.PRIMARY == partition.role() || PartitionRole.RECOVERING == partition.role());
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

    private int catchUp()
    {
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
                if (!replica.isBehind(journal.nextPosition()))
                {
                    continue;
                }
                if (replica.nextSendPosition < journal.firstPosition())
                {
                    replica.needsSnapshot = true;
                    replica.closeReader();
                    alerts.raise(Alerts.Kind.REPLICA_NEEDS_SNAPSHOT);
                    continue;
                }
                sent += feed(replica, journal);
                if (!replica.isBehind(journal.nextPosition()))
                {
                    replica.closeReader();
                }
                else if (!sendRefused)
                {
                    catchUpPending = true;
                }
                // else: the link is full or down; the next scan tries again rather than every duty cycle.

            }
        }
        return sent;
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
    private int scanReplicas()
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
                if (ReplicaProgress.UNKNOWN == replica.nextSendPosition || replica.needsSnapshot)
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
                    replica.nextSendPosition = replica.ackedPosition + 1;
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
     * A replica that just started tells each primary where its copy ends, once the link is up: its primary may
     * believe it holds more (it may have started empty) and would otherwise wait for the next write to find out.
     */
    private int announceReplicas()
    {
        int sent = 0;
        for (int i = 0; i < replicas.size(); i++)
        {
            final Partition partition = replicas.get(i);
            final int partitionId = partition.partitionId();
            final ExclusivePublication link = primaryLinkById[partitionId];
            if (!announced[partitionId] && PartitionRole.REPLICA == partition.role() && link.isConnected() &&
                sender.catchUp(link, partitionId, partition.epoch(), partition.journal().nextPosition()))
            {
                announced[partitionId] = true;
                sent++;
            }
        }
        return sent;
    }

    private void refuse()
    {
        counters.increment(CounterType.REPLICATION_REFUSED);
        alerts.raise(Alerts.Kind.REPLICATION_REFUSED);
    }
}
