package io.leasegrid.node.shard;

import io.leasegrid.codec.LeaseIds;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.internal.BooleanType;
import io.leasegrid.codec.internal.CheckpointKind;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.sbe.LeaseAcquireDecoder;
import io.leasegrid.codec.internal.LeaseEndOpEncoder;
import io.leasegrid.codec.internal.LeaseEndReason;
import io.leasegrid.codec.internal.LeaseGrantOpEncoder;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.codec.sbe.LeaseReleaseDecoder;
import io.leasegrid.codec.sbe.LeaseRenewDecoder;
import io.leasegrid.codec.internal.LeaseRenewOpEncoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestDecoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.SessionCloseDecoder;
import io.leasegrid.codec.internal.SessionCloseOpEncoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.codec.sbe.SessionKeepAliveDecoder;
import io.leasegrid.codec.internal.SessionKeepAliveOpEncoder;
import io.leasegrid.codec.internal.SessionOpenOpEncoder;
import io.leasegrid.codec.internal.TimeCheckpointOpEncoder;
import io.leasegrid.codec.sbe.ValueCompareAndSetDecoder;
import io.leasegrid.codec.sbe.ValueDeleteDecoder;
import io.leasegrid.codec.internal.ValueDeleteOpEncoder;
import io.leasegrid.codec.sbe.ValueFencedPutDecoder;
import io.leasegrid.codec.sbe.ValueGetDecoder;
import io.leasegrid.codec.sbe.ValuePutDecoder;
import io.leasegrid.codec.internal.ValuePutOpEncoder;
import io.leasegrid.codec.internal.WaiterEnqueueOpEncoder;
import io.leasegrid.codec.internal.WaiterLeaveOpEncoder;
import io.leasegrid.codec.internal.WaiterLeaveReason;
import io.leasegrid.journal.EntryHandler;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.LeaseTable;
import io.leasegrid.node.lease.Resource;
import io.leasegrid.node.lease.SessionLeases;
import io.leasegrid.node.lease.Waiter;
import io.leasegrid.node.partition.OperationApplier;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.partition.PartitionState;
import io.leasegrid.node.session.SessionTracker;
import io.leasegrid.node.session.SessionTracker.TrackedSession;
import io.leasegrid.node.util.TimerNode;
import io.leasegrid.node.util.TimerWheel;
import io.leasegrid.node.value.ValueEntry;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;


/**
 * The single writer of a set of partitions. It decides every lease and value request as the partitions' primary
 * (who is granted, which fencing token, which version, when a lease expires or a wait times out), journals each
 * decision, applies it through the same {@link OperationApplier} that recovery uses, and answers through its
 * {@link ShardListener}.
 * <p>
 * Rules it keeps (see the README): FIFO queues without barging; strictly increasing fencing tokens and versions;
 * no renewal of an expired lease; only the holder's session renews or releases; expiry and wait timeouts on the
 * monotonic clock through a timer wheel; periodic time checkpoints so that recovery gives every lease the TTL it
 * had left at the last checkpoint, counted from recovery.
 * <p>
 * Every {@code onXxx} request method and {@link #doWork()} must be called on the shard's thread. Steady-state
 * requests allocate nothing.
 */
public final class ShardAgent implements Agent
{

    private final ShardContext context;
    private final ShardListener listener;
    private final NanoClock nanoClock;
    private final EpochNanoClock epochNanoClock;
    private final ShardPartition[] partitions;
    private final OperationApplier applier = new OperationApplier();
    private final SessionTracker sessions = new SessionTracker();
    private final TimerWheel timerWheel;
    private final TimerWheel.Handler timerHandler = this::onTimer;
    private final ExpandableDirectByteBuffer opBuffer = new ExpandableDirectByteBuffer(128 * 1024);
    private final UnsafeBuffer nameScratch = new UnsafeBuffer(new byte[65536]);
    private final ExpandableArrayBuffer affectedNames = new ExpandableArrayBuffer(1024);
    private final IntArrayList affectedNameOffsets = new IntArrayList();

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final LeaseGrantOpEncoder grantOp = new LeaseGrantOpEncoder();
    private final LeaseRenewOpEncoder renewOp = new LeaseRenewOpEncoder();
    private final LeaseEndOpEncoder endOp = new LeaseEndOpEncoder();
    private final WaiterEnqueueOpEncoder enqueueOp = new WaiterEnqueueOpEncoder();
    private final WaiterLeaveOpEncoder leaveOp = new WaiterLeaveOpEncoder();
    private final ValuePutOpEncoder putOp = new ValuePutOpEncoder();
    private final ValueDeleteOpEncoder deleteOp = new ValueDeleteOpEncoder();
    private final TimeCheckpointOpEncoder checkpointOp = new TimeCheckpointOpEncoder();
    private final SessionOpenOpEncoder sessionOpenOp = new SessionOpenOpEncoder();
    private final SessionCloseOpEncoder sessionCloseOp = new SessionCloseOpEncoder();
    private final SessionKeepAliveOpEncoder keepAliveOp = new SessionKeepAliveOpEncoder();

    private long epoch;
    private long nowNs;
    private long lastTimestampNs;
    private boolean started;
    private boolean closed;
    private ShardPartition replayTarget;
    private final EntryHandler replayHandler = this::onReplayEntry;

    /**
     * @param context settings; concluded here.
     */
    public ShardAgent(final ShardContext context)
    {
        this.context = context.conclude();
        this.listener = context.listener();
        this.nanoClock = context.nanoClock();
        this.epochNanoClock = context.epochNanoClock();
        this.partitions = new ShardPartition[context.partitionCount()];
        this.epoch = context.epoch();
        this.timerWheel = new TimerWheel(context.timerTickNs(), context.timerSlots(), nanoClock.nanoTime());
    }

    public String roleName()
    {
        return "leasegrid-shard-" + context.shardId();
    }

    /**
     * Open every partition's journal and recover its state: newest snapshot, then the journal after it, then a
     * recovery checkpoint that rebases every deadline on this process's clock.
     */
    public void onStart()
    {
        if (started)
        {
            return;
        }
        started = true;
        nowNs = nanoClock.nanoTime();
        for (final int partitionId : context.partitions())
        {
            recover(partitionId);
        }
    }

    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int work = timerWheel.poll(nowNs, timerHandler);
        for (final int partitionId : context.partitions())
        {
            final ShardPartition partition = partitions[partitionId];
            if (nowNs - partition.nextCheckpointNs >= 0)
            {
                partition.nextCheckpointNs = nowNs + context.checkpointIntervalNs();
                final LeaseTable leases = partition.state.leases();
                if (leases.leaseCount() > 0 || leases.waiterCount() > 0)
                {
                    checkpoint(partition, CheckpointKind.PERIODIC);
                    work++;
                }
            }
            if (partition.entriesSinceSnapshot >= context.snapshotIntervalEntries())
            {
                takeSnapshot(partitionId);
                work++;
            }
        }
        return work;
    }

    public void onClose()
    {
        if (!closed)
        {
            closed = true;
            for (final ShardPartition partition : partitions)
            {
                if (null != partition)
                {
                    partition.journal.close();
                }
            }
        }
    }

    /**
     * @return the state of a partition this shard owns, or null. For tests and tools on the shard's thread.
     */
    public PartitionState partitionState(final int partitionId)
    {
        final ShardPartition partition = partitionId >= 0 && partitionId < partitions.length ? partitions[partitionId] : null;
        return null == partition ? null : partition.state;
    }

    /**
     * @return the journal of a partition this shard owns, or null.
     */
    public PartitionJournal journal(final int partitionId)
    {
        final ShardPartition partition = partitionId >= 0 && partitionId < partitions.length ? partitions[partitionId] : null;
        return null == partition ? null : partition.journal;
    }

    /**
     * @return live leases in this shard's partitions.
     */
    public long leaseCount()
    {
        long count = 0;
        for (final int partitionId : context.partitions())
        {
            count += partitions[partitionId].state.leases().leaseCount();
        }
        return count;
    }

    /**
     * @return waiting acquires in this shard's partitions.
     */
    public long waiterCount()
    {
        long count = 0;
        for (final int partitionId : context.partitions())
        {
            count += partitions[partitionId].state.leases().waiterCount();
        }
        return count;
    }

    /**
     * @return entries held in this shard's journals.
     */
    public long journalEntries()
    {
        long count = 0;
        for (final int partitionId : context.partitions())
        {
            final PartitionJournal journal = partitions[partitionId].journal;
            count += journal.nextPosition() - journal.firstPosition();
        }
        return count;
    }

    /**
     * @return number of sessions this shard tracks.
     */
    public int sessionCount()
    {
        return sessions.size();
    }

    /**
     * Write a snapshot of a partition now and delete the journal files it covers.
     *
     * @return journal position the snapshot covers up to.
     */
    public long takeSnapshot(final int partitionId)
    {
        final ShardPartition partition = partitions[partitionId];
        PartitionSnapshot.write(partition.state, partition.journal.directory());
        partition.entriesSinceSnapshot = 0;
        final long covered = partition.state.lastAppliedPosition();
        partition.journal.deleteCyclesBefore(covered + 1);
        return covered;
    }

    // ------------------------------------------------------------------------------------------------ sessions

    /**
     * A client session begins (or reconnects) on this shard.
     */
    public void onSessionOpen(final long correlationId, final long sessionId, final long timeoutNs)
    {
        nowNs = nanoClock.nanoTime();
        if (sessionId == 0 || timeoutNs <= 0)
        {
            listener.onError(correlationId, sessionId, ErrorCode.INVALID_ARGUMENT, 1);
            return;
        }
        final TrackedSession session = sessions.open(sessionId, timeoutNs, nowNs);
        timerWheel.schedule(session, session.deadlineNs());
        listener.onSessionOpened(correlationId, sessionId);
    }

    /**
     * The session was heard from: it lives on and its auto-renew leases are renewed.
     */
    public void onSessionKeepAlive(final long sessionId)
    {
        nowNs = nanoClock.nanoTime();
        final TrackedSession session = sessions.get(sessionId);
        if (null == session)
        {
            listener.onError(0, sessionId, ErrorCode.UNKNOWN_SESSION, SessionKeepAliveDecoder.TEMPLATE_ID);
            return;
        }
        sessions.keepAlive(session, nowNs);
        final IntArrayList touched = session.partitions();
        for (int i = 0, size = touched.size(); i < size; i++)
        {
            final ShardPartition partition = partitions[touched.getInt(i)];
            final SessionLeases held = partition.state.leases().session(sessionId);
            if (null != held && held.autoRenewCount() > 0)
            {
                keepAliveOp.wrapAndApplyHeader(opBuffer, 0, header).sessionId(sessionId);
                journalAndApply(partition, keepAliveOp.encodedLength());
            }
        }
    }

    /**
     * The client closes its session: its waiters leave and its leases are released at once.
     */
    public void onSessionClose(final long correlationId, final long sessionId)
    {
        nowNs = nanoClock.nanoTime();
        final TrackedSession session = sessions.get(sessionId);
        if (null == session)
        {
            listener.onError(correlationId, sessionId, ErrorCode.UNKNOWN_SESSION, SessionCloseDecoder.TEMPLATE_ID);
            return;
        }
        closeSession(session, SessionCloseReason.CLIENT_CLOSE);
        listener.onSessionClosed(correlationId, sessionId);
    }

    // -------------------------------------------------------------------------------------------------- leases

    /**
     * Acquire a lease on {@code resource}: granted at once when compatible and nobody waits, queued for up to
     * {@code waitTimeoutNs} otherwise (0 fails fast).
     */
    public void onLeaseAcquire(
        final long correlationId,
        final long sessionId,
        final DirectBuffer resource,
        final int offset,
        final int length,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final int holderLimit,
        final boolean autoRenew)
    {
        nowNs = nanoClock.nanoTime();
        final int template = LeaseAcquireDecoder.TEMPLATE_ID;
        final TrackedSession session = sessions.get(sessionId);
        if (null == session)
        {
            listener.onError(correlationId, sessionId, ErrorCode.UNKNOWN_SESSION, template);
            return;
        }
        if (length <= 0 || length > context.maxNameLength())
        {
            listener.onError(correlationId, sessionId, length <= 0 ? ErrorCode.INVALID_ARGUMENT : ErrorCode.KEY_TOO_LONG, template);
            return;
        }
        if (ttlNs < context.minTtlNs() || ttlNs > context.maxTtlNs())
        {
            listener.onError(correlationId, sessionId, ErrorCode.INVALID_TTL, template);
            return;
        }
        if (waitTimeoutNs < 0 || waitTimeoutNs > context.maxWaitTimeoutNs())
        {
            listener.onError(correlationId, sessionId, ErrorCode.INVALID_ARGUMENT, template);
            return;
        }
        if (null == mode || (LeaseMode.EXCLUSIVE == mode && holderLimit != 0) || holderLimit < 0)
        {
            listener.onError(correlationId, sessionId, ErrorCode.MODE_MISMATCH, template);
            return;
        }
        final ShardPartition partition = ownedPartition(resource, offset, length);
        if (null == partition)
        {
            listener.onError(correlationId, sessionId, ErrorCode.NOT_PRIMARY, template);
            return;
        }

        final LeaseTable leases = partition.state.leases();
        ensureSessionIn(partition, session);
        final Resource held = leases.resource(resource, offset, length);
        if (null == held || (0 == held.waiterCount() && canHold(held, mode, holderLimit)))
        {
            grant(partition, sessionId, correlationId, ttlNs, mode, autoRenew, holderLimit, resource, offset, length);
            return;
        }
        if (held.holderCount() > 0 && LeaseMode.SHARED == held.mode() && LeaseMode.SHARED == mode &&
            held.holderLimit() != holderLimit)
        {
            listener.onError(correlationId, sessionId, ErrorCode.HOLDER_LIMIT_MISMATCH, template);
            return;
        }
        if (0 == waitTimeoutNs)
        {
            listener.onError(correlationId, sessionId, ErrorCode.LEASE_UNAVAILABLE, template);
            return;
        }
        if (held.waiterCount() >= context.maxWaitersPerResource())
        {
            listener.onError(correlationId, sessionId, ErrorCode.WAIT_QUEUE_FULL, template);
            return;
        }
        if (null != leases.findWaiter(held, sessionId, correlationId))
        {
            listener.onError(correlationId, sessionId, ErrorCode.INVALID_ARGUMENT, template);
            return;
        }

        enqueueOp.wrapAndApplyHeader(opBuffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .ttlNs(ttlNs)
            .waitTimeoutNs(waitTimeoutNs)
            .mode(io.leasegrid.codec.internal.LeaseMode.get(mode.value()))
            .autoRenew(autoRenew ? BooleanType.TRUE : BooleanType.FALSE)
            .holderLimit(holderLimit)
            .putResource(resource, offset, length);
        journalAndApply(partition, enqueueOp.encodedLength());
        final Waiter waiter = applier.lastEnqueued();
        timerWheel.schedule(waiter, waiter.deadlineNs());
        listener.onLeaseQueued(correlationId, sessionId, waiter.resource().waiterCount());
    }

    /**
     * Renew a lease by its TTL. Only its session may; an expired lease is never revived.
     */
    public void onLeaseRenew(final long correlationId, final long sessionId, final long leaseId)
    {
        nowNs = nanoClock.nanoTime();
        final ShardPartition partition = leasePartition(correlationId, sessionId, leaseId, LeaseRenewDecoder.TEMPLATE_ID);
        if (null == partition)
        {
            return;
        }
        final Lease lease = partition.state.leases().lease(leaseId);
        renewOp.wrapAndApplyHeader(opBuffer, 0, header).leaseId(leaseId).ttlNs(lease.ttlNs());
        journalAndApply(partition, renewOp.encodedLength());
        listener.onLeaseRenewed(correlationId, sessionId, leaseId, lease.fencingToken(), lease.ttlNs());
    }

    /**
     * Release a lease. Only its session may; waiters behind it are granted in FIFO order.
     */
    public void onLeaseRelease(final long correlationId, final long sessionId, final long leaseId)
    {
        nowNs = nanoClock.nanoTime();
        final ShardPartition partition = leasePartition(correlationId, sessionId, leaseId, LeaseReleaseDecoder.TEMPLATE_ID);
        if (null == partition)
        {
            return;
        }
        endLease(partition, partition.state.leases().lease(leaseId), LeaseEndReason.RELEASED);
        listener.onLeaseReleased(correlationId, sessionId, leaseId);
        promoteAffected(partition);
    }

    /**
     * Who holds and who waits for {@code resource}, answered from the primary's state.
     */
    public void onLeaseStatus(
        final long correlationId, final long sessionId, final DirectBuffer resource, final int offset, final int length)
    {
        nowNs = nanoClock.nanoTime();
        if (length <= 0 || length > context.maxNameLength())
        {
            listener.onError(correlationId, sessionId, length <= 0 ? ErrorCode.INVALID_ARGUMENT : ErrorCode.KEY_TOO_LONG,
                LeaseStatusRequestDecoder.TEMPLATE_ID);
            return;
        }
        final ShardPartition partition = ownedPartition(resource, offset, length);
        if (null == partition)
        {
            listener.onError(correlationId, sessionId, ErrorCode.NOT_PRIMARY, LeaseStatusRequestDecoder.TEMPLATE_ID);
            return;
        }
        listener.onLeaseStatus(correlationId, sessionId, partition.state.leases().resource(resource, offset, length),
            resource, offset, length, nowNs);
    }

    // -------------------------------------------------------------------------------------------------- values

    /**
     * Put a value; its version is the partition's next.
     */
    public void onValuePut(
        final long correlationId,
        final long sessionId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        nowNs = nanoClock.nanoTime();
        final ShardPartition partition = valuePartition(
            correlationId, sessionId, key, keyOffset, keyLength, valueLength, ValuePutDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            putValue(partition, correlationId, sessionId, key, keyOffset, keyLength, value, valueOffset, valueLength);
        }
    }

    /**
     * Read a value.
     */
    public void onValueGet(
        final long correlationId, final long sessionId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        nowNs = nanoClock.nanoTime();
        final ShardPartition partition = valuePartition(
            correlationId, sessionId, key, keyOffset, keyLength, 0, ValueGetDecoder.TEMPLATE_ID);
        if (null == partition)
        {
            return;
        }
        final ValueEntry entry = partition.state.values().get(key, keyOffset, keyLength);
        if (null == entry)
        {
            listener.onValueRead(correlationId, sessionId, false, 0, 0, nameScratch, 0, 0);
        }
        else
        {
            listener.onValueRead(correlationId, sessionId, true, entry.version(), entry.timestampNs(),
                entry.valueBuffer(), 0, entry.valueLength());
        }
    }

    /**
     * Delete a value; deleting an absent key changes nothing and says so.
     */
    public void onValueDelete(
        final long correlationId, final long sessionId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        nowNs = nanoClock.nanoTime();
        final ShardPartition partition = valuePartition(
            correlationId, sessionId, key, keyOffset, keyLength, 0, ValueDeleteDecoder.TEMPLATE_ID);
        if (null == partition)
        {
            return;
        }
        if (null == partition.state.values().get(key, keyOffset, keyLength))
        {
            listener.onValueWritten(correlationId, sessionId, 0, 0, false);
            return;
        }
        final long version = partition.state.values().lastVersion() + 1;
        deleteOp.wrapAndApplyHeader(opBuffer, 0, header).version(version).putKey(key, keyOffset, keyLength);
        journalAndApply(partition, deleteOp.encodedLength());
        listener.onValueWritten(correlationId, sessionId, version, lastTimestampNs, true);
    }

    /**
     * Put only while the key's version is {@code expectedVersion} (0: the key is absent).
     */
    public void onValueCompareAndSet(
        final long correlationId,
        final long sessionId,
        final long expectedVersion,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        nowNs = nanoClock.nanoTime();
        final ShardPartition partition = valuePartition(
            correlationId, sessionId, key, keyOffset, keyLength, valueLength, ValueCompareAndSetDecoder.TEMPLATE_ID);
        if (null == partition)
        {
            return;
        }
        final ValueEntry entry = partition.state.values().get(key, keyOffset, keyLength);
        final long currentVersion = null == entry ? 0 : entry.version();
        if (currentVersion != expectedVersion)
        {
            listener.onError(correlationId, sessionId, ErrorCode.VERSION_MISMATCH, ValueCompareAndSetDecoder.TEMPLATE_ID);
            return;
        }
        putValue(partition, correlationId, sessionId, key, keyOffset, keyLength, value, valueOffset, valueLength);
    }

    /**
     * Put only while {@code fencingToken} is the token of a live lease on {@code leaseResource} held by this session;
     * the resource must share the key's partition.
     */
    public void onValueFencedPut(
        final long correlationId,
        final long sessionId,
        final long fencingToken,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer leaseResource,
        final int resourceOffset,
        final int resourceLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        nowNs = nanoClock.nanoTime();
        final int template = ValueFencedPutDecoder.TEMPLATE_ID;
        final ShardPartition partition = valuePartition(
            correlationId, sessionId, key, keyOffset, keyLength, valueLength, template);
        if (null == partition)
        {
            return;
        }
        if (resourceLength <= 0 || resourceLength > context.maxNameLength())
        {
            listener.onError(correlationId, sessionId, ErrorCode.INVALID_ARGUMENT, template);
            return;
        }
        if (ownedPartition(leaseResource, resourceOffset, resourceLength) != partition)
        {
            listener.onError(correlationId, sessionId, ErrorCode.FENCE_NOT_COLOCATED, template);
            return;
        }
        final Resource resource = partition.state.leases().resource(leaseResource, resourceOffset, resourceLength);
        Lease current = null;
        if (null != resource)
        {
            for (Lease holder = resource.firstHolder(); null != holder; holder = holder.nextHolder())
            {
                if (holder.fencingToken() == fencingToken && holder.expiresAtNs() - nowNs > 0)
                {
                    current = holder;
                    break;
                }
            }
        }
        if (null == current)
        {
            listener.onError(correlationId, sessionId, ErrorCode.FENCING_TOKEN_REJECTED, template);
            return;
        }
        if (current.sessionId() != sessionId)
        {
            // The token is live but another session holds it: a token read from status() is not a licence to write.
            listener.onError(correlationId, sessionId, ErrorCode.NOT_LEASE_HOLDER, template);
            return;
        }
        putValue(partition, correlationId, sessionId, key, keyOffset, keyLength, value, valueOffset, valueLength);
    }

    // -------------------------------------------------------------------------------------------------- timers

    private void onTimer(final TimerNode node, final long now)
    {
        nowNs = now;
        if (node instanceof Lease)
        {
            final Lease lease = (Lease)node;
            if (lease.expiresAtNs() - nowNs > 0)
            {
                // Renewed since it was scheduled: renewals move only the deadline, the timer catches up here.
                timerWheel.schedule(lease, lease.expiresAtNs());
            }
            else
            {
                expire(partitions[LeaseIds.partitionId(lease.leaseId())], lease);
            }
        }
        else if (node instanceof Waiter)
        {
            final Waiter waiter = (Waiter)node;
            if (waiter.deadlineNs() - nowNs > 0)
            {
                timerWheel.schedule(waiter, waiter.deadlineNs());
            }
            else
            {
                final Resource resource = waiter.resource();
                final ShardPartition partition = ownedPartition(resource.nameBuffer(), 0, resource.nameLength());
                final long sessionId = waiter.sessionId();
                final long correlationId = waiter.correlationId();
                leaveQueue(partition, waiter, WaiterLeaveReason.TIMED_OUT);
                listener.onError(correlationId, sessionId, ErrorCode.WAIT_TIMEOUT, LeaseAcquireDecoder.TEMPLATE_ID);
                promoteAffected(partition);
            }
        }
        else if (node instanceof TrackedSession)
        {
            final TrackedSession session = (TrackedSession)node;
            if (session.deadlineNs() - nowNs > 0)
            {
                timerWheel.schedule(session, session.deadlineNs());
            }
            else
            {
                closeSession(session, SessionCloseReason.TIMEOUT);
                listener.onSessionTimedOut(session.sessionId());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ decisions

    private void grant(
        final ShardPartition partition,
        final long sessionId,
        final long correlationId,
        final long ttlNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        final LeaseTable leases = partition.state.leases();
        final long leaseId = leases.nextLeaseId();
        final long token = leases.lastFencingToken() + 1;
        grantOp.wrapAndApplyHeader(opBuffer, 0, header)
            .leaseId(leaseId)
            .sessionId(sessionId)
            .fencingToken(token)
            .ttlNs(ttlNs)
            .mode(io.leasegrid.codec.internal.LeaseMode.get(mode.value()))
            .autoRenew(autoRenew ? BooleanType.TRUE : BooleanType.FALSE)
            .holderLimit(LeaseMode.SHARED == mode ? holderLimit : 0)
            .correlationId(correlationId)
            .putResource(resource, offset, length);
        journalAndApply(partition, grantOp.encodedLength());
        final Lease lease = applier.lastGranted();
        timerWheel.schedule(lease, lease.expiresAtNs());
        listener.onLeaseGranted(correlationId, sessionId, leaseId, token, ttlNs, mode,
            lease.resource().nameBuffer(), 0, lease.resource().nameLength());
    }

    /**
     * Grant waiters at the head of each affected resource's queue while they are compatible with the holders.
     */
    private void promoteAffected(final ShardPartition partition)
    {
        final LeaseTable leases = partition.state.leases();
        for (int i = 0; i < affectedNameOffsets.size(); i++)
        {
            final int nameOffset = affectedNameOffsets.getInt(i);
            final int nameLength = affectedNames.getInt(nameOffset);
            Resource resource = leases.resource(affectedNames, nameOffset + 4, nameLength);
            while (null != resource && null != resource.firstWaiter() &&
                canHold(resource, resource.firstWaiter().mode(), resource.firstWaiter().holderLimit()))
            {
                final Waiter head = resource.firstWaiter();
                timerWheel.cancel(head);
                grant(partition, head.sessionId(), head.correlationId(), head.ttlNs(), head.mode(), head.autoRenew(),
                    head.holderLimit(), affectedNames, nameOffset + 4, nameLength);
                resource = leases.resource(affectedNames, nameOffset + 4, nameLength);
            }
        }
        affectedNameOffsets.clear();
    }

    private static boolean canHold(final Resource resource, final LeaseMode mode, final int holderLimit)
    {
        if (0 == resource.holderCount())
        {
            return true;
        }
        return LeaseMode.SHARED == mode && LeaseMode.SHARED == resource.mode() &&
            resource.holderLimit() == holderLimit && (0 == holderLimit || resource.holderCount() < holderLimit);
    }

    private void expire(final ShardPartition partition, final Lease lease)
    {
        final long sessionId = lease.sessionId();
        final long leaseId = lease.leaseId();
        final long token = lease.fencingToken();
        endLease(partition, lease, LeaseEndReason.EXPIRED);
        final int nameOffset = affectedNameOffsets.getInt(affectedNameOffsets.size() - 1);
        listener.onLeaseExpired(sessionId, leaseId, token, affectedNames, nameOffset + 4, affectedNames.getInt(nameOffset));
        promoteAffected(partition);
    }

    private void endLease(final ShardPartition partition, final Lease lease, final LeaseEndReason reason)
    {
        rememberAffected(lease.resource());
        timerWheel.cancel(lease);
        endOp.wrapAndApplyHeader(opBuffer, 0, header).leaseId(lease.leaseId()).reason(reason);
        journalAndApply(partition, endOp.encodedLength());
    }

    private void leaveQueue(final ShardPartition partition, final Waiter waiter, final WaiterLeaveReason reason)
    {
        final Resource resource = waiter.resource();
        rememberAffected(resource);
        timerWheel.cancel(waiter);
        leaveOp.wrapAndApplyHeader(opBuffer, 0, header)
            .sessionId(waiter.sessionId())
            .correlationId(waiter.correlationId())
            .reason(reason)
            .putResource(resource.nameBuffer(), 0, resource.nameLength());
        journalAndApply(partition, leaveOp.encodedLength());
    }

    private void rememberAffected(final Resource resource)
    {
        int offset = 0;
        if (!affectedNameOffsets.isEmpty())
        {
            final int last = affectedNameOffsets.getInt(affectedNameOffsets.size() - 1);
            offset = last + 4 + affectedNames.getInt(last);
        }
        affectedNames.putInt(offset, resource.nameLength());
        affectedNames.putBytes(offset + 4, resource.nameBuffer(), 0, resource.nameLength());
        affectedNameOffsets.addInt(offset);
    }

    private void closeSession(final TrackedSession session, final SessionCloseReason reason)
    {
        final long sessionId = session.sessionId();
        timerWheel.cancel(session);
        final IntArrayList touched = session.partitions();
        for (int i = 0, size = touched.size(); i < size; i++)
        {
            final ShardPartition partition = partitions[touched.getInt(i)];
            final SessionLeases held = partition.state.leases().session(sessionId);
            if (null == held)
            {
                continue;
            }
            for (Waiter waiter = held.firstWaiter(); null != waiter; waiter = waiter.nextInSession())
            {
                rememberAffected(waiter.resource());
                timerWheel.cancel(waiter);
            }
            if (SessionCloseReason.CLIENT_CLOSE == reason)
            {
                for (Lease lease = held.firstLease(); null != lease; lease = lease.nextInSession())
                {
                    rememberAffected(lease.resource());
                    timerWheel.cancel(lease);
                }
            }
            sessionCloseOp.wrapAndApplyHeader(opBuffer, 0, header).sessionId(sessionId)
                .reason(io.leasegrid.codec.internal.SessionCloseReason.get(reason.value()));
            journalAndApply(partition, sessionCloseOp.encodedLength());
            promoteAffected(partition);
        }
        sessions.remove(sessionId);
    }

    private void putValue(
        final ShardPartition partition,
        final long correlationId,
        final long sessionId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final boolean existed = null != partition.state.values().get(key, keyOffset, keyLength);
        final long version = partition.state.values().lastVersion() + 1;
        putOp.wrapAndApplyHeader(opBuffer, 0, header)
            .version(version)
            .putKey(key, keyOffset, keyLength)
            .putValue(value, valueOffset, valueLength);
        journalAndApply(partition, putOp.encodedLength());
        listener.onValueWritten(correlationId, sessionId, version, lastTimestampNs, existed);
    }

    private void checkpoint(final ShardPartition partition, final CheckpointKind kind)
    {
        checkpointOp.wrapAndApplyHeader(opBuffer, 0, header).kind(kind);
        journalAndApply(partition, checkpointOp.encodedLength());
    }

    private void ensureSessionIn(final ShardPartition partition, final TrackedSession session)
    {
        if (null == partition.state.leases().session(session.sessionId()))
        {
            sessionOpenOp.wrapAndApplyHeader(opBuffer, 0, header)
                .sessionId(session.sessionId())
                .sessionTimeoutNs(session.timeoutNs())
                .clientName("");
            journalAndApply(partition, sessionOpenOp.encodedLength());
            sessions.touch(session, partition.state.partitionId());
        }
    }

    private void journalAndApply(final ShardPartition partition, final int bodyLength)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + bodyLength;
        lastTimestampNs = epochNanoClock.nanoTime();
        final long position = partition.journal.append(epoch, lastTimestampNs, nowNs, opBuffer, 0, length);
        applier.apply(partition.state, position, epoch, lastTimestampNs, nowNs, opBuffer, 0);
        partition.entriesSinceSnapshot++;
    }

    // -------------------------------------------------------------------------------------------- validation

    private ShardPartition ownedPartition(final DirectBuffer name, final int offset, final int length)
    {
        final int partitionId = Partitioner.partition(name, offset, length, context.partitionCount());
        return partitions[partitionId];
    }

    private ShardPartition valuePartition(
        final long correlationId,
        final long sessionId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final int valueLength,
        final int template)
    {
        if (keyLength <= 0)
        {
            listener.onError(correlationId, sessionId, ErrorCode.INVALID_ARGUMENT, template);
            return null;
        }
        if (keyLength > context.maxNameLength())
        {
            listener.onError(correlationId, sessionId, ErrorCode.KEY_TOO_LONG, template);
            return null;
        }
        if (valueLength < 0 || valueLength > context.maxValueLength())
        {
            listener.onError(correlationId, sessionId, ErrorCode.VALUE_TOO_LONG, template);
            return null;
        }
        final ShardPartition partition = ownedPartition(key, keyOffset, keyLength);
        if (null == partition)
        {
            listener.onError(correlationId, sessionId, ErrorCode.NOT_PRIMARY, template);
        }
        return partition;
    }

    private ShardPartition leasePartition(
        final long correlationId, final long sessionId, final long leaseId, final int template)
    {
        if (null == sessions.get(sessionId))
        {
            listener.onError(correlationId, sessionId, ErrorCode.UNKNOWN_SESSION, template);
            return null;
        }
        final int partitionId = LeaseIds.partitionId(leaseId);
        final ShardPartition partition = partitionId < partitions.length ? partitions[partitionId] : null;
        if (null == partition)
        {
            listener.onError(correlationId, sessionId,
                partitionId < context.partitionCount() ? ErrorCode.NOT_PRIMARY : ErrorCode.LEASE_NOT_FOUND, template);
            return null;
        }
        final Lease lease = partition.state.leases().lease(leaseId);
        if (null == lease)
        {
            listener.onError(correlationId, sessionId, ErrorCode.LEASE_NOT_FOUND, template);
            return null;
        }
        if (lease.sessionId() != sessionId)
        {
            listener.onError(correlationId, sessionId, ErrorCode.NOT_LEASE_HOLDER, template);
            return null;
        }
        if (lease.expiresAtNs() - nowNs <= 0)
        {
            // Expired, whether or not its timer has fired yet: end it now, never revive it.
            expire(partition, lease);
            listener.onError(correlationId, sessionId, ErrorCode.LEASE_EXPIRED, template);
            return null;
        }
        return partition;
    }

    // -------------------------------------------------------------------------------------------------- recovery

    private void recover(final int partitionId)
    {
        final JournalContext journalContext = new JournalContext()
            .journalDir(context.journalDir())
            .partitionId(partitionId);
        if (null != context.rollCycle())
        {
            journalContext.rollCycle(context.rollCycle());
        }
        final PartitionJournal journal = PartitionJournal.open(journalContext);
        PartitionState state = PartitionSnapshot.loadLatest(journal.directory());
        if (null == state)
        {
            state = new PartitionState(partitionId);
        }
        if (state.lastAppliedPosition() + 1 < journal.firstPosition())
        {
            journal.close();
            throw new IllegalStateException("partition " + partitionId + ": journal starts at " + journal.firstPosition() +
                " but the newest snapshot only covers up to " + state.lastAppliedPosition());
        }

        final ShardPartition partition = new ShardPartition(state, journal);
        partitions[partitionId] = partition;
        replayTarget = partition;
        journal.replay(state.lastAppliedPosition() + 1, replayHandler);
        replayTarget = null;
        journal.prepareCycle();
        epoch = Math.max(epoch, journal.lastEpoch());

        final LeaseTable leases = state.leases();
        // Inherited leases count their remaining TTL from the moment this partition is ready to serve.
        nowNs = nanoClock.nanoTime();
        if (journal.nextPosition() > 0)
        {
            checkpoint(partition, CheckpointKind.RECOVERY);
        }
        leases.forEachResource(resource ->
        {
            for (Lease lease = resource.firstHolder(); null != lease; lease = lease.nextHolder())
            {
                timerWheel.schedule(lease, lease.expiresAtNs());
            }
            for (Waiter waiter = resource.firstWaiter(); null != waiter; waiter = waiter.next())
            {
                timerWheel.schedule(waiter, waiter.deadlineNs());
            }
        });
        leases.forEachSession(held ->
        {
            final TrackedSession session = sessions.get(held.sessionId()) != null ?
                sessions.get(held.sessionId()) : sessions.open(held.sessionId(), held.timeoutNs(), nowNs);
            if (!session.isTimerScheduled())
            {
                timerWheel.schedule(session, session.deadlineNs());
            }
            sessions.touch(session, partitionId);
        });
        partition.nextCheckpointNs = nowNs + context.checkpointIntervalNs();
    }

    private void onReplayEntry(final JournalEntryDecoder entry, final DirectBuffer buffer, final int offset, final int length)
    {
        final long position = entry.position();
        final long entryEpoch = entry.epoch();
        final long timestampNs = entry.timestampNs();
        final long monotonicNs = entry.monotonicNs();
        final int operationOffset = entry.limit() + JournalEntryDecoder.operationHeaderLength();
        applier.apply(replayTarget.state, position, entryEpoch, timestampNs, monotonicNs, buffer, operationOffset);
    }
}
