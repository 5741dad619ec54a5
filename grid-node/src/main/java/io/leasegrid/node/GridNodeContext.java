package io.leasegrid.node;

import io.aeron.CncFileDescriptor;
import io.aeron.driver.MediaDriver;
import io.leasegrid.codec.IdleStrategies;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.node.control.ControlPlaneContext;
import io.leasegrid.node.membership.GridMember;
import io.leasegrid.node.membership.GridMembers;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.node.session.Credentials;
import io.leasegrid.node.shard.ShardContext;
import io.leasegrid.transport.DriverDirectories;
import org.agrona.concurrent.IdleStrategy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Settings of a {@link GridNode}, Aeron style: setters win over system properties, which win over the defaults of
 * {@link GridNodeConfiguration}; {@link #conclude()} validates and fills them in.
 */
public final class GridNodeContext
{
    private int nodeId = Settings.intProperty(GridNodeConfiguration.NODE_ID_PROP_NAME,
        GridNodeConfiguration.NODE_ID_DEFAULT);
    private String dir = System.getProperty(GridNodeConfiguration.DIR_PROP_NAME, GridNodeConfiguration.DIR_DEFAULT);
    private String endpoint = System.getProperty(GridNodeConfiguration.ENDPOINT_PROP_NAME, GridNodeConfiguration.ENDPOINT_DEFAULT);
    /** Whether the endpoint was chosen (property or setter) rather than defaulted: the members list must then agree. */
    private boolean endpointChosen = null != System.getProperty(GridNodeConfiguration.ENDPOINT_PROP_NAME);
    private int streamBase = Settings.intProperty(GridNodeConfiguration.STREAM_BASE_PROP_NAME,
        GridNodeConfiguration.STREAM_BASE_DEFAULT);
    private int shards = Settings.intProperty(GridNodeConfiguration.SHARDS_PROP_NAME,
        GridNodeConfiguration.SHARDS_DEFAULT);
    private int partitions = Settings.intProperty(GridNodeConfiguration.PARTITIONS_PROP_NAME,
        Partitioner.DEFAULT_PARTITION_COUNT);
    private String credentialsFile = System.getProperty(GridNodeConfiguration.CREDENTIALS_FILE_PROP_NAME);
    private long sessionTimeoutMs = Settings.longProperty(GridNodeConfiguration.SESSION_TIMEOUT_MS_PROP_NAME,
        GridNodeConfiguration.SESSION_TIMEOUT_MS_DEFAULT);
    private Long keepAliveIntervalMs = Settings.longPropertyOrNull(GridNodeConfiguration.KEEP_ALIVE_INTERVAL_MS_PROP_NAME);
    private int maxStrangers = Settings.intProperty(GridNodeConfiguration.MAX_STRANGERS_PROP_NAME,
        GridNodeConfiguration.MAX_STRANGERS_DEFAULT);
    private long strangerTimeoutMs = Settings.longProperty(GridNodeConfiguration.STRANGER_TIMEOUT_MS_PROP_NAME,
        GridNodeConfiguration.STRANGER_TIMEOUT_MS_DEFAULT);
    /** How the directories of nodes' embedded media drivers in shared memory begin. */
    public static final String EMBEDDED_DRIVER_DIR_PREFIX = "leasegrid-node-";

    private String resolvedEmbeddedAeronDir;
    private String aeronDir = System.getProperty(GridNodeConfiguration.AERON_DIR_PROP_NAME);
    private String idleStrategy = System.getProperty(
        GridNodeConfiguration.IDLE_STRATEGY_PROP_NAME, GridNodeConfiguration.IDLE_STRATEGY_DEFAULT);
    private String driverThreading = System.getProperty(
        GridNodeConfiguration.DRIVER_THREADING_PROP_NAME, GridNodeConfiguration.DRIVER_THREADING_DEFAULT);
    private String shardCpus = System.getProperty(GridNodeConfiguration.SHARD_CPUS_PROP_NAME);
    private int prometheusPort = Settings.intProperty(GridNodeConfiguration.PROMETHEUS_PORT_PROP_NAME,
        GridNodeConfiguration.PROMETHEUS_PORT_DEFAULT);
    private long stallThresholdMs = Settings.longProperty(GridNodeConfiguration.STALL_THRESHOLD_MS_PROP_NAME,
        GridNodeConfiguration.STALL_THRESHOLD_MS_DEFAULT);
    private double diskUsageAlert = Settings.doubleProperty(
        GridNodeConfiguration.DISK_USAGE_ALERT_PROP_NAME, GridNodeConfiguration.DISK_USAGE_ALERT_DEFAULT);
    private Credentials credentials;
    private String members = System.getProperty(GridNodeConfiguration.MEMBERS_PROP_NAME, "");
    private int replicationFactor = Settings.intProperty(GridNodeConfiguration.REPLICATION_FACTOR_PROP_NAME, 0);
    private int writeQuorum = Settings.intProperty(GridNodeConfiguration.WRITE_QUORUM_PROP_NAME, 0);
    private ReplicaPlacement placement;
    // Set but empty means none: a local grid of three or more nodes is given one unless told so.
    private ControlPlaneContext controlPlane =
        System.getProperty(ControlPlaneContext.MEMBERS_PROP_NAME, "").isBlank() ? null : new ControlPlaneContext();
    private long snapshotIntervalEntries = Settings.longProperty(GridNodeConfiguration.SNAPSHOT_INTERVAL_PROP_NAME,
        ShardContext.SNAPSHOT_INTERVAL_ENTRIES_DEFAULT);
    private long replicationLagAlert = Settings.longProperty(GridNodeConfiguration.REPLICATION_LAG_ALERT_PROP_NAME,
        GridNodeConfiguration.REPLICATION_LAG_ALERT_DEFAULT);

    /**
     * Validate and fill in settings.
     *
     * @return this.
     */
    public GridNodeContext conclude()
    {
        Partitioner.checkPartitionCount(partitions);
        if (shards < 1 || shards > partitions)
        {
            throw new IllegalArgumentException("shards must be in [1, partitions]: " + shards);
        }
        concludePlacement();
        concludeControlPlane();
        if (snapshotIntervalEntries < 1)
        {
            throw new IllegalArgumentException("snapshot interval must be at least 1 entry: " + snapshotIntervalEntries);
        }
        if (replicationLagAlert < 1)
        {
            throw new IllegalArgumentException("replication lag alert must be at least 1 entry: " + replicationLagAlert);
        }
        if (!endpoint.matches("[^:]+:\\d+"))
        {
            throw new IllegalArgumentException("endpoint must be host:port: " + endpoint);
        }
        if (sessionTimeoutMs < 100)
        {
            throw new IllegalArgumentException("session timeout must be at least 100 ms: " + sessionTimeoutMs);
        }
        if (null == keepAliveIntervalMs)
        {
            keepAliveIntervalMs = Math.min(GridNodeConfiguration.KEEP_ALIVE_INTERVAL_MS_DEFAULT, sessionTimeoutMs / 3);
        }
        if (keepAliveIntervalMs < 10 || keepAliveIntervalMs * 3 > sessionTimeoutMs)
        {
            throw new IllegalArgumentException("keep-alive interval must be at least 10 ms and at most a third of the " +
                "session timeout (" + sessionTimeoutMs + " ms): " + keepAliveIntervalMs);
        }
        if (maxStrangers < 1 || strangerTimeoutMs < 10)
        {
            throw new IllegalArgumentException("at least one connect must be able to wait, for at least 10 ms");
        }
        idleStrategy(idleStrategy);
        if ("auto".equals(driverThreading))
        {
            driverThreading = 1 == shards && null == aeronDir ? "invoker" : "shared";
        }
        if (!"shared".equals(driverThreading) && !"dedicated".equals(driverThreading) &&
            !"invoker".equals(driverThreading))
        {
            throw new IllegalArgumentException("driver threading must be auto, invoker, shared or dedicated: " +
                driverThreading);
        }
        if ("invoker".equals(driverThreading) && (shards != 1 || null != aeronDir))
        {
            // One thread may run the driver: the one shard's. An external driver has threads of its own.
            throw new IllegalArgumentException("driver threading invoker runs the embedded driver on the shard thread: " +
                "it needs leasegrid.shards=1 and no leasegrid.aeron.dir");
        }
        for (int shard = 0; shard < shards; shard++)
        {
            shardCpu(shard);
        }
        if (null != credentialsFile && null == credentials)
        {
            credentials = Credentials.load(Path.of(credentialsFile));
        }
        return this;
    }

    private void concludePlacement()
    {
        if (null != placement)
        {
            return;
        }
        final GridMembers grid;
        if (members.isBlank())
        {
            grid = GridMembers.single(nodeId, endpoint);
        }
        else
        {
            grid = GridMembers.parse(members);
            final GridMember self = grid.member(nodeId);
            if (null == self)
            {
                throw new IllegalArgumentException("node id " + nodeId + " is not among the members " + grid);
            }
            if (endpointChosen && !endpoint.equals(self.requestEndpoint()))
            {
                throw new IllegalArgumentException("endpoint " + endpoint + " differs from node " + nodeId +
                    "'s request endpoint in the members, " + self.requestEndpoint() + ": leave one of them out");
            }
            endpoint = self.requestEndpoint();
        }
        final int n = 0 == replicationFactor ? ReplicaPlacement.defaultReplicationFactor(grid.size()) : replicationFactor;
        final int w = 0 == writeQuorum ? ReplicaPlacement.defaultWriteQuorum(n) : writeQuorum;
        placement = new ReplicaPlacement(grid, partitions, n, w);
    }

    /**
     * @param members every node of the grid, as {@link GridNodeConfiguration#MEMBERS_PROP_NAME} lists them; empty for
     *                a grid of one node.
     * @return this.
     */
    public GridNodeContext members(final String members)
    {
        this.members = members;
        this.placement = null;
        return this;
    }

    /**
     * @param replicationFactor copies of each partition, 0 for the default.
     * @return this.
     */
    public GridNodeContext replicationFactor(final int replicationFactor)
    {
        this.replicationFactor = replicationFactor;
        this.placement = null;
        return this;
    }

    /**
     * @param writeQuorum copies that hold an entry before it commits, 0 for the default (a majority).
     * @return this.
     */
    public GridNodeContext writeQuorum(final int writeQuorum)
    {
        this.writeQuorum = writeQuorum;
        this.placement = null;
        return this;
    }

    /**
     * @param entries a partition takes between snapshots.
     * @return this.
     */
    public GridNodeContext snapshotIntervalEntries(final long entries)
    {
        this.snapshotIntervalEntries = entries;
        return this;
    }

    public long snapshotIntervalEntries()
    {
        return snapshotIntervalEntries;
    }

    /**
     * @param entries a replica this far behind its primary raises an alert.
     * @return this.
     */
    public GridNodeContext replicationLagAlert(final long entries)
    {
        this.replicationLagAlert = entries;
        return this;
    }

    public long replicationLagAlert()
    {
        return replicationLagAlert;
    }

    private void concludeControlPlane()
    {
        if (null == controlPlane)
        {
            return;
        }
        if (placement.members().size() < 2)
        {
            throw new IllegalArgumentException(ControlPlaneContext.MEMBERS_PROP_NAME + " is set but the grid has one " +
                "node: a control plane appoints primaries among replicas (set " + GridNodeConfiguration.MEMBERS_PROP_NAME +
                ")");
        }
        if (null == controlPlane.dir())
        {
            controlPlane.dir(new File(dir, "control"));
        }
        controlPlane.conclude();
    }

    /**
     * @param controlPlane settings of the control plane that appoints primaries and grants primary leases (the node
     *                     hosts one of its members when its node id is one of theirs); null for primaries fixed by the
     *                     placement, as without {@value ControlPlaneContext#MEMBERS_PROP_NAME}.
     * @return this.
     */
    public GridNodeContext controlPlane(final ControlPlaneContext controlPlane)
    {
        this.controlPlane = controlPlane;
        return this;
    }

    public ControlPlaneContext controlPlane()
    {
        return controlPlane;
    }

    /**
     * @return where partitions live; set by {@link #conclude()}.
     */
    public ReplicaPlacement placement()
    {
        return placement;
    }

    /**
     * @return this node as the members list it, with its replication endpoint (null in a grid of one node).
     */
    public GridMember self()
    {
        return placement.members().member(nodeId);
    }

    /**
     * @param shardCpus comma-separated CPU ids, shard 0 first, or null to leave threads unpinned.
     * @return this.
     */
    public GridNodeContext shardCpus(final String shardCpus)
    {
        this.shardCpus = shardCpus;
        return this;
    }

    /**
     * @return CPU to pin a shard's thread to, or -1 for none.
     */
    public int shardCpu(final int shard)
    {
        if (null == shardCpus || shardCpus.isBlank())
        {
            return -1;
        }
        final String[] cpus = shardCpus.split(",");
        return shard < cpus.length ? Integer.parseInt(cpus[shard].trim()) : -1;
    }

    /**
     * @param prometheusPort port of the metrics endpoint on loopback, 0 for any free one, -1 for none.
     * @return this.
     */
    public GridNodeContext prometheusPort(final int prometheusPort)
    {
        this.prometheusPort = prometheusPort;
        return this;
    }

    public int prometheusPort()
    {
        return prometheusPort;
    }

    public GridNodeContext stallThresholdMs(final long stallThresholdMs)
    {
        this.stallThresholdMs = stallThresholdMs;
        return this;
    }

    public long stallThresholdNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(stallThresholdMs);
    }

    public GridNodeContext diskUsageAlert(final double diskUsageAlert)
    {
        this.diskUsageAlert = diskUsageAlert;
        return this;
    }

    public double diskUsageAlert()
    {
        return diskUsageAlert;
    }

    public GridNodeContext nodeId(final int nodeId)
    {
        this.nodeId = nodeId;
        this.placement = null;
        return this;
    }

    public int nodeId()
    {
        return nodeId;
    }

    public GridNodeContext dir(final String dir)
    {
        this.dir = dir;
        this.resolvedEmbeddedAeronDir = null;
        return this;
    }

    public String dir()
    {
        return dir;
    }

    public File journalDir()
    {
        return new File(dir, "journal");
    }

    public GridNodeContext endpoint(final String endpoint)
    {
        this.endpoint = endpoint;
        this.endpointChosen = true;
        this.placement = null;
        return this;
    }

    public String endpoint()
    {
        return endpoint;
    }

    /**
     * @return the channel clients send requests to over UDP.
     */
    public String requestChannel()
    {
        return "aeron:udp?endpoint=" + endpoint;
    }

    public GridNodeContext streamBase(final int streamBase)
    {
        this.streamBase = streamBase;
        return this;
    }

    public int streamBase()
    {
        return streamBase;
    }

    public GridNodeContext shards(final int shards)
    {
        this.shards = shards;
        return this;
    }

    public int shards()
    {
        return shards;
    }

    public GridNodeContext partitions(final int partitions)
    {
        this.partitions = partitions;
        this.placement = null;
        return this;
    }

    public int partitions()
    {
        return partitions;
    }

    public GridNodeContext credentialsFile(final String credentialsFile)
    {
        this.credentialsFile = credentialsFile;
        return this;
    }

    public String credentialsFile()
    {
        return credentialsFile;
    }

    /**
     * @return credentials, or null in open development mode.
     */
    public Credentials credentials()
    {
        return credentials;
    }

    public GridNodeContext sessionTimeoutMs(final long sessionTimeoutMs)
    {
        this.sessionTimeoutMs = sessionTimeoutMs;
        return this;
    }

    public long sessionTimeoutNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs);
    }

    public GridNodeContext keepAliveIntervalMs(final long keepAliveIntervalMs)
    {
        this.keepAliveIntervalMs = keepAliveIntervalMs;
        return this;
    }

    /**
     * @return the keep-alive interval; once concluded, the default is the smaller of 500 ms and a third of the
     * session timeout.
     */
    public long keepAliveIntervalNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(null == keepAliveIntervalMs ?
            Math.min(GridNodeConfiguration.KEEP_ALIVE_INTERVAL_MS_DEFAULT, sessionTimeoutMs / 3) : keepAliveIntervalMs);
    }

    public GridNodeContext maxStrangers(final int maxStrangers)
    {
        this.maxStrangers = maxStrangers;
        return this;
    }

    public int maxStrangers()
    {
        return maxStrangers;
    }

    public GridNodeContext strangerTimeoutMs(final long strangerTimeoutMs)
    {
        this.strangerTimeoutMs = strangerTimeoutMs;
        return this;
    }

    public long strangerTimeoutNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(strangerTimeoutMs);
    }

    public GridNodeContext aeronDir(final String aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    /**
     * @return directory of the media driver to use: the external one when set, else the embedded one's
     * ({@link #embeddedAeronDir(String)}).
     */
    public String aeronDir()
    {
        if (null != aeronDir)
        {
            return aeronDir;
        }
        // Decided once: the rule looks at the free space in /dev/shm, which the driver itself then uses.
        if (null == resolvedEmbeddedAeronDir)
        {
            resolvedEmbeddedAeronDir = embeddedAeronDir(dir);
        }
        return resolvedEmbeddedAeronDir;
    }

    /**
     * Where a node on data directory {@code dataDir} runs its embedded media driver: in shared memory
     * ({@code /dev/shm/leasegrid-node-<digest of the host name and the data directory's real path>}) where the machine
     * has it, for the reason {@link DriverDirectories} gives, else {@code <dataDir>/aeron}. The name follows from the
     * data directory alone, so every tool that finds a node by its directory finds its driver, and the node's directory
     * lock guards both.
     *
     * @param dataDir the node's data directory.
     * @return the directory of its embedded media driver.
     */
    public static String embeddedAeronDir(final String dataDir)
    {
        return DriverDirectories.inSharedMemory() ? sharedMemoryAeronDir(dataDir) :
            new File(new File(dataDir).getAbsoluteFile(), "aeron").getPath();
    }

    /**
     * The directory of the embedded media driver of a node running on {@code dataDir}, wherever the node put it when
     * it started (shared memory may have filled up since): the one of the two candidates that holds a driver file.
     *
     * @param dataDir the node's data directory.
     * @return the directory with a driver file, or {@link #embeddedAeronDir(String)} when neither has one.
     */
    public static String runningAeronDir(final String dataDir)
    {
        final String[] candidates =
        {
            sharedMemoryAeronDir(dataDir), new File(new File(dataDir).getAbsoluteFile(), "aeron").getPath()
        };
        for (final String candidate : candidates)
        {
            if (new File(candidate, CncFileDescriptor.CNC_FILE).exists())
            {
                return candidate;
            }
        }
        return embeddedAeronDir(dataDir);
    }

    private static String hostName()
    {
        try
        {
            // Not Files.readString: on JDK 17 it returns only the first byte of a /proc file (its size reads as 0).
            final List<String> lines = Files.readAllLines(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII);
            return lines.isEmpty() ? "" : lines.get(0).trim();
        }
        catch (final IOException | RuntimeException ex)
        {
            return "";
        }
    }

    private static String sharedMemoryAeronDir(final String dataDir)
    {
        // The real path where the directory exists, so that a symbolic link to it names the same driver.
        Path path = new File(dataDir).getAbsoluteFile().toPath().normalize();
        try
        {
            path = path.toRealPath();
        }
        catch (final IOException ex)
        {
            // Not there yet: its absolute path it is.
        }
        // The host name too: containers that share /dev/shm may use the same data path, each its own node.
        final String digest = UUID.nameUUIDFromBytes(
            (hostName() + '\n' + path).getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
        return new File(DriverDirectories.SHARED_MEMORY_DIR, EMBEDDED_DRIVER_DIR_PREFIX + digest.substring(0, 16))
            .getPath();
    }

    /**
     * @return true when the node runs its own media driver.
     */
    public boolean embeddedDriver()
    {
        return null == aeronDir;
    }

    public GridNodeContext idleStrategyName(final String idleStrategy)
    {
        this.idleStrategy = idleStrategy;
        return this;
    }

    public String idleStrategyName()
    {
        return idleStrategy;
    }

    public GridNodeContext driverThreading(final String driverThreading)
    {
        this.driverThreading = driverThreading;
        return this;
    }

    public String driverThreading()
    {
        return driverThreading;
    }

    /**
     * Give every thread of a media driver the idle strategy {@code name}, so a driver idles like the node's shards
     * rather than with Aeron's default backoff to one-millisecond parks, which would add up to that to each UDP hop.
     *
     * @return {@code driverContext}.
     */
    public static MediaDriver.Context driverIdleStrategy(final MediaDriver.Context driverContext, final String name)
    {
        return driverContext
            .sharedIdleStrategy(idleStrategy(name))
            .conductorIdleStrategy(idleStrategy(name))
            .senderIdleStrategy(idleStrategy(name))
            .receiverIdleStrategy(idleStrategy(name))
            .sharedNetworkIdleStrategy(idleStrategy(name));
    }

    /**
     * A new idle strategy of the named kind: see {@link IdleStrategies#named(String)}.
     */
    public static IdleStrategy idleStrategy(final String name)
    {
        return IdleStrategies.named(name);
    }
}
