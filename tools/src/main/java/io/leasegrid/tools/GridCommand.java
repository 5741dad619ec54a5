package io.leasegrid.tools;

import io.leasegrid.node.membership.GridMembers;
import io.leasegrid.node.membership.ReplicaPlacement;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/leasegrid grid}: a replicated grid of N nodes on this machine for people to try, each node a process
 * with its own directory and ports on loopback, until Ctrl-C.
 */
final class GridCommand
{
    private GridCommand()
    {
    }

    static CommandLine commandLine()
    {
        return new CommandLine("bin/leasegrid grid [--nodes N] [--dir DIR] [--base-port PORT] [--set NAME=VALUE]",
            "Run a replicated grid on loopback until Ctrl-C: node i takes requests on PORT + 100 (i - 1) and " +
            "replication on 10 more, keeps its data in DIR/node-i and writes its output to DIR/node-i/node.log. " +
            "Three copies of every partition with three nodes or more, committed on a majority. With three nodes or " +
            "more, nodes 1 to 3 host the control plane (on 20 to 24 more), which moves a dead node's partitions to " +
            "a replica; bin/leasegrid grid status shows the members.")
            .option("--nodes", "nodes, 1 to 9 (default 3)")
            .option("--dir", "root of the nodes' data directories (default data/grid)")
            .option("--base-port", "first node's request port (default 7171)")
            .option("--set", "a node setting NAME=VALUE given to every node, such as leasegrid.write.quorum=3");
    }

    static int run(final CommandLine line, final PrintStream out) throws Exception
    {
        final int nodes = null == line.option("--nodes") ? 3 : (int)CommandLine.number("--nodes", line.option("--nodes"), 1, 9);
        final int basePort = null == line.option("--base-port") ? 7171 :
            (int)CommandLine.number("--base-port", line.option("--base-port"), 1024, 65_535 - 100 * nodes - 10);
        final File root = new File(null == line.option("--dir") ? "data/grid" : line.option("--dir"));
        final List<String> settings = new ArrayList<>();
        if (null != line.option("--set"))
        {
            final String setting = line.option("--set");
            if (!setting.startsWith("leasegrid.") || setting.indexOf('=') < 0)
            {
                throw new UsageException("--set takes leasegrid.NAME=VALUE: " + setting);
            }
            settings.add(setting);
        }

        final LocalGrid grid = new LocalGrid(root, nodes, basePort, settings);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            grid.close();
            stopped.countDown();
        }, "leasegrid-grid-stop"));
        out.println("leasegrid grid: starting " + nodes + " node(s) in " + root.getAbsolutePath());
        try
        {
            grid.startAll();
        }
        catch (final RuntimeException ex)
        {
            grid.close();
            throw ex;
        }
        final ReplicaPlacement placement = new ReplicaPlacement(GridMembers.parse(grid.members()), 271,
            ReplicaPlacement.defaultReplicationFactor(nodes),
            ReplicaPlacement.defaultWriteQuorum(ReplicaPlacement.defaultReplicationFactor(nodes)));
        for (int nodeId = 1; nodeId <= nodes; nodeId++)
        {
            out.println("  node " + nodeId + ": " + grid.requestChannel(nodeId) + ", data " + grid.dir(nodeId) +
                ", log " + grid.log(nodeId));
        }
        out.println("members: " + grid.members());
        if (null != grid.controlMembers())
        {
            out.println("control plane: " + grid.controlMembers() + " (a dead node's partitions move to a replica; " +
                "bin/leasegrid grid status --dir " + root.getPath() + ")");
        }
        out.println("copies per partition " + placement.replicationFactor() + ", committed on " +
            placement.writeQuorum() + " (unless --set changed them)");
        out.println("try: bin/leasegrid put price:{AAPL} 187.5 --node 127.0.0.1:" + basePort +
            "  (a client reaches every partition's primary from any node)");
        out.println("watch a node: bin/leasegrid stat --partitions --dir " + grid.dir(1));
        out.println("Ctrl-C stops every node.");
        stopped.await();
        return ExitCodes.OK;
    }
}
