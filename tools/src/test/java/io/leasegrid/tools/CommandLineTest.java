package io.leasegrid.tools;

import io.leasegrid.test.TestGrid;
import io.leasegrid.test.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/leasegrid} as a person at a terminal uses it: every mistake answered in one line with the usage and
 * exit 2, help for every command, the documented exit codes against a running node and without one, and a node that
 * cannot start saying why in one line.
 */
@Timeout(300)
class CommandLineTest
{
    private static final String[] COMMANDS = {
        "demo", "journal-demo", "node", "put", "get", "delete", "lease", "status", "list", "stat", "alerts", "errors",
        "churn" };

    @RegisterExtension
    final TestGrid grid = new TestGrid();

    @Test
    void shouldAnswerEveryBadCommandLineInOneLineWithItsUsage()
    {
        final String[][] mistakes = {
            { "put" }, { "put", "k" }, { "put", "k", "v", "extra" }, { "put", "", "v" }, { "get" },
            { "get", "k", "--frobnicate" }, { "get", "k", "--dir" }, { "delete" }, { "lease", "r" },
            { "lease", "r", "abc" }, { "lease", "r", "99999999999999999999" }, { "lease", "r", "5" },
            { "lease", "r", "100", "--wait", "-1" }, { "lease", "r", "100", "-5" }, { "status" },
            { "list", "--max", "0" }, { "list", "--session", "x" }, { "list", "a", "b" }, { "stat", "--interval", "0" },
            { "stat", "--count", "x" }, { "alerts", "x" }, { "errors", "--count", "1" }, { "node", "a", "b" },
            { "node", new File(grid.newDirectory("none"), "missing.properties").getPath() },
            { "demo", "--updates", "0" }, { "demo", "--updates" }, { "journal-demo", "--updates", "x" },
            { "churn", "--minutes", "0" }, { "journal", "replay" }, { "journal", "dump", "--partition", "99999999" },
            { "journal", "dump", "--from", "yesterday" }, { "get", "k", "--node", "nohost" },
            { "get", "k", "--node", "127.0.0.1:99999" } };
        for (final String[] args : mistakes)
        {
            final Result result = run(args);
            assertEquals(ExitCodes.USAGE, result.status, result.toString());
            assertEquals("", result.out, result.toString());
            final String[] lines = result.err.split("\n");
            assertEquals(2, lines.length, result.toString());
            assertTrue(lines[0].startsWith("leasegrid " + args[0] + ": "), result.toString());
            assertTrue(lines[1].startsWith("usage: bin/leasegrid " + args[0]), result.toString());
        }

        final Result unknown = run("frobnicate");
        assertEquals(ExitCodes.USAGE, unknown.status);
        assertEquals("leasegrid: unknown command 'frobnicate'; bin/leasegrid help lists them\n", unknown.err);
        final Result unknownJournal = run("journal", "frobnicate");
        assertEquals(ExitCodes.USAGE, unknownJournal.status);
        assertTrue(unknownJournal.err.startsWith("leasegrid journal: unknown subcommand 'frobnicate'"));
        assertEquals(ExitCodes.USAGE, run("help", "frobnicate").status);
    }

    @Test
    void shouldHelpWithEveryCommand()
    {
        final Result overview = run("help");
        assertEquals(ExitCodes.OK, overview.status);
        for (final String command : COMMANDS)
        {
            assertTrue(overview.out.contains("\n  " + command + " ") || overview.out.contains(" " + command + " KEY") ||
                overview.out.contains("| " + command + " KEY"), command + " missing from help:\n" + overview.out);

            final Result help = run(command, "--help");
            assertEquals(ExitCodes.OK, help.status, help.toString());
            assertTrue(help.out.startsWith("usage: bin/leasegrid " + command), help.toString());
            assertEquals(help.out, run("help", command).out);
        }
        for (final String subcommand : new String[]{ "dump", "replay", "verify" })
        {
            final Result help = run("journal", subcommand, "--help");
            assertEquals(ExitCodes.OK, help.status, help.toString());
            assertTrue(help.out.startsWith("usage: bin/leasegrid journal " + subcommand), help.toString());
        }
        assertEquals(ExitCodes.OK, run("journal", "--help").status);
        assertEquals(ExitCodes.OK, run("--help").status);
    }

    @Test
    void shouldGiveTheDocumentedExitCodesAgainstARunningNode() throws Exception
    {
        final TestNode node = grid.startNode();
        final String dir = node.dir().getPath();

        final Result put = run("put", "price:{AAPL}", "101.5", "--dir", dir);
        assertEquals(ExitCodes.OK, put.status, put.toString());
        assertEquals("version 1\n", put.out);
        final Result get = run("get", "price:{AAPL}", "--dir", dir);
        assertEquals(ExitCodes.OK, get.status, get.toString());
        assertTrue(get.out.startsWith("101.5  (version 1, "), get.out);
        assertEquals(ExitCodes.NOT_FOUND, run("get", "price:{NONE}", "--dir", dir).status);
        assertEquals(ExitCodes.OK, run("delete", "price:{AAPL}", "--dir", dir).status);
        assertEquals(ExitCodes.NOT_FOUND, run("delete", "price:{AAPL}", "--dir", dir).status);
        assertEquals(ExitCodes.NOT_FOUND, run("get", "price:{AAPL}", "--dir", dir).status);

        final String endpoint = node.requestChannel().substring(node.requestChannel().indexOf('=') + 1);
        final Result overUdp = run("put", "price:{MSFT}", "330", "--node", endpoint);
        assertEquals(ExitCodes.OK, overUdp.status, overUdp.toString());
        assertTrue(run("get", "price:{MSFT}", "--dir", dir).out.startsWith("330  (version 1, "));

        final Result lease = run("lease", "feed:{AAPL}", "1000", "50", "--dir", dir);
        assertEquals(ExitCodes.OK, lease.status, lease.toString());
        assertTrue(lease.out.contains("granted Lease{feed:{AAPL}") && lease.out.endsWith("released\n"), lease.out);
        final Result status = run("status", "feed:{AAPL}", "--dir", dir);
        assertEquals(ExitCodes.OK, status.status, status.toString());
        assertEquals("feed:{AAPL}: free, 0 waiting\n", status.out);
        final Result list = run("list", "feed:", "--dir", dir);
        assertEquals(ExitCodes.OK, list.status, list.toString());
        assertEquals("0 lease(s)\n", list.out);

        final Result stat = run("stat", "--count", "1", "--dir", dir);
        assertEquals(ExitCodes.OK, stat.status, stat.toString());
        assertTrue(stat.out.contains("(node pid " + node.pid() + ", running)"), stat.out);
        assertTrue(stat.out.contains("partitions by role: recovering 0 primary 271 replica 0 failed 0"), stat.out);
        assertTrue(stat.out.contains("shard-0 requests put"), stat.out);
        assertFalse(stat.out.contains("partition-0 role"), stat.out);
        assertTrue(run("stat", "--count", "1", "--partitions", "--dir", dir).out.contains("partition-0 role"));
        assertEquals(ExitCodes.OK, run("alerts", "--dir", dir).status);
        assertEquals(ExitCodes.OK, run("errors", "--dir", dir).status);

        final long stoppedPid = node.pid();
        node.stop(30_000);
        final Result stopped = run("get", "price:{MSFT}", "--dir", dir);
        assertEquals(ExitCodes.NO_NODE, stopped.status, stopped.toString());
        assertEquals("leasegrid get: the node of " + node.dir().getAbsolutePath() + " (pid " + stoppedPid +
            ") has stopped\n", stopped.err);
        assertTrue(run("stat", "--count", "1", "--dir", dir).out.contains(", stopped)"));

        node.restart();
        final long killedPid = node.pid();
        node.kill();
        final Result killed = run("get", "price:{MSFT}", "--dir", dir);
        assertEquals(ExitCodes.NO_NODE, killed.status, killed.toString());
        assertTrue(killed.err.contains("(pid " + killedPid + ") is not running: it was killed"), killed.err);
        assertTrue(run("stat", "--count", "1", "--dir", dir).out.contains(", killed)"));

        final String empty = grid.newDirectory("empty").getPath();
        final Result none = run("get", "k", "--dir", empty);
        assertEquals(ExitCodes.NO_NODE, none.status, none.toString());
        assertTrue(none.err.startsWith("leasegrid get: no node has run with "), none.err);
        assertEquals(ExitCodes.NO_NODE, run("stat", "--dir", empty).status);
        assertEquals(ExitCodes.NOT_FOUND, run("journal", "verify", "--dir", empty).status);
        assertEquals(ExitCodes.NOT_FOUND, run("journal", "dump", "--dir", empty + "/none").status);
        assertEquals(ExitCodes.OK, run("journal", "verify", "--dir", dir + "/journal").status);
        assertEquals(ExitCodes.NOT_FOUND, run("journal", "dump", "--partition", "300", "--dir", dir + "/journal").status);
    }

    @Test
    void shouldSayInOneLineWhyANodeDidNotStart() throws Exception
    {
        final TestNode node = grid.startNode();
        final String endpoint = node.requestChannel().substring(node.requestChannel().indexOf('=') + 1);

        final Result owned = runNode("-Dleasegrid.dir=" + node.dir().getPath());
        assertEquals(ExitCodes.FAILED, owned.status, owned.toString());
        assertEquals("leasegrid node: the node did not start: " + node.dir().getPath() + " belongs to another running " +
            "node (pid " + node.pid() + "); stop it, or give this node another directory with -Dleasegrid.dir\n",
            owned.err);

        final Result portInUse = runNode("-Dleasegrid.dir=" + grid.newDirectory("second").getPath(),
            "-Dleasegrid.endpoint=" + endpoint);
        assertEquals(ExitCodes.FAILED, portInUse.status, portInUse.toString());
        assertEquals("leasegrid node: the node did not start: aeron:udp?endpoint=" + endpoint + " is in use by another " +
            "process; give this node another with -Dleasegrid.endpoint=HOST:PORT\n", portInUse.err);

        final File credentials = new File(grid.newDirectory("credentials"), "clients");
        Files.writeString(credentials.toPath(), "alice:not base64!\n");
        final Result badCredentials = runNode("-Dleasegrid.dir=" + grid.newDirectory("third").getPath(),
            "-Dleasegrid.credentials.file=" + credentials.getPath());
        assertEquals(ExitCodes.FAILED, badCredentials.status, badCredentials.toString());
        assertEquals(1, badCredentials.err.split("\n").length, badCredentials.toString());
        assertTrue(badCredentials.err.contains(credentials.getPath() + " line 1"), badCredentials.toString());

        final Result badValue = runNode("-Dleasegrid.dir=" + grid.newDirectory("fourth").getPath(),
            "-Dleasegrid.shards=abc");
        assertEquals(ExitCodes.FAILED, badValue.status, badValue.toString());
        assertEquals("leasegrid node: the node did not start: leasegrid.shards must be a whole number, not 'abc'\n",
            badValue.err);

        final Result minority = runNode("-Dleasegrid.dir=" + grid.newDirectory("sixth").getPath(),
            "-Dleasegrid.members=1=127.0.0.1:7171/127.0.0.1:7181,2=127.0.0.1:7271/127.0.0.1:7281,3=127.0.0.1:7371/127.0.0.1:7381",
            "-Dleasegrid.write.quorum=1");
        assertEquals(ExitCodes.FAILED, minority.status, minority.toString());
        assertEquals("leasegrid node: the node did not start: write quorum 1 is not a majority of the replication " +
            "factor 3: two quorums could miss each other and a committed write be lost; use at least 2\n", minority.err);

        final Result badMembers = runNode("-Dleasegrid.dir=" + grid.newDirectory("seventh").getPath(),
            "-Dleasegrid.members=1=127.0.0.1:7171");
        assertEquals(ExitCodes.FAILED, badMembers.status, badMembers.toString());
        assertTrue(badMembers.err.contains("'1=127.0.0.1:7171' is not id=host:port/host:port"), badMembers.toString());

        final Result typo = runNode("-Dleasegrid.dir=" + grid.newDirectory("fifth").getPath(), "-Dleasegrid.port=7181");
        assertEquals(ExitCodes.USAGE, typo.status, typo.toString());
        assertTrue(typo.err.startsWith("leasegrid node: unknown setting -Dleasegrid.port"), typo.toString());

        // Every journal setting is a known one: this start gets past the check and stops at the owned directory.
        final Result journalSetting = runNode("-Dleasegrid.dir=" + node.dir().getPath(),
            "-Dleasegrid.journal.read.ahead=true", "-Dleasegrid.journal.lock.timeout.ms=5000");
        assertEquals(ExitCodes.FAILED, journalSetting.status, journalSetting.toString());
        assertTrue(journalSetting.err.contains("belongs to another running node"), journalSetting.toString());

        final File properties = new File(grid.newDirectory("properties"), "node.properties");
        Files.writeString(properties.toPath(), "leasegrid.shrads=2\n");
        final Result fileTypo = runNode(properties.getPath());
        assertEquals(ExitCodes.USAGE, fileTypo.status, fileTypo.toString());
        assertTrue(fileTypo.err.startsWith("leasegrid node: unknown setting leasegrid.shrads in "), fileTypo.toString());

        assertTrue(node.isRunning(), "the failed starts disturbed the running node");
    }

    private static Result run(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status = LeasegridTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(String.join(" ", args), status, out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8));
    }

    /**
     * {@code bin/leasegrid node} in a process of its own: starting a node sets process-wide state, and its exit status
     * is what is asserted.
     */
    private Result runNode(final String... arguments) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        command.add("@" + System.getProperty("leasegrid.jvm.options"));
        // As bin/leasegrid starts it, flags file named.
        command.add("-Dleasegrid.jvm.options=" + System.getProperty("leasegrid.jvm.options"));
        command.add("-Dleasegrid.prometheus.port=-1");
        final List<String> commandArgs = new ArrayList<>();
        for (final String argument : arguments)
        {
            (argument.startsWith("-D") ? command : commandArgs).add(argument);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LeasegridTool.class.getName());
        command.add("node");
        command.addAll(commandArgs);
        final File outputs = grid.newDirectory("run-" + System.nanoTime());
        final File out = new File(outputs, "out");
        final File err = new File(outputs, "err");
        final Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
            throw new AssertionError("bin/leasegrid node " + String.join(" ", arguments) + " did not end: " +
                Files.readString(out.toPath()) + Files.readString(err.toPath()));
        }
        return new Result("node " + String.join(" ", arguments), process.exitValue(), Files.readString(out.toPath()),
            Files.readString(err.toPath()));
    }

    private record Result(String command, int status, String out, String err)
    {
        @Override
        public String toString()
        {
            return "bin/leasegrid " + command + " exited " + status + "\nout: " + out + "\nerr: " + err;
        }
    }
}
