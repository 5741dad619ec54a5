package io.leasegrid.tools;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.ValueRecord;
import io.leasegrid.node.GridNodeConfiguration;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * {@code bin/leasegrid put|get|delete|lease}: one request to a node running on this machine, for a person at a
 * terminal. The client shares the node's media driver ({@code <leasegrid.dir>/aeron}) and talks IPC.
 * Credentials, when the node wants them: {@code -Dleasegrid.client.name=NAME -Dleasegrid.client.secret=BASE64}.
 */
final class OneOffCommands
{
    private OneOffCommands()
    {
    }

    static int run(final String command, final String[] args) throws Exception
    {
        try (GridClient client = connect())
        {
            switch (command)
            {
                case "put":
                    require(args, 2, "put KEY VALUE");
                    System.out.println("version " + client.put(args[0], args[1].getBytes(StandardCharsets.UTF_8)));
                    return 0;

                case "get":
                {
                    require(args, 1, "get KEY");
                    final ValueRecord record = client.get(args[0]);
                    if (null == record)
                    {
                        System.out.println("(absent)");
                        return 1;
                    }
                    System.out.println(new String(record.value(), StandardCharsets.UTF_8) + "  (version " +
                        record.version() + ", " + Instant.ofEpochSecond(0, record.timestampNs()) + ")");
                    return 0;
                }

                case "status":
                    require(args, 1, "status RESOURCE");
                    System.out.println(client.status(args[0]));
                    return 0;

                case "delete":
                    require(args, 1, "delete KEY");
                    System.out.println(client.delete(args[0]) ? "deleted" : "(absent)");
                    return 0;

                case "lease":
                {
                    require(args, 2, "lease RESOURCE TTL_MS [HOLD_MS]");
                    final long ttlMs = Long.parseLong(args[1]);
                    final long holdMs = args.length > 2 ? Long.parseLong(args[2]) : 0;
                    final Lease lease = client.acquire(args[0], LeaseRequest.exclusive(Duration.ofMillis(ttlMs))
                        .waitTimeout(Duration.ofMillis(holdMs)).autoRenew(true));
                    System.out.println("granted " + lease);
                    final long until = System.nanoTime() + Duration.ofMillis(holdMs).toNanos();
                    while (System.nanoTime() - until < 0)
                    {
                        Thread.onSpinWait();
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                    lease.release();
                    System.out.println("released");
                    return 0;
                }

                default:
                    throw new IllegalArgumentException("unknown command " + command);
            }
        }
        catch (final GridException ex)
        {
            System.err.println("leasegrid: " + ex.getMessage());
            return 1;
        }
    }

    private static GridClient connect()
    {
        final String dir = System.getProperty(GridNodeConfiguration.DIR_PROP_NAME, GridNodeConfiguration.DIR_DEFAULT);
        final String aeronDir = System.getProperty(GridNodeConfiguration.AERON_DIR_PROP_NAME,
            new File(dir, "aeron").getAbsolutePath());
        if (!new File(aeronDir, "cnc.dat").exists())
        {
            throw new IllegalStateException("no running node found: " + aeronDir + " has no media driver (start one with " +
                "bin/leasegrid node, or set -Dleasegrid.dir)");
        }
        final String secret = System.getProperty("leasegrid.client.secret");
        return GridClient.connect(new GridClientContext()
            .aeronDir(aeronDir)
            .requestChannel("aeron:ipc")
            .responseChannel("aeron:ipc")
            .credentials(System.getProperty("leasegrid.client.name", "cli"),
                null == secret ? null : Base64.getDecoder().decode(secret)));
    }

    private static void require(final String[] args, final int count, final String usage)
    {
        if (args.length < count)
        {
            throw new IllegalArgumentException("usage: bin/leasegrid " + usage);
        }
    }
}
