package io.leasegrid.node.status;

/**
 * The counters a node keeps for each shard, with stable type ids that tools and scrapers rely on.
 */
public enum CounterType
{
    REQUESTS(101, "requests_total", "requests received", false),
    ERRORS(102, "errors_total", "typed errors answered", false),
    ACTIVE_LEASES(103, "active_leases", "live leases", true),
    WAITERS(104, "waiters", "acquires waiting in queues", true),
    EXPIRIES(105, "lease_expiries_total", "leases that expired without release", false),
    WAIT_TIMEOUTS(106, "wait_timeouts_total", "acquires that timed out waiting", false),
    SESSIONS(107, "sessions", "live sessions", true),
    SESSION_TIMEOUTS(108, "session_timeouts_total", "sessions that timed out", false),
    JOURNAL_ENTRIES(109, "journal_entries", "entries in the shard's journals", true),
    JOURNAL_FS_USED_BYTES(110, "journal_fs_used_bytes", "bytes in use on the file system holding the journals", true),
    DUTY_CYCLE_MAX_NS(111, "duty_cycle_max_ns", "longest duty cycle in the last second, ns", true),
    DUTY_CYCLE_STALLS(112, "duty_cycle_stalls_total", "duty cycles over the stall threshold", false),
    BACK_PRESSURE(113, "back_pressure_total", "answers that had to wait because a connected client was behind", false),
    MALFORMED_FRAMES(114, "malformed_frames_total", "frames dropped as undecodable", false),
    FOREIGN_FRAMES(115, "foreign_frames_total", "frames dropped for an unknown or foreign session", false),
    REJECTED_AUTHENTICATIONS(116, "rejected_authentications_total", "failed authentications", false),
    REQUESTS_BY_TYPE(117, "requests_by_type_total", "requests received, by message type", false),
    ERRORS_BY_CODE(118, "errors_by_code_total", "typed errors answered, by error code", false),
    PARTITION_ROLE(119, "partition_role", "role of a partition: 0 recovering, 1 primary, 2 replica, 3 failed", true),
    APPEND_POSITION(120, "append_position", "last journal position of a partition", true),
    COMMIT_POSITION(121, "commit_position", "last committed journal position of a partition", true),
    REJECTED_CONNECTS(122, "rejected_connects_total", "connects dropped: over the budget of strangers or a bad channel", false),
    STRANGERS(123, "strangers", "connects waiting to authenticate", true),
    DROPPED_ANSWERS(124, "dropped_answers_total", "answers dropped because a session could not take them", false),
    REPLICATED_ENTRIES(125, "replicated_entries_total", "entries a replica took from its primaries", false),
    REPLICATION_REFUSED(126, "replication_refused_total",
        "replication frames refused: malformed, bad checksum, foreign partition or sender, older epoch", false),
    REPLICATION_BACK_PRESSURE(127, "replication_back_pressure_total",
        "entries a primary could not send at once and left to catch-up", false),
    REPLICA_LAG(128, "replica_lag", "largest replica lag of the shard's primary partitions, in entries not yet acknowledged", true),
    SNAPSHOTS_SENT(129, "replica_snapshots_sent_total",
        "snapshots a primary sent to replicas whose copies its journal could no longer extend", false),
    REPLICA_TRUNCATIONS(130, "replica_truncations_total",
        "times a primary told a replica to discard entries of another epoch that its own journal does not hold", false),
    PARTITION_EPOCH(131, "partition_epoch", "epoch of a partition: its primary's, or the one a replica last took entries of", true),
    MEMBER_PHI(132, "member_phi_milli", "the control plane's suspicion of a node (phi-accrual) times 1000", true),
    PRIMARY_LEASE_HELD(133, "primary_lease_held", "1 while this node holds its primary lease from the control plane", true),
    CONTROL_TABLE_VERSION(134, "control_table_version", "version of the control plane's partition table this node follows", true),
    CONTROL_LEADER(135, "control_leader", "member id of the control plane's leader this node's link talks to, -1 while not connected", true);

    private final int typeId;
    private final String metricName;
    private final String help;
    private final boolean gauge;

    CounterType(final int typeId, final String metricName, final String help, final boolean gauge)
    {
        this.typeId = typeId;
        this.metricName = metricName;
        this.help = help;
        this.gauge = gauge;
    }

    public int typeId()
    {
        return typeId;
    }

    /**
     * @return Prometheus metric name, without the {@code leasegrid_} prefix.
     */
    public String metricName()
    {
        return metricName;
    }

    public String help()
    {
        return help;
    }

    public boolean gauge()
    {
        return gauge;
    }

    /**
     * @return true for counters the node keeps once (its control plane link), not one per shard.
     */
    public boolean perNode()
    {
        return MEMBER_PHI == this || PRIMARY_LEASE_HELD == this || CONTROL_TABLE_VERSION == this || CONTROL_LEADER == this;
    }

    /**
     * @return true for counters kept per partition rather than per shard.
     */
    public boolean perPartition()
    {
        return PARTITION_ROLE == this || APPEND_POSITION == this || COMMIT_POSITION == this || PARTITION_EPOCH == this;
    }

    /**
     * @return the type with this id, or null.
     */
    public static CounterType byTypeId(final int typeId)
    {
        for (final CounterType type : values())
        {
            if (type.typeId == typeId)
            {
                return type;
            }
        }
        return null;
    }
}
