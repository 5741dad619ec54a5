package io.leasegrid.tools;

import io.leasegrid.node.GridNode;
import io.leasegrid.node.control.ControlPlaneContext;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.StatusFile;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A replicated grid on this machine: each node a child JVM ({@code GridNode}) with its own data directory under one
 * root and its own request and replication ports on loopback, all told of each other through
 * {@code leasegrid.members}. Nodes can be stopped, killed with SIGKILL and started again on the same directory.
 * What a node prints goes to {@code node.log} in its directory.
 */
final class LocalGrid implements AutoCloseable
{
    /** The project's JVM flags file, named by bin/leasegrid, which node processes are started with. */
    static final String JVM_OPTIONS_PROP_NAME = "leasegrid.jvm.options";

    private static final long START_TIMEOUT_MS = 60_000;

    private final File root;
    private final int[] requestPorts;
    private final int[] replicationPorts;
    private final String members;
    private final String controlMembers;
    private final List<String> settings;
    private final Process[] processes;

    /**
     * @param root     directory holding one data directory per node.
     * @param nodes    how many nodes, ids 1..nodes.
     * @param basePort first node's request port; node i listens on basePort + 100 (i - 1) and replicates on 10 more.
     * @param settings extra {@code name=value} node settings for every node.
     */
    LocalGrid(final File root, final int nodes, final int basePort, final List<String> settings)
    {
        this(root, ports(nodes, basePort, 0), ports(nodes, basePort, 10), ports(Math.min(3, nodes), basePort, 20),
            settings);
    }

    /**
     * A grid whose nodes take whatever UDP ports of loopback are free now, as tests and the demo want.
     */
    static LocalGrid onFreePorts(final File root, final int nodes, final List<String> settings) throws IOException
    {
        final int[] request = new int[nodes];
        final int[] replication = new int[nodes];
        final int[] control = new int[Math.min(3, nodes)];
        for (int i = 0; i < nodes; i++)
        {
            request[i] = freeUdpPort();
            replication[i] = freeUdpPort();
        }
        for (int i = 0; i < control.length; i++)
        {
            control[i] = freeUdpBlock(ControlPlaneContext.MemberEndpoint.PORTS_PER_MEMBER);
        }
        return new LocalGrid(root, request, replication, control, settings);
    }

    /**
     * @param controlPorts first port of each control plane member's block, node 1's first; the control plane (hosted
     *                     by the first three nodes) appoints primaries and moves a dead node's partitions. A grid of
     *                     fewer than three nodes, or one whose settings turn it off, has none.
     */
    private LocalGrid(
        final File root,
        final int[] requestPorts,
        final int[] replicationPorts,
        final int[] controlPorts,
        final List<String> settings)
    {
        final int nodes = requestPorts.length;
        this.root = root;
        this.requestPorts = requestPorts;
        this.replicationPorts = replicationPorts;
        this.settings = List.copyOf(settings);
        this.processes = new Process[nodes];
        final StringBuilder spec = new StringBuilder();
        for (int i = 0; i < nodes; i++)
        {
            spec.append(0 == i ? "" : ",").append(i + 1).append("=127.0.0.1:").append(requestPorts[i])
                .append("/127.0.0.1:").append(replicationPorts[i]);
        }
        members = spec.toString();
        final StringBuilder control = new StringBuilder();
        for (int i = 0; i < controlPorts.length; i++)
        {
            control.append(0 == i ? "" : ",").append(i + 1).append("=127.0.0.1:").append(controlPorts[i]);
        }
        boolean configured = false;
        for (final String setting : settings)
        {
            configured |= setting.startsWith(ControlPlaneContext.MEMBERS_PROP_NAME + "=");
        }
        controlMembers = nodes < 3 || configured ? null : control.toString();
    }

    /**
     * A block of consecutive UDP ports of loopback, free now, below the kernel's range for "any port" sockets (so that
     * none of them is handed to a client while a member is down).
     */
    private static int freeUdpBlock(final int count) throws IOException
    {
        return freeUdpBlock(count, 20_000, 30_000);
    }

    private static int freeUdpBlock(final int count, final int lowest, final int highest) throws IOException
    {
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            final int first = ThreadLocalRandom.current().nextInt(lowest, highest - count);
            boolean free = true;
            for (int port = first; port < first + count && free; port++)
            {
                try (DatagramSocket socket = new DatagramSocket(port, InetAddress.getLoopbackAddress()))
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
        throw new IOException("no " + count + " consecutive free UDP ports in [" + lowest + ", " + highest + ")");
    }

    /**
     * @return the control plane members the nodes are given, or null when the grid runs without one.
     */
    String controlMembers()
    {
        return controlMembers;
    }

    private static int[] ports(final int nodes, final int basePort, final int offset)
    {
        final int[] ports = new int[nodes];
        for (int i = 0; i < nodes; i++)
        {
            ports[i] = basePort + 100 * i + offset;
        }
        return ports;
    }

    /**
     * A free port below the kernel's ephemeral range (32768 and up by default), never one the kernel picked for "any
     * port": that one it may hand out again (to a client's response channel, a control plane egress) before the node
     * binds it, and two sockets sharing a port lose each other's datagrams; clients then failed to connect now and
     * then.
     */
    private static int freeUdpPort() throws IOException
    {
        return freeUdpBlock(1, 10_000, 20_000);
    }

    int size()
    {
        return processes.length;
    }

    String members()
    {
        return members;
    }

    String requestChannel(final int nodeId)
    {
        return "aeron:udp?endpoint=127.0.0.1:" + requestPorts[nodeId - 1];
    }

    File dir(final int nodeId)
    {
        return new File(root, "node-" + nodeId);
    }

    File log(final int nodeId)
    {
        return new File(dir(nodeId), "node.log");
    }

    boolean isRunning(final int nodeId)
    {
        final Process process = processes[nodeId - 1];
        return null != process && process.isAlive();
    }

    /**
     * Start every node, then wait until each listens.
     */
    void startAll() throws IOException
    {
        for (int nodeId = 1; nodeId <= processes.length; nodeId++)
        {
            launch(nodeId);
        }
        for (int nodeId = 1; nodeId <= processes.length; nodeId++)
        {
            awaitListening(nodeId);
        }
    }

    /**
     * Start one node and wait until it listens.
     */
    void start(final int nodeId) throws IOException
    {
        launch(nodeId);
        awaitListening(nodeId);
    }

    /**
     * SIGKILL a node and wait until it is gone; its directory stays as the crash left it.
     */
    void kill(final int nodeId) throws InterruptedException
    {
        final Process process = processes[nodeId - 1];
        if (null != process)
        {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            processes[nodeId - 1] = null;
        }
    }

    /**
     * SIGTERM a node and wait for its clean stop.
     */
    void stop(final int nodeId) throws InterruptedException
    {
        final Process process = processes[nodeId - 1];
        if (null != process)
        {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            processes[nodeId - 1] = null;
        }
    }

    /**
     * @return each partition's primary as the running nodes' status files say (0 where none says it leads), after
     * waiting up to {@code timeoutMs} for every partition to have one: with a control plane, primaries are appointed
     * by it, not fixed by the placement.
     */
    int[] awaitPrimaries(final int partitions, final long timeoutMs)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            final int[] primaries = new int[partitions];
            int led = 0;
            for (int nodeId = 1; nodeId <= processes.length; nodeId++)
            {
                if (!isRunning(nodeId) || !new File(dir(nodeId), StatusFile.FILE_NAME).exists())
                {
                    continue;
                }
                final int node = nodeId;
                try (StatusFile status = StatusFile.open(dir(nodeId)))
                {
                    final CountersReader counters = status.counters();
                    counters.forEach((counterId, typeId, key, label) ->
                    {
                        final int partition = key.getInt(4);
                        if (CounterType.PARTITION_ROLE.typeId() == typeId && 1 == counters.getCounterValue(counterId) &&
                            partition >= 0 && partition < partitions)
                        {
                            primaries[partition] = node;
                        }
                    });
                }
                catch (final RuntimeException ex)
                {
                    // A node that is starting: ask again.
                }
            }
            for (final int primary : primaries)
            {
                led += 0 == primary ? 0 : 1;
            }
            if (led == partitions || System.nanoTime() - deadlineNs > 0)
            {
                return primaries;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /**
     * Stop every node that runs.
     */
    public void close()
    {
        for (int nodeId = 1; nodeId <= processes.length; nodeId++)
        {
            final Process process = processes[nodeId - 1];
            if (null != process)
            {
                process.destroy();
            }
        }
        for (int nodeId = 1; nodeId <= processes.length; nodeId++)
        {
            try
            {
                stop(nodeId);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void launch(final int nodeId) throws IOException
    {
        if (isRunning(nodeId))
        {
            throw new IllegalStateException("node " + nodeId + " is running");
        }
        final File dir = dir(nodeId);
        Files.createDirectories(dir.toPath());
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        command.addAll(jvmOptions());
        command.add("-Xmx256m");
        command.add("-Dleasegrid.node.id=" + nodeId);
        command.add("-Dleasegrid.members=" + members);
        if (null != controlMembers)
        {
            command.add("-D" + ControlPlaneContext.MEMBERS_PROP_NAME + "=" + controlMembers);
        }
        command.add("-Dleasegrid.dir=" + dir.getPath());
        // Nodes of one machine cannot share the metrics port: none unless a setting below names one.
        command.add("-Dleasegrid.prometheus.port=-1");
        for (final String setting : settings)
        {
            command.add("-D" + setting);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GridNode.class.getName());
        final File log = log(nodeId);
        Files.deleteIfExists(log.toPath());
        processes[nodeId - 1] = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .start();
    }

    private void awaitListening(final int nodeId) throws IOException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() - deadlineNs < 0)
        {
            final String output = Files.exists(log(nodeId).toPath()) ?
                Files.readString(log(nodeId).toPath(), StandardCharsets.UTF_8) : "";
            if (output.contains("listening on"))
            {
                return;
            }
            if (!isRunning(nodeId))
            {
                throw new IllegalStateException("node " + nodeId + " exited while starting: " + lastLine(output));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        throw new IllegalStateException("node " + nodeId + " did not start within " + START_TIMEOUT_MS + " ms; see " +
            log(nodeId));
    }

    private static String lastLine(final String output)
    {
        final String trimmed = output.trim();
        return trimmed.isEmpty() ? "(no output)" : trimmed.substring(trimmed.lastIndexOf('\n') + 1);
    }

    /**
     * The JVM flags this process runs with that a node needs too (module openings for Chronicle, GC settings), from
     * the project's options file when the launcher names it, else this JVM's own.
     */
    private static List<String> jvmOptions()
    {
        final String file = System.getProperty(JVM_OPTIONS_PROP_NAME);
        if (null != file && new File(file).isFile())
        {
            return List.of("@" + file);
        }
        final List<String> options = new ArrayList<>();
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!argument.startsWith("-Dleasegrid.") && !argument.startsWith("-Xmx") && !argument.startsWith("-agentlib"))
            {
                options.add(argument);
            }
        }
        return options;
    }
}
