package io.leasegrid.tools;

import io.leasegrid.node.GridNodeContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.node.GridNode;
import org.agrona.CloseHelper;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bin/leasegrid churn [--minutes M]}: a soak of ordinary client churn. Starts a node in a child process and,
 * for the given time, connects clients over UDP, has each do one put, and closes them; every ten seconds it prints
 * the node's open files and the files in its Aeron directory, which must stay flat however many clients came and
 * went. Exit status 1 when they grew by more than a small constant by the end.
 */
final class SessionChurn
{
    private static final long SLACK = 16;

    private SessionChurn()
    {
    }

    static CommandLine commandLine()
    {
        return new CommandLine("bin/leasegrid churn [--minutes M]",
            "A soak of ordinary client churn: a node in a child process, clients connecting, putting and closing for M " +
            "minutes while the node's open files and Aeron files are printed every 10 s; exit 1 if they grew.")
            .option("--minutes", "how long, a decimal number of minutes above 0 and up to 1440 (default 2)");
    }

    static int run(final String[] args) throws Exception
    {
        final CommandLine line = commandLine().parse(args);
        double minutes = 2;
        if (null != line.option("--minutes"))
        {
            try
            {
                minutes = Double.parseDouble(line.option("--minutes"));
            }
            catch (final NumberFormatException ex)
            {
                minutes = Double.NaN;
            }
            if (!(minutes > 0 && minutes <= 24 * 60))
            {
                throw new UsageException("--minutes must be a number above 0 and up to 1440, not '" +
                    line.option("--minutes") + "'");
            }
        }

        final File dir = Files.createTempDirectory("leasegrid-churn").toFile();
        final int port = freeUdpPort();
        final File nodeDir = new File(dir, "node");
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-Dleasegrid.dir=" + nodeDir.getPath());
        command.add("-Dleasegrid.endpoint=127.0.0.1:" + port);
        command.add("-Dleasegrid.prometheus.port=-1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GridNode.class.getName());
        final Process node = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(new File(dir, "node.log")).start();
        MediaDriver clientDriver = null;
        try
        {
            clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(new File(dir, "client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            final GridClientContext context = new GridClientContext()
                .aeronDir(clientDriver.aeronDirectoryName())
                .requestChannel("aeron:udp?endpoint=127.0.0.1:" + port)
                .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
                .connectTimeout(Duration.ofSeconds(30));
            final File aeronDir = new File(GridNodeContext.embeddedAeronDir(nodeDir.getPath()));
            try (GridClient first = GridClient.connect(context))
            {
                first.put("churn", new byte[1]);
            }
            final long[] start = resources(node.pid(), aeronDir);
            System.out.printf("leasegrid churn: node pid %d, %d open files and %d Aeron files after the first client%n",
                node.pid(), start[0], start[1]);

            final long endNs = System.nanoTime() + (long)(minutes * 60e9);
            long nextReportNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long cycles = 0;
            while (System.nanoTime() - endNs < 0)
            {
                try (GridClient client = GridClient.connect(context))
                {
                    client.put("churn-" + (cycles % 64), new byte[]{ (byte)cycles });
                }
                cycles++;
                if (System.nanoTime() - nextReportNs >= 0)
                {
                    nextReportNs += TimeUnit.SECONDS.toNanos(10);
                    final long[] now = resources(node.pid(), aeronDir);
                    System.out.printf("%,8d clients came and went: node holds %d open files, %d Aeron files%n",
                        cycles, now[0], now[1]);
                }
            }

            // Closed publications and images linger in the driver for a few seconds before it lets them go.
            final long settleNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long[] end = resources(node.pid(), aeronDir);
            while (!withinSlack(start, end) && System.nanoTime() - settleNs < 0)
            {
                Thread.sleep(500);
                end = resources(node.pid(), aeronDir);
            }
            final boolean flat = withinSlack(start, end);
            System.out.printf("leasegrid churn: %,d clients; node started with %d open files and %d Aeron files, " +
                "ends with %d and %d: %s%n", cycles, start[0], start[1], end[0], end[1], flat ? "flat" : "LEAKING");
            return flat ? 0 : 1;
        }
        finally
        {
            CloseHelper.quietClose(clientDriver);
            node.destroy();
            if (!node.waitFor(10, TimeUnit.SECONDS))
            {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            deleteRecursively(dir.toPath());
        }
    }

    private static boolean withinSlack(final long[] start, final long[] now)
    {
        return now[0] <= start[0] + SLACK && now[1] <= start[1] + SLACK;
    }

    private static long[] resources(final long pid, final File aeronDir) throws IOException
    {
        for (int attempt = 0; ; attempt++)
        {
            // The driver deletes files as we walk its directory: walk again when one vanishes under us.
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"));
                Stream<Path> files = Files.walk(aeronDir.toPath()))
            {
                return new long[]{ fds.count(), files.filter(Files::isRegularFile).count() };
            }
            catch (final java.io.UncheckedIOException ex)
            {
                if (attempt >= 10)
                {
                    throw ex;
                }
            }
        }
    }

    private static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(final Path root) throws IOException
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(path -> path.toFile().delete());
        }
    }
}
