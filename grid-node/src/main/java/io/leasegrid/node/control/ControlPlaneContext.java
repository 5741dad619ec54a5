package io.leasegrid.node.control;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the control plane, its members and the leases it grants, each with a default that works on a laptop and
 * a system property that overrides it (read when the context is made).
 * <p>
 * The timing defaults are a balance measured on a 2-core machine: the control plane's own leader fails over in about
 * {@code leaderHeartbeatTimeout + electionTimeout}, and a node's primary lease must outlast that (heartbeats sent
 * during an election are lost), while a dead primary's partitions move after about {@code primaryLease + margin +
 * heartbeatInterval}.
 */
public final class ControlPlaneContext
{
    /** {@code id=host:port,...}: the control plane's members; each uses its port and the four above it. */
    public static final String MEMBERS_PROP_NAME = "leasegrid.control.members";
    /** Where a member keeps its log, archive and snapshots. */
    public static final String DIR_PROP_NAME = "leasegrid.control.dir";
    public static final String PRIMARY_LEASE_MS_PROP_NAME = "leasegrid.control.primary.lease.ms";
    public static final long PRIMARY_LEASE_MS_DEFAULT = 1200;
    public static final String LEASE_MARGIN_MS_PROP_NAME = "leasegrid.control.lease.margin.ms";
    public static final long LEASE_MARGIN_MS_DEFAULT = 100;
    public static final String HEARTBEAT_INTERVAL_MS_PROP_NAME = "leasegrid.control.heartbeat.interval.ms";
    public static final long HEARTBEAT_INTERVAL_MS_DEFAULT = 100;
    /** How long a partition that was never led waits for its placement primary, while a grid's nodes start. */
    public static final String STARTUP_GRACE_MS_PROP_NAME = "leasegrid.control.startup.grace.ms";
    public static final long STARTUP_GRACE_MS_DEFAULT = 5000;
    /**
     * How often the leader has every member snapshot the state (0: never). A restarted member then replays only the log
     * since its latest snapshot; the log itself is not trimmed.
     */
    public static final String SNAPSHOT_INTERVAL_S_PROP_NAME = "leasegrid.control.snapshot.interval.s";
    public static final long SNAPSHOT_INTERVAL_S_DEFAULT = 600;
    public static final String TICK_MS_PROP_NAME = "leasegrid.control.tick.ms";
    public static final long TICK_MS_DEFAULT = 20;
    public static final String LEADER_HEARTBEAT_TIMEOUT_MS_PROP_NAME = "leasegrid.control.leader.heartbeat.timeout.ms";
    public static final long LEADER_HEARTBEAT_TIMEOUT_MS_DEFAULT = 600;
    public static final String LEADER_HEARTBEAT_INTERVAL_MS_PROP_NAME = "leasegrid.control.leader.heartbeat.interval.ms";
    public static final long LEADER_HEARTBEAT_INTERVAL_MS_DEFAULT = 100;
    public static final String ELECTION_TIMEOUT_MS_PROP_NAME = "leasegrid.control.election.timeout.ms";
    public static final long ELECTION_TIMEOUT_MS_DEFAULT = 250;
    /** A node's lease ends this fraction of its length early on the node's clock, for drift between clocks' rates. */
    public static final double CLOCK_DRIFT_ALLOWANCE = 0.02;

    private String members = System.getProperty(MEMBERS_PROP_NAME);
    private File dir = null == System.getProperty(DIR_PROP_NAME) ? null : new File(System.getProperty(DIR_PROP_NAME));
    private long primaryLeaseMs = Long.getLong(PRIMARY_LEASE_MS_PROP_NAME, PRIMARY_LEASE_MS_DEFAULT);
    private long leaseMarginMs = Long.getLong(LEASE_MARGIN_MS_PROP_NAME, LEASE_MARGIN_MS_DEFAULT);
    private long heartbeatIntervalMs = Long.getLong(HEARTBEAT_INTERVAL_MS_PROP_NAME, HEARTBEAT_INTERVAL_MS_DEFAULT);
    private long tickMs = Long.getLong(TICK_MS_PROP_NAME, TICK_MS_DEFAULT);
    private long startupGraceMs = Long.getLong(STARTUP_GRACE_MS_PROP_NAME, STARTUP_GRACE_MS_DEFAULT);
    private long snapshotIntervalS = Long.getLong(SNAPSHOT_INTERVAL_S_PROP_NAME, SNAPSHOT_INTERVAL_S_DEFAULT);
    private long leaderHeartbeatTimeoutMs =
        Long.getLong(LEADER_HEARTBEAT_TIMEOUT_MS_PROP_NAME, LEADER_HEARTBEAT_TIMEOUT_MS_DEFAULT);
    private long leaderHeartbeatIntervalMs =
        Long.getLong(LEADER_HEARTBEAT_INTERVAL_MS_PROP_NAME, LEADER_HEARTBEAT_INTERVAL_MS_DEFAULT);
    private long electionTimeoutMs = Long.getLong(ELECTION_TIMEOUT_MS_PROP_NAME, ELECTION_TIMEOUT_MS_DEFAULT);

    /**
     * Check the settings against each other.
     *
     * @return this.
     * @throws IllegalArgumentException naming the first setting that cannot work.
     */
    public ControlPlaneContext conclude()
    {
        if (null == members || members.isBlank())
        {
            throw new IllegalArgumentException(MEMBERS_PROP_NAME + " is not set");
        }
        memberEndpoints();
        if (heartbeatIntervalMs <= 0 || tickMs <= 0 || leaderHeartbeatIntervalMs <= 0 || electionTimeoutMs <= 0)
        {
            throw new IllegalArgumentException("control plane intervals must be positive");
        }
        if (primaryLeaseMs < 3 * heartbeatIntervalMs)
        {
            throw new IllegalArgumentException(PRIMARY_LEASE_MS_PROP_NAME + "=" + primaryLeaseMs + " must be at least " +
                "three heartbeat intervals (" + 3 * heartbeatIntervalMs + " ms)");
        }
        if (leaderHeartbeatTimeoutMs <= 2 * leaderHeartbeatIntervalMs)
        {
            throw new IllegalArgumentException(LEADER_HEARTBEAT_TIMEOUT_MS_PROP_NAME + "=" + leaderHeartbeatTimeoutMs +
                " must exceed two leader heartbeat intervals");
        }
        if (leaseMarginMs < 0 || startupGraceMs < 0 || snapshotIntervalS < 0)
        {
            throw new IllegalArgumentException(LEASE_MARGIN_MS_PROP_NAME + ", " + STARTUP_GRACE_MS_PROP_NAME + " and " +
                SNAPSHOT_INTERVAL_S_PROP_NAME + " must not be negative");
        }
        return this;
    }

    /**
     * @return the members as parsed from {@link #members()}, in the order given.
     * @throws IllegalArgumentException naming what is wrong with the setting.
     */
    public List<MemberEndpoint> memberEndpoints()
    {
        final List<MemberEndpoint> parsed = new ArrayList<>();
        for (final String raw : members.split(",", -1))
        {
            final String entry = raw.trim();
            final int equals = entry.indexOf('=');
            final int colon = entry.lastIndexOf(':');
            if (equals < 1 || colon < equals + 2)
            {
                throw new IllegalArgumentException(MEMBERS_PROP_NAME + ": '" + entry + "' is not id=host:port");
            }
            final int id;
            final int port;
            try
            {
                id = Integer.parseInt(entry.substring(0, equals).trim());
                port = Integer.parseInt(entry.substring(colon + 1).trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(MEMBERS_PROP_NAME + ": '" + entry + "' is not id=host:port");
            }
            if (id < 0 || port < 1 || port + MemberEndpoint.PORTS_PER_MEMBER - 1 > 65_535)
            {
                throw new IllegalArgumentException(MEMBERS_PROP_NAME + ": '" + entry + "' needs an id >= 0 and ports " +
                    "port.." + "port+" + (MemberEndpoint.PORTS_PER_MEMBER - 1) + " within 1..65535");
            }
            for (final MemberEndpoint other : parsed)
            {
                if (other.id() == id)
                {
                    throw new IllegalArgumentException(MEMBERS_PROP_NAME + ": member id " + id + " is listed twice");
                }
            }
            parsed.add(new MemberEndpoint(id, entry.substring(equals + 1, colon).trim(), port));
        }
        return parsed;
    }

    /**
     * @return Aeron Cluster's members string: {@code id,ingress,consensus,log,catchup,archive|...}.
     */
    public String clusterMembers()
    {
        final StringBuilder builder = new StringBuilder();
        for (final MemberEndpoint member : memberEndpoints())
        {
            builder.append(member.id())
                .append(',').append(member.endpoint(MemberEndpoint.INGRESS))
                .append(',').append(member.endpoint(MemberEndpoint.CONSENSUS))
                .append(',').append(member.endpoint(MemberEndpoint.LOG))
                .append(',').append(member.endpoint(MemberEndpoint.CATCHUP))
                .append(',').append(member.endpoint(MemberEndpoint.ARCHIVE))
                .append('|');
        }
        return builder.substring(0, builder.length() - 1);
    }

    /**
     * @return the ingress endpoints for cluster clients: {@code id=host:port,...}.
     */
    public String ingressEndpoints()
    {
        final StringBuilder builder = new StringBuilder();
        for (final MemberEndpoint member : memberEndpoints())
        {
            builder.append(member.id()).append('=').append(member.endpoint(MemberEndpoint.INGRESS)).append(',');
        }
        return builder.substring(0, builder.length() - 1);
    }

    public String members()
    {
        return members;
    }

    public ControlPlaneContext members(final String members)
    {
        this.members = members;
        return this;
    }

    public File dir()
    {
        return dir;
    }

    public ControlPlaneContext dir(final File dir)
    {
        this.dir = dir;
        return this;
    }

    public long primaryLeaseMs()
    {
        return primaryLeaseMs;
    }

    public ControlPlaneContext primaryLeaseMs(final long primaryLeaseMs)
    {
        this.primaryLeaseMs = primaryLeaseMs;
        return this;
    }

    public long leaseMarginMs()
    {
        return leaseMarginMs;
    }

    public ControlPlaneContext leaseMarginMs(final long leaseMarginMs)
    {
        this.leaseMarginMs = leaseMarginMs;
        return this;
    }

    public long heartbeatIntervalMs()
    {
        return heartbeatIntervalMs;
    }

    public ControlPlaneContext heartbeatIntervalMs(final long heartbeatIntervalMs)
    {
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        return this;
    }

    public long startupGraceMs()
    {
        return startupGraceMs;
    }

    public long snapshotIntervalS()
    {
        return snapshotIntervalS;
    }

    public ControlPlaneContext snapshotIntervalS(final long snapshotIntervalS)
    {
        this.snapshotIntervalS = snapshotIntervalS;
        return this;
    }

    public ControlPlaneContext startupGraceMs(final long startupGraceMs)
    {
        this.startupGraceMs = startupGraceMs;
        return this;
    }

    public long tickMs()
    {
        return tickMs;
    }

    public ControlPlaneContext tickMs(final long tickMs)
    {
        this.tickMs = tickMs;
        return this;
    }

    public long leaderHeartbeatTimeoutMs()
    {
        return leaderHeartbeatTimeoutMs;
    }

    public ControlPlaneContext leaderHeartbeatTimeoutMs(final long leaderHeartbeatTimeoutMs)
    {
        this.leaderHeartbeatTimeoutMs = leaderHeartbeatTimeoutMs;
        return this;
    }

    public long leaderHeartbeatIntervalMs()
    {
        return leaderHeartbeatIntervalMs;
    }

    public ControlPlaneContext leaderHeartbeatIntervalMs(final long leaderHeartbeatIntervalMs)
    {
        this.leaderHeartbeatIntervalMs = leaderHeartbeatIntervalMs;
        return this;
    }

    public long electionTimeoutMs()
    {
        return electionTimeoutMs;
    }

    public ControlPlaneContext electionTimeoutMs(final long electionTimeoutMs)
    {
        this.electionTimeoutMs = electionTimeoutMs;
        return this;
    }

    /**
     * One member's address: a host and the first of its {@value #PORTS_PER_MEMBER} ports.
     */
    public record MemberEndpoint(int id, String host, int basePort)
    {
        public static final int PORTS_PER_MEMBER = 5;
        public static final int INGRESS = 0;
        public static final int CONSENSUS = 1;
        public static final int LOG = 2;
        public static final int CATCHUP = 3;
        public static final int ARCHIVE = 4;

        public String endpoint(final int which)
        {
            return host + ':' + (basePort + which);
        }
    }
}
