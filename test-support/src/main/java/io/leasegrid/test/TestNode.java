package io.leasegrid.test;

import io.leasegrid.node.GridNodeContext;
import io.leasegrid.node.control.ControlPlaneMember;
import io.leasegrid.node.status.StatusFile;
import org.agrona.IoUtil;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of a {@link TestGrid}, running in a child JVM: its directory, its UDP endpoint, and what it printed.
 * Started, stopped (SIGTERM), killed (SIGKILL) and restarted with the same settings and directory.
 */
public final class TestNode implements AutoCloseable
{
    private final String name;
    private final File dir;
    private final int port;
    private final Map<String, String> properties;
    private ChildJvm process;

    TestNode(final String name, final File dir, final int port, final Map<String, String> properties)
    {
        this.name = name;
        this.dir = dir;
        this.port = port;
        this.properties = new LinkedHashMap<>(properties);
    }

    /**
     * Start the node and wait until it listens.
     */
    public TestNode start() throws IOException, InterruptedException
    {
        if (null != process)
        {
            throw new IllegalStateException(name + " is running");
        }
        final List<String> args = new ArrayList<>();
        args.add("leasegrid.dir=" + dir.getPath());
        args.add("leasegrid.endpoint=127.0.0.1:" + port);
        args.add("leasegrid.prometheus.port=-1");
        properties.forEach((key, value) -> args.add(key + "=" + value));
        process = ChildJvm.start(NodeMain.class, args.toArray(new String[0]));
        process.awaitLine(line -> line.contains("listening on"), 60_000);
        return this;
    }

    /**
     * Kill the node with SIGKILL and wait for it to be gone.
     */
    public void kill() throws IOException, InterruptedException
    {
        if (null != process)
        {
            process.killHard();
            process = null;
        }
    }

    /**
     * Stop the node with SIGTERM.
     *
     * @return its exit status.
     */
    public int stop(final long timeoutMs) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start();
        kill.waitFor();
        final int status = process.awaitExit(timeoutMs);
        process = null;
        return status;
    }

    /**
     * SIGKILL, then start again on the same directory and endpoint.
     */
    public TestNode restart() throws IOException, InterruptedException
    {
        kill();
        return start();
    }

    public String name()
    {
        return name;
    }

    public File dir()
    {
        return dir;
    }

    public long pid()
    {
        return process.pid();
    }

    public boolean isRunning()
    {
        return null != process;
    }

    /**
     * @return the node's media driver directory, for IPC clients.
     */
    public String aeronDir()
    {
        return GridNodeContext.runningAeronDir(dir.getPath());
    }

    /**
     * @return the node's UDP request channel.
     */
    public String requestChannel()
    {
        return "aeron:udp?endpoint=127.0.0.1:" + port;
    }

    public ChildJvm process()
    {
        return process;
    }

    /**
     * @return the node's counters, alerts and error log, and its last output, for a failed test's report.
     */
    public String dump()
    {
        final StringBuilder text = new StringBuilder("=== " + name + " (" + dir + ")\n");
        if (new File(dir, StatusFile.FILE_NAME).exists())
        {
            try (StatusFile status = StatusFile.open(dir))
            {
                final CountersReader counters = status.counters();
                counters.forEach((id, label) ->
                {
                    final long value = counters.getCounterValue(id);
                    if (0 != value)
                    {
                        text.append("  ").append(label).append(" = ").append(value).append('\n');
                    }
                });
                text.append("  alerts:\n");
                ErrorLogReader.read(status.alerts(), (count, first, last, event) ->
                    text.append("    ").append(count).append("x ").append(event.lines().findFirst().orElse("")).append('\n'));
                text.append("  errors:\n");
                ErrorLogReader.read(status.errors(), (count, first, last, event) ->
                    text.append("    ").append(count).append("x ").append(event).append('\n'));
            }
            catch (final RuntimeException ex)
            {
                text.append("  status file unreadable: ").append(ex).append('\n');
            }
        }
        if (null != process && process.isAlive())
        {
            text.append(shardThreads(process.pid()));
        }
        if (null != process)
        {
            final List<String> lines = process.lines();
            text.append("  last output:\n");
            for (final String line : lines.subList(Math.max(0, lines.size() - 20), lines.size()))
            {
                text.append("    ").append(line).append('\n');
            }
        }
        return text.toString();
    }

    /**
     * @return where the node's own threads stand (a thread dump, filtered): a node that stopped making progress shows
     * what it waits for.
     */
    private static String shardThreads(final long pid)
    {
        try
        {
            final Process jstack = new ProcessBuilder("jstack", Long.toString(pid)).redirectErrorStream(true).start();
            final String dump = new String(jstack.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            jstack.waitFor();
            final StringBuilder text = new StringBuilder("  threads:\n");
            for (final String thread : dump.split("\n\n"))
            {
                if (thread.startsWith("\"leasegrid"))
                {
                    thread.lines().limit(25).forEach(line -> text.append("    ").append(line).append('\n'));
                }
            }
            return text.toString();
        }
        catch (final IOException ex)
        {
            return "  threads: " + ex + "\n";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * Stop the node if it runs, and remove its media driver's directory, which lives outside the data directory
     * (in shared memory) and outlives a node killed with SIGKILL.
     */
    public void close()
    {
        if (null != process)
        {
            process.close();
            process = null;
        }
        removeDriverDirectory(dir);
    }

    /**
     * Remove the media driver directory of a node that ran on {@code dataDir}. It lives outside the data directory (in
     * shared memory), so a node killed with SIGKILL leaves it behind whatever removes the data directory.
     *
     * @param dataDir the node's data directory.
     */
    public static void removeDriverDirectory(final File dataDir)
    {
        IoUtil.delete(new File(GridNodeContext.runningAeronDir(dataDir.getPath())), true);
        // A node hosting a control plane member, or its client's driver (member id 0), has one more in shared memory.
        for (int memberId = 0; memberId <= 9; memberId++)
        {
            IoUtil.delete(ControlPlaneMember.driverDirectory(new File(dataDir, "control"), memberId), true);
        }
    }
}
