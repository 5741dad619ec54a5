package io.leasegrid.tools;

import io.leasegrid.node.GridNodeContext;
import io.leasegrid.client.ErrorCode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.node.GridNodeConfiguration;
import io.leasegrid.node.status.StatusFile;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;

/**
 * How a one-off command finds the node it talks to, in this order:
 * <ol>
 *     <li>{@code --node HOST:PORT}: a node on this machine reached over UDP (the command runs a media driver of its
 *     own);</li>
 *     <li>{@code --dir DIR}: the node running with that data directory, over IPC through its media driver;</li>
 *     <li>the {@code LEASEGRID_DIR} environment variable, then the {@code leasegrid.dir} system property
 *     ({@code LEASEGRID_JAVA_OPTS="-Dleasegrid.dir=..."}), then {@code ./data}.</li>
 * </ol>
 * A directory counts only when its node runs: its status file says running and its process is alive. Credentials:
 * {@code --name NAME} and {@code --secret-file FILE} (the base64 secret), or {@code -Dleasegrid.client.name} and
 * {@code -Dleasegrid.client.secret}.
 */
final class NodeLocator
{
    /**
     * No node to talk to, or it did not answer.
     */
    static final class Unreachable extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Unreachable(final String message)
        {
            super(message, null, false, false);
        }
    }

    private NodeLocator()
    {
    }

    /**
     * Declare the options that find the node and identify the client.
     */
    static CommandLine withNodeOptions(final CommandLine line)
    {
        return line
            .option("--dir", "data directory of the node to talk to (default: $LEASEGRID_DIR, -Dleasegrid.dir, ./data)")
            .option("--node", "HOST:PORT of a node on this machine to reach over UDP instead")
            .option("--name", "client name in the node's credentials file")
            .option("--secret-file", "file holding the client's base64 secret");
    }

    /**
     * Connect to the node the command line names.
     *
     * @throws Unreachable with one line saying why when there is no node to talk to.
     */
    static GridClient connect(final CommandLine line)
    {
        final GridClientContext context = new GridClientContext().connectTimeout(Duration.ofSeconds(10));
        credentials(line, context);
        final String node = line.option("--node");
        if (null != node)
        {
            if (!node.matches("[^:\\s]+:\\d{1,5}") || !validPort(node.substring(node.lastIndexOf(':') + 1)))
            {
                throw new UsageException("--node must be HOST:PORT with a port from 1 to 65535, not '" + node + "'");
            }
            context.requestChannel("aeron:udp?endpoint=" + node).responseChannel("aeron:udp?endpoint=127.0.0.1:0");
        }
        else
        {
            final File dir = nodeDirectory(line);
            requireRunning(dir);
            context.aeronDir(GridNodeContext.runningAeronDir(dir.getPath())).requestChannel("aeron:ipc");
        }
        try
        {
            return GridClient.connect(context);
        }
        catch (final GridException ex)
        {
            final boolean refused = ErrorCode.TIMEOUT != ex.code() && ErrorCode.NOT_CONNECTED != ex.code();
            throw new Unreachable((refused ? "the node did not let this command in: " : "cannot reach the node: ") +
                ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            throw new Unreachable("cannot reach the node: " + ex.getMessage());
        }
    }

    private static boolean validPort(final String port)
    {
        final int value = Integer.parseInt(port);
        return value >= 1 && value <= 65_535;
    }

    /**
     * @return the data directory the command line names, by the rule above.
     */
    static File nodeDirectory(final CommandLine line)
    {
        return null != line.option("--dir") ? new File(line.option("--dir")) : defaultDirectory();
    }

    /**
     * @return the data directory when no {@code --dir} is given: {@code $LEASEGRID_DIR}, {@code -Dleasegrid.dir},
     * {@code ./data}.
     */
    static File defaultDirectory()
    {
        final String fromEnvironment = System.getenv("LEASEGRID_DIR");
        if (null != fromEnvironment && !fromEnvironment.isBlank())
        {
            return new File(fromEnvironment);
        }
        return new File(System.getProperty(GridNodeConfiguration.DIR_PROP_NAME, GridNodeConfiguration.DIR_DEFAULT));
    }

    /**
     * @throws Unreachable unless a live node runs with {@code dir}.
     */
    static void requireRunning(final File dir)
    {
        final String where = dir.getAbsolutePath();
        if (!new File(dir, StatusFile.FILE_NAME).exists())
        {
            throw new Unreachable("no node has run with " + where + " (start one with bin/leasegrid node, or give " +
                "--dir DIR, --node HOST:PORT or LEASEGRID_DIR)");
        }
        final long pid;
        final int state;
        try (StatusFile status = StatusFile.open(dir))
        {
            pid = status.pid();
            state = status.state();
        }
        catch (final RuntimeException ex)
        {
            throw new Unreachable("cannot read the node's status file in " + where + ": " + ex.getMessage());
        }
        if (StatusFile.STOPPED == state)
        {
            throw new Unreachable("the node of " + where + " (pid " + pid + ") has stopped");
        }
        if (ProcessHandle.of(pid).map(process -> !process.isAlive()).orElse(true))
        {
            throw new Unreachable("the node of " + where + " (pid " + pid + ") is not running: it was killed");
        }
        final String aeronDir = GridNodeContext.runningAeronDir(dir.getPath());
        if (!new File(aeronDir, "cnc.dat").exists())
        {
            throw new Unreachable("the node of " + where + " runs no media driver of its own in " + aeronDir +
                "; reach it with --node HOST:PORT");
        }
    }

    private static void credentials(final CommandLine line, final GridClientContext context)
    {
        final String name = null != line.option("--name") ? line.option("--name") :
            System.getProperty("leasegrid.client.name", "cli");
        String secret = System.getProperty("leasegrid.client.secret");
        final String secretFile = line.option("--secret-file");
        if (null != secretFile)
        {
            try
            {
                secret = Files.readString(new File(secretFile).toPath(), StandardCharsets.UTF_8).trim();
            }
            catch (final IOException ex)
            {
                throw new UsageException("cannot read --secret-file " + secretFile + ": " + ex.getMessage());
            }
        }
        try
        {
            context.credentials(name, null == secret ? null : Base64.getDecoder().decode(secret));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("the client secret is not base64");
        }
    }
}
