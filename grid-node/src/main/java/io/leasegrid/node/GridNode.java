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
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ShutdownSignalBarrier;

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
    private final GridNodeContext context;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<ShardNetworkAgent> shards = new ArrayList<>();
    private boolean closed;

    private GridNode(final GridNodeContext context)
    {
        this.context = context;
        final ErrorHandler errorHandler = Throwable::printStackTrace;
        MediaDriver launchedDriver = null;
        Aeron connectedAeron = null;
        try
        {
            if (context.embeddedDriver())
            {
                final boolean dedicated = "dedicated".equals(context.driverThreading());
                launchedDriver = MediaDriver.launch(new MediaDriver.Context()
                    .aeronDirectoryName(context.aeronDir())
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true)
                    .threadingMode(dedicated ? ThreadingMode.DEDICATED : ThreadingMode.SHARED)
                    .errorHandler(errorHandler));
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
                shards.add(agent);
                runners.add(new AgentRunner(
                    GridNodeContext.idleStrategy(context.idleStrategyName()), errorHandler, null, agent));
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(connectedAeron);
            CloseHelper.quietClose(launchedDriver);
            throw ex;
        }
        driver = launchedDriver;
        aeron = connectedAeron;
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
     * Stop the shards, then Aeron and the embedded driver. Idempotent.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            runners.forEach(CloseHelper::quietClose);
            CloseHelper.quietClose(aeron);
            CloseHelper.quietClose(driver);
        }
    }

    /**
     * Run a node until SIGINT or SIGTERM.
     */
    public static void main(final String[] args)
    {
        final GridNodeContext context = new GridNodeContext();
        try (GridNode node = launch(context))
        {
            printBanner(node.context());
            new ShutdownSignalBarrier().await();
            System.out.println("leasegrid node " + context.nodeId() + " stopping");
        }
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
