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
                System.exit(JournalDemo.run(rest));
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
            "  demo [--updates N] [--keep]   journal price updates into per-partition journals, measure append",
            "                                latency, crash a writer with SIGKILL mid-write and recover",
            "  jmh [JMH ARGS]                run the JMH benchmarks, e.g. bin/leasegrid jmh -prof gc CodecBenchmark",
            "  recovery-bench [LEASES]       time the recovery of a shard holding LEASES live leases (default 1000000)",
            "  help                          this text",
            "",
            "The grid node, client and the lease scenario of the demo arrive with the node (see README)."));
    }
}
