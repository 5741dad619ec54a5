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

            case "stat":
                System.exit(StatTool.stat(rest, System.out));
                break;

            case "alerts":
                System.exit(StatTool.alerts(rest, System.out));
                break;

            case "journal":
                System.exit(JournalTool.run(rest, System.out, System.err));
                break;

            case "churn":
                System.exit(SessionChurn.run(rest));
                break;

            case "journal-demo":
                System.exit(JournalDemo.run(rest));
                break;

            case "node":
                loadProperties(rest);
                io.leasegrid.node.GridNode.main(new String[0]);
                break;

            case "put":
            case "get":
            case "delete":
            case "lease":
            case "status":
                System.exit(OneOffCommands.run(command, rest));
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

    private static void loadProperties(final String[] args) throws java.io.IOException
    {
        for (final String file : args)
        {
            final java.util.Properties properties = new java.util.Properties();
            try (java.io.Reader reader = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(file)))
            {
                properties.load(reader);
            }
            for (final String name : properties.stringPropertyNames())
            {
                if (null == System.getProperty(name))
                {
                    System.setProperty(name, properties.getProperty(name));
                }
            }
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
            "  node [PROPERTIES_FILE]        run a node (settings: -D properties or a file such as",
            "                                low-latency.properties, see README); Ctrl-C stops it",
            "  put KEY VALUE | get KEY | delete KEY",
            "                                one value request to the node running on this machine",
            "  status RESOURCE               who holds and who waits for a lease resource",
            "  lease RESOURCE TTL_MS [HOLD_MS]",
            "                                take an exclusive lease, hold it HOLD_MS (waiting as long), release it",
            "  journal dump|replay|verify [--dir DIR] [--partition N] [--json] [--key K] [--resource R]",
            "          [--session S] [--from TIME] [--to TIME] [--until TIME|POSITION]",
            "                                read journals (read-only): entries, state as of a moment, integrity",
            "  stat [--interval MS] [--count N] [--dir DIR]",
            "                                a running node's counters, live",
            "  alerts [--dir DIR]            a node's alert events: kind, count, first and last time",
            "  journal-demo [--updates N] [--keep]",
            "                                journal price updates, measure append latency, SIGKILL a writer mid-write",
            "  churn [--minutes M]           soak: clients connect, put and close for M minutes (default 2) while",
            "                                the node's open files and Aeron files are printed; they must stay flat",
            "  jmh [JMH ARGS]                run the JMH benchmarks, e.g. bin/leasegrid jmh -prof gc CodecBenchmark",
            "  recovery-bench [LEASES]       time the recovery of a shard holding LEASES live leases (default 1000000)",
            "  help                          this text",
            "",
            "Node settings are system properties: LEASEGRID_JAVA_OPTS=\"-Dleasegrid.dir=/var/lib/leasegrid\" bin/leasegrid node"));
    }
}
