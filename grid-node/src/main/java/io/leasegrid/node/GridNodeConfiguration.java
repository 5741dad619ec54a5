package io.leasegrid.node;

/**
 * Property names and defaults of a grid node. Every default works on a laptop; {@code low-latency.properties}
 * holds the settings for dedicated hardware.
 */
public final class GridNodeConfiguration
{
    /** Node id in the grid. */
    public static final String NODE_ID_PROP_NAME = "leasegrid.node.id";
    /** Default node id. */
    public static final int NODE_ID_DEFAULT = 1;

    /** Directory for journals, snapshots and the embedded media driver. */
    public static final String DIR_PROP_NAME = "leasegrid.dir";
    /** Default data directory, relative to the working directory. */
    public static final String DIR_DEFAULT = "data";

    /** Host:port of the node's UDP request endpoint. */
    public static final String ENDPOINT_PROP_NAME = "leasegrid.endpoint";
    /** Default endpoint: loopback, fixed port. */
    public static final String ENDPOINT_DEFAULT = "127.0.0.1:7171";

    /** Stream id of shard 0's requests; shard n listens on base + n. */
    public static final String STREAM_BASE_PROP_NAME = "leasegrid.stream.base";
    /** Default stream base. */
    public static final int STREAM_BASE_DEFAULT = 1001;

    /** Number of shards (threads owning partitions). */
    public static final String SHARDS_PROP_NAME = "leasegrid.shards";
    /** Default shards: one, which suits a 2-core laptop. */
    public static final int SHARDS_DEFAULT = 1;

    /** Number of partitions in the grid; clients learn it from the partition map. */
    public static final String PARTITIONS_PROP_NAME = "leasegrid.partitions";

    /** Credentials file ({@code name:base64-secret} lines); absent means open development mode. */
    public static final String CREDENTIALS_FILE_PROP_NAME = "leasegrid.credentials.file";

    /** Session timeout in milliseconds; clients keep alive at a third of it. */
    public static final String SESSION_TIMEOUT_MS_PROP_NAME = "leasegrid.session.timeout.ms";
    /** Default session timeout. */
    public static final long SESSION_TIMEOUT_MS_DEFAULT = 10_000;

    /** Directory of an external media driver; unset means the node embeds its own under the data directory. */
    public static final String AERON_DIR_PROP_NAME = "leasegrid.aeron.dir";

    /**
     * Idle strategy of shard threads and of the embedded media driver's threads: backoff, yielding, sleeping or
     * busy-spin. The driver follows it because a driver thread that parks for Aeron's default millisecond adds up
     * to that to every UDP hop.
     */
    public static final String IDLE_STRATEGY_PROP_NAME = "leasegrid.idle.strategy";
    /** Default idle strategy: backs off to parks of at most 100 us, so idle threads leave the CPU to others. */
    public static final String IDLE_STRATEGY_DEFAULT = "backoff";

    /**
     * Threading of the embedded media driver: {@code invoker} (the shard thread runs the driver in its duty cycle, so a
     * request and its answer cross no other thread; needs one shard), {@code shared} (one driver thread) or
     * {@code dedicated} (three driver threads, for dedicated cores).
     */
    public static final String DRIVER_THREADING_PROP_NAME = "leasegrid.driver.threading";
    /** Default: {@code invoker} with one shard and an embedded driver, {@code shared} otherwise. */
    public static final String DRIVER_THREADING_DEFAULT = "auto";

    /** Comma-separated CPU ids to pin shard threads to, shard 0 first; unset leaves placement to the OS. */
    public static final String SHARD_CPUS_PROP_NAME = "leasegrid.shard.cpus";

    /** Port of the Prometheus text endpoint on 127.0.0.1; -1 turns it off, 0 picks a free port. */
    public static final String PROMETHEUS_PORT_PROP_NAME = "leasegrid.prometheus.port";
    /** Default: off for embedded nodes; {@code bin/leasegrid node} uses {@link #PROMETHEUS_PORT_NODE_DEFAULT}. */
    public static final int PROMETHEUS_PORT_DEFAULT = -1;
    /** Port {@code bin/leasegrid node} serves metrics on unless told otherwise. */
    public static final int PROMETHEUS_PORT_NODE_DEFAULT = 7172;

    /** A duty cycle longer than this is a stall: counted and alerted. */
    public static final String STALL_THRESHOLD_MS_PROP_NAME = "leasegrid.stall.threshold.ms";
    /** Default stall threshold. */
    public static final long STALL_THRESHOLD_MS_DEFAULT = 50;

    /** Fraction of the journal's file system in use above which an alert is raised. */
    public static final String DISK_USAGE_ALERT_PROP_NAME = "leasegrid.disk.usage.alert";
    /** Default disk usage alert threshold. */
    public static final double DISK_USAGE_ALERT_DEFAULT = 0.9;

    /** How often clients are told to send keep-alives; three missed ones and a client suspects the node is gone. */
    public static final String KEEP_ALIVE_INTERVAL_MS_PROP_NAME = "leasegrid.session.keepalive.interval.ms";
    /** Default keep-alive interval. */
    public static final long KEEP_ALIVE_INTERVAL_MS_DEFAULT = 500;

    /** Connects that may wait to authenticate at once, per shard: what strangers can make the node hold. */
    public static final String MAX_STRANGERS_PROP_NAME = "leasegrid.session.max.unauthenticated";
    /** Default limit of waiting connects. */
    public static final int MAX_STRANGERS_DEFAULT = 64;

    /** How long a connect has to authenticate before the node forgets it and closes its publication. */
    public static final String STRANGER_TIMEOUT_MS_PROP_NAME = "leasegrid.session.authenticate.timeout.ms";
    /** Default time to authenticate. */
    public static final long STRANGER_TIMEOUT_MS_DEFAULT = 5_000;

    /**
     * Every node of the grid, {@code id=requestHost:port/replicationHost:port} separated by commas; empty for a grid
     * of this node alone. When set, this node's request endpoint is the one listed for {@code leasegrid.node.id}.
     */
    public static final String MEMBERS_PROP_NAME = "leasegrid.members";

    /** Copies of each partition (N); default three when the grid has three members or more, else one per member. */
    public static final String REPLICATION_FACTOR_PROP_NAME = "leasegrid.replication.factor";

    /** Copies that must hold an entry before its answer leaves (W, the primary's own included); default a majority. */
    public static final String WRITE_QUORUM_PROP_NAME = "leasegrid.write.quorum";

    /** Alert when a replica is more than this many entries behind its primary. */
    public static final String REPLICATION_LAG_ALERT_PROP_NAME = "leasegrid.replication.lag.alert";
    /** Default lag that raises the alert, in entries. */
    public static final long REPLICATION_LAG_ALERT_DEFAULT = 10_000;

    /** Entries a partition takes between snapshots (each snapshot lets older journal files go). */
    public static final String SNAPSHOT_INTERVAL_PROP_NAME = "leasegrid.snapshot.interval.entries";

    private GridNodeConfiguration()
    {
    }
}
