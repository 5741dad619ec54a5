package io.leasegrid.node;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.UnavailableImageHandler;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.journal.JournalContext;
import io.aeron.ExclusivePublication;
import io.leasegrid.node.control.ControlPlaneClient;
import io.leasegrid.node.control.ControlPlaneContext;
import io.leasegrid.node.control.ControlPlaneMember;
import io.leasegrid.node.control.CopyStandings;
import io.leasegrid.node.membership.GridMember;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.node.replication.ReplicationLinks;
import io.leasegrid.node.partition.PartitionTable;
import io.leasegrid.node.shard.ShardAgent;
import io.leasegrid.node.shard.ShardContext;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.DiskWatch;
import io.leasegrid.node.status.ReadAhead;
import io.leasegrid.node.status.PrometheusEndpoint;
import io.leasegrid.node.status.ShardCounters;
import io.leasegrid.node.status.StatusFile;
import io.leasegrid.transport.DriverDirectories;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.agrona.concurrent.status.CountersManager;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A grid node: an embedded (or external) Aeron media driver, and one {@link ShardAgent} thread per shard, each owning
 * its partitions and listening on its own request stream over UDP and IPC; a thread watches the journals' disk.
 * <p>
 * Start with {@link #launch(GridNodeContext)} or {@code main}; {@link #close()} is idempotent.
 */
public final class GridNode implements AutoCloseable
{
    /** Exit status of a node process that could not start. */
    public static final int EXIT_NOT_STARTED = 5;

    /** Longest a node may take to stop after SIGINT or SIGTERM. */
    public static final long STOP_TIMEOUT_MS = 15_000;

    private final GridNodeContext context;
    private final DirectoryLock directoryLock;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<ShardAgent> shards = new ArrayList<>();
    private MediaDriver driver;
    private Aeron aeron;
    private ControlPlaneMember controlMember;
    private MediaDriver controlDriver;
    private Aeron controlAeron;
    private ControlPlaneClient controlClient;
    private StatusFile statusFile;
    private PrometheusEndpoint prometheus;
    private boolean closed;
    private volatile boolean running;

    private GridNode(final GridNodeContext context)
    {
        this.context = context;
        // Before anything in the directory is touched: a second node must not delete the first one's driver files.
        directoryLock = DirectoryLock.acquire(new File(context.dir()));
        try
        {
            start();
        }
        catch (final RuntimeException ex)
        {
            runners.forEach(CloseHelper::quietClose);
            CloseHelper.quietCloseAll(prometheus, aeron, driver, controlAeron, controlDriver, controlMember);
            if (null != statusFile)
            {
                statusFile.markStopped();
            }
            CloseHelper.quietCloseAll(statusFile, directoryLock);
            throw ex;
        }
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
        running = true;
    }

    private void start()
    {
        final boolean journalsTrusted = CleanStop.takeMarker(new File(context.dir()));
        statusFile = StatusFile.create(new File(context.dir()));
        final CountersManager countersManager = new CountersManager(statusFile.metadata(), statusFile.values());
        final Alerts alerts = new Alerts(statusFile.alerts(), SystemEpochClock.INSTANCE);
        final DistinctErrorLog errorLog = new DistinctErrorLog(statusFile.errors(), SystemEpochClock.INSTANCE);
        final ErrorHandler errorHandler = failure ->
        {
            errorLog.record(failure);
            if (running)
            {
                // Before that, a failure also fails the start, which says it once in its own words.
                System.err.println("leasegrid: " + rootMessage(failure));
            }
        };
        final boolean invoked = "invoker".equals(context.driverThreading());
        if (context.embeddedDriver())
        {
            // Nodes killed before they could remove their driver's directory leave it in shared memory: clear them.
            DriverDirectories.removeLeftovers(GridNodeContext.EMBEDDED_DRIVER_DIR_PREFIX);
            final boolean dedicated = "dedicated".equals(context.driverThreading());
            driver = MediaDriver.launch(GridNodeContext.driverIdleStrategy(new MediaDriver.Context()
                .aeronDirectoryName(context.aeronDir())
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(invoked ? ThreadingMode.INVOKER : dedicated ? ThreadingMode.DEDICATED : ThreadingMode.SHARED)
                .errorHandler(errorHandler), context.idleStrategyName()));
        }
        final AgentInvoker driverInvoker = invoked ? driver.sharedAgentInvoker() : null;
        // Until the shard thread runs the driver, a thread that waits for the driver (adding a subscription) runs it.
        aeron = Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(null != driver ? driver.aeronDirectoryName() : context.aeronDir())
            .useConductorAgentInvoker(invoked)
            .driverAgentInvoker(driverInvoker)
            .errorHandler(errorHandler));
        final AgentInvoker aeronInvoker = invoked ? aeron.conductorAgentInvoker() : null;

        final ReplicaPlacement placement = context.placement();
        final int[][] shardPartitions = placement.partitionsByShard(context.nodeId(), context.shards());
        final PartitionTable partitionTable = partitionTable(context);

        final CopyStandings copyStandings = null == context.controlPlane() ? null :
            new CopyStandings(context.partitions(), heldPartitions(placement, context.nodeId(), context.partitions()));
        if (null != copyStandings)
        {
            startControlPlane(copyStandings, errorHandler);
            final Int2ObjectHashMap<AtomicCounter> phiCounters = new Int2ObjectHashMap<>();
            for (final GridMember member : placement.members().members())
            {
                phiCounters.put(member.nodeId(), ShardCounters.allocateNodeCounter(countersManager, CounterType.MEMBER_PHI,
                    member.nodeId(), "member-" + member.nodeId() + " phi x1000"));
            }
            controlClient.monitoring(phiCounters,
                ShardCounters.allocateNodeCounter(countersManager, CounterType.PRIMARY_LEASE_HELD, 0, "primary lease held"),
                ShardCounters.allocateNodeCounter(countersManager, CounterType.CONTROL_TABLE_VERSION, 0,
                    "control plane table version"),
                ShardCounters.allocateNodeCounter(countersManager, CounterType.CONTROL_LEADER, 0,
                    "control plane leader member id"), alerts);
        }

        final List<ShardCounters> shardCounters = new ArrayList<>();
        for (int shard = 0; shard < shardPartitions.length; shard++)
        {
            final int streamId = context.streamBase() + shard;
            final Queue<Long> closedImages = new ManyToOneConcurrentLinkedQueue<>();
            final Subscription[] subscriptions =
            {
                aeron.addSubscription(context.requestChannel(), streamId, null, closedImageSink(closedImages, 0)),
                aeron.addSubscription("aeron:ipc", streamId, null, closedImageSink(closedImages, 1)),
            };
            final ShardCounters counters = new ShardCounters(countersManager, shard);
            shardCounters.add(counters);
            final ShardAgent shardAgent = new ShardAgent(new ShardContext()
                .shardId(shard)
                .nodeId(context.nodeId())
                .partitionCount(context.partitions())
                .partitions(shardPartitions[shard])
                .journalDir(context.journalDir().getPath())
                .aeron(aeron)
                .subscriptions(subscriptions)
                .closedImages(closedImages)
                .credentials(context.credentials())
                .sessionTimeoutNs(context.sessionTimeoutNs())
                .keepAliveIntervalNs(context.keepAliveIntervalNs())
                .maxStrangers(context.maxStrangers())
                .strangerTimeoutNs(context.strangerTimeoutNs())
                .partitionTable(partitionTable)
                .replicationLinks(replicationLinks(context, aeron, streamId))
                .replicationLagAlert(context.replicationLagAlert())
                .snapshotIntervalEntries(context.snapshotIntervalEntries())
                .journalsTrusted(journalsTrusted)
                .controlPlane(controlClient)
                .copyStandings(copyStandings)
                .counters(counters)
                .countersManager(countersManager)
                .alerts(alerts)
                .errorHandler(errorHandler)
                .stallThresholdNs(context.stallThresholdNs())
                .cpu(context.shardCpu(shard))
                .driverInvoker(driverInvoker)
                .aeronInvoker(aeronInvoker));
            shards.add(shardAgent);
            runners.add(new AgentRunner(
                GridNodeContext.idleStrategy(context.idleStrategyName()), errorHandler, null, shardAgent));
        }
        final FileStore journalStore = journalStore(context);
        if (null != journalStore)
        {
            runners.add(new AgentRunner(new SleepingMillisIdleStrategy(100), errorHandler, null,
                new DiskWatch(journalStore, shardCounters, alerts, context.diskUsageAlert(), SystemEpochClock.INSTANCE)));
        }
        if (context.prometheusPort() >= 0)
        {
            prometheus = new PrometheusEndpoint("127.0.0.1", context.prometheusPort(), statusFile.counters());
        }
    }

    /**
     * Host this node's member of the control plane (when its id is one of the members'), and connect to the control
     * plane: heartbeats, the primary lease and the partition table, on a thread of their own.
     */
    private void startControlPlane(final CopyStandings copyStandings, final ErrorHandler errorHandler)
    {
        final ControlPlaneContext controlContext = context.controlPlane();
        DriverDirectories.removeLeftovers(ControlPlaneMember.DRIVER_DIR_PREFIX);
        boolean member = false;
        for (final ControlPlaneContext.MemberEndpoint endpoint : controlContext.memberEndpoints())
        {
            member |= endpoint.id() == context.nodeId();
        }
        final String controlAeronDir;
        if (member)
        {
            controlMember = ControlPlaneMember.launch(controlContext, context.nodeId(), context.placement(), errorHandler);
            controlAeronDir = controlMember.aeronDirectoryName();
        }
        else
        {
            controlDriver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(ControlPlaneMember.driverDirectory(controlContext.dir(), 0).getPath())
                .counterValuesBufferLength(ControlPlaneMember.COUNTERS_LENGTH)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
                .termBufferSparseFile(true)
                .publicationTermBufferLength(256 * 1024)
                .ipcTermBufferLength(256 * 1024)
                .errorHandler(errorHandler));
            controlAeronDir = controlDriver.aeronDirectoryName();
        }
        controlAeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(controlAeronDir).errorHandler(errorHandler));
        long runId = 0;
        while (0 == runId)
        {
            runId = ThreadLocalRandom.current().nextLong();
        }
        final String requestEndpoint = context.self().requestEndpoint();
        controlClient = new ControlPlaneClient(controlContext, controlAeron,
            requestEndpoint.substring(0, requestEndpoint.lastIndexOf(':')), context.nodeId(), runId, copyStandings,
            SystemNanoClock.INSTANCE, errorHandler);
        runners.add(new AgentRunner(new SleepingMillisIdleStrategy(1), errorHandler, null, controlClient));
    }

    private static int[] heldPartitions(final ReplicaPlacement placement, final int nodeId, final int partitions)
    {
        final IntArrayList held = new IntArrayList();
        for (int p = 0; p < partitions; p++)
        {
            if (placement.holds(nodeId, p))
            {
                held.addInt(p);
            }
        }
        return held.toIntArray();
    }

    /**
     * @return the node's link to the control plane; null when primaries are fixed by the placement.
     */
    public ControlPlaneClient controlPlane()
    {
        return controlClient;
    }

    /**
     * Every member's request channel and each partition's primary, epoch 1, as clients are told.
     */
    private static PartitionTable partitionTable(final GridNodeContext context)
    {
        final ReplicaPlacement placement = context.placement();
        final int partitions = context.partitions();
        final int[] primaries = new int[partitions];
        final int[] streamIds = new int[partitions];
        final long[] epochs = new long[partitions];
        for (int p = 0; p < partitions; p++)
        {
            primaries[p] = placement.primary(p);
            streamIds[p] = context.streamBase() + ReplicaPlacement.shardOf(p, context.shards());
            epochs[p] = 1;
        }
        final List<PartitionTable.Member> members = new ArrayList<>();
        for (final GridMember member : placement.members().members())
        {
            members.add(new PartitionTable.Member(member.nodeId(),
                member.nodeId() == context.nodeId() ? context.requestChannel() : member.requestChannel()));
        }
        return new PartitionTable(1, members, primaries, streamIds, epochs);
    }

    /**
     * A shard's links to the same shard of every other member, or null in a grid of one node.
     */
    private static ReplicationLinks replicationLinks(final GridNodeContext context, final Aeron aeron, final int streamId)
    {
        final ReplicaPlacement placement = context.placement();
        if (placement.members().size() < 2)
        {
            return null;
        }
        final Map<Integer, ExclusivePublication> publications = new HashMap<>();
        for (final GridMember member : placement.members().members())
        {
            if (member.nodeId() != context.nodeId())
            {
                publications.put(member.nodeId(), aeron.addExclusivePublication(member.replicationChannel(), streamId));
            }
        }
        return new ReplicationLinks(context.nodeId(), placement,
            aeron.addSubscription(context.self().replicationChannel(), streamId), publications);
    }

    /**
     * An image that goes away is reported, on the Aeron client's thread, to the shard that assembles its fragments.
     */
    private static UnavailableImageHandler closedImageSink(final Queue<Long> closedImages, final int subscriptionIndex)
    {
        return image -> closedImages.offer(((long)subscriptionIndex << 32) | (image.sessionId() & 0xFFFF_FFFFL));
    }

    /**
     * Start a node.
     *
     * @param context settings; concluded here.
     * @return the running node.
     */
    public static GridNode launch(final GridNodeContext context)
    {
        return new GridNode(context.conclude());
    }

    /**
     * @return the node's settings.
     */
    public GridNodeContext context()
    {
        return context;
    }

    /**
     * @return the shards, for counters and tests.
     */
    public List<ShardAgent> shards()
    {
        return shards;
    }

    /**
     * @return port of the Prometheus endpoint, or -1 when it is off.
     */
    public int prometheusPort()
    {
        return null == prometheus ? -1 : prometheus.port();
    }

    private static FileStore journalStore(final GridNodeContext context)
    {
        try
        {
            final File journalDir = context.journalDir();
            IoUtil.ensureDirectoryExists(journalDir, "journal directory");
            return Files.getFileStore(journalDir.toPath());
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * Stop the shards (each closes its journals), then Aeron and the embedded driver; mark the status file stopped
     * and give the directory back. Idempotent.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            runners.forEach(CloseHelper::quietClose);
            CloseHelper.quietCloseAll(prometheus, aeron, driver, controlAeron, controlDriver, controlMember);
            try
            {
                CleanStop.leaveMarker(new File(context.dir()), context.journalDir());
            }
            catch (final IOException | RuntimeException ex)
            {
                // Without the marker the next start only trusts its journals less: it waits for more replicas.
                System.err.println("leasegrid: could not force the journals to disk at stop: " + ex);
            }
            statusFile.markStopped();
            CloseHelper.quietCloseAll(statusFile, directoryLock);
        }
    }

    /**
     * Run a node until SIGINT or SIGTERM, then stop it cleanly and exit 0; a node that cannot start says why in one
     * line and exits {@link #EXIT_NOT_STARTED}, as {@code bin/leasegrid node} does.
     */
    public static void main(final String[] args)
    {
        try
        {
            runUntilStopped(new GridNodeContext());
        }
        catch (final RuntimeException ex)
        {
            System.err.println("leasegrid: the node did not start: " + whyNotStarted(ex));
            System.exit(EXIT_NOT_STARTED);
        }
    }

    /**
     * Start a node, print where it listens, and run it until SIGINT or SIGTERM; then stop it within
     * {@link #STOP_TIMEOUT_MS} (or end the process with status 1, saying so).
     *
     * @param context settings; the Prometheus endpoint defaults to {@code 7172} here unless set.
     * @throws RuntimeException when the node cannot start: nothing of it is left running.
     */
    public static void runUntilStopped(final GridNodeContext context)
    {
        if (null == System.getProperty(GridNodeConfiguration.PROMETHEUS_PORT_PROP_NAME))
        {
            context.prometheusPort(GridNodeConfiguration.PROMETHEUS_PORT_NODE_DEFAULT);
        }
        final StopSignal stopSignal = new StopSignal();
        final GridNode node = launch(context);
        printBanner(node.context());
        System.out.println("status: " + new File(context.dir(), StatusFile.FILE_NAME).getAbsolutePath() +
            " (bin/leasegrid stat, bin/leasegrid alerts)" + (node.prometheusPort() >= 0 ?
            ", metrics: http://127.0.0.1:" + node.prometheusPort() + "/metrics" : ""));
        final String signal = stopSignal.await();
        System.out.println("leasegrid node " + context.nodeId() + " stopping (" + signal + ")");
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread watchdog = new Thread(() ->
        {
            try
            {
                if (!stopped.await(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                {
                    System.err.println("leasegrid: node did not stop within " + STOP_TIMEOUT_MS + " ms; exiting anyway");
                    Runtime.getRuntime().halt(1);
                }
            }
            catch (final InterruptedException ignore)
            {
                // the process is ending anyway
            }
        }, "leasegrid-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        node.close();
        stopped.countDown();
        System.out.println("leasegrid node " + context.nodeId() + " stopped");
    }

    /**
     * @return one line for a person saying why a node did not start, with what to do where that is clear.
     */
    public static String whyNotStarted(final Throwable failure)
    {
        final String message = rootMessage(failure);
        if (message.startsWith("the metrics endpoint"))
        {
            return message.substring(0, message.indexOf(": "));
        }
        if (message.contains("Address already in use"))
        {
            final int endpoint = message.indexOf("aeron:udp?endpoint=");
            final String channel = endpoint < 0 ? "its UDP port" :
                message.substring(endpoint).split("[\\s,]", 2)[0];
            return channel + " is in use by another process; give this node another with -D" +
                GridNodeConfiguration.ENDPOINT_PROP_NAME + "=HOST:PORT";
        }
        return message;
    }

    /**
     * @return the most specific message in a chain of causes, for a one-line error.
     */
    public static String rootMessage(final Throwable failure)
    {
        String message = failure.getMessage();
        for (Throwable cause = failure.getCause(); null != cause; cause = cause.getCause())
        {
            if (null != cause.getMessage())
            {
                message = message + ": " + cause.getMessage();
            }
        }
        return null == message ? failure.getClass().getSimpleName() : message;
    }

    /**
     * Tell a person what was started and where, loudly when there is no authentication.
     */
    public static void printBanner(final GridNodeContext context)
    {
        System.out.println("leasegrid node " + context.nodeId() + " listening on " + context.requestChannel() +
            " and aeron:ipc, streams " + context.streamBase() + ".." + (context.streamBase() + context.shards() - 1) +
            ", " + context.partitions() + " partitions on " + context.shards() + " shard(s)" +
            ("invoker".equals(context.driverThreading()) ? " (running its media driver)" : "") + ", data in " +
            context.journalDir().getAbsolutePath());
        try
        {
            final String readAheadWarning = new JournalContext().readAhead() ?
                ReadAhead.warning(context.journalDir().toPath()) : null;
            if (null != readAheadWarning)
            {
                System.out.println(readAheadWarning);
            }
        }
        catch (final RuntimeException ignore)
        {
            // Advice only: a node that runs must not fail here.
        }
        if (null == context.credentials())
        {
            System.out.println("*** WARNING: no credentials file (" + GridNodeConfiguration.CREDENTIALS_FILE_PROP_NAME +
                "): OPEN DEVELOPMENT MODE, any client may connect without authentication ***");
        }
        else
        {
            System.out.println("authentication on: " + context.credentials().size() + " client(s) in " +
                context.credentialsFile());
        }
    }
}
