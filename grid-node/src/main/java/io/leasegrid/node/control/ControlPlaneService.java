package io.leasegrid.node.control;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Image;
import io.aeron.cluster.ClusterControl;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.internal.HeartbeatAcceptedEncoder;
import io.leasegrid.codec.internal.MemberStatusEncoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.NodeHeartbeatDecoder;
import io.leasegrid.codec.internal.PartitionTableUpdateEncoder;
import io.leasegrid.node.membership.ReplicaPlacement;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.TimeUnit;

/**
 * The control plane's clustered service: Aeron Cluster replicates its log (heartbeats from grid nodes, timer ticks) to
 * every member and elects the one that answers; this class turns the log into {@link ControlPlaneState} and answers
 * nodes. Every decision uses only the log's timestamps, so every member decides the same.
 * <p>
 * Nodes connect as cluster clients. A {@code NodeHeartbeat} is answered with {@code HeartbeatAccepted} (the node's
 * primary lease runs from when it sent it); every change of the table goes to every connected node as a whole
 * {@code PartitionTableUpdate}, as does the table at connect; {@code MemberStatus} (liveness and phi of each node)
 * goes to every node once a second. The service's thread only.
 */
public final class ControlPlaneService implements ClusteredService
{
    private static final long TICK_TIMER_ID = 1;
    private static final int SNAPSHOT_FRAGMENT_LIMIT = 16;
    private static final int SNAPSHOT_MAGIC = 0x4c47_4350;
    private static final int SNAPSHOT_CHUNK = 16 * 1024;

    private final ReplicaPlacement placement;
    private final ControlPlaneState state;
    private final long tickIntervalMs;
    private final long statusIntervalMs;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final NodeHeartbeatDecoder heartbeatDecoder = new NodeHeartbeatDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HeartbeatAcceptedEncoder acceptedEncoder = new HeartbeatAcceptedEncoder();
    private final PartitionTableUpdateEncoder tableEncoder = new PartitionTableUpdateEncoder();
    private final MemberStatusEncoder statusEncoder = new MemberStatusEncoder();
    private final ExpandableArrayBuffer egressBuffer = new ExpandableArrayBuffer(1024);
    private Cluster cluster;
    private IdleStrategy idleStrategy;
    private final long snapshotIntervalMs;
    private long nextStatusMs;
    private long nextSnapshotMs = Long.MIN_VALUE;
    private boolean tickScheduled;
    private AtomicCounter controlToggle;
    private long snapshotsRequested;

    /**
     * @param placement        replica sets, N and W (the same on every member).
     * @param primaryLeaseMs   how long a heartbeat's acceptance keeps its node's primary lease.
     * @param marginMs         added before a lease counts as surely expired.
     * @param heartbeatIntervalMs how often nodes send heartbeats.
     * @param tickIntervalMs   how often leases are checked.
     * @param startupGraceMs   how long a partition never led waits for its placement primary.
     * @param snapshotIntervalMs how often the leader has the members take a snapshot; 0 for never.
     */
    public ControlPlaneService(
        final ReplicaPlacement placement,
        final long primaryLeaseMs,
        final long marginMs,
        final long heartbeatIntervalMs,
        final long tickIntervalMs,
        final long startupGraceMs,
        final long snapshotIntervalMs)
    {
        this.snapshotIntervalMs = snapshotIntervalMs;
        this.placement = placement;
        this.state = new ControlPlaneState(placement, primaryLeaseMs, marginMs, heartbeatIntervalMs, startupGraceMs);
        this.tickIntervalMs = tickIntervalMs;
        this.statusIntervalMs = 1000;
    }

    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        this.idleStrategy = cluster.idleStrategy();
        if (null != snapshotImage)
        {
            loadSnapshot(snapshotImage);
        }
    }

    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
        offer(session, encodeTable());
    }

    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
    }

    public void onSessionMessage(
        final ClientSession session,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return;
        }
        headerDecoder.wrap(buffer, offset);
        if (NodeHeartbeatDecoder.TEMPLATE_ID != headerDecoder.templateId() ||
            NodeHeartbeatDecoder.SCHEMA_ID != headerDecoder.schemaId())
        {
            return;
        }
        if (!tickScheduled)
        {
            // Timers cannot be scheduled from onStart; the first message starts the ticks (a timer scheduled again
            // under the same id replaces the one a snapshot brought back).
            tickScheduled = true;
            scheduleTick(timestamp + tickIntervalMs);
        }
        heartbeatDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final int nodeId = heartbeatDecoder.nodeId();
        final long runId = heartbeatDecoder.runId();
        final long sentNs = heartbeatDecoder.sentNs();
        if (!state.onHeartbeat(nodeId, runId, timestamp))
        {
            return;
        }
        for (final NodeHeartbeatDecoder.CopiesDecoder copy : heartbeatDecoder.copies())
        {
            state.onCopyReport(nodeId, copy.partitionId(), copy.epoch(), copy.lastEntryEpoch(), copy.nextPosition(),
                copy.tableVersion(), timestamp);
        }
        if (heartbeatDecoder.tableVersion() != state.version())
        {
            // The table first: a node must know it lost a partition before its lease is renewed.
            offer(session, encodeTable());
        }
        final int accepted = MessageHeaderEncoder.ENCODED_LENGTH + acceptedEncoder
            .wrapAndApplyHeader(egressBuffer, 0, headerEncoder)
            .nodeId(nodeId)
            .runId(runId)
            .sentNs(sentNs)
            .primaryLeaseMs(state.primaryLeaseMs())
            .tableVersion(state.version())
            .encodedLength();
        offer(session, accepted);
    }

    public void onTimerEvent(final long correlationId, final long timestamp)
    {
        if (state.onTick(timestamp))
        {
            broadcast(encodeTable());
        }
        if (timestamp >= nextStatusMs)
        {
            nextStatusMs = timestamp + statusIntervalMs;
            broadcast(encodeStatus(timestamp));
        }
        requestSnapshotIfDue(timestamp);
        scheduleTick(timestamp + tickIntervalMs);
    }

    /**
     * Aeron Cluster takes snapshots when its leader's control toggle asks for one; nothing else would, and a member
     * that restarts would replay the whole log. Only the leader acts on its toggle, so only the leader sets it. Not part
     * of the state machine: the snapshot itself is taken at the same log position on every member.
     */
    private void requestSnapshotIfDue(final long timestamp)
    {
        if (snapshotIntervalMs <= 0)
        {
            return;
        }
        if (Long.MIN_VALUE == nextSnapshotMs)
        {
            nextSnapshotMs = timestamp + snapshotIntervalMs;
        }
        if (timestamp < nextSnapshotMs || Cluster.Role.LEADER != cluster.role())
        {
            return;
        }
        if (null == controlToggle)
        {
            controlToggle = ClusterControl.findControlToggle(
                cluster.aeron().countersReader(), cluster.context().clusterId());
        }
        if (null != controlToggle && ClusterControl.ToggleState.SNAPSHOT.toggle(controlToggle))
        {
            snapshotsRequested++;
            nextSnapshotMs = timestamp + snapshotIntervalMs;
        }
    }

    /**
     * @return how many snapshots this member asked for as leader.
     */
    long snapshotsRequested()
    {
        return snapshotsRequested;
    }

    private void scheduleTick(final long deadlineMs)
    {
        idleStrategy.reset();
        while (!cluster.scheduleTimer(TICK_TIMER_ID, deadlineMs))
        {
            idleStrategy.idle();
        }
    }

    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        final ExpandableArrayBuffer whole = new ExpandableArrayBuffer(8 + stateCapacity());
        final int length = state.encode(new UnsafeBuffer(whole, 8, whole.capacity() - 8));
        whole.putInt(0, SNAPSHOT_MAGIC);
        whole.putInt(4, length);
        // In pieces well under the largest message a small term allows; the loader joins them in order.
        final int total = 8 + length;
        for (int offset = 0; offset < total; offset += SNAPSHOT_CHUNK)
        {
            final int chunk = Math.min(SNAPSHOT_CHUNK, total - offset);
            idleStrategy.reset();
            long result;
            while ((result = snapshotPublication.offer(whole, offset, chunk)) < 0)
            {
                if (Publication.CLOSED == result || Publication.MAX_POSITION_EXCEEDED == result)
                {
                    throw new IllegalStateException("control plane snapshot publication refused: " + result);
                }
                idleStrategy.idle();
            }
        }
    }

    public void onNewLeadershipTermEvent(
        final long leadershipTermId,
        final long logPosition,
        final long timestamp,
        final long termBaseLogPosition,
        final int leaderMemberId,
        final int logSessionId,
        final TimeUnit timeUnit,
        final int appVersion)
    {
        state.onNewLeadershipTerm(timeUnit.toMillis(timestamp));
    }

    public void onRoleChange(final Cluster.Role newRole)
    {
    }

    public void onTerminate(final Cluster cluster)
    {
    }

    /**
     * @return the state, for tests on the service's thread or after it stopped.
     */
    ControlPlaneState state()
    {
        return state;
    }

    private void loadSnapshot(final Image snapshotImage)
    {
        final ExpandableArrayBuffer assembled = new ExpandableArrayBuffer(4096);
        final int[] assembledLength = { 0 };
        final FragmentHandler handler = (buffer, offset, length, header) ->
        {
            assembled.putBytes(assembledLength[0], buffer, offset, length);
            assembledLength[0] += length;
        };
        final io.aeron.FragmentAssembler assembler = new io.aeron.FragmentAssembler(handler);
        idleStrategy.reset();
        while (!snapshotImage.isEndOfStream())
        {
            if (snapshotImage.isClosed())
            {
                throw new IllegalStateException("control plane snapshot image closed before its end");
            }
            idleStrategy.idle(snapshotImage.poll(assembler, SNAPSHOT_FRAGMENT_LIMIT));
        }
        if (assembledLength[0] < 8 || SNAPSHOT_MAGIC != assembled.getInt(0))
        {
            throw new IllegalStateException("control plane snapshot is not one of leasegrid's");
        }
        final int length = assembled.getInt(4);
        state.load(new UnsafeBuffer(assembled, 8, length), length);
    }

    private int stateCapacity()
    {
        final int partitions = placement.partitionCount();
        return 24 + partitions * 52 + placement.members().size() * (28 + partitions * 40);
    }

    private int encodeTable()
    {
        final int partitions = state.partitionCount();
        tableEncoder.wrapAndApplyHeader(egressBuffer, 0, headerEncoder)
            .version(state.version())
            .changedAtMs(state.changedAtMs());
        final PartitionTableUpdateEncoder.PartitionsEncoder entries = tableEncoder.partitionsCount(partitions);
        for (int p = 0; p < partitions; p++)
        {
            entries.next()
                .partitionId(p)
                .epoch(state.epoch(p))
                .primaryNodeId(state.primary(p))
                .primaryRunId(state.primaryRunId(p));
        }
        return MessageHeaderEncoder.ENCODED_LENGTH + tableEncoder.encodedLength();
    }

    private int encodeStatus(final long nowMs)
    {
        statusEncoder.wrapAndApplyHeader(egressBuffer, 0, headerEncoder);
        final int[] count = { 0 };
        state.forEachMember((nodeId, runId, lastHeartbeatMs, phi) -> count[0]++, nowMs);
        final MemberStatusEncoder.MembersEncoder members = statusEncoder.membersCount(count[0]);
        state.forEachMember((nodeId, runId, lastHeartbeatMs, phi) -> members.next()
            .nodeId(nodeId)
            .runId(runId)
            .lastHeartbeatMs(lastHeartbeatMs)
            .phiMilli((long)(phi * 1000)), nowMs);
        return MessageHeaderEncoder.ENCODED_LENGTH + statusEncoder.encodedLength();
    }

    private void broadcast(final int length)
    {
        for (final ClientSession session : cluster.clientSessions())
        {
            offer(session, length);
        }
    }

    /**
     * Answers are best effort: a node that misses one learns the same from the next heartbeat's answer or update
     * (the table's version travels with every acceptance).
     */
    private void offer(final ClientSession session, final int length)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (session.offer(egressBuffer, 0, length) > 0)
            {
                return;
            }
        }
    }
}
