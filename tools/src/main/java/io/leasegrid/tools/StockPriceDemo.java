package io.leasegrid.tools;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.ValueRecord;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.node.GridNodeConfiguration;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.node.status.StatusFile;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/leasegrid demo}: the stock-price scenario on a replicated grid. Three nodes start, each a process, every
 * partition on all three and committed on two; two feed handlers compete for the lease on each symbol; the holder
 * publishes prices with fenced puts while a trader reads them, and a third of the way in one node is killed with SIGKILL
 * without a single failed operation; it restarts and catches up. Then the holder stalls past its TTL, its standby
 * takes over with a higher fencing token, and the stalled holder's late writes are refused. Everything crosses Aeron
 * UDP over loopback.
 */
final class StockPriceDemo
{
    private static final String[] CANDIDATE_SYMBOLS =
        { "AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA", "IBM", "ORCL", "INTC", "AMD", "NFLX", "CSCO", "SAP" };
    private static final int NODES = 3;
    /** The node killed mid-run: the demo's symbols are chosen among those whose primary is another node. */
    private static final int VICTIM = 3;
    private static final Duration TTL = Duration.ofSeconds(2);

    private StockPriceDemo()
    {
    }

    static CommandLine commandLine()
    {
        return new CommandLine("bin/leasegrid demo [--updates N]",
            "The stock-price scenario over UDP on a three-node replicated grid: two feed handlers competing for each " +
            "symbol's lease, fenced price updates read by a trader while one node is killed with SIGKILL and comes " +
            "back, a stalled holder replaced by its standby, its late writes refused.")
            .option("--updates", "price updates to publish (3 to 1000000, default 10000)");
    }

    static int run(final String[] args) throws Exception
    {
        final CommandLine line = commandLine().parse(args);
        final int updates = null == line.option("--updates") ? 10_000 :
            (int)CommandLine.number("--updates", line.option("--updates"), 3, 1_000_000);

        final File dir = Files.createTempDirectory("leasegrid-demo").toFile();
        LocalGrid grid = null;
        MediaDriver clientDriver = null;
        GridClient feedA = null;
        GridClient feedB = null;
        GridClient trader = null;
        try
        {
            grid = LocalGrid.onFreePorts(dir, NODES, List.of("leasegrid.session.timeout.ms=3000"));
            System.out.println("leasegrid demo: lease-based coordination of stock prices on a replicated grid");
            grid.startAll();
            System.out.println(NODES + " nodes up, each a process with its own journal: every partition on all " +
                NODES + ", a change answered once 2 hold it");
            for (int nodeId = 1; nodeId <= NODES; nodeId++)
            {
                System.out.println("   node " + nodeId + ": " + grid.requestChannel(nodeId));
            }
            // Who leads what: the control plane appoints the ring's primaries when every node comes up in time,
            // others when one is late, so the nodes are asked.
            final int[] primaries = grid.awaitPrimaries(Partitioner.DEFAULT_PARTITION_COUNT, 60_000);
            final String[] symbols = symbolsNotLedBy(primaries, VICTIM);

            clientDriver = MediaDriver.launchEmbedded(GridNodeContext.driverIdleStrategy(new MediaDriver.Context()
                .aeronDirectoryName(new File(dir, "client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true), GridNodeConfiguration.IDLE_STRATEGY_DEFAULT));
            feedA = connect(clientDriver, grid.requestChannel(1), "feed-handler-A");
            feedB = connect(clientDriver, grid.requestChannel(1), "feed-handler-B");
            trader = connect(clientDriver, grid.requestChannel(1), "trader");
            System.out.println("clients connected over UDP to node 1 (each request goes to its partition's primary): " +
                "feed-handler-A, feed-handler-B, trader");
            for (final String symbol : symbols)
            {
                final int partition = Partitioner.partition(price(symbol).getBytes(StandardCharsets.UTF_8),
                    Partitioner.DEFAULT_PARTITION_COUNT);
                System.out.printf("   %-5s partition %d, primary node %d%n", symbol, partition, primaries[partition]);
            }
            System.out.println();

            System.out.println("1. both feed handlers ask for the lease on each symbol (TTL " + TTL.toMillis() + " ms)");
            final Map<String, Lease> heldByA = new LinkedHashMap<>();
            final Map<String, CompletableFuture<Lease>> standbyB = new LinkedHashMap<>();
            for (final String symbol : symbols)
            {
                final Lease lease = feedA.acquire(feed(symbol), LeaseRequest.exclusive(TTL));
                heldByA.put(symbol, lease);
                // The standby renews its lease on its own once it has it: it may be granted while the demo still
                // waits for the restarted node, long before it publishes.
                standbyB.put(symbol, feedB.acquireAsync(feed(symbol),
                    LeaseRequest.exclusive(TTL).waitTimeout(Duration.ofSeconds(60)).autoRenew(true)));
                System.out.printf("   %-5s feed-handler-A holds it (fencing token %d); feed-handler-B waits in line%n",
                    symbol, lease.fencingToken());
            }
            System.out.println();

            System.out.printf("2. feed-handler-A publishes %,d prices with fenced puts, the trader reads them; " +
                "a third of the way in, node %d is killed with SIGKILL, later restarted%n", updates, VICTIM);
            final Histogram putLatency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            final Histogram getLatency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            final long[] priceMicros = { 187_000_000, 415_000_000, 172_000_000 };
            int failed = 0;
            CompletableFuture<Void> restart = CompletableFuture.completedFuture(null);
            final LocalGrid running = grid;
            final long publishStart = System.nanoTime();
            for (int i = 0; i < updates; i++)
            {
                if (updates / 3 == i)
                {
                    grid.kill(VICTIM);
                    System.out.printf("   after %,d updates: node %d killed (SIGKILL); publishing goes on%n", i, VICTIM);
                }
                else if (2 * updates / 3 == i)
                {
                    restart = CompletableFuture.runAsync(() -> restart(running, VICTIM));
                    System.out.printf("   after %,d updates: node %d restarting on its journal; publishing goes on%n",
                        i, VICTIM);
                }
                final int s = i % symbols.length;
                final Lease lease = heldByA.get(symbols[s]);
                try
                {
                    if (!lease.isValid() || lease.safeUntilNs() - System.nanoTime() < TTL.toNanos() / 2)
                    {
                        lease.renew();
                    }
                    priceMicros[s] += (i * 7919L % 21) - 10;
                    final long before = System.nanoTime();
                    feedA.fencedPut(price(symbols[s]), encode(priceMicros[s]), lease);
                    final long between = System.nanoTime();
                    trader.get(price(symbols[s]));
                    final long after = System.nanoTime();
                    putLatency.recordValue(between - before);
                    getLatency.recordValue(after - between);
                }
                catch (final GridException ex)
                {
                    if (failed++ < 3)
                    {
                        System.out.printf("   update %d FAILED: %s%n", i, ex.getMessage());
                    }
                }
            }
            final double seconds = (System.nanoTime() - publishStart) / 1e9;
            printLatency("fenced put", putLatency);
            printLatency("get       ", getLatency);
            System.out.printf("   %,.0f put+get round trips per second from one thread, each put journaled on 2 " +
                "nodes before it is answered%n", updates / seconds);
            System.out.printf("   failed operations: %d%n", failed);
            // feed-handler-A keeps its leases while the node comes back: its stall is the next step, not this wait.
            final Runnable keepA = () -> renewWhenHalfGone(heldByA.values());
            final long restartDeadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!restart.isDone() && System.nanoTime() - restartDeadlineNs < 0)
            {
                keepA.run();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            restart.get(1, TimeUnit.SECONDS);
            System.out.printf("   node %d is back: %s%n", VICTIM,
                awaitCaughtUp(grid, primaries, symbols, keepA) ? "it caught up with its primaries" :
                "it did NOT catch up in time");
            for (final String symbol : symbols)
            {
                final ValueRecord record = trader.get(price(symbol));
                System.out.printf("   trader sees %-5s %10.4f (version %d)%n", symbol, decode(record.value()) / 1e6, record.version());
            }
            System.out.println();

            System.out.println("3. feed-handler-A stalls (a long GC pause): it stops renewing and publishing");
            final long stallStart = System.nanoTime();
            for (final String symbol : symbols)
            {
                final Lease takeover = standbyB.get(symbol).get(30, TimeUnit.SECONDS);
                final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stallStart);
                System.out.printf("   %-5s lease expired after ~%d ms; feed-handler-B took over with fencing token %d (was %d)%n",
                    symbol, waitedMs, takeover.fencingToken(), heldByA.get(symbol).fencingToken());
                feedB.fencedPut(price(symbol), encode(decode(trader.get(price(symbol)).value()) + 10_000), takeover);
            }
            System.out.println();

            System.out.println("4. feed-handler-A wakes up and, unaware, writes with its old tokens");
            int refused = 0;
            for (final String symbol : symbols)
            {
                final Lease stale = heldByA.get(symbol);
                System.out.printf("   %-5s A's lease is valid on A's own clock? %s%n", symbol, stale.isValid());
                try
                {
                    feedA.fencedPut(price(symbol), encode(1), stale);
                    System.out.printf("   %-5s late write ACCEPTED by A's client: this must never happen%n", symbol);
                }
                catch (final GridException ex)
                {
                    System.out.printf("   %-5s A's client refuses the write before sending it: %s%n", symbol, ex.code());
                }
                try
                {
                    // A client that ignored its lease's validity would send the old token anyway: the grid fences it.
                    feedA.fencedPut(price(symbol), encode(1), stale.resource(), stale.fencingToken());
                    System.out.printf("   %-5s late write ACCEPTED by the grid: this must never happen%n", symbol);
                }
                catch (final GridException ex)
                {
                    refused++;
                    System.out.printf("   %-5s the old token sent anyway is refused by the grid: %s%n", symbol, ex.code());
                }
            }
            for (final String symbol : symbols)
            {
                System.out.printf("   trader still sees %-5s %10.4f (from feed-handler-B)%n",
                    symbol, decode(trader.get(price(symbol)).value()) / 1e6);
            }
            System.out.println();
            final boolean ok = refused == symbols.length && 0 == failed;
            System.out.println(ok ? "demo complete: no operation failed while a node died, no stale price reached the grid" :
                "demo FAILED: " + (0 != failed ? failed + " operations failed" : "a stale write was accepted"));
            return ok ? 0 : 1;
        }
        finally
        {
            CloseHelper.quietCloseAll(feedA, feedB, trader, clientDriver, grid);
            IoUtil.delete(dir, true);
        }
    }

    private static void renewWhenHalfGone(final Iterable<Lease> leases)
    {
        for (final Lease lease : leases)
        {
            if (lease.isValid() && lease.safeUntilNs() - System.nanoTime() < TTL.toNanos() / 2)
            {
                lease.renew();
            }
        }
    }

    private static void restart(final LocalGrid grid, final int nodeId)
    {
        try
        {
            grid.start(nodeId);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Three symbols whose price key (and lease, which shares its partition) has a primary other than {@code node}:
     * killing that node then takes no primary of the demo away, only a copy.
     */
    private static String[] symbolsNotLedBy(final int[] primaries, final int node)
    {
        final List<String> chosen = new ArrayList<>();
        for (final String symbol : CANDIDATE_SYMBOLS)
        {
            final int partition = Partitioner.partition(price(symbol).getBytes(StandardCharsets.UTF_8),
                Partitioner.DEFAULT_PARTITION_COUNT);
            if (0 != primaries[partition] && primaries[partition] != node && chosen.size() < 3)
            {
                chosen.add(symbol);
            }
        }
        if (chosen.size() < 3)
        {
            throw new IllegalStateException("fewer than three symbols have a primary other than node " + node);
        }
        return chosen.toArray(new String[0]);
    }

    /**
     * Wait until the restarted node's journal of every demo partition ends where its primary's does, from the nodes'
     * counters.
     */
    private static boolean awaitCaughtUp(
        final LocalGrid grid, final int[] primaries, final String[] symbols, final Runnable meanwhile)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - deadlineNs < 0)
        {
            boolean caughtUp = true;
            for (final String symbol : symbols)
            {
                final int partition = Partitioner.partition(price(symbol).getBytes(StandardCharsets.UTF_8),
                    Partitioner.DEFAULT_PARTITION_COUNT);
                final long primary = appendPosition(grid.dir(primaries[partition]), partition);
                caughtUp &= primary >= 0 && primary == appendPosition(grid.dir(VICTIM), partition);
            }
            if (caughtUp)
            {
                return true;
            }
            meanwhile.run();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return false;
    }

    private static long appendPosition(final File nodeDir, final int partition)
    {
        try (StatusFile status = StatusFile.open(nodeDir))
        {
            final CountersReader counters = status.counters();
            final String label = "partition-" + partition + " append position";
            final long[] position = { Long.MIN_VALUE };
            counters.forEach((id, text) ->
            {
                if (text.endsWith(label))
                {
                    position[0] = counters.getCounterValue(id);
                }
            });
            return position[0];
        }
        catch (final RuntimeException ex)
        {
            return Long.MIN_VALUE;
        }
    }

    private static GridClient connect(final MediaDriver driver, final String requestChannel, final String name)
    {
        return GridClient.connect(new GridClientContext()
            .aeronDir(driver.aeronDirectoryName())
            .requestChannel(requestChannel)
            .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
            .credentials(name, null)
            .connectTimeout(Duration.ofSeconds(20)));
    }

    private static void printLatency(final String what, final Histogram histogram)
    {
        System.out.printf("   %s round trip, us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n", what,
            histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(90) / 1e3,
            histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3,
            histogram.getMaxValue() / 1e3);
    }

    private static String feed(final String symbol)
    {
        return "feed:{" + symbol + "}";
    }

    private static String price(final String symbol)
    {
        return "price:{" + symbol + "}";
    }

    private static byte[] encode(final long priceMicros)
    {
        return ByteBuffer.allocate(8).putLong(0, priceMicros).array();
    }

    private static long decode(final byte[] value)
    {
        return ByteBuffer.wrap(value).getLong(0);
    }

}
