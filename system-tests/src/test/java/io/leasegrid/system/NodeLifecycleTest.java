package io.leasegrid.system;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.ValueRecord;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.node.status.StatusFile;
import io.leasegrid.test.ChildJvm;
import io.leasegrid.test.NodeMain;
import io.leasegrid.test.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.net.DatagramSocket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node owns its directory while it runs, and stops cleanly when asked to by a signal.
 */
@Timeout(120)
class NodeLifecycleTest
{
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
    void shouldRefuseASecondNodeOnTheSameDirectoryAndLeaveTheFirstServing() throws Exception
    {
        final File nodeDir = new File(dir, "node");
        try (ChildJvm first = ChildJvm.start(NodeMain.class, "leasegrid.dir=" + nodeDir.getPath(),
            "leasegrid.endpoint=127.0.0.1:" + freeUdpPort(), "leasegrid.partitions=8"))
        {
            first.awaitLine(line -> line.contains("listening on"), 60_000);

            final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> GridNode.launch(
                new GridNodeContext().dir(nodeDir.getPath()).endpoint("127.0.0.1:" + freeUdpPort()).partitions(8)));
            assertTrue(refused.getMessage().contains("pid " + first.pid()), refused.getMessage());

            // The first node's driver, journal and status file are untouched: a client reaches it as before.
            try (GridClient client = GridClient.connect(new GridClientContext()
                .aeronDir(GridNodeContext.embeddedAeronDir(nodeDir.getPath()))
                .requestChannel("aeron:ipc")
                .responseChannel("aeron:ipc")
                .connectTimeout(Duration.ofSeconds(30))))
            {
                client.put("still-here", new byte[]{ 1 });
                final ValueRecord record = client.get("still-here");
                assertArrayEquals(new byte[]{ 1 }, record.value());
            }
            try (StatusFile status = StatusFile.open(nodeDir))
            {
                assertEquals(first.pid(), status.pid());
                assertEquals(StatusFile.RUNNING, status.state());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "TERM", "INT" })
    void shouldStopCleanlyOnASignal(final String signal) throws Exception
    {
        final File nodeDir = new File(dir, "node");
        final int port = freeUdpPort();
        try (ChildJvm node = ChildJvm.start(NodeMain.class, "leasegrid.dir=" + nodeDir.getPath(),
            "leasegrid.endpoint=127.0.0.1:" + port, "leasegrid.partitions=8"))
        {
            node.awaitLine(line -> line.contains("listening on"), 60_000);
            try (GridClient client = GridClient.connect(new GridClientContext()
                .aeronDir(GridNodeContext.embeddedAeronDir(nodeDir.getPath()))
                .requestChannel("aeron:ipc")
                .responseChannel("aeron:ipc")
                .connectTimeout(Duration.ofSeconds(30))))
            {
                client.put("before-stop", new byte[]{ 7 });
            }

            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertEquals(0, node.awaitExit(GridNode.STOP_TIMEOUT_MS + 5_000), String.join("\n", node.lines()));
            assertTrue(node.lines().stream().anyMatch(line -> line.contains("stopped")), node.lines().toString());
            try (StatusFile status = StatusFile.open(nodeDir))
            {
                assertEquals(StatusFile.STOPPED, status.state());
            }
        }

        // The directory is free again and the journal was closed cleanly: a new node recovers the value.
        try (GridNode again = GridNode.launch(new GridNodeContext().dir(nodeDir.getPath()).endpoint("127.0.0.1:" + port)
            .partitions(8));
            GridClient client = GridClient.connect(new GridClientContext()
                .aeronDir(again.context().aeronDir())
                .requestChannel("aeron:ipc")
                .responseChannel("aeron:ipc")
                .connectTimeout(Duration.ofSeconds(30))))
        {
            assertArrayEquals(new byte[]{ 7 }, client.get("before-stop").value());
        }
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
