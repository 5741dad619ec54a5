package io.leasegrid.test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A child JVM running a test main class with the project's JVM flags and the test classpath, whose standard
 * output is collected line by line so a test can wait for what it prints, then kill it with SIGKILL.
 */
public final class ChildJvm implements AutoCloseable
{
    private final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private volatile String lastLine;
    private final Thread pump;

    private ChildJvm(final Process process)
    {
        this.process = process;
        pump = new Thread(this::pumpOutput, "child-jvm-stdout-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Start {@code mainClass} in a new JVM.
     *
     * @param mainClass with a {@code main} method on the test classpath.
     * @param args      its arguments.
     * @return the running child.
     * @throws IOException if it cannot be started.
     */
    public static ChildJvm start(final Class<?> mainClass, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        final String jvmOptions = System.getProperty("leasegrid.jvm.options");
        if (null == jvmOptions || !new File(jvmOptions).isFile())
        {
            throw new IllegalStateException("system property leasegrid.jvm.options must name bin/jvm.options");
        }
        command.add("@" + jvmOptions);
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));

        final ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        return new ChildJvm(builder.start());
    }

    /**
     * Wait until the child prints a line matching {@code condition}.
     *
     * @param condition on a line of standard output.
     * @param timeoutMs how long to wait at most.
     * @return the first matching line.
     * @throws AssertionError if the child exits or the time runs out first.
     */
    public String awaitLine(final Predicate<String> condition, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        int scanned = 0;
        while (System.nanoTime() - deadline < 0)
        {
            final boolean childGone = !pump.isAlive();
            while (scanned < lines.size())
            {
                final String line = lines.get(scanned++);
                if (condition.test(line))
                {
                    return line;
                }
            }
            if (childGone)
            {
                throw new AssertionError("child exited before printing the line; last output: " + lastLine);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        throw new AssertionError("child did not print the line within " + timeoutMs + " ms; last output: " + lastLine);
    }

    /**
     * @return the child's process id.
     */
    public long pid()
    {
        return process.pid();
    }

    /**
     * @return true while the child runs.
     */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * @return a copy of every line printed so far.
     */
    public List<String> lines()
    {
        synchronized (lines)
        {
            return new ArrayList<>(lines);
        }
    }

    /**
     * @return how many lines were printed so far.
     */
    public int lineCount()
    {
        return lines.size();
    }

    /**
     * @return the last line printed so far, or null.
     */
    public String lastLine()
    {
        return lastLine;
    }

    /**
     * Kill the child with SIGKILL and wait for it to die.
     *
     * @return its exit status: 137 (128 + 9) when SIGKILL ended it.
     */
    public int killHard() throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
        {
            throw new IllegalStateException("kill -KILL " + process.pid() + " failed");
        }
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("child " + process.pid() + " survived SIGKILL");
        }
        pump.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    /**
     * Wait for a normal exit.
     *
     * @param timeoutMs how long to wait at most.
     * @return the exit status.
     */
    public int awaitExit(final long timeoutMs) throws InterruptedException
    {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS))
        {
            throw new AssertionError("child did not exit within " + timeoutMs + " ms; last output: " + lastLine);
        }
        pump.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    /**
     * Kill the child if it still runs.
     */
    public void close()
    {
        process.destroyForcibly();
        try
        {
            process.waitFor(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void pumpOutput()
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                lines.add(line);
                lastLine = line;
            }
        }
        catch (final IOException ignore)
        {
            // The child is gone; what it printed is kept.
        }
    }
}
