package io.leasegrid.node.control;

import io.leasegrid.node.membership.PhiAccrualDetector;
import io.leasegrid.node.membership.ReplicaPlacement;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's decisions, as a deterministic state machine over cluster time: the nodes it hears from, their
 * primary leases, and the partition table (each partition's epoch and primary). The clustered service feeds it the
 * log's messages and timer ticks in log order, so every member of the control plane holds the same state.
 * <p>
 * The rules:
 * <ul>
 *   <li>A node's <b>primary lease</b> lasts {@code primaryLeaseMs} from the acceptance of each of its heartbeats, for
 *   that run of the node only. The node counts the same duration from when it <em>sent</em> the heartbeat, on its own
 *   monotonic clock, less a margin for clock drift, so it stops serving before the control plane's lease ends.</li>
 *   <li>A partition's primary keeps it for as long as its lease lasts. When the lease has <b>surely</b> expired (its
 *   end plus {@code marginMs}) the partition has no primary until one can be appointed; never sooner, whatever the
 *   suspicion: a primary that is merely slow must have stopped serving before anyone else starts.</li>
 *   <li>A new primary is appointed only from copies that reported <em>after</em> the old lease surely expired, and only
 *   once N - W + 1 copies of the replica set have (every committed entry is on W copies, so any N - W + 1 include one
 *   that holds it); of those the one with the highest (last entry epoch, next position) wins, ties going to the
 *   placement's order. The new primary leads in a fresh epoch, one above every epoch the table or any copy ever
 *   named for the partition.</li>
 * </ul>
 * Phi-accrual suspicion of each node is kept for operators and alerts; decisions never rest on it.
 * Not thread safe: the clustered service's thread only.
 */
public final class ControlPlaneState
{
    /** Primary of a partition that has none; node ids start at 1. */
    public static final int NO_PRIMARY = 0;

    private static final int PHI_WINDOW = 100;

    private final ReplicaPlacement placement;
    private final long primaryLeaseMs;
    private final long marginMs;
    private final long heartbeatIntervalMs;
    private final long startupGraceMs;
    private final Int2ObjectHashMap<MemberRecord> members = new Int2ObjectHashMap<>();

    private final long[] epoch;
    private final int[] primary;
    private final long[] primaryRunId;
    private final long[] highestEpochNamed;
    /** Cluster time from which reports count for a partition without a primary. */
    private final long[] vacantSinceMs;
    /** Version of the table that made the partition vacant: reports count once the copy's shard had taken it. */
    private final long[] vacatedVersion;
    /** Cluster time of the first report of a copy of the partition: its first appointment waits for the placement. */
    private final long[] firstReportMs;
    private long version;
    private long changedAtMs;

    /**
     * @param placement           replica sets, N and W.
     * @param primaryLeaseMs      how long a heartbeat's acceptance keeps its node's primary lease.
     * @param marginMs            added to a lease's end before it counts as surely expired.
     * @param heartbeatIntervalMs how often nodes send heartbeats (seeds the failure detector).
     * @param startupGraceMs      how long a partition never led waits for its placement primary to report.
     */
    public ControlPlaneState(
        final ReplicaPlacement placement,
        final long primaryLeaseMs,
        final long marginMs,
        final long heartbeatIntervalMs,
        final long startupGraceMs)
    {
        if (primaryLeaseMs <= 0 || marginMs < 0 || heartbeatIntervalMs <= 0 || heartbeatIntervalMs >= primaryLeaseMs ||
            startupGraceMs < 0)
        {
            throw new IllegalArgumentException("primary lease " + primaryLeaseMs + " ms must be positive and longer " +
                "than the heartbeat interval " + heartbeatIntervalMs + " ms; margin " + marginMs + " ms and startup " +
                "grace " + startupGraceMs + " ms must not be negative");
        }
        this.placement = placement;
        this.primaryLeaseMs = primaryLeaseMs;
        this.marginMs = marginMs;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.startupGraceMs = startupGraceMs;
        final int partitions = placement.partitionCount();
        epoch = new long[partitions];
        primary = new int[partitions];
        primaryRunId = new long[partitions];
        highestEpochNamed = new long[partitions];
        vacantSinceMs = new long[partitions];
        vacatedVersion = new long[partitions];
        firstReportMs = new long[partitions];
        Arrays.fill(firstReportMs, MemberRecord.NO_REPORT);
    }

    /**
     * A node's heartbeat was taken into the log at {@code nowMs}: it renews that run's primary lease. A heartbeat of a
     * new run forgets what the old run reported (the old run's lease still runs out from its own last heartbeat).
     *
     * @return false for a node that is not a member (or a run id of 0): ignored.
     */
    public boolean onHeartbeat(final int nodeId, final long runId, final long nowMs)
    {
        if (null == placement.members().member(nodeId) || 0 == runId)
        {
            return false;
        }
        MemberRecord member = members.get(nodeId);
        if (null == member)
        {
            member = new MemberRecord(nodeId, placement.partitionCount());
            members.put(nodeId, member);
        }
        if (member.runId != runId)
        {
            member.newRun(runId, nowMs, newDetector());
        }
        member.lastHeartbeatMs = nowMs;
        member.detector.heartbeat(TimeUnit.MILLISECONDS.toNanos(nowMs));
        return true;
    }

    /**
     * Where a node's copy of a partition stands, from the heartbeat just accepted by {@link #onHeartbeat}.
     */
    public void onCopyReport(
        final int nodeId,
        final int partitionId,
        final long epoch,
        final long lastEntryEpoch,
        final long nextPosition,
        final long tableVersion,
        final long nowMs)
    {
        final MemberRecord member = members.get(nodeId);
        if (null == member || partitionId < 0 || partitionId >= primary.length ||
            !placement.holds(nodeId, partitionId))
        {
            return;
        }
        member.report(partitionId, nowMs, epoch, lastEntryEpoch, nextPosition, tableVersion);
        if (MemberRecord.NO_REPORT == firstReportMs[partitionId])
        {
            firstReportMs[partitionId] = nowMs;
        }
        highestEpochNamed[partitionId] = Math.max(highestEpochNamed[partitionId], Math.max(epoch, lastEntryEpoch));
    }

    /**
     * A new leader took over at {@code termStartMs} on its own clock, which may run ahead of the old leader's: every
     * lease counts again from the new term, so that no clock offset between members can end one early. (Heartbeats
     * sent during the election were lost anyway; this only delays what the old clock would have decided.)
     */
    public void onNewLeadershipTerm(final long termStartMs)
    {
        for (final MemberRecord member : members.values())
        {
            member.lastHeartbeatMs = Math.max(member.lastHeartbeatMs, termStartMs);
            member.previousRunLastHeartbeatMs = Math.max(member.previousRunLastHeartbeatMs, termStartMs);
        }
    }

    /**
     * Free the partitions whose primary's lease has surely expired and appoint primaries where enough copies have
     * reported since.
     *
     * @return true when the table changed (its version grew).
     */
    public boolean onTick(final long nowMs)
    {
        boolean changed = false;
        for (int p = 0; p < primary.length; p++)
        {
            final int current = primary[p];
            if (NO_PRIMARY != current)
            {
                final long surelyExpiredAtMs = primaryLeaseEndMs(p) + marginMs;
                if (nowMs < surelyExpiredAtMs)
                {
                    continue;
                }
                primary[p] = NO_PRIMARY;
                primaryRunId[p] = 0;
                vacantSinceMs[p] = surelyExpiredAtMs;
                vacatedVersion[p] = version + 1;
                changed = true;
            }
            changed |= appoint(p, nowMs);
        }
        if (changed)
        {
            version++;
            changedAtMs = nowMs;
        }
        return changed;
    }

    private boolean appoint(final int partitionId, final long nowMs)
    {
        final int[] replicaSet = placement.replicaSet(partitionId);
        final long since = vacantSinceMs[partitionId];
        MemberRecord best = null;
        int fresh = 0;
        for (final int nodeId : replicaSet)
        {
            final MemberRecord member = members.get(nodeId);
            // A report counts when its copy's shard had already seen the partition vacant (so it said where it
            // stands after the old primary surely stopped answering, however late the heartbeat arrived), and the
            // report arrived after the vacancy.
            if (null != member && member.reportedAtMs[partitionId] >= since &&
                member.reportedAtMs[partitionId] != MemberRecord.NO_REPORT &&
                member.tableVersion[partitionId] >= vacatedVersion[partitionId])
            {
                fresh++;
                if (null == best || member.reportsMoreThan(partitionId, best))
                {
                    best = member;
                }
            }
        }
        if (null == best || fresh < placement.replicationFactor() - placement.writeQuorum() + 1)
        {
            return false;
        }
        final int placed = replicaSet[0];
        if (0 == epoch[partitionId] && best.nodeId != placed && nowMs - firstReportMs[partitionId] < startupGraceMs)
        {
            // A grid starting up: its nodes come up one by one. Wait a while for the placement's primary, so that
            // primaries spread as the ring spreads them, before appointing whoever reported first.
            return false;
        }
        final long newEpoch = Math.max(epoch[partitionId], highestEpochNamed[partitionId]) + 1;
        epoch[partitionId] = newEpoch;
        highestEpochNamed[partitionId] = newEpoch;
        primary[partitionId] = best.nodeId;
        primaryRunId[partitionId] = best.runId;
        return true;
    }

    /**
     * @return cluster time at which the partition's primary's lease ends (without the margin).
     */
    long primaryLeaseEndMs(final int partitionId)
    {
        final MemberRecord member = members.get(primary[partitionId]);
        return member.lastHeartbeatOfRun(primaryRunId[partitionId]) + primaryLeaseMs;
    }

    /**
     * Write the whole state, for the control plane's snapshot: table, then members with their reports. Failure
     * detectors are not kept: a member that loads the snapshot starts them afresh (phi only informs).
     *
     * @return bytes written from offset 0.
     */
    public int encode(final MutableDirectBuffer buffer)
    {
        final int partitions = primary.length;
        int offset = 0;
        buffer.putInt(offset, partitions);
        offset += Integer.BYTES;
        buffer.putLong(offset, version);
        buffer.putLong(offset + Long.BYTES, changedAtMs);
        offset += 2 * Long.BYTES;
        for (int p = 0; p < partitions; p++)
        {
            buffer.putLong(offset, epoch[p]);
            buffer.putInt(offset + 8, primary[p]);
            buffer.putLong(offset + 12, primaryRunId[p]);
            buffer.putLong(offset + 20, highestEpochNamed[p]);
            buffer.putLong(offset + 28, vacantSinceMs[p]);
            buffer.putLong(offset + 36, firstReportMs[p]);
            buffer.putLong(offset + 44, vacatedVersion[p]);
            offset += 52;
        }
        buffer.putInt(offset, members.size());
        offset += Integer.BYTES;
        for (final MemberRecord member : members.values())
        {
            buffer.putInt(offset, member.nodeId);
            buffer.putLong(offset + 4, member.runId);
            buffer.putLong(offset + 12, member.lastHeartbeatMs);
            buffer.putLong(offset + 20, member.previousRunLastHeartbeatMs);
            offset += 28;
            for (int p = 0; p < partitions; p++)
            {
                buffer.putLong(offset, member.reportedAtMs[p]);
                buffer.putLong(offset + 8, member.epoch[p]);
                buffer.putLong(offset + 16, member.lastEntryEpoch[p]);
                buffer.putLong(offset + 24, member.nextPosition[p]);
                buffer.putLong(offset + 32, member.tableVersion[p]);
                offset += 40;
            }
        }
        return offset;
    }

    /**
     * Replace this state with one written by {@link #encode}.
     *
     * @throws IllegalStateException when it was written for another number of partitions.
     */
    public void load(final DirectBuffer buffer, final int length)
    {
        final int partitions = primary.length;
        int offset = 0;
        final int written = buffer.getInt(offset);
        if (written != partitions)
        {
            throw new IllegalStateException("control plane snapshot holds " + written + " partitions, the grid has " +
                partitions + ": the partition count cannot change under a running control plane");
        }
        offset += Integer.BYTES;
        version = buffer.getLong(offset);
        changedAtMs = buffer.getLong(offset + Long.BYTES);
        offset += 2 * Long.BYTES;
        for (int p = 0; p < partitions; p++)
        {
            epoch[p] = buffer.getLong(offset);
            primary[p] = buffer.getInt(offset + 8);
            primaryRunId[p] = buffer.getLong(offset + 12);
            highestEpochNamed[p] = buffer.getLong(offset + 20);
            vacantSinceMs[p] = buffer.getLong(offset + 28);
            firstReportMs[p] = buffer.getLong(offset + 36);
            vacatedVersion[p] = buffer.getLong(offset + 44);
            offset += 52;
        }
        final int memberCount = buffer.getInt(offset);
        offset += Integer.BYTES;
        members.clear();
        for (int i = 0; i < memberCount; i++)
        {
            final MemberRecord member = new MemberRecord(buffer.getInt(offset), partitions);
            member.newRun(buffer.getLong(offset + 4), buffer.getLong(offset + 12), newDetector());
            member.previousRunLastHeartbeatMs = buffer.getLong(offset + 20);
            offset += 28;
            for (int p = 0; p < partitions; p++)
            {
                member.report(p, buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16),
                    buffer.getLong(offset + 24), buffer.getLong(offset + 32));
                offset += 40;
            }
            members.put(member.nodeId, member);
        }
        if (offset != length)
        {
            throw new IllegalStateException("control plane snapshot of " + length + " bytes, read " + offset);
        }
    }

    private PhiAccrualDetector newDetector()
    {
        final long intervalNs = TimeUnit.MILLISECONDS.toNanos(heartbeatIntervalMs);
        return new PhiAccrualDetector(PHI_WINDOW, intervalNs, intervalNs / 2, intervalNs);
    }

    public long version()
    {
        return version;
    }

    /**
     * @return cluster time of the last change of the table.
     */
    public long changedAtMs()
    {
        return changedAtMs;
    }

    public long primaryLeaseMs()
    {
        return primaryLeaseMs;
    }

    public int partitionCount()
    {
        return primary.length;
    }

    public long epoch(final int partitionId)
    {
        return epoch[partitionId];
    }

    /**
     * @return the partition's primary, or {@link #NO_PRIMARY}.
     */
    public int primary(final int partitionId)
    {
        return primary[partitionId];
    }

    public long primaryRunId(final int partitionId)
    {
        return primaryRunId[partitionId];
    }

    /**
     * Visit every node heard from, in no particular order.
     */
    public void forEachMember(final MemberVisitor visitor, final long nowMs)
    {
        for (final MemberRecord member : members.values())
        {
            visitor.onMember(member.nodeId, member.runId, member.lastHeartbeatMs,
                member.detector.phi(TimeUnit.MILLISECONDS.toNanos(nowMs)));
        }
    }

    /**
     * A node as the control plane sees it.
     */
    @FunctionalInterface
    public interface MemberVisitor
    {
        void onMember(int nodeId, long runId, long lastHeartbeatMs, double phi);
    }
}
