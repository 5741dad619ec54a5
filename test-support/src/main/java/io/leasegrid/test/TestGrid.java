package io.leasegrid.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Nodes for a system test, each in a child JVM with its own directory and port on loopback. Register it as a JUnit
 * extension ({@code @RegisterExtension final TestGrid grid = new TestGrid();}): after each test it stops every node
 * and deletes their directories, and when the test failed it first prints every node's counters, alerts, error log
 * and last output.
 */
public final class TestGrid implements AfterEachCallback, AutoCloseable
{
    private final List<TestNode> nodes = new ArrayList<>();
    private Path root;
    private String members;

    /**
     * Start a node.
     *
     * @param properties node settings ({@code leasegrid.*}, {@code aeron.*}) beyond directory and endpoint.
     * @return the running node.
     */
    public TestNode startNode(final Map<String, String> properties) throws IOException, InterruptedException
    {
        final TestNode node = new TestNode("node-" + (nodes.size() + 1), new File(root(), "node-" + (nodes.size() + 1)),
            FreePorts.udp(), properties);
        nodes.add(node);
        return node.start();
    }

    /**
     * Start a replicated grid: {@code count} nodes with ids 1..count, each told every member's request and replication
     * endpoint ({@code leasegrid.members}), each in its own child JVM and directory.
     *
     * @param count      nodes.
     * @param properties settings every node gets beyond id, members, directory and endpoint.
     * @return the nodes, node id i at index i - 1.
     */
    public List<TestNode> startGrid(final int count, final Map<String, String> properties)
        throws IOException, InterruptedException
    {
        final int[] requestPorts = new int[count];
        final StringBuilder members = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            requestPorts[i] = FreePorts.udp();
            int replicationPort = FreePorts.udp();
            while (replicationPort == requestPorts[i])
            {
                replicationPort = FreePorts.udp();
            }
            members.append(0 == i ? "" : ",").append(i + 1).append("=127.0.0.1:").append(requestPorts[i])
                .append("/127.0.0.1:").append(replicationPort);
        }
        this.members = members.toString();
        final List<TestNode> started = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final Map<String, String> nodeProperties = new LinkedHashMap<>(properties);
            nodeProperties.put("leasegrid.node.id", Integer.toString(i + 1));
            nodeProperties.put("leasegrid.members", members.toString());
            final String name = "node-" + (nodes.size() + 1);
            final TestNode node = new TestNode(name, new File(root(), name), requestPorts[i], nodeProperties);
            nodes.add(node);
            started.add(node.start());
        }
        return started;
    }

    /**
     * @return a {@code leasegrid.control.members} value for a control plane of {@code count} members on loopback, member
     * i hosted by node i (ids from 1), each with its own block of free ports.
     */
    public static String controlPlaneMembers(final int count)
    {
        final StringBuilder members = new StringBuilder();
        for (int i = 1; i <= count; i++)
        {
            members.append(1 == i ? "" : ",").append(i).append("=127.0.0.1:").append(FreePorts.udpBlock(5));
        }
        return members.toString();
    }

    /**
     * @return the {@code leasegrid.members} value of the last {@link #startGrid}, or null.
     */
    public String members()
    {
        return members;
    }

    /**
     * Start a node with the defaults.
     */
    public TestNode startNode() throws IOException, InterruptedException
    {
        return startNode(Map.of());
    }

    /**
     * @return node {@code index}, from 0.
     */
    public TestNode node(final int index)
    {
        return nodes.get(index);
    }

    /**
     * @return a fresh directory inside the grid's, deleted with it.
     */
    public File newDirectory(final String name)
    {
        final File dir = new File(root(), name);
        if (!dir.mkdirs() && !dir.isDirectory())
        {
            throw new IllegalStateException("cannot create " + dir);
        }
        return dir;
    }

    /**
     * @return what every node reports, for a failure message.
     */
    public String dump()
    {
        final StringBuilder text = new StringBuilder();
        for (final TestNode node : nodes)
        {
            text.append(node.dump());
        }
        return text.toString();
    }

    public void afterEach(final ExtensionContext context)
    {
        if (context.getExecutionException().isPresent())
        {
            System.err.println("test failed; the grid was:\n" + dump());
        }
        close();
    }

    /**
     * Stop every node and delete the grid's directories.
     */
    public void close()
    {
        nodes.forEach(TestNode::close);
        nodes.clear();
        if (null != root)
        {
            try (Stream<Path> paths = Files.walk(root))
            {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
            catch (final IOException ignore)
            {
                // a leftover temp directory is not worth failing a test for
            }
            root = null;
        }
    }

    private File root()
    {
        if (null == root)
        {
            try
            {
                root = Files.createTempDirectory("leasegrid-test-grid");
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return root.toFile();
    }
}
