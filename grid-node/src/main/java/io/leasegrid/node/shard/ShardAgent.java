package io.leasegrid.node.shard;

import io.leasegrid.codec.LeaseIds;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.internal.CheckpointKind;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.LeaseAcquireDecoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestDecoder;
import io.leasegrid.codec.sbe.LeaseListRequestDecoder;
import io.leasegrid.codec.sbe.ValuePutDecoder;
import io.leasegrid.codec.sbe.ValueGetDecoder;
import io.leasegrid.codec.sbe.ValueDeleteDecoder;
import io.leasegrid.codec.sbe.ValueCompareAndSetDecoder;
import io.leasegrid.codec.sbe.ValueFencedPutDecoder;
import io.leasegrid.codec.sbe.LeaseReleaseDecoder;
import io.leasegrid.codec.sbe.LeaseRenewDecoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.egress.EgressPublisher;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.LeaseDecider;
import io.leasegrid.node.lease.LeaseTable;
import io.leasegrid.node.lease.Waiter;
import io.leasegrid.node.control.ControlPlaneClient;
import io.leasegrid.node.control.ControlPlaneState;
import io.leasegrid.node.control.CopyStandings;
import io.leasegrid.node.control.PartitionAssignments;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionLog;
import io.leasegrid.node.replication.ShardReplication;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.partition.PartitionState;
import io.leasegrid.node.partition.PartitionTable;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.session.SessionManager;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import io.leasegrid.node.util.CycleEpochClock;
import io.leasegrid.node.util.TimerNode;
import io.leasegrid.node.util.TimerWheel;
import io.leasegrid.node.value.ValueDecider;
import net.openhft.affinity.AffinityLock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;

import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * The single writer of a set of partitions, and the owner of their duty cycle: each cycle reads the clocks once, takes
 * requests from the {@link IngressAdapter}, routes each to the partition's primary rules ({@link LeaseDecider},
 * {@link ValueDecider}) or to the {@link SessionManager}, fires due timers (expiries, wait and session timeouts), and
 * drains what waits to be sent; a slow tick writes time checkpoints and refreshes gauges. Nothing in the cycle
 * blocks or makes a system call but the journal's memory-mapped writes, with one exception: a partition due a
 * snapshot (every million entries by default) writes, forces and renames it, and deletes journal files, on the slow
 * tick, which takes milliseconds on this thread (a snapshot off the shard thread comes with replication).
 * <p>
 * {@link #onStart()} recovers every partition (newest snapshot, then the journal after it, then a recovery checkpoint
 * that rebases every deadline on this process's clock) and the sessions found in them, then serves as primary.
 * <p>
 * Every method runs on the shard's thread. Steady-state requests allocate nothing.
 * <p>
 * Long because it is where the pieces meet: it owns the duty cycle, recovery and the routing of every request kind to
 * its decider; the rules themselves are in the deciders and the {@link SessionManager}.
 */
public final class ShardAgent implements Agent, IngressListener, SessionManager.Listener, TimerWheel.Handler
{
    private static final long SLOW_TICK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long GAUGE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long DUTY_WINDOW_NS = TimeUnit.SECONDS.toNanos(1);

    private final ShardContext context;
    private final NanoClock nanoClock;
    private final EpochNanoClock epochNanoClock;
    private final CachedNanoClock cachedNanoClock = new CachedNanoClock();
    private final CycleEpochClock cachedEpochNanoClock;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker aeronInvoker;
    private final Partition[] partitionById;
    private final Partition[] owned;
    private final TimerWheel timers;
    private final ShardCounters counters;
    private final Alerts alerts;
    private final PartitionLog log;
    private final SessionManager sessions;
    private final EgressPublisher egress;
    private final LeaseDecider leases;
    private final ValueDecider values;
    private final IngressAdapter ingress;
    private final ShardReplication replication;
    private final ControlPlaneClient controlPlane;
    private final CopyStandings copyStandings;
    private PartitionTable partitionTable;
    private long tableVersionFollowed = -1;
    private AffinityLock affinityLock;
    private boolean started;
    private boolean closed;
    private long nextSlowTickNs;
    private long nextGaugeNs;
    private long lastCycleNs;
    private long dutyWindowEndNs;
    private long longestCycleNs;

    /**
     * @param context settings and collaborators; concluded here.
     */
    public ShardAgent(final ShardContext context)
    {
        this.context = context.conclude();
        nanoClock = context.nanoClock();
        epochNanoClock = context.epochNanoClock();
        cachedNanoClock.update(nanoClock.nanoTime());
        cachedEpochNanoClock = new CycleEpochClock(epochNanoClock);
        driverInvoker = context.driverInvoker();
        aeronInvoker = context.aeronInvoker();
        partitionById = new Partition[context.partitionCount()];
        owned = new Partition[context.partitions().length];
        timers = new TimerWheel(context.timerTickNs(), context.timerSlots(), cachedNanoClock.nanoTime());
        counters = context.counters();
        alerts = context.alerts();
        log = new PartitionLog(cachedNanoClock, cachedEpochNanoClock, context.errorHandler());
        sessions = new SessionManager(context.aeron(), context.credentials(), context.sessionTimeoutNs(),
            context.maxStrangers(), context.strangerTimeoutNs(), context.sessionIds(), cachedNanoClock, timers, counters,
            alerts);
        egress = new EgressPublisher(
            null != context.answerSink() ? context.answerSink() : sessions.sessionEgress(),
            counters, context.nodeId(), null != context.credentials(), context.keepAliveIntervalNs(),
            context.sessionTimeoutNs());
        sessions.wire(egress, this, context.partitionTable());
        leases = new LeaseDecider(context.requestLimits(), context.maxWaitersPerResource(), log, egress, sessions, timers,
            cachedNanoClock, counters, alerts);
        values = new ValueDecider(context.requestLimits(), context.partitionCount(), log, egress, cachedNanoClock, alerts);
        replication = null == context.replicationLinks() ? null : new ShardReplication(
            context.replicationLinks(), partitionById, log, counters, alerts, context.errorHandler(), this::lead,
            context.journalsTrusted(), null != context.controlPlane());
        controlPlane = null == replication ? null : context.controlPlane();
        copyStandings = context.copyStandings();
        partitionTable = context.partitionTable();
        ingress = 0 == context.subscriptions().length ? null :
            new IngressAdapter(context.subscriptions(), context.closedImages(), sessions, this, counters);
    }

    public String roleName()
    {
        return "leasegrid-shard-" + context.shardId();
    }

    public void onStart()
    {
        if (started)
        {
            return;
        }
        started = true;
        if (context.cpu() >= 0)
        {
            affinityLock = AffinityLock.acquireLock(context.cpu());
        }
        updateClocks();
        final int[] partitionIds = context.partitions();
        for (int i = 0; i < partitionIds.length; i++)
        {
            owned[i] = recover(partitionIds[i]);
            // A driver run by this thread must keep its heartbeat while partitions recover, or clients time it out.
            invokeDriver();
        }
        nextSlowTickNs = cachedNanoClock.nanoTime();
    }

    public int doWork()
    {
        final long nowNs = updateClocks();
        trackDutyCycle(nowNs);
        int work = null != controlPlane && controlPlane.assignments().version() != tableVersionFollowed ?
            followTable() : 0;
        work += null == ingress ? 0 : ingress.poll();
        work += timers.poll(nowNs, this);
        if (null != replication)
        {
            work += replication.doWork(nowNs);
        }
        if (null == controlPlane)
        {
            work += egress.releaseCommitted();
        }
        else if (controlPlane.lease().isHeld(nanoClock.nanoTime()) &&
            controlPlane.assignments().version() == tableVersionFollowed)
        {
            // A primary whose lease lapsed answers nothing, not even what committed: another may already lead. The
            // lease is read first, on a fresh clock (the cycle's may be old after a pause), then whether this shard
            // took the roles of the newest table: a table that moved a partition away is applied (and the
            // partition's answers dropped) before anything more is released.
            work += egress.releaseCommitted();
        }
        work += sessions.doWork(nowNs);
        if (nowNs - nextSlowTickNs >= 0)
        {
            nextSlowTickNs = nowNs + SLOW_TICK_NS;
            work += slowTick(nowNs);
        }
        // Last: the driver sends the answers of this cycle at once and receives the requests of the next.
        return work + invokeDriver();
    }

    private int invokeDriver()
    {
        return (null == aeronInvoker ? 0 : aeronInvoker.invoke()) + (null == driverInvoker ? 0 : driverInvoker.invoke());
    }

    public void onClose()
    {
        if (!closed)
        {
            closed = true;
            sessions.close();
            if (null != replication)
            {
                replication.close();
            }
            for (final Partition partition : owned)
            {
                if (null != partition)
                {
                    partition.journal().close();
                }
            }
            if (null != affinityLock)
            {
                affinityLock.release();
            }
        }
    }

    // ------------------------------------------------------------------------------------------- for tools, tests

    /**
     * @return a partition this shard owns, or null.
     */
    public Partition partition(final int partitionId)
    {
        return partitionId >= 0 && partitionId < partitionById.length ? partitionById[partitionId] : null;
    }

    /**
     * @return the state of a partition this shard owns, or null.
     */
    public PartitionState partitionState(final int partitionId)
    {
        final Partition partition = partition(partitionId);
        return null == partition ? null : partition.state();
    }

    /**
     * @return the journal of a partition this shard owns, or null.
     */
    public PartitionJournal journal(final int partitionId)
    {
        final Partition partition = partition(partitionId);
        return null == partition ? null : partition.journal();
    }

    /**
     * @return the shard's sessions.
     */
    public SessionManager sessions()
    {
        return sessions;
    }

    /**
     * @return the CPU the shard's thread is pinned to, or -1.
     */
    public int pinnedCpu()
    {
        return null == affinityLock ? -1 : affinityLock.cpuId();
    }

    /**
     * @return frames dropped because they could not be decoded.
     */
    public long malformedFrames()
    {
        return null == ingress ? 0 : ingress.malformedFrames();
    }

    /**
     * Write a snapshot of a partition now, and delete the journal files the previous snapshot covers: the journal
     * after the previous one stays, so that recovery can fall back to it should the newest be damaged.
     *
     * @return journal position the snapshot covers up to.
     */
    public long takeSnapshot(final int partitionId)
    {
        final Partition partition = partitionById[partitionId];
        final File dir = partition.journal().directory();
        PartitionSnapshot.write(partition.state(), dir);
        partition.snapshotTaken();
        final File[] kept = PartitionSnapshot.list(dir);
        if (kept.length >= 2)
        {
            // A primary keeps what a replica has not acknowledged yet: the replica catches up from it.
            final long retainFrom = null == replication ? Long.MAX_VALUE : replication.retainFrom(partitionId);
            partition.journal().deleteCyclesBefore(
                Math.min(PartitionSnapshot.position(kept[kept.length - 2]) + 1, retainFrom));
        }
        return partition.state().lastAppliedPosition();
    }

    // -------------------------------------------------------------------------------------------------- ingress

    public void onConnect(
        final long correlationId,
        final long clientInstanceId,
        final long resumeSessionId,
        final int responseStreamId,
        final String clientName,
        final String responseChannel)
    {
        sessions.onConnect(correlationId, clientInstanceId, resumeSessionId, responseStreamId, clientName, responseChannel);
    }

    public void onAuthenticate(
        final long correlationId,
        final long sessionId,
        final long nextSequence,
        final DirectBuffer proof,
        final int offset,
        final int length)
    {
        sessions.onAuthenticate(correlationId, sessionId, nextSequence, proof, offset, length);
    }

    public void onKeepAlive(final ClientSession session, final long clientTimestampNs)
    {
        egress.keepAliveAck(session, clientTimestampNs);
    }

    public void onSessionClose(final ClientSession session, final long correlationId)
    {
        sessions.onClose(session, correlationId);
    }

    public void onLeaseAcquire(
        final ClientSession session,
        final long correlationId,
        final DirectBuffer resource,
        final int offset,
        final int length,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final int holderLimit,
        final boolean autoRenew)
    {
        final Partition partition = route(session, correlationId, partitionOf(resource, offset, length), LeaseAcquireDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            leases.acquire(partition, session, correlationId, resource, offset, length, ttlNs, waitTimeoutNs, mode,
                holderLimit, autoRenew);
        }
    }

    public void onLeaseRenew(final ClientSession session, final long correlationId, final long leaseId)
    {
        final Partition partition = routeLease(session, correlationId, leaseId, LeaseRenewDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            leases.renew(partition, session, correlationId, leaseId);
        }
    }

    public void onLeaseRelease(final ClientSession session, final long correlationId, final long leaseId)
    {
        final Partition partition = routeLease(session, correlationId, leaseId, LeaseReleaseDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            leases.release(partition, session, correlationId, leaseId);
        }
    }

    public void onLeaseStatus(
        final ClientSession session, final long correlationId, final DirectBuffer resource, final int offset, final int length)
    {
        final Partition partition = route(session, correlationId, partitionOf(resource, offset, length), LeaseStatusRequestDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            leases.status(partition, session, correlationId, resource, offset, length);
        }
    }

    public void onLeaseList(
        final ClientSession session,
        final long correlationId,
        final int partitionId,
        final long ownerSessionId,
        final int maxLeases,
        final DirectBuffer prefix,
        final int offset,
        final int length)
    {
        if (-1 != partitionId)
        {
            if (partitionId < 0 || partitionId >= partitionById.length)
            {
                egress.error(null, 0, session, correlationId, ErrorCode.INVALID_ARGUMENT,
                    LeaseListRequestDecoder.TEMPLATE_ID);
                return;
            }
            if (null == route(session, correlationId, partitionId, LeaseListRequestDecoder.TEMPLATE_ID))
            {
                return;
            }
        }
        leases.list(owned, owned.length, session, correlationId, partitionId, ownerSessionId, maxLeases, prefix, offset,
            length);
    }

    public void onLeaseCancelWait(final ClientSession session, final long correlationId, final long acquireCorrelationId)
    {
        leases.cancelWait(partitionById, session, correlationId, acquireCorrelationId);
    }

    public void onValuePut(
        final ClientSession session,
        final long correlationId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final Partition partition = route(session, correlationId, partitionOf(key, keyOffset, keyLength), ValuePutDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            values.put(partition, session, correlationId, key, keyOffset, keyLength, value, valueOffset, valueLength);
        }
    }

    public void onValueGet(
        final ClientSession session, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final Partition partition = route(session, correlationId, partitionOf(key, keyOffset, keyLength), ValueGetDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            values.get(partition, session, correlationId, key, keyOffset, keyLength);
        }
    }

    public void onValueDelete(
        final ClientSession session, final long correlationId, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final Partition partition = route(session, correlationId, partitionOf(key, keyOffset, keyLength), ValueDeleteDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            values.delete(partition, session, correlationId, key, keyOffset, keyLength);
        }
    }

    public void onValueCompareAndSet(
        final ClientSession session,
        final long correlationId,
        final long expectedVersion,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final Partition partition = route(session, correlationId, partitionOf(key, keyOffset, keyLength), ValueCompareAndSetDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            values.compareAndSet(partition, session, correlationId, expectedVersion, key, keyOffset, keyLength, value,
                valueOffset, valueLength);
        }
    }

    public void onValueFencedPut(
        final ClientSession session,
        final long correlationId,
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
        final Partition partition = route(session, correlationId, partitionOf(key, keyOffset, keyLength), ValueFencedPutDecoder.TEMPLATE_ID);
        if (null != partition)
        {
            values.fencedPut(partition, session, correlationId, fencingToken, key, keyOffset, keyLength, leaseResource,
                resourceOffset, resourceLength, value, valueOffset, valueLength);
        }
    }

    public void onPartitionMapRequest(final ClientSession session, final long correlationId, final long knownMapVersion)
    {
        egress.partitionMap(session, correlationId, partitionTable);
    }

    public void onUnknownRequest(final ClientSession session, final long correlationId, final int templateId)
    {
        egress.error(null, 0, session, correlationId, ErrorCode.UNKNOWN_TEMPLATE, templateId);
    }

    // ------------------------------------------------------------------------------------------ sessions, timers

    public void onSessionEnding(final ClientSession session, final SessionCloseReason reason)
    {
        leases.closeSession(partitionById, session, reason);
    }

    public void onTimer(final TimerNode node, final long nowNs)
    {
        if (node instanceof Lease)
        {
            final Lease lease = (Lease)node;
            leases.onLeaseTimer(partitionById[LeaseIds.partitionId(lease.leaseId())], lease, nowNs);
        }
        else if (node instanceof Waiter)
        {
            final Waiter waiter = (Waiter)node;
            leases.onWaiterTimer(partitionOf(waiter), waiter, nowNs);
        }
        else if (node instanceof ClientSession)
        {
            sessions.onTimer((ClientSession)node, nowNs);
        }
    }

    // ------------------------------------------------------------------------------------------------- routing

    private int partitionOf(final DirectBuffer name, final int offset, final int length)
    {
        return Partitioner.partition(name, offset, length, partitionById.length);
    }

    private Partition partitionOf(final Waiter waiter)
    {
        return partitionById[partitionOf(waiter.resource().nameBuffer(), 0, waiter.resource().nameLength())];
    }

    /**
     * The partition a request goes to, when this shard serves it as primary; otherwise the client is told, and given
     * the current partition table when its own is stale.
     */
    private Partition route(final ClientSession session, final long correlationId, final int partitionId, final int template)
    {
        final Partition partition = partitionById[partitionId];
        if (null != partition && partition.isPrimary() &&
            (null == controlPlane || controlPlane.mayServeAsPrimary(partitionId, nanoClock.nanoTime())))
        {
            if (isRead(template) || partition.canReachWriteQuorum())
            {
                return partition;
            }
            // Refused before anything is decided or journaled: a change that could not commit is not half made.
            egress.error(null, 0, session, correlationId, ErrorCode.QUORUM_UNAVAILABLE, template);
            return null;
        }
        if (null != partition && PartitionRole.FAILED == partition.role())
        {
            egress.error(null, 0, session, correlationId, ErrorCode.INTERNAL_ERROR, template);
            return null;
        }
        egress.error(null, 0, session, correlationId, ErrorCode.NOT_PRIMARY, template);
        egress.partitionMap(session, correlationId, partitionTable);
        return null;
    }

    private static boolean isRead(final int template)
    {
        return ValueGetDecoder.TEMPLATE_ID == template || LeaseStatusRequestDecoder.TEMPLATE_ID == template ||
            LeaseListRequestDecoder.TEMPLATE_ID == template;
    }

    private Partition routeLease(final ClientSession session, final long correlationId, final long leaseId, final int template)
    {
        if (leaseId <= 0 || LeaseIds.partitionId(leaseId) >= partitionById.length)
        {
            leases.unknownLease(session, correlationId, template);
            return null;
        }
        return route(session, correlationId, LeaseIds.partitionId(leaseId), template);
    }

    // ------------------------------------------------------------------------------------------------ the cycle

    /**
     * Read the clocks, as a duty cycle does first; everything decided until the next read happens at this time.
     * Package-private so that tests can begin a cycle and feed it a request before its timers run.
     */
    long updateClocks()
    {
        final long nowNs = nanoClock.nanoTime();
        cachedNanoClock.update(nowNs);
        cachedEpochNanoClock.nextCycle();
        return nowNs;
    }

    /**
     * The time between two cycles' starts: work plus idling, so a cycle that stalls (a long journal write, a pause)
     * shows however it came about, from one clock read per cycle.
     */
    private void trackDutyCycle(final long nowNs)
    {
        if (0 != lastCycleNs)
        {
            final long cycleNs = nowNs - lastCycleNs;
            longestCycleNs = Math.max(longestCycleNs, cycleNs);
            if (cycleNs > context.stallThresholdNs())
            {
                counters.increment(CounterType.DUTY_CYCLE_STALLS);
                alerts.raise(Alerts.Kind.DUTY_CYCLE_STALL);
            }
        }
        lastCycleNs = nowNs;
        if (nowNs - dutyWindowEndNs >= 0)
        {
            counters.set(CounterType.DUTY_CYCLE_MAX_NS, longestCycleNs);
            longestCycleNs = 0;
            dutyWindowEndNs = nowNs + DUTY_WINDOW_NS;
        }
    }

    private int slowTick(final long nowNs)
    {
        int work = 0;
        if (null != controlPlane)
        {
            publishStandings();
        }
        for (final Partition partition : owned)
        {
            if (PartitionRole.REPLICA == partition.role() &&
                partition.entriesSinceSnapshot() >= context.snapshotIntervalEntries())
            {
                // A replica snapshots its copy too, so that its journal is trimmed and its restart stays short.
                takeSnapshot(partition.partitionId());
                work++;
                continue;
            }
            if (!partition.isPrimary())
            {
                continue;
            }
            if (partition.isCheckpointDue(nowNs))
            {
                partition.nextCheckpointNs(nowNs + context.checkpointIntervalNs());
                final LeaseTable table = partition.state().leases();
                if (table.leaseCount() > 0 || table.waiterCount() > 0)
                {
                    log.checkpoint(partition, CheckpointKind.PERIODIC);
                    work++;
                }
            }
            if (partition.entriesSinceSnapshot() >= context.snapshotIntervalEntries())
            {
                takeSnapshot(partition.partitionId());
                work++;
            }
        }
        if (nowNs - nextGaugeNs >= 0)
        {
            nextGaugeNs = nowNs + GAUGE_INTERVAL_NS;
            updateGauges();
        }
        return work;
    }

    /**
     * Say where this shard's copies stand: the control plane appoints from what they say. Each copy is tagged with the
     * table version this shard has taken the roles of, so that the control plane can tell a report made after a
     * vacancy reached this shard from one made before.
     */
    private void publishStandings()
    {
        for (final Partition partition : owned)
        {
            final PartitionJournal journal = partition.journal();
            copyStandings.update(partition.partitionId(), Math.max(partition.epoch(), journal.lastEpoch()),
                journal.lastEpoch(), journal.nextPosition(), tableVersionFollowed);
        }
    }

    /**
     * Take the roles of the control plane's newest table (checked every duty cycle: one volatile read).
     */
    private int followTable()
    {
        final PartitionAssignments table = controlPlane.assignments();
        if (table.partitionCount() != partitionById.length)
        {
            return 0;
        }
        replication.follow(table, controlPlane.runId());
        tableVersionFollowed = table.version();
        final int[] primaries = new int[partitionById.length];
        final long[] epochs = new long[partitionById.length];
        for (int p = 0; p < primaries.length; p++)
        {
            // A partition without a primary is sent here: this node answers NOT_PRIMARY at once, with its newest
            // map, where a client routed to the dead old primary would wait out its request timeout.
            primaries[p] = ControlPlaneState.NO_PRIMARY == table.primary(p) ? context.nodeId() : table.primary(p);
            epochs[p] = table.epoch(p);
        }
        partitionTable = context.partitionTable().withPrimaries(table.version() + 1, primaries, epochs);
        sessions.partitionTable(partitionTable);
        publishStandings();
        return 1;
    }

    private void updateGauges()
    {
        long leaseCount = 0;
        long waiterCount = 0;
        long journalEntries = 0;
        for (final Partition partition : owned)
        {
            leaseCount += partition.state().leases().leaseCount();
            waiterCount += partition.state().leases().waiterCount();
            journalEntries += partition.journal().nextPosition() - partition.journal().firstPosition();
            partition.updateCounters();
            if (partition.isPrimary() && !partition.canReachWriteQuorum())
            {
                alerts.raise(Alerts.Kind.QUORUM_LOST);
            }
        }
        counters.set(CounterType.ACTIVE_LEASES, leaseCount);
        counters.set(CounterType.WAITERS, waiterCount);
        counters.set(CounterType.JOURNAL_ENTRIES, journalEntries);
        counters.set(CounterType.SESSIONS, sessions.sessionCount());
        if (null != replication)
        {
            final long lag = replication.maxLag();
            counters.set(CounterType.REPLICA_LAG, lag);
            if (lag > context.replicationLagAlert())
            {
                alerts.raise(Alerts.Kind.REPLICA_LAGGING);
            }
        }
        counters.set(CounterType.STRANGERS, sessions.strangerCount());
    }

    // ------------------------------------------------------------------------------------------------- recovery

    private Partition recover(final int partitionId)
    {
        final JournalContext journalContext = new JournalContext()
            .journalDir(context.journalDir())
            .partitionId(partitionId)
            // The shard's wall clock decides the roll cycle too: read once per duty cycle, and injectable in tests.
            .epochClock(() -> TimeUnit.NANOSECONDS.toMillis(cachedEpochNanoClock.nanoTime()));
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

        if (journal.nextPosition() <= state.lastAppliedPosition())
        {
            // The journal ends before the newest snapshot: a replica installed its primary's snapshot (its journal
            // starts after it), or a power cut took an unforced journal tail the forced snapshot holds. The snapshot
            // is the partition up to its position; the journal continues after it.
            if (journal.nextPosition() > journal.firstPosition())
            {
                journal.truncateAfter(journal.firstPosition() - 1);
            }
            journal.startAfter(state.lastAppliedPosition(), state.lastEpoch());
        }
        final PartitionState recovering = state;
        journal.replay(state.lastAppliedPosition() + 1, (entry, buffer, offset, length) -> replay(recovering, entry, buffer));
        journal.prepareCycle();
        final long epoch = Math.max(context.epoch(), journal.lastEpoch());
        final Partition partition = new Partition(state, journal, epoch);
        partitionById[partitionId] = partition;
        allocateCounters(partition);
        if (null != replication && !replication.isPrimary(partitionId))
        {
            // A replica writes only its primary's entries: no checkpoint, no timers, no sessions of its own.
            replication.replicaOf(partition);
            partition.becomeReplica(epoch);
            return partition;
        }
        final Partition.Replicator replicator = null == replication ? null : replication.replicatorFor(partition);
        if (null == replicator)
        {
            partition.becomePrimary(epoch);
            lead(partition);
        }
        else
        {
            // Its replicas may hold entries this journal lost: it serves once enough of them said where they stand.
            partition.awaitReplicas(epoch, replicator);
        }
        return partition;
    }

    /**
     * Start serving a partition as its primary: a recovery checkpoint rebases every inherited deadline on this
     * process's clock, expiries and wait timeouts are scheduled, and the sessions found in it are restored.
     */
    private void lead(final Partition partition)
    {
        if (!partition.isPrimary())
        {
            partition.becomePrimary(partition.epoch(), partition.replicator());
        }
        // Inherited leases count their remaining TTL from the moment this partition is ready to serve.
        final long nowNs = updateClocks();
        // With replicas, even an empty partition gets its first entry: an empty journal then means a lost one.
        if (partition.journal().nextPosition() > 0 || null != partition.replicator())
        {
            partition.epochStartsAt(log.checkpoint(partition, CheckpointKind.RECOVERY));
        }
        final LeaseTable table = partition.state().leases();
        table.forEachResource(resource ->
        {
            for (Lease lease = resource.firstHolder(); null != lease; lease = lease.nextHolder())
            {
                timers.schedule(lease, lease.expiresAtNs());
            }
            for (Waiter waiter = resource.firstWaiter(); null != waiter; waiter = waiter.next())
            {
                timers.schedule(waiter, waiter.deadlineNs());
            }
        });
        final int partitionId = partition.partitionId();
        table.forEachSession(held -> sessions.recover(held.sessionId(), held.timeoutNs(), held.clientName(), held.nonce())
            .touch(partitionId));
        partition.nextCheckpointNs(nowNs + context.checkpointIntervalNs());
    }

    private void replay(final PartitionState state, final JournalEntryDecoder entry, final DirectBuffer buffer)
    {
        log.replay(state, entry.position(), entry.epoch(), entry.timestampNs(), entry.monotonicNs(), buffer,
            entry.limit() + JournalEntryDecoder.operationHeaderLength());
    }

    private void allocateCounters(final Partition partition)
    {
        final int partitionId = partition.partitionId();
        partition.counters(
            counters.allocate(CounterType.PARTITION_ROLE, partitionId, "partition-" + partitionId + " role"),
            counters.allocate(CounterType.APPEND_POSITION, partitionId, "partition-" + partitionId + " append position"),
            counters.allocate(CounterType.COMMIT_POSITION, partitionId, "partition-" + partitionId + " commit position"),
            counters.allocate(CounterType.PARTITION_EPOCH, partitionId, "partition-" + partitionId + " epoch"));
    }
}
