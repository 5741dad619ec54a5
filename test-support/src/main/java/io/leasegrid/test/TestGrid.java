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
