package io.leasegrid.node.shard;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.node.RequestLimits;
import io.leasegrid.node.egress.AnswerSink;
import io.leasegrid.node.control.ControlPlaneClient;
import io.leasegrid.node.control.CopyStandings;
import io.leasegrid.node.partition.PartitionTable;
import io.leasegrid.node.replication.ReplicationLinks;
import io.leasegrid.node.session.Credentials;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.security.SecureRandom;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Settings and collaborators of one shard. Defaults suit a laptop and a unit test alike: without Aeron, subscriptions
 * or a status file, a shard keeps its counters and alerts in memory and answers into the {@link AnswerSink} given
 * (or nowhere). {@link #conclude()} validates and fills them.
 * <p>
 * Long because every setting has its accessor pair and its documentation, as Aeron's contexts do; it holds no logic
 * beyond defaults and validation.
 */
public final class ShardContext
{
    /** Default maximum length of a key or resource name. */
    public static final int MAX_NAME_LENGTH_DEFAULT = 256;
    /** Default maximum length of a value. */
    public static final int MAX_VALUE_LENGTH_DEFAULT = 64 * 1024;
    /** Default shortest lease TTL. */
    public static final long MIN_TTL_NS_DEFAULT = TimeUnit.MILLISECONDS.toNanos(10);
    /** Default longest lease TTL. */
    public static final long MAX_TTL_NS_DEFAULT = TimeUnit.HOURS.toNanos(1);
    /** Default longest wait for a lease. */
    public static final long MAX_WAIT_TIMEOUT_NS_DEFAULT = TimeUnit.MINUTES.toNanos(10);
    /** Default most waiters per resource. */
    public static final int MAX_WAITERS_PER_RESOURCE_DEFAULT = 10_000;
    /** Default time checkpoint interval: the most a lease can outlive its TTL across a crash, plus downtime. */
    public static final long CHECKPOINT_INTERVAL_NS_DEFAULT = TimeUnit.MILLISECONDS.toNanos(250);
    /** Default entries between snapshots of a partition. */
    public static final long SNAPSHOT_INTERVAL_ENTRIES_DEFAULT = 1_000_000;

    /** Default session timeout. */
    public static final long SESSION_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(10);
    /** Default keep-alive interval clients are told to keep. */
    public static final long KEEP_ALIVE_INTERVAL_NS_DEFAULT = TimeUnit.MILLISECONDS.toNanos(500);
    /** Default most connects that may wait to authenticate at once. */
    public static final int MAX_STRANGERS_DEFAULT = 64;
    /** Default time a connect has to authenticate. */
    public static final long STRANGER_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(5);

    /** Default timer tick: about 4 ms, the most an expiry or timeout fires late. */
    public static final long TIMER_TICK_NS_DEFAULT = 1L << 22;
    /** Default timer slots: with the default tick one turn of the wheel covers 73 minutes. */
    public static final int TIMER_SLOTS_DEFAULT = 1 << 20;

    private int shardId;
    private long timerTickNs = TIMER_TICK_NS_DEFAULT;
    private int timerSlots = TIMER_SLOTS_DEFAULT;
    private int partitionCount = Partitioner.DEFAULT_PARTITION_COUNT;
    private int[] partitions;
    private String journalDir;
    private String rollCycle;
    private AgentInvoker driverInvoker;
    private AgentInvoker aeronInvoker;
    private long epoch = 1;
    private NanoClock nanoClock;
    private EpochNanoClock epochNanoClock;
    private int nodeId = 1;
    private Aeron aeron;
    private Subscription[] subscriptions = new Subscription[0];
    private Queue<Long> closedImages;
    private Credentials credentials;
    private long sessionTimeoutNs = SESSION_TIMEOUT_NS_DEFAULT;
    private long keepAliveIntervalNs = KEEP_ALIVE_INTERVAL_NS_DEFAULT;
    private int maxStrangers = MAX_STRANGERS_DEFAULT;
    private long strangerTimeoutNs = STRANGER_TIMEOUT_NS_DEFAULT;
    private LongSupplier sessionIds;
    private PartitionTable partitionTable;
    private ReplicationLinks replicationLinks;
    private long replicationLagAlert = 10_000;
    private boolean journalsTrusted = true;
    private ControlPlaneClient controlPlane;
    private CopyStandings copyStandings;
    private AnswerSink answerSink;
    private ShardCounters counters;
    private CountersManager countersManager;
    private Alerts alerts;
    private ErrorHandler errorHandler;
    private long stallThresholdNs = TimeUnit.MILLISECONDS.toNanos(50);
    private int cpu = -1;
    private int maxNameLength = MAX_NAME_LENGTH_DEFAULT;
    private int maxValueLength = MAX_VALUE_LENGTH_DEFAULT;
    private long minTtlNs = MIN_TTL_NS_DEFAULT;
    private long maxTtlNs = MAX_TTL_NS_DEFAULT;
    private long maxWaitTimeoutNs = MAX_WAIT_TIMEOUT_NS_DEFAULT;
    private int maxWaitersPerResource = MAX_WAITERS_PER_RESOURCE_DEFAULT;
    private long checkpointIntervalNs = CHECKPOINT_INTERVAL_NS_DEFAULT;
    private long snapshotIntervalEntries = SNAPSHOT_INTERVAL_ENTRIES_DEFAULT;

    /**
     * Validate and fill defaults.
     *
     * @return this.
     */
    public ShardContext conclude()
    {
        Partitioner.checkPartitionCount(partitionCount);
        if (null == partitions || partitions.length == 0)
        {
            throw new IllegalArgumentException("a shard needs at least one partition");
        }
        for (final int partition : partitions)
        {
            if (partition < 0 || partition >= partitionCount)
            {
                throw new IllegalArgumentException("partition " + partition + " outside [0, " + partitionCount + ")");
            }
        }
        if (null == journalDir)
        {
            throw new IllegalArgumentException("journalDir is required");
        }
        if (maxNameLength < 1 || maxNameLength > 65534 || maxValueLength < 0 || maxValueLength > 1024 * 1024)
        {
            throw new IllegalArgumentException("name or value length limit out of range");
        }
        if (minTtlNs <= 0 || maxTtlNs < minTtlNs || maxWaitTimeoutNs < 0 || checkpointIntervalNs <= 0 ||
            snapshotIntervalEntries <= 0 || maxWaitersPerResource <= 0 || epoch < 0)
        {
            throw new IllegalArgumentException("invalid time, waiter or snapshot setting");
        }
        if (Long.bitCount(timerTickNs) != 1 || Integer.bitCount(timerSlots) != 1)
        {
            throw new IllegalArgumentException("timer tick and slots must be powers of two");
        }
        if (null == nanoClock)
        {
            nanoClock = SystemNanoClock.INSTANCE;
        }
        if (null == epochNanoClock)
        {
            // The JDK's wall clock in nanoseconds allocates an Instant per read; this one is the monotonic clock plus
            // an offset sampled from the wall clock now and then, and allocates nothing.
            epochNanoClock = new OffsetEpochNanoClock();
        }
        if (sessionTimeoutNs <= 0 || keepAliveIntervalNs <= 0 || keepAliveIntervalNs > sessionTimeoutNs / 3 ||
            maxStrangers < 1 || strangerTimeoutNs <= 0)
        {
            // A client counts a node lost after three silent keep-alive intervals: they must fit in a session timeout.
            throw new IllegalArgumentException("invalid session, keep-alive or stranger setting: session timeout " +
                sessionTimeoutNs + " ns, keep-alive interval " + keepAliveIntervalNs + " ns (at most a third of it), " +
                maxStrangers + " strangers, stranger timeout " + strangerTimeoutNs + " ns");
        }
        if (null == sessionIds)
        {
            final SecureRandom random = new SecureRandom();
            sessionIds = () -> random.nextLong() & Long.MAX_VALUE;
        }
        if (null == countersManager)
        {
            countersManager = new CountersManager(
                new UnsafeBuffer(new byte[1024 * 1024]), new UnsafeBuffer(new byte[256 * 1024]));
        }
        if (null == counters)
        {
            counters = new ShardCounters(countersManager, shardId);
        }
        if (null == alerts)
        {
            alerts = new Alerts(new UnsafeBuffer(new byte[64 * 1024]), SystemEpochClock.INSTANCE);
        }
        if (null == errorHandler)
        {
            errorHandler = Throwable::printStackTrace;
        }
        if (null == partitionTable)
        {
            partitionTable = PartitionTable.singleNode(nodeId, "aeron:ipc", new int[partitionCount], 1);
        }
        return this;
    }

    /**
     * @param timerTickNs resolution of expiries and timeouts, a power of two nanoseconds.
     * @return this.
     */
    public ShardContext timerTickNs(final long timerTickNs)
    {
        this.timerTickNs = timerTickNs;
        return this;
    }

    public long timerTickNs()
    {
        return timerTickNs;
    }

    /**
     * @param timerSlots slots of the timer wheel, a power of two.
     * @return this.
     */
    public ShardContext timerSlots(final int timerSlots)
    {
        this.timerSlots = timerSlots;
        return this;
    }

    public int timerSlots()
    {
        return timerSlots;
    }

    public ShardContext shardId(final int shardId)
    {
        this.shardId = shardId;
        return this;
    }

    public int shardId()
    {
        return shardId;
    }

    public ShardContext partitionCount(final int partitionCount)
    {
        this.partitionCount = partitionCount;
        return this;
    }

    public int partitionCount()
    {
        return partitionCount;
    }

    /**
     * @param partitions owned by this shard; only its thread touches them.
     * @return this.
     */
    public ShardContext partitions(final int... partitions)
    {
        this.partitions = partitions.clone();
        return this;
    }

    public int[] partitions()
    {
        return partitions;
    }

    public ShardContext journalDir(final String journalDir)
    {
        this.journalDir = journalDir;
        return this;
    }

    public String journalDir()
    {
        return journalDir;
    }

    /**
     * @param rollCycle Chronicle roll cycle name for the journals, null for the journal default.
     * @return this.
     */
    public ShardContext rollCycle(final String rollCycle)
    {
        this.rollCycle = rollCycle;
        return this;
    }

    public String rollCycle()
    {
        return rollCycle;
    }

    /**
     * @param epoch term of this primary; raised to the journal's last epoch on recovery if lower.
     * @return this.
     */
    public ShardContext epoch(final long epoch)
    {
        this.epoch = epoch;
        return this;
    }

    public long epoch()
    {
        return epoch;
    }

    /**
     * @param nanoClock monotonic clock for TTLs and timeouts; a {@code CachedNanoClock} in tests.
     * @return this.
     */
    public ShardContext nanoClock(final NanoClock nanoClock)
    {
        this.nanoClock = nanoClock;
        return this;
    }

    public NanoClock nanoClock()
    {
        return nanoClock;
    }

    /**
     * @param epochNanoClock wall clock stamped on journal entries and values, never used for expiry.
     * @return this.
     */
    public ShardContext epochNanoClock(final EpochNanoClock epochNanoClock)
    {
        this.epochNanoClock = epochNanoClock;
        return this;
    }

    public EpochNanoClock epochNanoClock()
    {
        return epochNanoClock;
    }

    /**
     * @return the request bounds, from the limits set here.
     */
    public RequestLimits requestLimits()
    {
        return new RequestLimits(maxNameLength, maxValueLength, minTtlNs, maxTtlNs, maxWaitTimeoutNs);
    }

    public ShardContext nodeId(final int nodeId)
    {
        this.nodeId = nodeId;
        return this;
    }

    public int nodeId()
    {
        return nodeId;
    }

    /**
     * @param aeron to add response publications with; null in unit tests.
     * @return this.
     */
    public ShardContext aeron(final Aeron aeron)
    {
        this.aeron = aeron;
        return this;
    }

    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * @param subscriptions the shard's request streams (UDP and IPC).
     * @return this.
     */
    public ShardContext subscriptions(final Subscription... subscriptions)
    {
        this.subscriptions = subscriptions.clone();
        return this;
    }

    public Subscription[] subscriptions()
    {
        return subscriptions;
    }

    /**
     * @param closedImages where the Aeron client's thread reports images that went away, as
     *                     {@code subscription index << 32 | image session id}.
     * @return this.
     */
    public ShardContext closedImages(final Queue<Long> closedImages)
    {
        this.closedImages = closedImages;
        return this;
    }

    public Queue<Long> closedImages()
    {
        return closedImages;
    }

    /**
     * @param credentials client secrets, or null for open development mode.
     * @return this.
     */
    public ShardContext credentials(final Credentials credentials)
    {
        this.credentials = credentials;
        return this;
    }

    public Credentials credentials()
    {
        return credentials;
    }

    public ShardContext sessionTimeoutNs(final long sessionTimeoutNs)
    {
        this.sessionTimeoutNs = sessionTimeoutNs;
        return this;
    }

    public long sessionTimeoutNs()
    {
        return sessionTimeoutNs;
    }

    public ShardContext keepAliveIntervalNs(final long keepAliveIntervalNs)
    {
        this.keepAliveIntervalNs = keepAliveIntervalNs;
        return this;
    }

    public long keepAliveIntervalNs()
    {
        return keepAliveIntervalNs;
    }

    public ShardContext maxStrangers(final int maxStrangers)
    {
        this.maxStrangers = maxStrangers;
        return this;
    }

    public int maxStrangers()
    {
        return maxStrangers;
    }

    public ShardContext strangerTimeoutNs(final long strangerTimeoutNs)
    {
        this.strangerTimeoutNs = strangerTimeoutNs;
        return this;
    }

    public long strangerTimeoutNs()
    {
        return strangerTimeoutNs;
    }

    /**
     * @param sessionIds source of new session ids; random by default, a sequence in unit tests.
     * @return this.
     */
    public ShardContext sessionIds(final LongSupplier sessionIds)
    {
        this.sessionIds = sessionIds;
        return this;
    }

    public LongSupplier sessionIds()
    {
        return sessionIds;
    }

    /**
     * @param replicationLinks the shard's links to its peers, or null in a grid of one node.
     * @return this.
     */
    public ShardContext replicationLinks(final ReplicationLinks replicationLinks)
    {
        this.replicationLinks = replicationLinks;
        return this;
    }

    public ReplicationLinks replicationLinks()
    {
        return replicationLinks;
    }

    /**
     * @param entries a replica this far behind raises {@code REPLICA_LAGGING}.
     * @return this.
     */
    public ShardContext replicationLagAlert(final long entries)
    {
        this.replicationLagAlert = entries;
        return this;
    }

    public long replicationLagAlert()
    {
        return replicationLagAlert;
    }

    /**
     * @param journalsTrusted false when the last run did not stop cleanly: a journal's tail may be gone without a
     *                        trace, so a replicated primary does not count its own copy until enough replicas spoke.
     * @return this.
     */
    public ShardContext journalsTrusted(final boolean journalsTrusted)
    {
        this.journalsTrusted = journalsTrusted;
        return this;
    }

    public boolean journalsTrusted()
    {
        return journalsTrusted;
    }

    /**
     * @param controlPlane the node's link to the control plane, which appoints primaries and holds the node's primary
     *                     lease; null (the default) when the placement fixes primaries.
     * @return this.
     */
    public ShardContext controlPlane(final ControlPlaneClient controlPlane)
    {
        this.controlPlane = controlPlane;
        return this;
    }

    public ControlPlaneClient controlPlane()
    {
        return controlPlane;
    }

    /**
     * @param copyStandings where the shard says how its copies stand, for the control plane's heartbeats.
     * @return this.
     */
    public ShardContext copyStandings(final CopyStandings copyStandings)
    {
        this.copyStandings = copyStandings;
        return this;
    }

    public CopyStandings copyStandings()
    {
        return copyStandings;
    }

    public ShardContext partitionTable(final PartitionTable partitionTable)
    {
        this.partitionTable = partitionTable;
        return this;
    }

    public PartitionTable partitionTable()
    {
        return partitionTable;
    }

    /**
     * @param answerSink where answers go; by default the sessions' response publications.
     * @return this.
     */
    public ShardContext answerSink(final AnswerSink answerSink)
    {
        this.answerSink = answerSink;
        return this;
    }

    public AnswerSink answerSink()
    {
        return answerSink;
    }

    public ShardContext counters(final ShardCounters counters)
    {
        this.counters = counters;
        return this;
    }

    public ShardCounters counters()
    {
        return counters;
    }

    /**
     * @param countersManager where the shard allocates its partitions' counters.
     * @return this.
     */
    public ShardContext countersManager(final CountersManager countersManager)
    {
        this.countersManager = countersManager;
        return this;
    }

    public CountersManager countersManager()
    {
        return countersManager;
    }

    public ShardContext alerts(final Alerts alerts)
    {
        this.alerts = alerts;
        return this;
    }

    public Alerts alerts()
    {
        return alerts;
    }

    /**
     * @param errorHandler the node's error log.
     * @return this.
     */
    public ShardContext errorHandler(final ErrorHandler errorHandler)
    {
        this.errorHandler = errorHandler;
        return this;
    }

    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    public ShardContext stallThresholdNs(final long stallThresholdNs)
    {
        this.stallThresholdNs = stallThresholdNs;
        return this;
    }

    public long stallThresholdNs()
    {
        return stallThresholdNs;
    }

    /**
     * @param cpu to pin the shard's thread to, -1 for none.
     * @return this.
     */
    public ShardContext cpu(final int cpu)
    {
        this.cpu = cpu;
        return this;
    }

    /**
     * @param driverInvoker the embedded media driver's work, for the shard to run in its own duty cycle (driver
     *                      threading {@code invoker}), so that a request and its answer cross no other thread; null
     *                      when the driver has threads of its own.
     * @return this.
     */
    public ShardContext driverInvoker(final AgentInvoker driverInvoker)
    {
        this.driverInvoker = driverInvoker;
        return this;
    }

    public AgentInvoker driverInvoker()
    {
        return driverInvoker;
    }

    /**
     * @param aeronInvoker the Aeron client conductor's work, run in the shard's duty cycle alongside the driver's
     *                     (Aeron asks for both or neither); null when it has a thread of its own.
     * @return this.
     */
    public ShardContext aeronInvoker(final AgentInvoker aeronInvoker)
    {
        this.aeronInvoker = aeronInvoker;
        return this;
    }

    public AgentInvoker aeronInvoker()
    {
        return aeronInvoker;
    }

    public int cpu()
    {
        return cpu;
    }

    public ShardContext maxNameLength(final int maxNameLength)
    {
        this.maxNameLength = maxNameLength;
        return this;
    }

    public int maxNameLength()
    {
        return maxNameLength;
    }

    public ShardContext maxValueLength(final int maxValueLength)
    {
        this.maxValueLength = maxValueLength;
        return this;
    }

    public int maxValueLength()
    {
        return maxValueLength;
    }

    public ShardContext minTtlNs(final long minTtlNs)
    {
        this.minTtlNs = minTtlNs;
        return this;
    }

    public long minTtlNs()
    {
        return minTtlNs;
    }

    public ShardContext maxTtlNs(final long maxTtlNs)
    {
        this.maxTtlNs = maxTtlNs;
        return this;
    }

    public long maxTtlNs()
    {
        return maxTtlNs;
    }

    public ShardContext maxWaitTimeoutNs(final long maxWaitTimeoutNs)
    {
        this.maxWaitTimeoutNs = maxWaitTimeoutNs;
        return this;
    }

    public long maxWaitTimeoutNs()
    {
        return maxWaitTimeoutNs;
    }

    public ShardContext maxWaitersPerResource(final int maxWaitersPerResource)
    {
        this.maxWaitersPerResource = maxWaitersPerResource;
        return this;
    }

    public int maxWaitersPerResource()
    {
        return maxWaitersPerResource;
    }

    public ShardContext checkpointIntervalNs(final long checkpointIntervalNs)
    {
        this.checkpointIntervalNs = checkpointIntervalNs;
        return this;
    }

    public long checkpointIntervalNs()
    {
        return checkpointIntervalNs;
    }

    public ShardContext snapshotIntervalEntries(final long snapshotIntervalEntries)
    {
        this.snapshotIntervalEntries = snapshotIntervalEntries;
        return this;
    }

    public long snapshotIntervalEntries()
    {
        return snapshotIntervalEntries;
    }
}
