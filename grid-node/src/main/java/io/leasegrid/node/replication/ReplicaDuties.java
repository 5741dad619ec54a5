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
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a shard does for the partitions it holds as replica: check each entry (intact, a partition held here as
 * replica, an epoch not older than the partition's, the next position), append it unchanged, apply it with the
 * applier recovery uses (no timers fire on a replica), and acknowledge its highest contiguous position once per duty
 * cycle per partition. A gap asks the primary to send from where the journal ends; so does a link to a primary that
 * comes up. Owned by the shard's thread; allocates nothing per entry.
 */
final class ReplicaDuties
{
    private static final long CATCH_UP_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(20);

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
    private final long[] nextCatchUpRequestNs;
    private final boolean[] ackDue;
    private final int[] ackDueIds;
    private final boolean[] announced;
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
        nextCatchUpRequestNs = new long[partitionById.length];
        ackDue = new boolean[partitionById.length];
        ackDueIds = new int[partitionById.length];
        announced = new boolean[partitionById.length];
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
        primaryLinkById[partition.partitionId()] = links.publication(placement.primary(partition.partitionId()));
        replicas.add(partition);
    }

    void onEntry(final DirectBuffer buffer, final int offset, final int length, final int blockLength, final int version)
    {
        // Intact first (header, lengths, checksum): nothing of a frame is believed before that.
        if (length < JournalEntryDescriptor.MIN_LENGTH ||
            JournalEntryDescriptor.Check.VALID != JournalEntryDescriptor.check(buffer, offset, length))
        {
            refusals.refuse();
            return;
        }
        entryDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
        final Partition partition = replicaPartition(entryDecoder.partitionId());
        final long epoch = entryDecoder.epoch();
        if (null == partition || epoch < partition.epoch())
        {
            refusals.refuse();
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

    void onProbe(final int partitionId, final long epoch, final int primaryNodeId)
    {
        final Partition partition = replicaPartition(partitionId);
        if (null == partition || placement.primary(partitionId) != primaryNodeId || epoch < partition.epoch())
        {
            refusals.refuse();
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

    int flushAcks()
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
            if (!announced[partitionId] && PartitionRole.REPLICA == partition.role() && link.isConnected() &&
                sender.catchUp(link, partitionId, partition.epoch(), partition.journal().nextPosition()))
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
