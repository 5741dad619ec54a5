package io.leasegrid.node.status;

import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.DistinctErrorLog;

/**
 * Structured alert events in the status file's distinct error log: one entry per kind, with a count and the first
 * and last time seen, readable live by {@code bin/leasegrid alerts}. Events are preallocated and carry no stack
 * trace, so raising an alert after its first occurrence allocates nothing. Thread safe.
 */
public final class Alerts
{
    /**
     * Kinds of alert.
     */
    public enum Kind
    {
        LEASE_EXPIRED_WITHOUT_RELEASE("a lease expired without being released"),
        WAITER_TIMED_OUT("an acquire timed out while waiting"),
        SESSION_TIMED_OUT("a session timed out"),
        DUTY_CYCLE_STALL("a shard duty cycle took longer than the stall threshold"),
        JOURNAL_DISK_USAGE("the journal's file system is fuller than the threshold"),
        REJECTED_AUTHENTICATION("a client failed to authenticate"),
        REJECTED_CONNECT("a connect was dropped: too many unauthenticated connects at once, or a bad response channel"),
        FORGED_FRAME("a request frame failed its session's tag or sequence check and was dropped"),
        PARTITION_FAILED("a partition failed on a write and answers no more requests; see the error log"),
        PRIMARY_BEHIND_REPLICA("a primary's journal ends before a replica's (its copy lost entries): it does not serve the partition; see the error log"),
        REPLICA_LAGGING("a replica is more entries behind its primary than leasegrid.replication.lag.alert"),
        QUORUM_LOST("a primary reaches fewer than W copies of a partition: it refuses writes (QUORUM_UNAVAILABLE)"),
        REPLICA_NEEDS_SNAPSHOT("a replica was behind the first entry its primary still holds: the primary sends it a snapshot of the partition"),
        REPLICATION_REFUSED("a replication frame was refused: malformed, bad checksum, foreign partition or sender, older epoch"),
        PARTITION_TAKEN_OVER("the control plane appointed this node primary of a partition in a new epoch: a failover, or a grid restart"),
        PRIMARY_LEASE_LOST("this node could not renew its primary lease in time: it answers nothing as primary until it does"),
        MEMBER_SUSPECTED("the control plane suspects a node: its heartbeats are late (phi above 8)");

        private final AlertEvent event;

        Kind(final String description)
        {
            event = new AlertEvent(name() + ": " + description);
        }
    }

    /**
     * An alert as the distinct error log records it.
     */
    public static final class AlertEvent extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        AlertEvent(final String message)
        {
            super(message, null, false, false);
        }
    }

    private final DistinctErrorLog log;

    public Alerts(final UnsafeBuffer buffer, final EpochClock clock)
    {
        log = new DistinctErrorLog(buffer, clock);
    }

    public void raise(final Kind kind)
    {
        log.record(kind.event);
    }
}
