package io.leasegrid.tools;

import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.StatusFile;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * {@code bin/leasegrid grid status}: one line per node of a grid on this machine (the nodes of {@code bin/leasegrid
 * grid}, one data directory each under a root), read from their status files: alive or not, its primary lease, the
 * control plane's table version it follows, partitions led and held, epochs, the largest replica lag, and the
 * control plane's suspicion (phi) of every member as this node last heard it.
 */
final class GridStatus
{
    private static final String[] ROLES = { "recovering", "primary", "replica", "failed" };

    private GridStatus()
    {
    }

    static CommandLine commandLine()
    {
        return new CommandLine("bin/leasegrid grid status [--dir DIR]",
            "Print the members of a grid on this machine (DIR/node-*, default data/grid): whether each runs, holds " +
            "its primary lease and which control plane table it follows, how many partitions it leads and holds, " +
            "their epochs, its largest replica lag, and the phi of every member as the control plane reports it.")
            .option("--dir", "root of the nodes' data directories (default data/grid)");
    }

    static int run(final CommandLine line, final PrintStream out)
    {
        final File root = new File(null == line.option("--dir") ? "data/grid" : line.option("--dir"));
        final File[] nodeDirs = root.listFiles(file -> file.isDirectory() && file.getName().startsWith("node-") &&
            new File(file, StatusFile.FILE_NAME).exists());
        if (null == nodeDirs || 0 == nodeDirs.length)
        {
            throw new NodeLocator.Unreachable("no grid has run in " + root.getAbsolutePath() + " (give --dir DIR)");
        }
        Arrays.sort(nodeDirs);
        out.println("leasegrid grid " + root.getAbsolutePath());
        for (final File dir : nodeDirs)
        {
            try (StatusFile status = StatusFile.open(dir))
            {
                out.println("  " + dir.getName() + ": " + describe(status));
            }
        }
        return ExitCodes.OK;
    }

    private static String describe(final StatusFile status)
    {
        final boolean alive = StatusFile.STOPPED != status.state() && ProcessHandle.of(status.pid())
            .map(ProcessHandle::isAlive).orElse(false);
        final CountersReader counters = status.counters();
        final int[] roles = new int[ROLES.length];
        final long[] epochs = { Long.MAX_VALUE, Long.MIN_VALUE };
        final long[] lease = { -1 };
        final long[] tableVersion = { -1 };
        final long[] leader = { -1 };
        final long[] lag = { 0 };
        final TreeMap<Integer, Long> phiMilli = new TreeMap<>();
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final long value = counters.getCounterValue(counterId);
            final CounterType type = CounterType.byTypeId(typeId);
            if (null == type)
            {
                return;
            }
            switch (type)
            {
                case PARTITION_ROLE:
                    if (value >= 0 && value < roles.length)
                    {
                        roles[(int)value]++;
                    }
                    break;
                case PARTITION_EPOCH:
                    epochs[0] = Math.min(epochs[0], value);
                    epochs[1] = Math.max(epochs[1], value);
                    break;
                case PRIMARY_LEASE_HELD:
                    lease[0] = value;
                    break;
                case CONTROL_TABLE_VERSION:
                    tableVersion[0] = value;
                    break;
                case CONTROL_LEADER:
                    leader[0] = value;
                    break;
                case REPLICA_LAG:
                    lag[0] = Math.max(lag[0], value);
                    break;
                case MEMBER_PHI:
                    phiMilli.put(keyBuffer.getInt(4), value);
                    break;
                default:
                    break;
            }
        });
        final List<String> parts = new ArrayList<>();
        parts.add((alive ? "running" : "not running") + " (pid " + status.pid() + ")");
        parts.add(roles[1] + " primary, " + roles[2] + " replica" +
            (roles[0] > 0 ? ", " + roles[0] + " recovering" : "") + (roles[3] > 0 ? ", " + roles[3] + " FAILED" : ""));
        if (epochs[0] <= epochs[1])
        {
            parts.add("epochs " + (epochs[0] == epochs[1] ? Long.toString(epochs[0]) : epochs[0] + ".." + epochs[1]));
        }
        parts.add("replica lag " + lag[0]);
        if (lease[0] >= 0)
        {
            parts.add("primary lease " + (1 == lease[0] ? "held" : "NOT held") + ", table v" + tableVersion[0] +
                ", control leader " + (leader[0] < 0 ? "unknown" : Long.toString(leader[0])));
            final StringBuilder phis = new StringBuilder("phi");
            phiMilli.forEach((nodeId, milli) -> phis.append(' ').append(nodeId).append('=')
                .append(String.format("%.1f", milli / 1000.0)));
            parts.add(phis.toString());
        }
        else
        {
            parts.add("no control plane (primaries fixed by the placement)");
        }
        return String.join(", ", parts);
    }
}
