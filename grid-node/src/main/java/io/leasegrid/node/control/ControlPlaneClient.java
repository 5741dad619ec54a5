package io.leasegrid.node.control;

import io.aeron.Aeron;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.logbuffer.Header;
import io.leasegrid.codec.internal.HeartbeatAcceptedDecoder;
import io.leasegrid.codec.internal.MemberStatusDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.NodeHeartbeatEncoder;
import io.leasegrid.codec.internal.PartitionTableUpdateDecoder;
import io.leasegrid.node.status.Alerts;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.TimeUnit;

/**
 * A grid node's link to the control plane, as an Agrona agent on a thread of its own (never a shard's: connecting
 * and an election may take a second): it sends a heartbeat every interval with where each of the node's copies stands,
 * keeps the node's {@link PrimaryLease} from the answers, and keeps the latest {@link PartitionAssignments} and each
 * member's phi for the shards and operators to read. Reconnects by itself after the control plane closed its session.
 */
public final class ControlPlaneClient implements Agent
{
    /** What a node says about its copies in a heartbeat. */
    @FunctionalInterface
    public interface CopyReporter
    {
        /**
         * Call {@code sink} once per copy the control plane needs to hear about under {@code table}: those of
         * partitions without a primary (heartbeats stay small while every partition is led).
         */
        void report(PartitionAssignments table, CopySink sink);
    }

    /** Receives one copy's standing. */
    @FunctionalInterface
    public interface CopySink
    {
        void copy(int partitionId, long epoch, long lastEntryEpoch, long nextPosition, long tableVersion);
    }

    private static final long RECONNECT_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long QUIET_START_NS = TimeUnit.SECONDS.toNanos(15);
    /** Phi above which a member counts as suspected (a 1 in 10^8 chance that it is merely late). */
    private static final long SUSPICION_PHI_MILLI = 8_000;

    private final ControlPlaneContext context;
    private final Aeron aeron;
    private final String egressHost;
    private final int nodeId;
    private final long runId;
    private final CopyReporter reporter;
    private final NanoClock clock;
    private final ErrorHandler errorHandler;
    private final PrimaryLease lease = new PrimaryLease(ControlPlaneContext.CLOCK_DRIFT_ALLOWANCE);
    private final long heartbeatIntervalNs;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final NodeHeartbeatEncoder heartbeatEncoder = new NodeHeartbeatEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HeartbeatAcceptedDecoder acceptedDecoder = new HeartbeatAcceptedDecoder();
    private final PartitionTableUpdateDecoder tableDecoder = new PartitionTableUpdateDecoder();
    private final MemberStatusDecoder statusDecoder = new MemberStatusDecoder();
    private final ExpandableArrayBuffer heartbeatBuffer = new ExpandableArrayBuffer(4096);
    private final EgressListener egressListener = this::onEgress;
    private final CopySink reportSink = this::onCopy;
    private long[] reportBuffer = new long[5 * 64];
    private int reportCount;

    private volatile PartitionAssignments assignments = PartitionAssignments.NONE;
    private volatile Int2ObjectHashMap<double[]> phiByNode = new Int2ObjectHashMap<>();
    private AeronCluster.AsyncConnect connecting;
    private AeronCluster cluster;
    private long nextHeartbeatNs;
    private long nextConnectNs;
    private long startedNs;
    private boolean everConnected;
    private Int2ObjectHashMap<AtomicCounter> phiCounters = new Int2ObjectHashMap<>();
    private AtomicCounter leaseHeldCounter;
    private AtomicCounter tableVersionCounter;
    private AtomicCounter leaderCounter;
    private Alerts alerts;
    private boolean leaseWasHeld;
    private volatile long heartbeatsAccepted;
    private volatile long reconnects;

    /**
     * @param context  the control plane's settings (members, heartbeat interval).
     * @param aeron    a client of the media driver the node's control traffic goes through; not closed here.
     * @param nodeId   this node.
     * @param runId    differs in every run of this node's process.
     * @param reporter says where the node's copies stand, on this agent's thread.
     * @param clock    the node's monotonic clock (the same one the shards check the lease with).
     * @param egressHost the node's own address, where the control plane's answers come to.
     */
    public ControlPlaneClient(
        final ControlPlaneContext context,
        final Aeron aeron,
        final String egressHost,
        final int nodeId,
        final long runId,
        final CopyReporter reporter,
        final NanoClock clock,
        final ErrorHandler errorHandler)
    {
        if (0 == runId)
        {
            throw new IllegalArgumentException("run id 0 is reserved");
        }
        this.context = context.conclude();
        this.aeron = aeron;
        this.egressHost = egressHost;
        this.nodeId = nodeId;
        this.runId = runId;
        this.reporter = reporter;
        this.clock = clock;
        this.errorHandler = errorHandler;
        this.heartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(context.heartbeatIntervalMs());
    }

    /**
     * Keep counters for operators (phi of each member x 1000, whether this node holds its primary lease, the version
     * of the table it follows, the leader it talks to) and raise alerts (primary lease lost, a member suspected). Before the agent starts.
     */
    public ControlPlaneClient monitoring(
        final Int2ObjectHashMap<AtomicCounter> phiByNodeId,
        final AtomicCounter leaseHeld,
        final AtomicCounter tableVersion,
        final AtomicCounter leader,
        final Alerts alerts)
    {
        this.leaderCounter = leader;
        leader.setRelease(-1);
        this.alerts = alerts;
        this.phiCounters = phiByNodeId;
        this.leaseHeldCounter = leaseHeld;
        this.tableVersionCounter = tableVersion;
        return this;
    }

    public void onStart()
    {
        startedNs = clock.nanoTime();
    }

    public String roleName()
    {
        return "leasegrid-control-client-" + nodeId;
    }

    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        try
        {
            if (null == cluster)
            {
                return connect(nowNs);
            }
            if (cluster.isClosed())
            {
                if (null != leaderCounter)
                {
                    leaderCounter.setRelease(-1);
                }
                CloseHelper.quietClose(cluster);
                cluster = null;
                nextConnectNs = nowNs + RECONNECT_BACKOFF_NS;
                reconnects++;
                return 1;
            }
            int work = cluster.pollEgress();
            if (nowNs - nextHeartbeatNs >= 0)
            {
                nextHeartbeatNs = nowNs + heartbeatIntervalNs;
                sendHeartbeat(nowNs);
                final boolean held = lease.isHeld(nowNs);
                if (null != leaseHeldCounter)
                {
                    leaseHeldCounter.setRelease(held ? 1 : 0);
                    tableVersionCounter.setRelease(assignments.version());
                    leaderCounter.setRelease(cluster.leaderMemberId());
                }
                if (leaseWasHeld && !held && null != alerts)
                {
                    alerts.raise(Alerts.Kind.PRIMARY_LEASE_LOST);
                }
                leaseWasHeld = held;
                work++;
            }
            return work;
        }
        catch (final RuntimeException ex)
        {
            if (null != cluster || everConnected || nowNs - startedNs > QUIET_START_NS)
            {
                // Not while the members start together: they take a few seconds to elect a leader.
                errorHandler.onError(ex);
            }
            CloseHelper.quietCloseAll(cluster, connecting);
            cluster = null;
            connecting = null;
            nextConnectNs = nowNs + RECONNECT_BACKOFF_NS;
            return 1;
        }
    }

    public void onClose()
    {
        CloseHelper.quietCloseAll(cluster, connecting);
        cluster = null;
        connecting = null;
    }

    private int connect(final long nowNs)
    {
        if (null == connecting)
        {
            if (nowNs - nextConnectNs < 0)
            {
                return 0;
            }
            connecting = AeronCluster.asyncConnect(new AeronCluster.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .ingressChannel("aeron:udp?term-length=256k")
                .ingressEndpoints(context.ingressEndpoints())
                .egressChannel("aeron:udp?endpoint=" + egressHost + ":0|term-length=1m")
                .messageTimeoutNs(TimeUnit.SECONDS.toNanos(2))
                .egressListener(egressListener));
        }
        final AeronCluster connected = connecting.poll();
        if (null == connected)
        {
            return 0;
        }
        connecting = null;
        cluster = connected;
        everConnected = true;
        nextHeartbeatNs = nowNs;
        return 1;
    }

    private void sendHeartbeat(final long nowNs)
    {
        final PartitionAssignments table = assignments;
        heartbeatEncoder.wrapAndApplyHeader(heartbeatBuffer, 0, headerEncoder)
            .nodeId(nodeId)
            .runId(runId)
            .sentNs(nowNs)
            .tableVersion(table.version());
        // One reading of the standings, then the group: its count must be known before its entries.
        reportCount = 0;
        reporter.report(table, reportSink);
        final NodeHeartbeatEncoder.CopiesEncoder copies = heartbeatEncoder.copiesCount(reportCount);
        for (int i = 0; i < reportCount; i++)
        {
            final int base = i * 5;
            copies.next()
                .partitionId((int)reportBuffer[base])
                .epoch(reportBuffer[base + 1])
                .lastEntryEpoch(reportBuffer[base + 2])
                .nextPosition(reportBuffer[base + 3])
                .tableVersion(reportBuffer[base + 4]);
        }
        // A heartbeat that cannot go out now is simply late: the next one says the same, newer.
        cluster.offer(heartbeatBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + heartbeatEncoder.encodedLength());
    }

    private void onCopy(
        final int partitionId, final long epoch, final long lastEntryEpoch, final long nextPosition, final long version)
    {
        final int base = reportCount * 5;
        if (base + 5 > reportBuffer.length)
        {
            reportBuffer = java.util.Arrays.copyOf(reportBuffer, reportBuffer.length * 2);
        }
        reportBuffer[base] = partitionId;
        reportBuffer[base + 1] = epoch;
        reportBuffer[base + 2] = lastEntryEpoch;
        reportBuffer[base + 3] = nextPosition;
        reportBuffer[base + 4] = version;
        reportCount++;
    }

    private void onEgress(
        final long clusterSessionId,
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
        if (MessageHeaderDecoder.SCHEMA_ID != headerDecoder.schemaId())
        {
            return;
        }
        switch (headerDecoder.templateId())
        {
            case HeartbeatAcceptedDecoder.TEMPLATE_ID:
                acceptedDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                // An acceptance that refers to a table this node has not got yet renews nothing: that table may have
                // moved its partitions away (it comes right before; if it was lost, the next heartbeat brings it).
                if (acceptedDecoder.nodeId() == nodeId && acceptedDecoder.runId() == runId &&
                    acceptedDecoder.tableVersion() <= assignments.version())
                {
                    lease.onAccepted(acceptedDecoder.sentNs(), acceptedDecoder.primaryLeaseMs(), clock.nanoTime());
                    heartbeatsAccepted++;
                }
                break;

            case PartitionTableUpdateDecoder.TEMPLATE_ID:
                onTable(buffer, offset);
                break;

            case MemberStatusDecoder.TEMPLATE_ID:
                onStatus(buffer, offset);
                break;

            default:
                break;
        }
    }

    private void onTable(final DirectBuffer buffer, final int offset)
    {
        tableDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long version = tableDecoder.version();
        final long changedAtMs = tableDecoder.changedAtMs();
        if (version <= assignments.version() && assignments != PartitionAssignments.NONE)
        {
            return;
        }
        final PartitionTableUpdateDecoder.PartitionsDecoder entries = tableDecoder.partitions();
        final int count = entries.count();
        final long[] epoch = new long[count];
        final int[] primary = new int[count];
        final long[] primaryRunId = new long[count];
        for (final PartitionTableUpdateDecoder.PartitionsDecoder entry : entries)
        {
            final int p = entry.partitionId();
            if (p >= 0 && p < count)
            {
                epoch[p] = entry.epoch();
                primary[p] = entry.primaryNodeId();
                primaryRunId[p] = entry.primaryRunId();
            }
        }
        assignments = new PartitionAssignments(version, changedAtMs, epoch, primary, primaryRunId);
        if (null != tableVersionCounter)
        {
            tableVersionCounter.setRelease(version);
        }
    }

    private void onStatus(final DirectBuffer buffer, final int offset)
    {
        statusDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final Int2ObjectHashMap<double[]> phis = new Int2ObjectHashMap<>();
        for (final MemberStatusDecoder.MembersDecoder member : statusDecoder.members())
        {
            phis.put(member.nodeId(), new double[] { member.phiMilli() / 1000.0 });
            final AtomicCounter counter = phiCounters.get(member.nodeId());
            if (null != counter)
            {
                counter.setRelease(member.phiMilli());
            }
            if (member.phiMilli() > SUSPICION_PHI_MILLI && null != alerts)
            {
                alerts.raise(Alerts.Kind.MEMBER_SUSPECTED);
            }
        }
        phiByNode = phis;
    }

    /**
     * @return the latest partition table received; {@link PartitionAssignments#NONE} before the first.
     */
    public PartitionAssignments assignments()
    {
        return assignments;
    }

    public PrimaryLease lease()
    {
        return lease;
    }

    /**
     * @return true when this run of this node may serve the partition as primary at {@code nowNs}: appointed by the
     * latest table and holding its primary lease.
     */
    public boolean mayServeAsPrimary(final int partitionId, final long nowNs)
    {
        // The lease first: one held now was renewed for a table no newer than the one read after it, so that table
        // is the truth about this partition (reading the table first could pair an old table with a lease renewed for
        // a newer one that moved the partition away).
        return lease.isHeld(nowNs) && assignments.isPrimary(partitionId, nodeId, runId);
    }

    /**
     * @return the control plane's last published suspicion of the node; NaN when it has not published one.
     */
    public double phi(final int nodeId)
    {
        final double[] phi = phiByNode.get(nodeId);
        return null == phi ? Double.NaN : phi[0];
    }

    public long heartbeatsAccepted()
    {
        return heartbeatsAccepted;
    }

    public long reconnects()
    {
        return reconnects;
    }

    public int nodeId()
    {
        return nodeId;
    }

    public long runId()
    {
        return runId;
    }
}
