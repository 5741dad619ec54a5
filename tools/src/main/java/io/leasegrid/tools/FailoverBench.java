package io.leasegrid.tools;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.node.control.ControlPlaneContext;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.StatusFile;
import org.agrona.CloseHelper;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/leasegrid failover-bench}: how long a partition is unavailable when its primary dies. A three-node grid
 * with the control plane on loopback; each run SIGKILLs the node that leads the most partitions, times from the kill
 * to the first write a client gets acknowledged on one of its partitions, then restarts the node and waits for the
 * grid to settle. Runs alternate between killing a node that does not host the control plane's leader and the one
 * that does (whose death adds an election, after which every lease counts again), reported apart. The client learns of the death as a user's would: its request to the dead node goes unanswered
 * (request timeout 500 ms) or its session falls silent, then it asks another node for the map.
 */
final class FailoverBench
{
    private static final int NODES = 3;
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(500);

    private FailoverBench()
    {
    }

    static CommandLine commandLine()
    {
        return new CommandLine("bin/leasegrid failover-bench [--runs N]",
            "Kill a primary of a local three-node grid N times (default 20) and time each failover: from SIGKILL to " +
            "the first acknowledged write on one of its partitions. Runs alternate between a node that does not host " +
            "the control plane's leader (the one leading most partitions) and the leader's node. Prints every run and " +
            "p50/p90/max of each kind; takes about 12 s per run.")
            .option("--runs", "failovers to time (1 to 1000, default 20)");
    }

    static int run(final String[] args) throws Exception
    {
        final CommandLine line = commandLine().parse(args);
        final int runs = null == line.option("--runs") ? 20 :
            (int)CommandLine.number("--runs", line.option("--runs"), 1, 1_000);
        final File dir = Files.createTempDirectory("leasegrid-failover").toFile();
        LocalGrid grid = null;
        MediaDriver clientDriver = null;
        GridClient client = null;
        try
        {
            grid = LocalGrid.onFreePorts(dir, NODES, List.of("leasegrid.session.timeout.ms=3000"));
            grid.startAll();
            final ControlPlaneContext defaults = new ControlPlaneContext();
            System.out.println("leasegrid failover-bench: " + runs + " runs on a local grid of " + NODES + " nodes; " +
                "primary lease " + defaults.primaryLeaseMs() + " ms, margin " + defaults.leaseMarginMs() +
                " ms, heartbeat " + defaults.heartbeatIntervalMs() + " ms, client request timeout " +
                REQUEST_TIMEOUT.toMillis() + " ms");
            clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(new File(dir, "client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            client = GridClient.connect(new GridClientContext()
                .aeronDir(clientDriver.aeronDirectoryName())
                .requestChannel(grid.requestChannel(2))
                .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
                .requestTimeout(REQUEST_TIMEOUT)
                .connectTimeout(Duration.ofSeconds(20)));

            final long[] millis = new long[runs];
            final long[] tableMillis = new long[runs];
            final boolean[] leaderKilled = new boolean[runs];
            for (int run = 0; run < runs; run++)
            {
                final int[] primaries = awaitSettled(grid);
                final int leader = (int)nodeCounter(grid, 1, CounterType.CONTROL_LEADER);
                final int other = mostPrimariesBesides(primaries, leader);
                // Nothing moves primaries back to a restarted node: when the kind of node this run wants leads
                // nothing, the run times the other kind.
                final boolean wantLeader = 1 == run % 2;
                leaderKilled[run] = wantLeader ? ledBy(primaries, leader) > 0 : 0 == ledBy(primaries, other);
                final int victim = leaderKilled[run] ? leader : other;
                final String key = keyLedBy(primaries, victim);
                putUntilAcknowledged(client, key, "before", TimeUnit.SECONDS.toNanos(30));
                final int witness = 1 == victim ? 2 : 1;
                final long tableBefore = nodeCounter(grid, witness, CounterType.CONTROL_TABLE_VERSION);
                final long[] tableMovedNs = { 0 };
                final long killedNs = System.nanoTime();
                grid.kill(victim);
                final LocalGrid running = grid;
                final Thread watcher = new Thread(() ->
                {
                    final long deadlineNs = killedNs + TimeUnit.SECONDS.toNanos(30);
                    while (System.nanoTime() - deadlineNs < 0 && nodeCounter(running, witness, CounterType.CONTROL_TABLE_VERSION) <= tableBefore)
                    {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                    }
                    tableMovedNs[0] = System.nanoTime();
                }, "failover-bench-watcher");
                watcher.start();
                putUntilAcknowledged(client, key, "after", TimeUnit.SECONDS.toNanos(30));
                millis[run] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
                watcher.join();
                tableMillis[run] = TimeUnit.NANOSECONDS.toMillis(tableMovedNs[0] - killedNs);
                System.out.printf("   run %2d: node %d killed (%s the control plane's leader); node %d saw the new " +
                    "table after %,d ms; %s writable again after %,d ms%n", run + 1, victim,
                    leaderKilled[run] ? "it hosted" : "not", witness, tableMillis[run], key, millis[run]);
                grid.start(victim);
            }
            for (final boolean leaderRuns : new boolean[] { false, true })
            {
                final String which = leaderRuns ? "node hosting the control plane's leader" : "other node";
                summarize(which + ", SIGKILL to the new table at a surviving node", tableMillis, leaderKilled, leaderRuns);
                summarize(which + ", SIGKILL to the first acknowledged write", millis, leaderKilled, leaderRuns);
            }
            return ExitCodes.OK;
        }
        finally
        {
            CloseHelper.quietClose(client);
            CloseHelper.quietClose(clientDriver);
            if (null != grid)
            {
                grid.close();
            }
            // Three nodes' journals and control plane logs: nothing a user wants kept from a benchmark.
            org.agrona.IoUtil.delete(dir, true);
        }
    }

    private static void summarize(
        final String what, final long[] allMillis, final boolean[] leaderKilled, final boolean leaderRuns)
    {
        final long[] millis = new long[allMillis.length];
        int runs = 0;
        for (int i = 0; i < allMillis.length; i++)
        {
            if (leaderKilled[i] == leaderRuns)
            {
                millis[runs++] = allMillis[i];
            }
        }
        if (0 == runs)
        {
            return;
        }
        final long[] sorted = Arrays.copyOf(millis, runs);
        Arrays.sort(sorted);
        System.out.printf("failover, %s, %d runs, ms: p50 %,d  p90 %,d  max %,d  (min %,d)%n", what, runs,
            sorted[runs / 2],
            sorted[Math.min(runs - 1, (int)Math.ceil(runs * 0.9) - 1)], sorted[runs - 1], sorted[0]);
    }

    /**
     * @return the value of the node's counter of {@code type} (one per node), or -1 while it cannot be read.
     */
    private static long nodeCounter(final LocalGrid grid, final int nodeId, final CounterType type)
    {
        if (!grid.isRunning(nodeId))
        {
            return -1;
        }
        try (StatusFile status = StatusFile.open(grid.dir(nodeId)))
        {
            final long[] value = { -1 };
            status.counters().forEach((counterId, typeId, key, label) ->
            {
                if (type.typeId() == typeId)
                {
                    value[0] = status.counters().getCounterValue(counterId);
                }
            });
            return value[0];
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * Wait until, for two seconds on end, every partition has a primary, every node holds its primary lease and every
     * node talks to the same control plane leader (a restarted member has had time to catch up with the log).
     *
     * @return each partition's primary.
     */
    private static int[] awaitSettled(final LocalGrid grid)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long settledSinceNs = 0;
        while (System.nanoTime() - deadlineNs < 0)
        {
            final int[] primaries = grid.awaitPrimaries(Partitioner.DEFAULT_PARTITION_COUNT, 60_000);
            boolean settled = 0 == ledBy(primaries, 0);
            final long leader = nodeCounter(grid, 1, CounterType.CONTROL_LEADER);
            for (int nodeId = 1; nodeId <= NODES; nodeId++)
            {
                settled &= 1 == nodeCounter(grid, nodeId, CounterType.PRIMARY_LEASE_HELD) && leader > 0 &&
                    leader == nodeCounter(grid, nodeId, CounterType.CONTROL_LEADER);
            }
            final long nowNs = System.nanoTime();
            settledSinceNs = !settled ? 0 : 0 == settledSinceNs ? nowNs : settledSinceNs;
            if (settled && nowNs - settledSinceNs > TimeUnit.SECONDS.toNanos(2))
            {
                return primaries;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new IllegalStateException("the grid did not settle within 60 s (every partition led, every lease held, " +
            "one control plane leader)");
    }

    /**
     * @return the node that leads the most partitions, other than {@code excluded}.
     */
    private static int mostPrimariesBesides(final int[] primaries, final int excluded)
    {
        final int[] counts = new int[NODES + 1];
        int most = 1 == excluded ? 2 : 1;
        for (final int primary : primaries)
        {
            counts[primary]++;
        }
        for (int nodeId = 1; nodeId <= NODES; nodeId++)
        {
            most = nodeId != excluded && counts[nodeId] > counts[most] ? nodeId : most;
        }
        return most;
    }

    /**
     * @return how many partitions {@code nodeId} leads (0 for partitions without a primary).
     */
    private static int ledBy(final int[] primaries, final int nodeId)
    {
        int count = 0;
        for (final int primary : primaries)
        {
            count += nodeId == primary ? 1 : 0;
        }
        return count;
    }

    private static String keyLedBy(final int[] primaries, final int nodeId)
    {
        for (int i = 0; i < 100_000; i++)
        {
            final String key = "failover:" + i;
            if (nodeId == primaries[Partitioner.partition(key.getBytes(StandardCharsets.UTF_8), primaries.length)])
            {
                return key;
            }
        }
        throw new IllegalStateException("no key found on node " + nodeId);
    }

    private static void putUntilAcknowledged(
        final GridClient client, final String key, final String value, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        GridException last = null;
        while (System.nanoTime() - deadlineNs < 0)
        {
            try
            {
                client.put(key, value.getBytes(StandardCharsets.UTF_8));
                return;
            }
            catch (final GridException ex)
            {
                last = ex;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
        throw new IllegalStateException("no write on " + key + " acknowledged within " +
            TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s; last: " + last);
    }
}
