package io.leasegrid.tools;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.ValueRecord;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;

import java.io.File;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/leasegrid demo}: the stock-price scenario. A node starts; two feed handlers compete for the lease on
 * each symbol; the holder publishes prices with fenced puts while a trader reads them; then the holder stalls
 * past its TTL, its standby takes over with a higher fencing token, and the stalled holder's late writes are
 * refused. Everything crosses Aeron UDP over loopback between two media drivers.
 */
final class StockPriceDemo
{
    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG" };
    private static final Duration TTL = Duration.ofSeconds(2);

    private StockPriceDemo()
    {
    }

    static CommandLine commandLine()
    {
        return new CommandLine("bin/leasegrid demo [--updates N]",
            "The stock-price scenario over UDP: a node, two feed handlers competing for each symbol's lease, fenced " +
            "price updates read by a trader, a stalled holder replaced by its standby, its late writes refused.")
            .option("--updates", "price updates to publish (1 to 1000000, default 20000)");
    }

    static int run(final String[] args) throws Exception
    {
        final CommandLine line = commandLine().parse(args);
        final int updates = null == line.option("--updates") ? 20_000 :
            (int)CommandLine.number("--updates", line.option("--updates"), 1, 1_000_000);

        final File dir = Files.createTempDirectory("leasegrid-demo").toFile();
        GridNode node = null;
        MediaDriver clientDriver = null;
        GridClient feedA = null;
        GridClient feedB = null;
        GridClient trader = null;
        try
        {
            final GridNodeContext nodeContext = new GridNodeContext()
                .dir(new File(dir, "node").getPath())
                .endpoint("127.0.0.1:" + freeUdpPort())
                .sessionTimeoutMs(3_000);
            node = GridNode.launch(nodeContext);
            System.out.println("leasegrid demo: lease-based coordination of stock prices");
            System.out.println("node up: " + nodeContext.requestChannel() + ", " + nodeContext.partitions() +
                " partitions, data in " + nodeContext.journalDir());

            clientDriver = MediaDriver.launchEmbedded(GridNodeContext.driverIdleStrategy(new MediaDriver.Context()
                .aeronDirectoryName(new File(dir, "client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true), nodeContext.idleStrategyName()));
            feedA = connect(clientDriver, nodeContext, "feed-handler-A");
            feedB = connect(clientDriver, nodeContext, "feed-handler-B");
            trader = connect(clientDriver, nodeContext, "trader");
            System.out.println("clients connected over UDP: feed-handler-A, feed-handler-B, trader");
            System.out.println();

            System.out.println("1. both feed handlers ask for the lease on each symbol (TTL " + TTL.toMillis() + " ms)");
            final Map<String, Lease> heldByA = new LinkedHashMap<>();
            final Map<String, CompletableFuture<Lease>> standbyB = new LinkedHashMap<>();
            for (final String symbol : SYMBOLS)
            {
                final Lease lease = feedA.acquire(feed(symbol), LeaseRequest.exclusive(TTL));
                heldByA.put(symbol, lease);
                standbyB.put(symbol, feedB.acquireAsync(feed(symbol),
                    LeaseRequest.exclusive(TTL).waitTimeout(Duration.ofSeconds(30))));
                System.out.printf("   %-5s feed-handler-A holds it (fencing token %d); feed-handler-B waits in line%n",
                    symbol, lease.fencingToken());
            }
            System.out.println();

            System.out.printf("2. feed-handler-A publishes %,d prices with fenced puts, the trader reads them%n", updates);
            final Histogram putLatency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            final Histogram getLatency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            final long[] priceMicros = { 187_000_000, 415_000_000, 172_000_000 };
            final long publishStart = System.nanoTime();
            for (int i = 0; i < updates; i++)
            {
                final int s = i % SYMBOLS.length;
                final Lease lease = heldByA.get(SYMBOLS[s]);
                if (!lease.isValid())
                {
                    lease.renew();
                }
                else if (lease.safeUntilNs() - System.nanoTime() < TTL.toNanos() / 2)
                {
                    lease.renew();
                }
                priceMicros[s] += (i * 7919L % 21) - 10;
                final long before = System.nanoTime();
                feedA.fencedPut(price(SYMBOLS[s]), encode(priceMicros[s]), lease);
                final long between = System.nanoTime();
                trader.get(price(SYMBOLS[s]));
                final long after = System.nanoTime();
                putLatency.recordValue(between - before);
                getLatency.recordValue(after - between);
            }
            final double seconds = (System.nanoTime() - publishStart) / 1e9;
            printLatency("fenced put", putLatency);
            printLatency("get       ", getLatency);
            System.out.printf("   %,.0f put+get round trips per second from one thread, each put journaled%n", updates / seconds);
            for (final String symbol : SYMBOLS)
            {
                final ValueRecord record = trader.get(price(symbol));
                System.out.printf("   trader sees %-5s %10.4f (version %d)%n", symbol, decode(record.value()) / 1e6, record.version());
            }
            System.out.println();

            System.out.println("3. feed-handler-A stalls (a long GC pause): it stops renewing and publishing");
            final long stallStart = System.nanoTime();
            for (final String symbol : SYMBOLS)
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
            for (final String symbol : SYMBOLS)
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
            for (final String symbol : SYMBOLS)
            {
                System.out.printf("   trader still sees %-5s %10.4f (from feed-handler-B)%n",
                    symbol, decode(trader.get(price(symbol)).value()) / 1e6);
            }
            System.out.println();
            System.out.println(refused == SYMBOLS.length ? "demo complete: no stale price reached the grid" :
                "demo FAILED: a stale write was accepted");
            return refused == SYMBOLS.length ? 0 : 1;
        }
        finally
        {
            CloseHelper.quietCloseAll(feedA, feedB, trader, node, clientDriver);
            IoUtil.delete(dir, true);
        }
    }

    private static GridClient connect(final MediaDriver driver, final GridNodeContext node, final String name)
    {
        return GridClient.connect(new GridClientContext()
            .aeronDir(driver.aeronDirectoryName())
            .requestChannel(node.requestChannel())
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

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
