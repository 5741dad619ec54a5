package io.leasegrid.tools;

import io.leasegrid.node.GridNodeConfiguration;
import io.leasegrid.node.partition.PartitionRole;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.StatusFile;
import org.agrona.concurrent.status.CountersReader;
import org.agrona.concurrent.errors.ErrorLogReader;

import java.io.File;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/leasegrid stat} shows a running node's counters live, like Aeron's AeronStat; {@code bin/leasegrid
 * alerts} lists its alert events. Both read the node's memory-mapped status file from another process.
 */
final class StatTool
{
    private StatTool()
    {
    }

    static CommandLine statCommandLine()
    {
        return new CommandLine("bin/leasegrid stat [--interval MS] [--count N] [--partitions] [--dir DIR]",
            "Print a running (or stopped) node's counters, again every --interval MS (default 1000), --count times " +
            "(default: until Ctrl-C). Partitions are summed up by role unless --partitions is given; a failed one is " +
            "always named. The node is found as for the one-off commands (--dir, $LEASEGRID_DIR, -Dleasegrid.dir, ./data).")
            .flag("--partitions", "print every partition's role and positions")
            .option("--interval", "ms between prints (10 to 3600000)")
            .option("--count", "how many prints (1 to 1000000000)")
            .option("--dir", "the node's data directory");
    }

    static CommandLine alertsCommandLine()
    {
        return new CommandLine("bin/leasegrid alerts [--dir DIR]",
            "Print a node's alert events: kind, count, first and last time.")
            .option("--dir", "the node's data directory");
    }

    static CommandLine errorsCommandLine()
    {
        return new CommandLine("bin/leasegrid errors [--dir DIR]",
            "Print a node's error log: every distinct failure with its count, first and last time and stack trace.")
            .option("--dir", "the node's data directory");
    }

    static int stat(final CommandLine line, final PrintStream out)
    {
        final long intervalMs = null == line.option("--interval") ? 1_000 :
            CommandLine.number("--interval", line.option("--interval"), 10, 3_600_000);
        final long count = null == line.option("--count") ? Long.MAX_VALUE :
            CommandLine.number("--count", line.option("--count"), 1, 1_000_000_000);
        final File dir = statusDirectory(line);
        try (StatusFile status = StatusFile.open(dir))
        {
            final CountersReader counters = status.counters();
            for (long round = 0; round < count; round++)
            {
                if (round > 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(intervalMs));
                }
                out.println(Instant.now() + " - leasegrid counters of " + dir.getAbsolutePath() + " (node pid " +
                    status.pid() + ", " + state(status) + ")");
                print(counters, line.has("--partitions"), out);
            }
        }
        return ExitCodes.OK;
    }

    private static String state(final StatusFile status)
    {
        if (StatusFile.STOPPED == status.state())
        {
            return "stopped";
        }
        return ProcessHandle.of(status.pid()).map(ProcessHandle::isAlive).orElse(false) ? "running" : "killed";
    }

    private static void print(final CountersReader counters, final boolean everyPartition, final PrintStream out)
    {
        final int[] partitionsByRole = new int[PartitionRole.values().length];
        final StringBuilder failed = new StringBuilder();
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final CounterType type = CounterType.byTypeId(typeId);
            final long value = counters.getCounterValue(counterId);
            if (everyPartition || null == type || !type.perPartition())
            {
                out.printf("%3d: %,20d - %s%n", counterId, value, label);
            }
            if (CounterType.PARTITION_ROLE == type && value >= 0 && value < partitionsByRole.length)
            {
                partitionsByRole[(int)value]++;
                if (PartitionRole.FAILED.code() == value)
                {
                    failed.append(failed.length() == 0 ? "" : ", ").append(label);
                }
            }
        });
        final StringBuilder summary = new StringBuilder("     partitions by role:");
        for (final PartitionRole role : PartitionRole.values())
        {
            summary.append(' ').append(role.name().toLowerCase()).append(' ').append(partitionsByRole[role.code()]);
        }
        out.println(summary + (everyPartition ? "" : "  (--partitions for each)"));
        if (failed.length() > 0)
        {
            out.println("     FAILED: " + failed);
        }
    }

    static int alerts(final CommandLine line, final PrintStream out)
    {
        return printLog(line, out, true);
    }

    static int errors(final CommandLine line, final PrintStream out)
    {
        return printLog(line, out, false);
    }

    /**
     * Alerts print one line each (kind and text); errors print their whole stack trace.
     */
    private static int printLog(final CommandLine line, final PrintStream out, final boolean alerts)
    {
        try (StatusFile status = StatusFile.open(statusDirectory(line)))
        {
            final int distinct = ErrorLogReader.read(alerts ? status.alerts() : status.errors(),
                (observationCount, firstObservationTimestamp, lastObservationTimestamp, encodedException) ->
                    out.printf("%,d x  first %s  last %s%s%n", observationCount,
                        Instant.ofEpochMilli(firstObservationTimestamp), Instant.ofEpochMilli(lastObservationTimestamp),
                        alerts ? "  " + firstLine(encodedException) : "\n" + encodedException));
            out.println(distinct + " distinct " + (alerts ? "alert(s)" : "error(s)"));
        }
        return ExitCodes.OK;
    }

    private static File statusDirectory(final CommandLine line)
    {
        final File dir = NodeLocator.nodeDirectory(line);
        if (!new File(dir, StatusFile.FILE_NAME).exists())
        {
            throw new NodeLocator.Unreachable("no node has run with " + dir.getAbsolutePath() + " (give --dir DIR)");
        }
        return dir;
    }

    private static String firstLine(final String encodedException)
    {
        final int newline = encodedException.indexOf('\n');
        final String line = newline < 0 ? encodedException : encodedException.substring(0, newline);
        return line.replace("io.leasegrid.node.status.Alerts$AlertEvent: ", "");
    }
}
