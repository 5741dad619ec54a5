package io.leasegrid.system;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.test.ChildJvm;
import io.leasegrid.test.NodeMain;
import io.leasegrid.test.TestNode;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node serving clients for weeks must end with the resources it started with: clients that connect, work and
 * close must leave no open files and no log buffers behind in the node's process.
 */
@Timeout(300)
class SessionChurnTest
{
    private static final int CYCLES = 500;
    private static final int SLACK = 8;

    @TempDir
    File dir;

    /**
     * The node's media driver directory lives in shared memory, outside the temporary directory, and a node killed
     * at the end of a test leaves it behind.
     */
    @AfterEach
    void removeDriverDirectory()
    {
        TestNode.removeDriverDirectory(new File(dir, "node"));
    }

    @Test
    void shouldGiveBackEveryResourceOfClosedSessions() throws Exception
    {
        final File nodeDir = new File(dir, "node");
        final int port;
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            port = socket.getLocalPort();
        }
        MediaDriver clientDriver = null;
        // Short liveness and linger so that the driver lets go of closed images and publications within seconds.
        try (ChildJvm node = ChildJvm.start(NodeMain.class, "leasegrid.dir=" + nodeDir.getPath(),
            "leasegrid.endpoint=127.0.0.1:" + port, "leasegrid.partitions=8", "leasegrid.shards=2",
            "aeron.image.liveness.timeout=2000000000", "aeron.publication.linger.timeout=1000000000",
            "aeron.publication.connection.timeout=2000000000"))
        {
            node.awaitLine(line -> line.contains("listening on"), 60_000);
            clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(new File(dir, "client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            final GridClientContext clientContext = new GridClientContext()
                .aeronDir(clientDriver.aeronDirectoryName())
                .requestChannel("aeron:udp?endpoint=127.0.0.1:" + port)
                .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
                .connectTimeout(Duration.ofSeconds(30));

            // One client first, so that the node's one-off allocations (first publication, first image) are counted.
            try (GridClient warmUp = GridClient.connect(clientContext))
            {
                warmUp.put("warm", new byte[1]);
            }
            final File aeronDir = new File(GridNodeContext.embeddedAeronDir(nodeDir.getPath()));
            final Resources start = awaitSettled(node.pid(), aeronDir);

            for (int i = 0; i < CYCLES; i++)
            {
                try (GridClient client = GridClient.connect(clientContext))
                {
                    client.put("churn-" + (i % 16), new byte[]{ (byte)i });
                }
            }

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Resources now = Resources.of(node.pid(), aeronDir);
            while (now.openFiles > start.openFiles + SLACK || now.aeronFiles > start.aeronFiles + SLACK)
            {
                assertTrue(System.nanoTime() - deadline < 0, "after " + CYCLES + " connect/close cycles the node holds " +
                    now + ", it started with " + start);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                now = Resources.of(node.pid(), aeronDir);
            }
        }
        finally
        {
            CloseHelper.quietClose(clientDriver);
        }
    }

    private static Resources awaitSettled(final long pid, final File aeronDir) throws IOException
    {
        // The warm-up client's image and publication linger for a while; wait until the counts stop falling.
        Resources previous = Resources.of(pid, aeronDir);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int stable = 0;
        while (stable < 10 && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
            final Resources now = Resources.of(pid, aeronDir);
            stable = now.equals(previous) ? stable + 1 : 0;
            previous = now;
        }
        return previous;
    }

    private static final class Resources
    {
        final long openFiles;
        final long aeronFiles;

        private Resources(final long openFiles, final long aeronFiles)
        {
            this.openFiles = openFiles;
            this.aeronFiles = aeronFiles;
        }

        static Resources of(final long pid, final File aeronDir) throws IOException
        {
            for (int attempt = 0; ; attempt++)
            {
                // The driver deletes files as we walk its directory: walk again when one vanishes under us.
                try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"));
                    Stream<Path> files = Files.walk(aeronDir.toPath()))
                {
                    return new Resources(fds.count(), files.filter(Files::isRegularFile).count());
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

        public boolean equals(final Object other)
        {
            return other instanceof Resources && ((Resources)other).openFiles == openFiles &&
                ((Resources)other).aeronFiles == aeronFiles;
        }

        public int hashCode()
        {
            return Long.hashCode(openFiles * 31 + aeronFiles);
        }

        public String toString()
        {
            return openFiles + " open files and " + aeronFiles + " files in the Aeron directory";
        }
    }
}
