package io.leasegrid.tools;

import java.util.Arrays;

/**
 * Entry point of {@code bin/leasegrid}: dispatches to one command.
 */
public final class LeasegridTool
{
    private LeasegridTool()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String command = args.length == 0 ? "help" : args[0];
        final String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command)
        {
            case "demo":
                System.exit(StockPriceDemo.run(rest));
                break;

            case "journal-demo":
                System.exit(JournalDemo.run(rest));
                break;

            case "node":
                io.leasegrid.node.GridNode.main(rest);
                break;

            case JournalDemo.CRASH_WRITER_COMMAND:
                JournalDemo.crashWriter(rest);
                break;

            case "help":
            case "--help":
            case "-h":
                printHelp();
                break;

            default:
                System.err.println("leasegrid: unknown command '" + command + "'");
                printHelp();
                System.exit(2);
        }
    }

    private static void printHelp()
    {
        System.out.println(String.join(System.lineSeparator(),
            "usage: bin/leasegrid COMMAND [ARGS]",
            "",
            "commands:",
            "  demo [--updates N]            the stock-price scenario: a node, two feed handlers competing for each",
            "                                symbol's lease, fenced price updates, a stalled holder replaced, its",
            "                                late writes refused; prints latency percentiles",
            "  node                          run a node (settings: -D properties, see README); Ctrl-C stops it",
            "  journal-demo [--updates N] [--keep]",
            "                                journal price updates, measure append latency, SIGKILL a writer mid-write",
            "  jmh [JMH ARGS]                run the JMH benchmarks, e.g. bin/leasegrid jmh -prof gc CodecBenchmark",
            "  recovery-bench [LEASES]       time the recovery of a shard holding LEASES live leases (default 1000000)",
            "  help                          this text",
            "",
            "Node settings are system properties: LEASEGRID_JAVA_OPTS=\"-Dleasegrid.dir=/var/lib/leasegrid\" bin/leasegrid node"));
    }
}
