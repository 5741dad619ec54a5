package io.leasegrid.tools;

import io.leasegrid.journal.JournalConfiguration;
import io.leasegrid.node.control.ControlPlaneContext;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeConfiguration;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.transport.DriverDirectories;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

/**
 * Entry point of {@code bin/leasegrid}: dispatches to one command. Every command refuses arguments it does not take,
 * answers {@code --help}, says what is wrong in one line followed by its usage, and exits with one of
 * {@link ExitCodes}: never a stack trace for bad input or a missing node.
 */
public final class LeasegridTool
{
    private LeasegridTool()
    {
    }

    public static void main(final String[] args)
    {
        if (args.length > 0 && JournalDemo.CRASH_WRITER_COMMAND.equals(args[0]))
        {
            JournalDemo.crashWriter(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Run one command.
     *
     * @return the exit status.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final String command = 0 == args.length ? "help" : args[0];
        final String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        CommandLine line = null;
        try
        {
            switch (command)
            {
                case "help":
                case "--help":
                case "-h":
                    return help(rest, out, err);

                case "demo":
                    line = StockPriceDemo.commandLine();
                    return StockPriceDemo.run(rest);

                case "journal-demo":
                    line = JournalDemo.commandLine();
                    return JournalDemo.run(rest);

                case "churn":
                    line = SessionChurn.commandLine();
                    return SessionChurn.run(rest);

                case "failover-bench":
                    line = FailoverBench.commandLine();
                    return FailoverBench.run(rest);

                case "grid":
                    if (rest.length > 0 && "status".equals(rest[0]))
                    {
                        line = GridStatus.commandLine();
                        return GridStatus.run(line.parse(Arrays.copyOfRange(rest, 1, rest.length)), out);
                    }
                    line = GridCommand.commandLine();
                    return GridCommand.run(line.parse(rest), out);

                case "node":
                    line = nodeCommandLine();
                    return node(line.parse(rest), err);

                case "stat":
                    line = StatTool.statCommandLine();
                    return StatTool.stat(line.parse(rest), out);

                case "alerts":
                    line = StatTool.alertsCommandLine();
                    return StatTool.alerts(line.parse(rest), out);

                case "errors":
                    line = StatTool.errorsCommandLine();
                    return StatTool.errors(line.parse(rest), out);

                case "journal":
                {
                    if (0 == rest.length || "--help".equals(rest[0]) || "-h".equals(rest[0]))
                    {
                        out.println(journalHelp());
                        return 0 == rest.length ? ExitCodes.USAGE : ExitCodes.OK;
                    }
                    line = JournalTool.commandLine(rest[0]);
                    if (null == line)
                    {
                        err.println("leasegrid journal: unknown subcommand '" + rest[0] + "' (dump, replay or verify)");
                        err.println(journalHelp());
                        return ExitCodes.USAGE;
                    }
                    return JournalTool.run(rest[0], line.parse(Arrays.copyOfRange(rest, 1, rest.length)), out, err);
                }

                default:
                    line = OneOffCommands.commandLine(command);
                    if (null == line)
                    {
                        err.println("leasegrid: unknown command '" + command + "'; bin/leasegrid help lists them");
                        return ExitCodes.USAGE;
                    }
                    return OneOffCommands.run(command, line.parse(rest), out, err);
            }
        }
        catch (final CommandLine.HelpRequested ex)
        {
            out.println(line.help());
            return ExitCodes.OK;
        }
        catch (final UsageException ex)
        {
            err.println("leasegrid " + command + ": " + ex.getMessage());
            if (null != line)
            {
                err.println(line.usage());
            }
            return ExitCodes.USAGE;
        }
        catch (final NodeLocator.Unreachable ex)
        {
            err.println("leasegrid " + command + ": " + ex.getMessage());
            return ExitCodes.NO_NODE;
        }
        catch (final Exception ex)
        {
            err.println("leasegrid " + command + ": failed: " + GridNode.rootMessage(ex));
            return ExitCodes.FAILED;
        }
    }

    private static CommandLine nodeCommandLine()
    {
        return new CommandLine("bin/leasegrid node [PROPERTIES_FILE]",
            "Run a node until Ctrl-C or SIGTERM (exit 0 after a clean stop). Settings are -D properties " +
            "(LEASEGRID_JAVA_OPTS) or lines of PROPERTIES_FILE such as low-latency.properties; the README lists them. " +
            "A node that cannot start (its directory owned by another node, its port in use, a bad setting) says why " +
            "in one line and exits 5.")
            .optional("PROPERTIES_FILE");
    }

    private static int node(final CommandLine line, final PrintStream err) throws IOException
    {
        final String file = line.positional("PROPERTIES_FILE");
        if (null != file)
        {
            loadProperties(Path.of(file));
        }
        final Set<String> known = knownSettings();
        for (final String name : System.getProperties().stringPropertyNames())
        {
            if (name.startsWith("leasegrid.") && !known.contains(name) && !name.startsWith("leasegrid.client.") &&
                !name.startsWith("leasegrid.bench."))
            {
                throw new UsageException("unknown setting -D" + name + " (the README lists the node's settings)");
            }
        }
        try
        {
            GridNode.runUntilStopped(new GridNodeContext());
            return ExitCodes.OK;
        }
        catch (final RuntimeException ex)
        {
            err.println("leasegrid node: the node did not start: " + GridNode.whyNotStarted(ex));
            return ExitCodes.FAILED;
        }
    }

    /**
     * Apply a properties file's settings where no -D property already set them; a leasegrid setting this version
     * does not know is refused, so that a typo is not silently ignored.
     */
    private static void loadProperties(final Path file) throws IOException
    {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file))
        {
            properties.load(reader);
        }
        catch (final NoSuchFileException ex)
        {
            throw new UsageException("no properties file " + file);
        }
        final Set<String> known = knownSettings();
        for (final String name : properties.stringPropertyNames())
        {
            if (name.startsWith("leasegrid.") && !known.contains(name))
            {
                throw new UsageException("unknown setting " + name + " in " + file);
            }
            if (null == System.getProperty(name))
            {
                System.setProperty(name, properties.getProperty(name));
            }
        }
    }

    private static Set<String> knownSettings()
    {
        final Set<String> names = new HashSet<>();
        addPropertyNames(GridNodeConfiguration.class, names);
        addPropertyNames(JournalConfiguration.class, names);
        addPropertyNames(ControlPlaneContext.class, names);
        names.add("leasegrid.client.idle.strategy");
        names.add(DriverDirectories.BASE_PROP_NAME);
        names.add("leasegrid.client.driver.threading");
        // Set by bin/leasegrid: the JVM flags file, for the node processes a command starts (grid, demo).
        names.add(LocalGrid.JVM_OPTIONS_PROP_NAME);
        return names;
    }

    /**
     * Every {@code *_PROP_NAME} constant of a configuration class, so a setting added there is known here too.
     */
    private static void addPropertyNames(final Class<?> configuration, final Set<String> names)
    {
        for (final Field field : configuration.getFields())
        {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_PROP_NAME"))
            {
                try
                {
                    names.add((String)field.get(null));
                }
                catch (final IllegalAccessException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }
        }
    }

    private static int help(final String[] args, final PrintStream out, final PrintStream err)
    {
        if (args.length > 1)
        {
            err.println("leasegrid help: unexpected argument '" + args[1] + "'");
            err.println("usage: bin/leasegrid help [COMMAND]");
            return ExitCodes.USAGE;
        }
        if (1 == args.length)
        {
            if ("journal".equals(args[0]))
            {
                out.println(journalHelp());
                return ExitCodes.OK;
            }
            final CommandLine line = commandLineOf(args[0]);
            if (null == line)
            {
                err.println("leasegrid help: unknown command '" + args[0] + "'");
                return ExitCodes.USAGE;
            }
            out.println(line.help());
            return ExitCodes.OK;
        }
        out.println(String.join(System.lineSeparator(),
            "usage: bin/leasegrid COMMAND [ARGS]      (bin/leasegrid COMMAND --help for one command)",
            "",
            "try it:",
            "  demo [--updates N]            the stock-price scenario over UDP, ends by itself",
            "  journal-demo [--updates N] [--keep]",
            "                                the journal on its own, with a writer killed mid-write",
            "run a node:",
            "  node [PROPERTIES_FILE]        run a node until Ctrl-C (settings: -D properties or a file)",
            "  grid [--nodes N] [--dir DIR] [--base-port PORT] [--set NAME=VALUE]",
            "                                run a replicated grid of N nodes on loopback until Ctrl-C",
            "  grid status [--dir DIR]       its members: lease, table, partitions led and held, epochs, lag, phi",
            "talk to a running node (found by --dir DIR, --node HOST:PORT, $LEASEGRID_DIR, -Dleasegrid.dir, ./data):",
            "  put KEY VALUE | get KEY | delete KEY",
            "  lease RESOURCE TTL_MS [HOLD_MS] [--wait MS]",
            "                                take an exclusive lease, hold it, release it",
            "  status RESOURCE               who holds and who waits for a lease resource",
            "  list [PREFIX] [--session ID] [--max N]",
            "                                live leases by resource prefix or holder session",
            "watch a node (running or not):",
            "  stat [--interval MS] [--count N] [--dir DIR]   its counters, live",
            "  alerts [--dir DIR]            its alert events",
            "  errors [--dir DIR]            its error log",
            "journals (read-only; on a running node's directory or a copy):",
            "  journal dump|replay|verify    see bin/leasegrid journal --help",
            "measure:",
            "  churn [--minutes M]           soak of client churn: the node's resources must stay flat",
            "  jmh [JMH ARGS]                JMH benchmarks, e.g. bin/leasegrid jmh -prof gc CodecBenchmark",
            "  bench                         leasegrid against Redis, the raw transport and 3-node grids (~14 min)",
            "  recovery-bench [LEASES [RENEWALS_PER_LEASE]]   recovery time of a shard with many leases",
            "  failover-bench [--runs N]     time N failovers of a primary killed with SIGKILL (~10 s each)",
            "  help [COMMAND]                this text, or one command's",
            "",
            "exit status: 0 done, 1 refused by the grid (or damage found by journal verify), 2 bad command line,",
            "3 not found (an absent key), 4 no node reached, 5 failed (a node that did not start, an I/O error)"));
        return ExitCodes.OK;
    }

    private static CommandLine commandLineOf(final String command)
    {
        switch (command)
        {
            case "demo":
                return StockPriceDemo.commandLine();
            case "journal-demo":
                return JournalDemo.commandLine();
            case "churn":
                return SessionChurn.commandLine();
            case "node":
                return nodeCommandLine();
            case "grid":
                return GridCommand.commandLine();
            case "failover-bench":
                return FailoverBench.commandLine();
            case "stat":
                return StatTool.statCommandLine();
            case "alerts":
                return StatTool.alertsCommandLine();
            case "errors":
                return StatTool.errorsCommandLine();
            case "jmh":
                return new CommandLine("bin/leasegrid jmh [JMH ARGS]", "Run the JMH benchmarks of the bench module with " +
                    "JMH's own arguments, e.g. -prof gc ShardBenchmark.");
            case "bench":
                return new CommandLine("bin/leasegrid bench", "Compare leasegrid (one node and a three-node grid) with " +
                    "Redis and the raw Aeron transport (about 14 minutes); settings as -D flags in LEASEGRID_BENCH_OPTS, " +
                    "see the README.");
            case "recovery-bench":
                return new CommandLine("bin/leasegrid recovery-bench [LEASES [RENEWALS_PER_LEASE]]",
                    "Time the recovery of a shard holding LEASES live leases (default 1000000).");
            default:
                return OneOffCommands.commandLine(command);
        }
    }

    private static String journalHelp()
    {
        return String.join(System.lineSeparator(),
            JournalTool.commandLine("dump").usage(),
            JournalTool.commandLine("replay").usage(),
            JournalTool.commandLine("verify").usage(),
            "(bin/leasegrid journal SUBCOMMAND --help for one of them)");
    }
}
