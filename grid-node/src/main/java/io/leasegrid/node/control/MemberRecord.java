package io.leasegrid.node.control;

import io.leasegrid.node.membership.PhiAccrualDetector;

import java.util.Arrays;

/**
 * One grid node as the control plane sees it: the run it last heard from, when, how suspicious its silence is, and
 * where each of its copies stood at its last heartbeat. Times are cluster time in milliseconds, taken from the log, so
 * every member of the control plane computes the same values. Not thread safe.
 */
final class MemberRecord
{
    static final long NO_REPORT = -1;

    final int nodeId;
    long runId;
    long lastHeartbeatMs;
    /** Last heartbeat of the run before this one: the end of that run's primary lease is counted from it. */
    long previousRunLastHeartbeatMs = Long.MIN_VALUE / 2;
    PhiAccrualDetector detector;

    final long[] reportedAtMs;
    final long[] epoch;
    final long[] lastEntryEpoch;
    final long[] nextPosition;
    /** Version of the table the copy's shard had taken the roles of when it said this. */
    final long[] tableVersion;

    MemberRecord(final int nodeId, final int partitionCount)
    {
        this.nodeId = nodeId;
        reportedAtMs = new long[partitionCount];
        epoch = new long[partitionCount];
        lastEntryEpoch = new long[partitionCount];
        nextPosition = new long[partitionCount];
        tableVersion = new long[partitionCount];
        Arrays.fill(reportedAtMs, NO_REPORT);
    }

    /**
     * A heartbeat of a run not seen before: what the old run reported no longer describes the node's copies.
     */
    void newRun(final long runId, final long nowMs, final PhiAccrualDetector detector)
    {
        if (0 != this.runId)
        {
            previousRunLastHeartbeatMs = lastHeartbeatMs;
        }
        this.runId = runId;
        this.detector = detector;
        Arrays.fill(reportedAtMs, NO_REPORT);
        lastHeartbeatMs = nowMs;
    }

    void report(
        final int partitionId,
        final long nowMs,
        final long epoch,
        final long lastEntryEpoch,
        final long next,
        final long tableVersion)
    {
        reportedAtMs[partitionId] = nowMs;
        this.epoch[partitionId] = epoch;
        this.lastEntryEpoch[partitionId] = lastEntryEpoch;
        nextPosition[partitionId] = next;
        this.tableVersion[partitionId] = tableVersion;
    }

    /**
     * @return the last heartbeat of the given run of this node that the control plane accepted; for a run older than
     * the previous one, the previous run's last heartbeat, which is later than any of the older run's (a bound that
     * only makes its lease end later, never sooner).
     */
    long lastHeartbeatOfRun(final long runId)
    {
        return runId == this.runId ? lastHeartbeatMs : previousRunLastHeartbeatMs;
    }

    /**
     * @return true when this copy's report orders after the other's: a later last-entry epoch, or the same and a
     * longer journal.
     */
    boolean reportsMoreThan(final int partitionId, final MemberRecord other)
    {
        if (lastEntryEpoch[partitionId] != other.lastEntryEpoch[partitionId])
        {
            return lastEntryEpoch[partitionId] > other.lastEntryEpoch[partitionId];
        }
        return nextPosition[partitionId] > other.nextPosition[partitionId];
    }
}
