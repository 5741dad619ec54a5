package io.leasegrid.bench.load;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A process the harness starts and stops: the leasegrid node, the echo service, the Redis servers. Its output is
 * kept (for errors) and can be waited for; close stops it with SIGTERM, then SIGKILL if it lingers.
 */
final class ChildProcess implements AutoCloseable
{
    private final String name;
    private final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());

    private ChildProcess(final String name, final Process process)
    {
        this.name = name;
        this.process = process;
        final Thread pump = new Thread(this::pump, name + "-output");
        pump.setDaemon(true);
        pump.start();
    }

    static ChildProcess start(final String name, final List<String> command) throws IOException
    {
        return new ChildProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /**
     * A JVM with the project's flags and this process's classpath.
     */
    static ChildProcess startJvm(final String name, final List<String> jvmArgs, final Class<?> mainClass,
        final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        command.add("@" + LoadSettings.jvmOptionsFile());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return start(name, command);
    }

    void awaitOutput(final String text, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (true)
        {
            synchronized (output)
            {
                for (final String line : output)
                {
                    if (line.contains(text))
                    {
                        return;
                    }
                }
            }
            if (!process.isAlive())
            {
                throw new IllegalStateException(name + " exited (" + process.exitValue() + "): " + tail());
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException(name + " did not print '" + text + "' in time: " + tail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    String tail()
    {
        synchronized (output)
        {
            return String.join("\n", output.subList(Math.max(0, output.size() - 20), output.size()));
        }
    }

    long pid()
    {
        return process.pid();
    }

    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private void pump()
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = reader.readLine()))
            {
                output.add(line);
            }
        }
        catch (final IOException ignore)
        {
            // the process ended
        }
    }
}
