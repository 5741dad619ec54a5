package io.leasegrid.node;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.node.partition.ConsistentHashRing;
import io.leasegrid.node.shard.ShardAgent;
import io.leasegrid.node.shard.ShardContext;
import io.leasegrid.node.shard.ShardNetworkAgent;
import io.leasegrid.node.shard.ShardResponsePublisher;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.PrometheusEndpoint;
import io.leasegrid.node.status.ShardCounters;
import io.leasegrid.node.status.StatusFile;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * A grid node: an embedded (or external) Aeron media driver, and one {@link ShardNetworkAgent} thread per shard,
 * each owning its partitions and listening on its own request stream over UDP and IPC.
 * <p>
 * Start with {@link #launch(GridNodeContext)} or {@code main}; {@link #close()} is idempotent.
 */
public final class GridNode implements AutoCloseable
{
    /** Longest a node may take to stop after SIGINT or SIGTERM. */
    public static final long STOP_TIMEOUT_MS = 15_000;

    private final GridNodeContext context;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<ShardNetworkAgent> shards = new ArrayList<>();
    private final DirectoryLock directoryLock;
    private final StatusFile statusFile;
    private final PrometheusEndpoint prometheus;
    private boolean closed;

    private GridNode(final GridNodeContext context)
    {
        this.context = context;
        // Before anything in the directory is touched: a second node must not delete the first one's driver files.
        directoryLock = DirectoryLock.acquire(new File(context.dir()));
        final ErrorHandler errorHandler = Throwable::printStackTrace;
        MediaDriver launchedDriver = null;
        Aeron connectedAeron = null;
        StatusFile createdStatus = null;
        PrometheusEndpoint startedPrometheus = null;
        try
        {
            createdStatus = StatusFile.create(new File(context.dir()));
            final CountersManager countersManager = new CountersManager(createdStatus.metadata(), createdStatus.values());
            final Alerts alerts = new Alerts(createdStatus.alerts(), SystemEpochClock.INSTANCE);
            final FileStore journalStore = journalStore(context);
            if (context.embeddedDriver())
            {
                final boolean dedicated = "dedicated".equals(context.driverThreading());
                launchedDriver = MediaDriver.launch(GridNodeContext.driverIdleStrategy(new MediaDriver.Context()
                    .aeronDirectoryName(context.aeronDir())
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true)
                    .threadingMode(dedicated ? ThreadingMode.DEDICATED : ThreadingMode.SHARED)
                    .errorHandler(errorHandler), context.idleStrategyName()));
            }
            connectedAeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(context.aeronDir())
                .errorHandler(errorHandler));

            final ConsistentHashRing ring = new ConsistentHashRing(ConsistentHashRing.DEFAULT_VIRTUAL_NODES, context.nodeId());
            final int[][] shardPartitions = ConsistentHashRing.assignToShards(
                ring.partitionsOf(context.nodeId(), context.partitions()), context.shards());
            final int[] streamIdByPartition = new int[context.partitions()];
            for (int shard = 0; shard < shardPartitions.length; shard++)
            {
                for (final int partition : shardPartitions[shard])
                {
                    streamIdByPartition[partition] = context.streamBase() + shard;
                }
            }

            for (int shard = 0; shard < shardPartitions.length; shard++)
            {
                final int streamId = context.streamBase() + shard;
                final ShardResponsePublisher publisher = new ShardResponsePublisher(connectedAeron, context.nodeId(),
                    context.partitions(), context.requestChannel(), streamIdByPartition, context.sessionTimeoutNs() / 3,
                    context.sessionTimeoutNs(), null != context.credentials());
                final ShardAgent shardAgent = new ShardAgent(new ShardContext()
                    .shardId(shard)
                    .partitionCount(context.partitions())
                    .partitions(shardPartitions[shard])
                    .journalDir(context.journalDir().getPath())
                    .listener(publisher));
                final Subscription[] subscriptions =
                {
                    connectedAeron.addSubscription(context.requestChannel(), streamId),
                    connectedAeron.addSubscription("aeron:ipc", streamId),
                };
                final ShardNetworkAgent agent = new ShardNetworkAgent(
                    shardAgent, publisher, subscriptions, context.credentials(), context.sessionTimeoutNs(),
                    context.shardCpu(shard));
                agent.observability(new ShardCounters(countersManager, shard), alerts, context.stallThresholdNs(),
                    context.diskUsageAlert(), journalStore);
                shards.add(agent);
                runners.add(new AgentRunner(
                    GridNodeContext.idleStrategy(context.idleStrategyName()), errorHandler, null, agent));
            }
            if (context.prometheusPort() >= 0)
            {
                startedPrometheus = new PrometheusEndpoint("127.0.0.1", context.prometheusPort(), createdStatus.counters());
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(startedPrometheus, connectedAeron, launchedDriver, createdStatus, directoryLock);
            throw ex;
        }
        driver = launchedDriver;
        aeron = connectedAeron;
        statusFile = createdStatus;
        prometheus = startedPrometheus;
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
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
    public List<ShardNetworkAgent> shards()
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
            CloseHelper.quietCloseAll(prometheus, aeron, driver);
            statusFile.markStopped();
            CloseHelper.quietCloseAll(statusFile, directoryLock);
        }
    }

    /**
     * Run a node until SIGINT or SIGTERM, then stop it cleanly and exit 0. A stop that takes longer than
     * {@link #STOP_TIMEOUT_MS} ends the process with status 1 and says so.
     */
    public static void main(final String[] args)
    {
        final GridNodeContext context = new GridNodeContext();
        if (null == System.getProperty(GridNodeConfiguration.PROMETHEUS_PORT_PROP_NAME))
        {
            context.prometheusPort(GridNodeConfiguration.PROMETHEUS_PORT_NODE_DEFAULT);
        }
        final StopSignal stopSignal = new StopSignal();
        final GridNode node;
        try
        {
            node = launch(context);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("leasegrid: the node did not start: " + rootMessage(ex));
            System.exit(1);
            return;
        }
        printBanner(node.context());
        System.out.println("status: " + new File(context.dir(), StatusFile.FILE_NAME).getAbsolutePath() +
            " (bin/leasegrid stat, bin/leasegrid alerts)" + (node.prometheusPort() >= 0 ?
            ", metrics: http://127.0.0.1:" + node.prometheusPort() + "/metrics" : ""));
        final String signal = stopSignal.await();
        System.out.println("leasegrid node " + context.nodeId() + " stopping (" + signal + ")");
        final Thread watchdog = new Thread(() ->
        {
            try
            {
                Thread.sleep(STOP_TIMEOUT_MS);
                System.err.println("leasegrid: node did not stop within " + STOP_TIMEOUT_MS + " ms; exiting anyway");
                Runtime.getRuntime().halt(1);
            }
            catch (final InterruptedException ignore)
            {
                // stopped in time
            }
        }, "leasegrid-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        node.close();
        watchdog.interrupt();
        System.out.println("leasegrid node " + context.nodeId() + " stopped");
    }

    /**
     * @return the most specific message in a chain of causes, for a one-line error.
     */
    static String rootMessage(final Throwable failure)
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
            ", " + context.partitions() + " partitions on " + context.shards() + " shard(s), data in " +
            context.journalDir().getAbsolutePath());
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
