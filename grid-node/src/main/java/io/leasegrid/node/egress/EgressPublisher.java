package io.leasegrid.node.egress;

import io.leasegrid.codec.ErrorCodes;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.ErrorEncoder;
import io.leasegrid.codec.sbe.LeaseExpiredEncoder;
import io.leasegrid.codec.sbe.LeaseGrantedEncoder;
import io.leasegrid.codec.sbe.LeaseListEncoder;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.codec.sbe.LeaseQueuedEncoder;
import io.leasegrid.codec.sbe.LeaseReleasedEncoder;
import io.leasegrid.codec.sbe.LeaseRenewedEncoder;
import io.leasegrid.codec.sbe.LeaseStatusEncoder;
import io.leasegrid.codec.sbe.LeaseWaitCancelledEncoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.PartitionMapEncoder;
import io.leasegrid.codec.sbe.SessionChallengeEncoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.codec.sbe.SessionClosedEncoder;
import io.leasegrid.codec.sbe.SessionConnectedEncoder;
import io.leasegrid.codec.sbe.SessionKeepAliveAckEncoder;
import io.leasegrid.codec.sbe.ValueReadEncoder;
import io.leasegrid.codec.sbe.ValueWrittenEncoder;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.Resource;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.partition.PartitionTable;
import io.leasegrid.node.partition.PendingAnswers;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a shard's answers, and only that. Each answer is encoded once, when it is decided, straight into the place
 * it will leave from:
 * <ul>
 *     <li>an answer that depends on no partition (session traffic), or on an entry already committed with nothing
 *     queued before it, goes to the {@link AnswerSink} at once (in the node: claimed in place in the session's
 *     publication where it fits);</li>
 *     <li>otherwise it joins its partition's {@link PendingAnswers}, tagged with the journal position it depends on,
 *     and is released when the partition's commit position reaches it.</li>
 * </ul>
 * A write answers once its own entry commits; an answer that only read state (a value read, a refusal, a status)
 * waits for the partition's append position at the time, so no client ever sees a change that is not committed.
 * Error texts are encoded once at start. Owned by the shard's thread; allocates nothing per answer.
 * <p>
 * Long because it has one encoding method per kind of answer, each in the claim-in-place and the pending-queue
 * form; nothing else is in it.
 */
public final class EgressPublisher
{
    private static final int HEADER = MessageHeaderEncoder.ENCODED_LENGTH;

    private final AnswerSink sink;
    private final ShardCounters counters;
    private final int nodeId;
    private final boolean authenticating;
    private final long keepAliveIntervalNs;
    private final long sessionTimeoutNs;
    private final byte[][] errorTexts = new byte[256][];
    private final ExpandableDirectByteBuffer pendingBuffer = new ExpandableDirectByteBuffer(64 * 1024);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SessionChallengeEncoder challenge = new SessionChallengeEncoder();
    private final SessionConnectedEncoder connected = new SessionConnectedEncoder();
    private final SessionClosedEncoder closed = new SessionClosedEncoder();
    private final SessionKeepAliveAckEncoder keepAliveAck = new SessionKeepAliveAckEncoder();
    private final PartitionMapEncoder partitionMap = new PartitionMapEncoder();
    private final ErrorEncoder error = new ErrorEncoder();
    private final LeaseGrantedEncoder granted = new LeaseGrantedEncoder();
    private final LeaseQueuedEncoder queued = new LeaseQueuedEncoder();
    private final LeaseStatusEncoder status = new LeaseStatusEncoder();
    private final LeaseListEncoder list = new LeaseListEncoder();
    private final LeaseRenewedEncoder renewed = new LeaseRenewedEncoder();
    private final LeaseReleasedEncoder released = new LeaseReleasedEncoder();
    private final LeaseExpiredEncoder expired = new LeaseExpiredEncoder();
    private final LeaseWaitCancelledEncoder waitCancelled = new LeaseWaitCancelledEncoder();
    private final ValueWrittenEncoder written = new ValueWrittenEncoder();
    private final ValueReadEncoder read = new ValueReadEncoder();
    private final ArrayList<Partition> partitionsWithPending = new ArrayList<>();
    private final ArrayList<HeldAcross> heldAcross = new ArrayList<>();
    private final PendingAnswers.Releaser releaser = this::release;
    private MutableDirectBuffer claimed;
    private int claimedOffset;
    private Partition pendingPartition;
    private long pendingPosition;
    private long pendingSessionId;
    private int pendingLength;

    /**
     * @param sink                where answers go once they may be sent.
     * @param counters            of the shard.
     * @param nodeId              this node.
     * @param authenticating      whether the node checks credentials (told to clients as they connect).
     * @param keepAliveIntervalNs how often clients should keep their sessions alive.
     * @param sessionTimeoutNs    how long a silent session lives.
     */
    public EgressPublisher(
        final AnswerSink sink,
        final ShardCounters counters,
        final int nodeId,
        final boolean authenticating,
        final long keepAliveIntervalNs,
        final long sessionTimeoutNs)
    {
        this.sink = sink;
        this.counters = counters;
        this.nodeId = nodeId;
        this.authenticating = authenticating;
        this.keepAliveIntervalNs = keepAliveIntervalNs;
        this.sessionTimeoutNs = sessionTimeoutNs;
        for (final ErrorCode code : ErrorCode.values())
        {
            if (ErrorCode.NULL_VAL != code)
            {
                errorTexts[code.value()] = ErrorCodes.describe(code).getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * @return the sink answers go to.
     */
    public AnswerSink sink()
    {
        return sink;
    }

    /**
     * Send what waited for entries that have committed since.
     *
     * @return answers released.
     */
    public int releaseCommitted()
    {
        int released = 0;
        for (int i = heldAcross.size() - 1; i >= 0; i--)
        {
            final HeldAcross held = heldAcross.get(i);
            if (held.readFailedPartition())
            {
                heldAcross.remove(i);
            }
            else if (held.isCommitted())
            {
                sink.send(held.sessionId, held.answer, 0, held.answer.capacity());
                heldAcross.remove(i);
                released++;
            }
        }
        for (int i = partitionsWithPending.size() - 1; i >= 0; i--)
        {
            final Partition partition = partitionsWithPending.get(i);
            if (PartitionRole.FAILED == partition.role() || PartitionRole.REPLICA == partition.role())
            {
                // Failed, or no longer led here (the control plane moved it): what this node would have answered may
                // never commit, so the clients' requests time out and are retried on the partition's new primary.
                partition.pendingAnswers().dropAll();
                partitionsWithPending.remove(i);
                continue;
            }
            released += partition.pendingAnswers().release(partition.commitPosition(), releaser);
            if (partition.pendingAnswers().isEmpty())
            {
                partitionsWithPending.remove(i);
            }
        }
        return released;
    }

    // ------------------------------------------------------------------------------------------------- sessions

    public void challenge(final ClientSession session, final long correlationId, final long clientInstanceId, final byte[] nonce)
    {
        final int length = HEADER + SessionChallengeEncoder.BLOCK_LENGTH + SessionChallengeEncoder.nonceHeaderLength() +
            nonce.length;
        if (claim(null, 0, session, length))
        {
            challenge.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .clientInstanceId(clientInstanceId)
                .putNonce(nonce, 0, nonce.length);
            commit();
        }
    }

    public void connected(
        final ClientSession session, final long correlationId, final long clientInstanceId, final boolean resumed)
    {
        if (claim(null, 0, session, HEADER + SessionConnectedEncoder.BLOCK_LENGTH))
        {
            connected.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .keepAliveIntervalNs(keepAliveIntervalNs)
                .sessionTimeoutNs(sessionTimeoutNs)
                .nodeId(nodeId)
                .authenticated(authenticating ? BooleanType.TRUE : BooleanType.FALSE)
                .clientInstanceId(clientInstanceId)
                .resumed(resumed ? BooleanType.TRUE : BooleanType.FALSE);
            commit();
        }
    }

    /**
     * Tell a client where every partition lives.
     */
    public void partitionMap(final ClientSession session, final long correlationId, final PartitionTable table)
    {
        final List<PartitionTable.Member> members = table.members();
        int length = HEADER + PartitionMapEncoder.BLOCK_LENGTH + PartitionMapEncoder.NodesEncoder.sbeHeaderSize() +
            PartitionMapEncoder.PartitionsEncoder.sbeHeaderSize() +
            table.partitionCount() * PartitionMapEncoder.PartitionsEncoder.sbeBlockLength();
        for (int i = 0; i < members.size(); i++)
        {
            length += PartitionMapEncoder.NodesEncoder.sbeBlockLength() + PartitionMapEncoder.NodesEncoder.channelHeaderLength() +
                members.get(i).requestChannel().getBytes(StandardCharsets.UTF_8).length;
        }
        if (claim(null, 0, session, length))
        {
            partitionMap.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .mapVersion(table.version())
                .partitionCount(table.partitionCount())
                .senderNodeId(nodeId);
            final PartitionMapEncoder.NodesEncoder nodes = partitionMap.nodesCount(members.size());
            for (int i = 0; i < members.size(); i++)
            {
                nodes.next().nodeId(members.get(i).nodeId()).channel(members.get(i).requestChannel());
            }
            final PartitionMapEncoder.PartitionsEncoder partitions = partitionMap.partitionsCount(table.partitionCount());
            for (int p = 0; p < table.partitionCount(); p++)
            {
                partitions.next()
                    .partitionId(p)
                    .primaryNodeId(table.primaryNodeId(p))
                    .streamId(table.streamId(p))
                    .epoch(table.epoch(p));
            }
            commit();
        }
    }

    public void keepAliveAck(final ClientSession session, final long clientTimestampNs)
    {
        if (claim(null, 0, session, HEADER + SessionKeepAliveAckEncoder.BLOCK_LENGTH))
        {
            keepAliveAck.wrapAndApplyHeader(claimed, claimedOffset, header)
                .sessionId(session.sessionId())
                .clientTimestampNs(clientTimestampNs);
            commit();
        }
    }

    public void closed(final ClientSession session, final long correlationId, final SessionCloseReason reason)
    {
        if (claim(null, 0, session, HEADER + SessionClosedEncoder.BLOCK_LENGTH))
        {
            closed.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .reason(reason);
            commit();
        }
    }

    /**
     * A typed error, with its text. {@code partition} is null for errors that depend on no partition's state.
     */
    public void error(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long correlationId,
        final ErrorCode code,
        final int requestTemplateId)
    {
        counters.countError(code);
        final byte[] text = errorTexts[code.value()];
        final int length = HEADER + ErrorEncoder.BLOCK_LENGTH + ErrorEncoder.messageHeaderLength() + text.length;
        if (claim(partition, position, session, length))
        {
            error.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .code(code)
                .requestTemplateId(requestTemplateId)
                .putMessage(text, 0, text.length);
            commit();
        }
    }

    // --------------------------------------------------------------------------------------------------- leases

    public void leaseGranted(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long correlationId,
        final Lease lease)
    {
        final Resource resource = lease.resource();
        final int length = HEADER + LeaseGrantedEncoder.BLOCK_LENGTH + LeaseGrantedEncoder.resourceHeaderLength() +
            resource.nameLength();
        if (claim(partition, position, session, length))
        {
            granted.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .leaseId(lease.leaseId())
                .fencingToken(lease.fencingToken())
                .ttlNs(lease.ttlNs())
                .mode(LeaseMode.get(lease.mode().value()))
                .putResource(resource.nameBuffer(), 0, resource.nameLength());
            commit();
        }
    }

    public void leaseQueued(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long correlationId,
        final int queuePosition)
    {
        if (claim(partition, position, session, HEADER + LeaseQueuedEncoder.BLOCK_LENGTH))
        {
            queued.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .queuePosition(queuePosition);
            commit();
        }
    }

    public void leaseRenewed(
        final Partition partition, final long position, final ClientSession session, final long correlationId, final Lease lease)
    {
        if (claim(partition, position, session, HEADER + LeaseRenewedEncoder.BLOCK_LENGTH))
        {
            renewed.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .leaseId(lease.leaseId())
                .fencingToken(lease.fencingToken())
                .ttlNs(lease.ttlNs());
            commit();
        }
    }

    public void leaseReleased(
        final Partition partition, final long position, final ClientSession session, final long correlationId, final long leaseId)
    {
        if (claim(partition, position, session, HEADER + LeaseReleasedEncoder.BLOCK_LENGTH))
        {
            released.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .leaseId(leaseId);
            commit();
        }
    }

    public void leaseExpired(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long leaseId,
        final long fencingToken,
        final DirectBuffer resource,
        final int offset,
        final int resourceLength)
    {
        final int length = HEADER + LeaseExpiredEncoder.BLOCK_LENGTH + LeaseExpiredEncoder.resourceHeaderLength() +
            resourceLength;
        if (claim(partition, position, session, length))
        {
            expired.wrapAndApplyHeader(claimed, claimedOffset, header)
                .sessionId(session.sessionId())
                .leaseId(leaseId)
                .fencingToken(fencingToken)
                .putResource(resource, offset, resourceLength);
            commit();
        }
    }

    public void waitCancelled(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long correlationId,
        final long acquireCorrelationId,
        final boolean wasWaiting)
    {
        if (claim(partition, position, session, HEADER + LeaseWaitCancelledEncoder.BLOCK_LENGTH))
        {
            waitCancelled.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .acquireCorrelationId(acquireCorrelationId)
                .wasWaiting(wasWaiting ? BooleanType.TRUE : BooleanType.FALSE);
            commit();
        }
    }

    /**
     * Who holds and waits for a resource: at most {@code maxHolders} holders are listed.
     *
     * @param resource the resource, or null when nobody holds or waits for it.
     */
    public void leaseStatus(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long correlationId,
        final Resource resource,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength,
        final int maxHolders,
        final long nowNs)
    {
        final int holders = null == resource ? 0 : Math.min(resource.holderCount(), maxHolders);
        final int length = HEADER + LeaseStatusEncoder.BLOCK_LENGTH + LeaseStatusEncoder.HoldersEncoder.sbeHeaderSize() +
            holders * LeaseStatusEncoder.HoldersEncoder.sbeBlockLength() + LeaseStatusEncoder.resourceHeaderLength() + nameLength;
        if (claim(partition, position, session, length))
        {
            long highestToken = 0;
            for (Lease lease = null == resource ? null : resource.firstHolder(); null != lease; lease = lease.nextHolder())
            {
                highestToken = Math.max(highestToken, lease.fencingToken());
            }
            status.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .lastFencingToken(highestToken)
                .holderLimit(null == resource ? 0 : resource.holderLimit())
                .waiterCount(null == resource ? 0 : resource.waiterCount());
            final LeaseStatusEncoder.HoldersEncoder group = status.holdersCount(holders);
            Lease lease = null == resource ? null : resource.firstHolder();
            for (int i = 0; i < holders; i++, lease = lease.nextHolder())
            {
                group.next()
                    .leaseId(lease.leaseId())
                    .holderSessionId(lease.sessionId())
                    .fencingToken(lease.fencingToken())
                    .remainingTtlNs(Math.max(0, lease.expiresAtNs() - nowNs))
                    .mode(LeaseMode.get(lease.mode().value()));
            }
            status.putResource(name, nameOffset, nameLength);
            commit();
        }
    }

    /**
     * @return bytes one lease takes in a {@link #leaseList} answer.
     */
    public static int leaseListEntryLength(final Lease lease)
    {
        return LeaseListEncoder.LeasesEncoder.sbeBlockLength() + LeaseListEncoder.LeasesEncoder.resourceHeaderLength() +
            lease.resource().nameLength();
    }

    /**
     * The leases a list request matched, already bounded by the caller. A list reads several partitions: when any of
     * them (as primary, and the one asked for if {@code partitionId} is not -1) holds entries not yet committed, the
     * answer waits until each has committed everything it held when the list was read.
     */
    public void leaseList(
        final ClientSession session,
        final long correlationId,
        final int partitionId,
        final boolean truncated,
        final List<Lease> leases,
        final Partition[] readFrom,
        final int readCount,
        final long nowNs)
    {
        int length = HEADER + LeaseListEncoder.BLOCK_LENGTH + LeaseListEncoder.LeasesEncoder.sbeHeaderSize();
        for (int i = 0; i < leases.size(); i++)
        {
            length += leaseListEntryLength(leases.get(i));
        }
        final HeldAcross held = HeldAcross.of(session.sessionId(), readFrom, readCount, partitionId);
        if (null != held)
        {
            pendingBuffer.checkLimit(length);
            claimed = pendingBuffer;
            claimedOffset = 0;
        }
        else if (!claim(null, 0, session, length))
        {
            return;
        }
        list.wrapAndApplyHeader(claimed, claimedOffset, header)
            .correlationId(correlationId)
            .sessionId(session.sessionId())
            .partitionId(partitionId)
            .truncated(truncated ? BooleanType.TRUE : BooleanType.FALSE);
        final LeaseListEncoder.LeasesEncoder group = list.leasesCount(leases.size());
        for (int i = 0; i < leases.size(); i++)
        {
            final Lease lease = leases.get(i);
            group.next()
                .leaseId(lease.leaseId())
                .holderSessionId(lease.sessionId())
                .fencingToken(lease.fencingToken())
                .remainingTtlNs(Math.max(0, lease.expiresAtNs() - nowNs))
                .mode(LeaseMode.get(lease.mode().value()))
                .putResource(lease.resource().nameBuffer(), 0, lease.resource().nameLength());
        }
        if (null != held)
        {
            held.keep(pendingBuffer, length);
            heldAcross.add(held);
            claimed = null;
        }
        else
        {
            commit();
        }
    }

    // --------------------------------------------------------------------------------------------------- values

    public void valueWritten(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long correlationId,
        final long version,
        final long timestampNs,
        final boolean existed)
    {
        if (claim(partition, position, session, HEADER + ValueWrittenEncoder.BLOCK_LENGTH))
        {
            written.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .version(version)
                .timestampNs(timestampNs)
                .existed(existed ? BooleanType.TRUE : BooleanType.FALSE);
            commit();
        }
    }

    public void valueRead(
        final Partition partition,
        final long position,
        final ClientSession session,
        final long correlationId,
        final boolean found,
        final long version,
        final long timestampNs,
        final DirectBuffer value,
        final int offset,
        final int valueLength)
    {
        final int length = HEADER + ValueReadEncoder.BLOCK_LENGTH + ValueReadEncoder.valueHeaderLength() + valueLength;
        if (claim(partition, position, session, length))
        {
            read.wrapAndApplyHeader(claimed, claimedOffset, header)
                .correlationId(correlationId)
                .sessionId(session.sessionId())
                .found(found ? BooleanType.TRUE : BooleanType.FALSE)
                .version(version)
                .timestampNs(timestampNs)
                .putValue(value, offset, valueLength);
            commit();
        }
    }

    // ---------------------------------------------------------------------------------------------- plumbing

    /**
     * Find the place an answer of {@code length} bytes is encoded into: the sink when it may leave now, else the
     * partition's pending queue.
     *
     * @return false when it cannot be sent at all (its session is gone or cannot take it).
     */
    private boolean claim(final Partition partition, final long position, final ClientSession session, final int length)
    {
        // An answer whose entry is committed leaves now, even past answers still waiting for later entries: those
        // depend on changes this one does not show (a read waits for the change it reads, a decision for its own).
        if (null == partition || position <= partition.commitPosition())
        {
            pendingPartition = null;
            claimed = sink.claim(session, length);
            claimedOffset = sink.claimOffset();
            return null != claimed;
        }
        pendingPartition = partition;
        pendingPosition = position;
        pendingSessionId = session.sessionId();
        pendingLength = length;
        pendingBuffer.checkLimit(PendingAnswers.HEADER_LENGTH + length);
        claimed = pendingBuffer;
        claimedOffset = PendingAnswers.HEADER_LENGTH;
        return true;
    }

    private void release(final long sessionId, final DirectBuffer buffer, final int offset, final int length)
    {
        sink.send(sessionId, buffer, offset, length);
    }

    private void commit()
    {
        if (null == pendingPartition)
        {
            sink.commit();
        }
        else
        {
            final PendingAnswers pending = pendingPartition.pendingAnswers();
            if (pending.isEmpty())
            {
                partitionsWithPending.add(pendingPartition);
            }
            if (!pending.add(pendingPosition, pendingSessionId, pendingBuffer, 0, pendingLength))
            {
                counters.increment(CounterType.DROPPED_ANSWERS);
            }
            pendingPartition = null;
        }
        claimed = null;
    }
}
