package io.leasegrid.bench.load;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.node.control.ControlPlaneContext;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/leasegrid bench}: leasegrid beside Redis and the raw transport, on this machine, in one run. It starts
 * a leasegrid node, an Aeron echo service and two Redis servers (no persistence; append-only with fsync every
 * second) as separate processes on loopback, drives each with the same clients, rates and workloads, and writes
 * the report, percentile plots and HdrHistogram logs.
 */
public final class LoadHarness
{
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private LoadHarness()
    {
    }

    /**
     * The systems that run together, with the processes they need. A group runs alone: its processes are
     * started before its points and stopped after, so no other system's idle threads share the CPU with it.
     */
    private record Group(String name, List<SystemUnderTest> systems, List<AutoCloseable> resources, String description)
    {
    }

    @FunctionalInterface
    private interface GroupStarter
    {
        Group start() throws Exception;
    }

    public static void main(final String[] args) throws Exception
    {
        final LoadSettings settings = new LoadSettings();
        final PrintStream out = System.out;
        final String command = System.getProperty("leasegrid.bench.command", "bin/leasegrid bench");
        prepareOutput(settings.outputDir);
        final File work = Files.createTempDirectory("leasegrid-bench").toFile();
        final List<AutoCloseable> running = new ArrayList<>();
        final List<String> header = new ArrayList<>();
        header.add("date: " + ZonedDateTime.now().withNano(0));
        header.addAll(Environment.describe());
        header.add("settings: " + settings.describe());
        header.add("load generator: this JVM, one thread per client; the UDP clients (leasegrid's and the floor's) " +
            "run media drivers of their own on the threads that wait for answers, with the same idle strategy. " +
            "Each group of systems runs alone, its processes started before its points and stopped after.");
        final CpuWakeLatency wakeLatency = CpuWakeLatency.holdZero();
        header.add("CPU idle: " + wakeLatency.state());
        header.forEach(line -> out.println("bench: " + line));
        // Ctrl-C or a kill must not leave a node, an echo service or Redis servers running.
        final Thread cleanup = new Thread(() -> closeAll(running), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try
        {
            final List<GroupStarter> groups = List.of(
                () -> startFloor(settings, work),
                () -> startLeasegrid(settings, work),
                () -> startGrid3(settings, work, false),
                () -> startGrid3(settings, work, true),
                () -> startRedis(settings, work, false),
                () -> startRedis(settings, work, true));
            final List<LoadPoint> plan = settings.plan();
            final List<RunResult> results = new ArrayList<>();
            final long startNs = System.nanoTime();
            for (final GroupStarter starter : groups)
            {
                final Group group = starter.start();
                if (null == group)
                {
                    continue;
                }
                synchronized (running)
                {
                    running.addAll(group.resources());
                }
                header.add(group.name() + ": " + group.description());
                out.println("bench: " + group.name() + ": " + group.description());
                for (int i = 0; i < plan.size(); i++)
                {
                    final LoadPoint point = plan.get(i);
                    for (final SystemUnderTest system : group.systems())
                    {
                        if (system.supports(point.workload(), point.concurrency()))
                        {
                            out.printf("[%s %d/%d, %ds] %s%n", system.name(), i + 1, plan.size(),
                                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNs), point.describe());
                            system.prepare(point.workload());
                            final File hdr = new File(settings.outputDir, point.label() + "-" + system.name() + ".hdr");
                            final RunResult result = new LoadRun(system, point, out).run(hdr);
                            results.add(result);
                            out.printf("  %-14s %,9.0f ops/s  p50 %8.1f us  p99 %9.1f us  p99.9 %9.1f us  max %9.1f us" +
                                "  errors %d%s%s%n", system.name(), result.achievedRate(), result.micros(50),
                                result.micros(99), result.micros(99.9), result.maxMicros(), result.errors(),
                                point.closedLoop() ? "" : String.format("  send lag p99 %.1f us", result.sendLagMicros(99)),
                                result.saturated() ? "  SATURATED" : "");
                        }
                    }
                }
                closeAll(running);
            }
            results.sort(Comparator.comparingInt(r -> plan.indexOf(r.point())));
            final List<String> jmhRows = new ArrayList<>();
            if (settings.jmh)
            {
                out.println("JMH with -prof gc (short pass) ...");
                jmhRows.addAll(JmhFigures.run());
            }
            new Report(settings, command, header, results, jmhRows).write();
            out.printf("bench: done in %d s; report %s, summary %s%n",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNs),
                new File(settings.outputDir, "report.md").getPath(), settings.summaryFile.getPath());
        }
        finally
        {
            closeAll(running);
            wakeLatency.close();
            IoUtil.delete(work, true);
        }
    }

    private static Group startFloor(final LoadSettings settings, final File work) throws Exception
    {
        if (!settings.includes(Report.FLOOR) && !settings.includes(Report.FLOOR_IPC))
        {
            return null;
        }
        final List<AutoCloseable> resources = new ArrayList<>();
        final List<SystemUnderTest> systems = new ArrayList<>();
        try
        {
            final File echoDir = new File(work, "echo-aeron");
            final String echoEndpoint = "127.0.0.1:" + freeUdpPort();
            final String pongEndpoint = "127.0.0.1:" + freeUdpPort();
            final ChildProcess echo = ChildProcess.startJvm("echo", List.of("-Xmx256m"), EchoService.class,
                echoDir.getPath(), echoEndpoint, pongEndpoint, settings.idleStrategy);
            resources.add(0, echo);
            echo.awaitOutput("echo ready", START_TIMEOUT_NS);
            if (settings.includes(Report.FLOOR))
            {
                systems.add(register(resources, new AeronPingSystem(Report.FLOOR, "raw Aeron UDP",
                    null, "aeron:udp?endpoint=" + echoEndpoint,
                    "aeron:udp?endpoint=" + pongEndpoint, settings.idleStrategy)));
            }
            if (settings.includes(Report.FLOOR_IPC))
            {
                systems.add(register(resources, new AeronPingSystem(Report.FLOOR_IPC, "raw Aeron IPC", echoDir.getPath(),
                    "aeron:ipc", "aeron:ipc", settings.idleStrategy)));
            }
            for (final SystemUnderTest system : systems)
            {
                system.prepare(Workload.PING);
            }
            return new Group("transport floor", systems, resources, "echo service in a separate JVM whose one thread " +
                "runs its media driver (invoker threading) and echoes; the pinging thread runs a driver of its own " +
                "while it waits (UDP), as the leasegrid client does; idle strategy " + settings.idleStrategy +
                " everywhere");
        }
        catch (final Exception ex)
        {
            closeAll(resources);
            throw ex;
        }
    }

    private static Group startLeasegrid(final LoadSettings settings, final File work) throws Exception
    {
        if (!settings.includes(Report.LEASEGRID) && !settings.includes(Report.LEASEGRID_IPC))
        {
            return null;
        }
        final List<AutoCloseable> resources = new ArrayList<>();
        final List<SystemUnderTest> systems = new ArrayList<>();
        try
        {
            final String nodeEndpoint = "127.0.0.1:" + freeUdpPort();
            final File nodeDir = new File(work, "node");
            final List<String> nodeArgs = new ArrayList<>(List.of(
                "-Xmx1g", "-Dleasegrid.dir=" + nodeDir, "-Dleasegrid.endpoint=" + nodeEndpoint,
                "-Dleasegrid.prometheus.port=-1", "-Dleasegrid.idle.strategy=" + settings.idleStrategy));
            nodeArgs.addAll(settings.nodeJvmArgs);
            final ChildProcess node = ChildProcess.startJvm("node", nodeArgs, GridNode.class);
            resources.add(0, node);
            node.awaitOutput("listening on", START_TIMEOUT_NS);
            if (settings.includes(Report.LEASEGRID))
            {
                systems.add(register(resources, new LeasegridSystem(Report.LEASEGRID, "UDP",
                    GridClient.connect(new GridClientContext()
                        .requestChannel("aeron:udp?endpoint=" + nodeEndpoint)
                        .responseChannel("aeron:udp?endpoint=127.0.0.1:0").idleStrategy(settings.idleStrategy)
                        .connectTimeout(Duration.ofSeconds(30))), settings.idleStrategy)));
            }
            if (settings.includes(Report.LEASEGRID_IPC))
            {
                systems.add(register(resources, new LeasegridSystem(Report.LEASEGRID_IPC, "IPC",
                    GridClient.connect(new GridClientContext().aeronDir(GridNodeContext.embeddedAeronDir(nodeDir.getPath()))
                        .requestChannel("aeron:ipc").responseChannel("aeron:ipc").responseStreamId(2002)
                        .idleStrategy(settings.idleStrategy).connectTimeout(Duration.ofSeconds(30))),
                    settings.idleStrategy)));
            }
            return new Group("leasegrid", systems, resources, "node in a separate JVM (-Xmx1g), embedded media " +
                "driver run by the shard thread (driver threading auto = invoker), 1 shard, 271 partitions, idle " +
                "strategy " + settings.idleStrategy +
                " for shard, drivers and client conductor; the UDP client runs its own media driver (" +
                new GridClientContext().driverThreading() + " threading: the thread that waits for an answer runs it); durability: every operation journaled to Chronicle Queue " +
                "(page cache, no fsync per entry) before it is answered; clients share one GridClient");
        }
        catch (final Exception ex)
        {
            closeAll(resources);
            throw ex;
        }
    }

    /**
     * Three nodes, each in its own JVM, every partition on all three and committed on two: the replicated grid, with
     * one UDP client connected to node 1 that sends each request to its partition's primary.
     */
    private static Group startGrid3(final LoadSettings settings, final File work, final boolean controlPlane)
        throws Exception
    {
        final String name = controlPlane ? Report.GRID3_CONTROL : Report.GRID3;
        if (!settings.includes(name))
        {
            return null;
        }
        final List<AutoCloseable> resources = new ArrayList<>();
        try
        {
            final int nodes = 3;
            final String[] requestEndpoints = new String[nodes];
            final StringBuilder members = new StringBuilder();
            for (int i = 0; i < nodes; i++)
            {
                requestEndpoints[i] = "127.0.0.1:" + freeUdpPort();
                members.append(0 == i ? "" : ",").append(i + 1).append('=').append(requestEndpoints[i])
                    .append("/127.0.0.1:").append(freeUdpPort());
            }
            final StringBuilder controlMembers = new StringBuilder();
            for (int i = 0; i < nodes && controlPlane; i++)
            {
                controlMembers.append(0 == i ? "" : ",").append(i + 1).append("=127.0.0.1:")
                    .append(freeUdpBlock(ControlPlaneContext.MemberEndpoint.PORTS_PER_MEMBER));
            }
            final List<ChildProcess> started = new ArrayList<>();
            for (int i = 0; i < nodes; i++)
            {
                final String nodeName = (controlPlane ? "grid3-control-node-" : "grid3-node-") + (i + 1);
                final List<String> nodeArgs = new ArrayList<>(List.of(
                    "-Xmx1g", "-Dleasegrid.dir=" + new File(work, nodeName),
                    "-Dleasegrid.node.id=" + (i + 1), "-Dleasegrid.members=" + members,
                    "-Dleasegrid.prometheus.port=-1", "-Dleasegrid.idle.strategy=" + settings.idleStrategy));
                if (controlPlane)
                {
                    nodeArgs.add("-D" + ControlPlaneContext.MEMBERS_PROP_NAME + "=" + controlMembers);
                }
                nodeArgs.addAll(settings.nodeJvmArgs);
                final ChildProcess node = ChildProcess.startJvm(nodeName, nodeArgs, GridNode.class);
                resources.add(0, node);
                started.add(node);
            }
            for (final ChildProcess node : started)
            {
                node.awaitOutput("listening on", START_TIMEOUT_NS);
            }
            final GridClient client = GridClient.connect(new GridClientContext()
                .requestChannel("aeron:udp?endpoint=" + requestEndpoints[0])
                .responseChannel("aeron:udp?endpoint=127.0.0.1:0").idleStrategy(settings.idleStrategy)
                .connectTimeout(Duration.ofSeconds(30)));
            if (controlPlane)
            {
                awaitPrimaries(client);
            }
            final SystemUnderTest system = register(resources, new LeasegridSystem(name,
                controlPlane ? "UDP, 3 nodes, N=3 W=2, control plane" : "UDP, 3 nodes, N=3 W=2", client,
                settings.idleStrategy));
            return new Group(name, List.of(system), resources, (controlPlane ? "as " + Report.GRID3 + ", with the " +
                "control plane (a member in each node, heartbeats every 100 ms, primaries under primary leases): " : "") +
                "three nodes on this machine, each in its " +
                "own JVM (-Xmx1g) with its shard running its media driver, every partition on all three and " +
                "answered once two journals hold it (the primary sends each entry to both replicas over Aeron UDP " +
                "and waits for the first acknowledgement); one UDP client connected to node 1 that sends each " +
                "request to its partition's primary; idle strategy " + settings.idleStrategy + " everywhere");
        }
        catch (final Exception ex)
        {
            closeAll(resources);
            throw ex;
        }
    }

    private static Group startRedis(final LoadSettings settings, final File work, final boolean appendOnly)
        throws Exception
    {
        final String name = appendOnly ? Report.REDIS_AOF : Report.REDIS;
        if (!settings.includes(name))
        {
            return null;
        }
        final RedisServer redis = RedisServer.start(settings.redisServer, new File(work, name), freeTcpPort(), appendOnly);
        final String mode = appendOnly ? "appendonly yes, appendfsync everysec" : "no persistence";
        return new Group(name, List.of(new RedisSystem(name, mode, redis.port())), List.of(redis),
            "Redis " + redis.version() + " (" + settings.redisServer + "), separate process on loopback, no RDB " +
            "snapshots, " + mode + "; one Jedis " + RedisSystem.JEDIS_VERSION + " connection per client thread");
    }

    private static SystemUnderTest register(final List<AutoCloseable> resources, final SystemUnderTest system)
    {
        resources.add(0, system);
        return system;
    }

    private static void closeAll(final List<AutoCloseable> resources)
    {
        synchronized (resources)
        {
            for (final AutoCloseable resource : resources)
            {
                CloseHelper.quietClose(resource);
            }
            resources.clear();
        }
    }

    private static void prepareOutput(final File dir) throws IOException
    {
        if (!dir.isDirectory() && !dir.mkdirs())
        {
            throw new IOException("cannot create " + dir);
        }
        final File[] old = dir.listFiles((d, name) -> name.endsWith(".hdr") || name.endsWith(".png") || name.equals("report.md"));
        if (null != old)
        {
            for (final File file : old)
            {
                Files.delete(file.toPath());
            }
        }
    }

    /**
     * Wait until the control plane has appointed a primary for every partition: a write to each partition succeeds.
     */
    private static void awaitPrimaries(final GridClient client)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        final byte[] value = { 1 };
        final BitSet written = new BitSet();
        final int partitions = Partitioner.DEFAULT_PARTITION_COUNT;
        for (int i = 0; written.cardinality() < partitions; i++)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("the control plane appointed no primary for some partitions in 60 s");
            }
            final String key = "warm:" + (i % 100_000);
            final int partition = Partitioner.partition(
                key.getBytes(StandardCharsets.UTF_8), partitions);
            if (written.get(partition))
            {
                continue;
            }
            try
            {
                client.put(key, value);
                written.set(partition);
            }
            catch (final GridException ex)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    /**
     * A free port below the kernel's ephemeral range, never one the kernel picked for "any port": that one it may
     * hand out again (to a client's response channel) before the node binds it, and two sockets sharing a port lose
     * each other's datagrams.
     */
    static int freeUdpPort() throws IOException
    {
        return freeUdpBlock(1);
    }

    private static int freeUdpBlock(final int count) throws IOException
    {
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            final int first = ThreadLocalRandom.current().nextInt(10_000, 30_000 - count);
            boolean free = true;
            for (int port = first; port < first + count && free; port++)
            {
                try (DatagramSocket socket = new DatagramSocket(port, java.net.InetAddress.getLoopbackAddress()))
                {
                    free = socket.getLocalPort() == port;
                }
                catch (final IOException ex)
                {
                    free = false;
                }
            }
            if (free)
            {
                return first;
            }
        }
        throw new IOException("no " + count + " consecutive free UDP ports in [10000, 30000)");
    }

    private static int freeTcpPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
