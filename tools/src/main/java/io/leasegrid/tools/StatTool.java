package io.leasegrid.tools;

import io.leasegrid.node.GridNodeConfiguration;
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

    static int stat(final String[] args, final PrintStream out)
    {
        long intervalMs = 1_000;
        long count = Long.MAX_VALUE;
        File dir = nodeDir();
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--interval":
                    intervalMs = Long.parseLong(args[i + 1]);
                    break;
                case "--count":
                    count = Long.parseLong(args[i + 1]);
                    break;
                case "--dir":
                    dir = new File(args[i + 1]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i] + " (--interval MS, --count N, --dir DIR)");
            }
        }
        try (StatusFile status = StatusFile.open(dir))
        {
            final CountersReader counters = status.counters();
            for (long round = 0; round < count; round++)
            {
                if (round > 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(intervalMs));
                }
                out.println(Instant.now() + " - leasegrid counters of " + dir.getAbsolutePath());
                counters.forEach((value, counterId, label) ->
                    out.printf("%3d: %,20d - %s%n", counterId, value, label));
            }
        }
        return 0;
    }

    static int alerts(final String[] args, final PrintStream out)
    {
        final File dir = args.length >= 2 && "--dir".equals(args[0]) ? new File(args[1]) : nodeDir();
        try (StatusFile status = StatusFile.open(dir))
        {
            final int distinct = ErrorLogReader.read(status.alerts(),
                (observationCount, firstObservationTimestamp, lastObservationTimestamp, encodedException) ->
                    out.printf("%,d x  first %s  last %s  %s%n", observationCount,
                        Instant.ofEpochMilli(firstObservationTimestamp), Instant.ofEpochMilli(lastObservationTimestamp),
                        firstLine(encodedException)));
            out.println(distinct + " distinct alert(s)");
        }
        return 0;
    }

    private static String firstLine(final String encodedException)
    {
        final int newline = encodedException.indexOf('\n');
        final String line = newline < 0 ? encodedException : encodedException.substring(0, newline);
        return line.replace("io.leasegrid.node.status.Alerts$AlertEvent: ", "");
    }

    private static File nodeDir()
    {
        return new File(System.getProperty(GridNodeConfiguration.DIR_PROP_NAME, GridNodeConfiguration.DIR_DEFAULT));
    }
}
