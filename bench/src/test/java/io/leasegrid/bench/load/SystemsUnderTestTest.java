package io.leasegrid.bench.load;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every workload of every system really does what it says: runs briefly against a real node and a real Redis
 * and fails on the first operation that does not succeed (a rejected fencing token, a lock not granted).
 */
class SystemsUnderTestTest
{
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    File dir;

    @Test
    void leasegridShouldRunEveryWorkloadWithoutAFailure() throws Exception
    {
        GridNode node = null;
        LeasegridSystem ipc = null;
        LeasegridSystem udp = null;
        try
        {
            final String endpoint = "127.0.0.1:" + freePort();
            node = GridNode.launch(new GridNodeContext().dir(new File(dir, "node").getPath())
                .endpoint(endpoint).idleStrategyName("backoff"));
            final GridClient client = GridClient.connect(new GridClientContext().aeronDir(node.context().aeronDir())
                .requestChannel("aeron:ipc").responseChannel("aeron:ipc").connectTimeout(Duration.ofSeconds(30)));
            ipc = new LeasegridSystem("leasegrid-ipc", "IPC", client, "backoff");
            runEveryWorkload(ipc);
            // Every uncontended and contended lease was released again.
            assertTrue(client.status("bench:0:0").holders().isEmpty());
            assertTrue(client.status("hot:0").holders().isEmpty());

            // Over UDP the client runs its own media driver on the threads that wait for answers (the default).
            udp = new LeasegridSystem("leasegrid-udp", "UDP", GridClient.connect(new GridClientContext()
                .requestChannel("aeron:udp?endpoint=" + endpoint).responseChannel("aeron:udp?endpoint=127.0.0.1:0")
                .connectTimeout(Duration.ofSeconds(30))), "backoff");
            runEveryWorkload(udp);
            assertTrue(client.status("bench:1:5").holders().isEmpty());
        }
        finally
        {
            CloseHelper.quietCloseAll(udp, ipc, node);
        }
    }

    /**
     * Between two points of the floor its pinger's worker is gone for as long as the other systems' points take.
     * Nothing ran the pinger's own driver meanwhile: after 5 s the echo's reply stream timed out and the first ping
     * of the next point waited forever for a pong the echo had dropped (an open-loop point of 0 ops/s); after 10 s
     * Aeron ended the pinger's client ("service interval exceeded") and the run stopped.
     */
    @Test
    void floorPingShouldBeAnsweredAfterAGapLongerThanAeronsTimeouts() throws Exception
    {
        final String requestEndpoint = "127.0.0.1:" + LoadHarness.freeUdpPort();
        final String replyEndpoint = "127.0.0.1:" + LoadHarness.freeUdpPort();
        final MediaDriver echoDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.INVOKER).dirDeleteOnStart(true).dirDeleteOnShutdown(true));
        Aeron echoAeron = null;
        AgentRunner echo = null;
        AeronPingSystem floor = null;
        try
        {
            echoAeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(echoDriver.aeronDirectoryName())
                .useConductorAgentInvoker(true).driverAgentInvoker(echoDriver.sharedAgentInvoker()));
            echo = new AgentRunner(GridNodeContext.idleStrategy("backoff"), Throwable::printStackTrace, null,
                new EchoService(echoDriver.sharedAgentInvoker(), echoAeron, requestEndpoint, replyEndpoint));
            AgentRunner.startOnThread(echo);
            floor = new AeronPingSystem("aeron-udp", "raw Aeron UDP", null, "aeron:udp?endpoint=" + requestEndpoint,
                "aeron:udp?endpoint=" + replyEndpoint, "backoff");
            floor.prepare(Workload.PING);
            final Worker first = floor.worker(Workload.PING, 0);
            assertTrue(first.execute(1));
            first.close();

            // The gap: longer than Aeron's 10 s client timeout. The floor's keeper runs its transport meanwhile.
            Thread.sleep(11_000);

            floor.prepare(Workload.PING);
            final Worker second = floor.worker(Workload.PING, 0);
            final long startNs = System.nanoTime();
            assertTrue(second.execute(1), "the ping after the gap was not answered");
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            assertTrue(tookMs < 2_000, "the ping after the gap took " + tookMs + " ms");
            assertTrue(second.execute(2));
            second.close();
        }
        finally
        {
            CloseHelper.quietCloseAll(floor, echo, echoAeron, echoDriver);
        }
    }

    @Test
    void redisShouldRunEveryWorkloadWithoutAFailure() throws Exception
    {
        final String executable = redisServer();
        assumeTrue(null != executable, "redis-server is not installed (bin/setup --bench installs it)");
        final int port = freePort();
        try (RedisServer server = RedisServer.start(executable, new File(dir, "redis"), port, false))
        {
            final RedisSystem system = new RedisSystem("redis", "no persistence", server.port());
            runEveryWorkload(system);
            try (Jedis jedis = new Jedis("127.0.0.1", server.port()))
            {
                // Only the 1,000 prices remain: every lock key was deleted by its release script.
                assertEquals(Workload.SYMBOLS, jedis.dbSize());
            }
        }
    }

    private void runEveryWorkload(final SystemUnderTest system) throws Exception
    {
        for (final Workload workload : Workload.values())
        {
            if (!system.supports(workload, 4))
            {
                continue;
            }
            system.prepare(workload);
            final LoadPoint point = new LoadPoint(workload, 4, 0, 0, TimeUnit.MILLISECONDS.toNanos(300));
            final RunResult result = new LoadRun(system, point, QUIET)
                .run(new File(dir, workload.fileName() + "-" + system.name() + ".hdr"));
            assertEquals(0, result.errors(), system.name() + " " + workload);
            assertTrue(result.histogram().getTotalCount() > 10, system.name() + " " + workload + " ran " +
                result.histogram().getTotalCount());
        }
        final LoadPoint pipelined = new LoadPoint(Workload.LEASE, 2, 0, 0, TimeUnit.MILLISECONDS.toNanos(300), 16);
        final RunResult result = new LoadRun(system, pipelined, QUIET)
            .run(new File(dir, "pipelined-" + system.name() + ".hdr"));
        assertEquals(0, result.errors(), system.name() + " pipelined");
        assertEquals(0, result.histogram().getTotalCount() % 16, system.name() + " pipelined: whole batches");
        assertTrue(result.histogram().getTotalCount() >= 32, system.name() + " pipelined ran " +
            result.histogram().getTotalCount());
    }

    static String redisServer()
    {
        for (final String candidate : new String[]{ "/usr/bin/redis-server", "/usr/local/bin/redis-server" })
        {
            if (Files.isExecutable(Path.of(candidate)))
            {
                return candidate;
            }
        }
        return null;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
