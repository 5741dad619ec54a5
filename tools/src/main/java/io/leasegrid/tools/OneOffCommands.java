package io.leasegrid.tools;

import io.leasegrid.client.ErrorCode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseHolder;
import io.leasegrid.client.LeaseListing;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.ResourceStatus;
import io.leasegrid.client.ValueRecord;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/leasegrid put|get|delete|lease|status|list}: one request to a running node, for a person at a terminal.
 * The node is found as {@link NodeLocator} says. Exit codes are {@link ExitCodes}'.
 */
final class OneOffCommands
{
    private OneOffCommands()
    {
    }

    /**
     * @return the command line of {@code command}, or null when it is not a one-off command.
     */
    static CommandLine commandLine(final String command)
    {
        switch (command)
        {
            case "put":
                return NodeLocator.withNodeOptions(new CommandLine("bin/leasegrid put KEY VALUE [--dir DIR|--node HOST:PORT]",
                    "Put VALUE (text, at most 64 KiB) under KEY (1 to 256 bytes) and print its new version.")
                    .required("KEY").required("VALUE"));
            case "get":
                return NodeLocator.withNodeOptions(new CommandLine("bin/leasegrid get KEY [--dir DIR|--node HOST:PORT]",
                    "Print the value under KEY with its version and time; exit 3 when the key has none.")
                    .required("KEY"));
            case "delete":
                return NodeLocator.withNodeOptions(new CommandLine("bin/leasegrid delete KEY [--dir DIR|--node HOST:PORT]",
                    "Delete the value under KEY; exit 3 when the key had none.")
                    .required("KEY"));
            case "lease":
                return NodeLocator.withNodeOptions(new CommandLine(
                    "bin/leasegrid lease RESOURCE TTL_MS [HOLD_MS] [--wait MS] [--dir DIR|--node HOST:PORT]",
                    "Take an exclusive lease on RESOURCE (TTL 10 ms to 1 h, renewed while held), hold it HOLD_MS " +
                    "(default 0) and release it. It waits in line up to --wait MS (default HOLD_MS, at most 10 min).")
                    .required("RESOURCE").required("TTL_MS").optional("HOLD_MS")
                    .option("--wait", "how long to wait in line, in ms (0 to 600000)"));
            case "status":
                return NodeLocator.withNodeOptions(new CommandLine("bin/leasegrid status RESOURCE [--dir DIR|--node HOST:PORT]",
                    "Who holds RESOURCE (session, lease id, fencing token, time left) and how many wait.")
                    .required("RESOURCE"));
            case "list":
                return NodeLocator.withNodeOptions(new CommandLine(
                    "bin/leasegrid list [PREFIX] [--session ID] [--max N] [--dir DIR|--node HOST:PORT]",
                    "List live leases on resources starting with PREFIX (all by default), held by session ID if given.")
                    .optional("PREFIX")
                    .option("--session", "holder's session id")
                    .option("--max", "at most this many leases (1 to 1000, default 100)"));
            default:
                return null;
        }
    }

    static int run(final String command, final CommandLine line, final PrintStream out, final PrintStream err)
    {
        final String key;
        final byte[] value;
        final long ttlMs;
        final long holdMs;
        final long waitMs;
        final long owner;
        final int max;
        switch (command)
        {
            case "put":
                key = CommandLine.name("KEY", line.positional("KEY"));
                value = CommandLine.value("VALUE", line.positional("VALUE"));
                break;
            case "lease":
                key = CommandLine.name("RESOURCE", line.positional("RESOURCE"));
                value = null;
                break;
            case "list":
                key = null == line.positional("PREFIX") ? "" : line.positional("PREFIX");
                value = null;
                break;
            default:
                key = CommandLine.name("get".equals(command) || "delete".equals(command) ? "KEY" : "RESOURCE",
                    line.positional("get".equals(command) || "delete".equals(command) ? "KEY" : "RESOURCE"));
                value = null;
                break;
        }
        ttlMs = "lease".equals(command) ? CommandLine.number("TTL_MS", line.positional("TTL_MS"), 10, 3_600_000) : 0;
        holdMs = "lease".equals(command) && null != line.positional("HOLD_MS") ?
            CommandLine.number("HOLD_MS", line.positional("HOLD_MS"), 0, 86_400_000) : 0;
        waitMs = null != line.option("--wait") ? CommandLine.number("--wait", line.option("--wait"), 0, 600_000) :
            Math.min(holdMs, 600_000);
        owner = null != line.option("--session") ? CommandLine.number("--session", line.option("--session"), 1,
            Long.MAX_VALUE) : 0;
        max = null != line.option("--max") ? (int)CommandLine.number("--max", line.option("--max"), 1, 1000) : 100;

        try (GridClient client = NodeLocator.connect(line))
        {
            switch (command)
            {
                case "put":
                    out.println("version " + client.put(key, value));
                    return ExitCodes.OK;

                case "get":
                {
                    final ValueRecord record = client.get(key);
                    if (null == record)
                    {
                        out.println("(absent)");
                        return ExitCodes.NOT_FOUND;
                    }
                    out.println(record.valueAsString() + "  (version " + record.version() + ", " +
                        Instant.ofEpochSecond(0, record.timestampNs()) + ")");
                    return ExitCodes.OK;
                }

                case "delete":
                    if (!client.delete(key))
                    {
                        out.println("(absent)");
                        return ExitCodes.NOT_FOUND;
                    }
                    out.println("deleted");
                    return ExitCodes.OK;

                case "status":
                {
                    final ResourceStatus status = client.status(key);
                    out.println(status);
                    return ExitCodes.OK;
                }

                case "list":
                {
                    final LeaseListing listing = client.listLeases(key, owner, max);
                    for (final LeaseHolder entry : listing.leases())
                    {
                        out.println(entry);
                    }
                    out.println(listing.leases().size() + " lease(s)" + (listing.truncated() ? ", more not shown" : ""));
                    return ExitCodes.OK;
                }

                case "lease":
                {
                    final Lease lease = client.acquire(key, LeaseRequest.exclusive(Duration.ofMillis(ttlMs))
                        .waitTimeout(Duration.ofMillis(waitMs)).autoRenew(true));
                    out.println("granted " + lease);
                    final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(holdMs);
                    while (System.nanoTime() - until < 0 && lease.isValid())
                    {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                    if (!lease.isValid())
                    {
                        err.println("leasegrid lease: the lease was lost while held: " + (null == lease.endReason() ?
                            "its safe-until time passed before a renewal confirmed it" : lease.endReason()));
                        return ExitCodes.REFUSED;
                    }
                    lease.release();
                    out.println("released");
                    return ExitCodes.OK;
                }

                default:
                    throw new IllegalArgumentException(command);
            }
        }
        catch (final GridException ex)
        {
            err.println("leasegrid " + command + ": " + ex.getMessage());
            if (ErrorCode.NOT_PRIMARY == ex.code() && null == line.option("--node"))
            {
                err.println("leasegrid " + command + ": another node of the grid leads this name; through --dir the " +
                    "command reaches only that directory's node (over IPC): give --node HOST:PORT to reach them all");
            }
            return ErrorCode.TIMEOUT == ex.code() || ErrorCode.NOT_CONNECTED == ex.code() ? ExitCodes.NO_NODE :
                ExitCodes.REFUSED;
        }
    }
}
