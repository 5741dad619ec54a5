package io.leasegrid.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine and JVM a run measured, written at the top of every report: figures mean nothing without them.
 */
final class Environment
{
    private Environment()
    {
    }

    static List<String> describe()
    {
        final List<String> lines = new ArrayList<>();
        lines.add("CPU: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores available");
        lines.add("memory: " + memInfo("MemTotal") + "; transparent huge pages: " +
            firstLine("/sys/kernel/mm/transparent_hugepage/enabled"));
        lines.add("OS: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch") + ", load average at start " + firstLine("/proc/loadavg"));
        lines.add("JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") +
            " (" + System.getProperty("java.vm.vendor") + ")");
        lines.add("JVM flags: " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> !a.startsWith("--add-")).toList()));
        return lines;
    }

    private static String cpuModel()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse("unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String memInfo(final String key)
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith(key)).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse("unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String firstLine(final String file)
    {
        try
        {
            return Files.readAllLines(Path.of(file)).get(0).trim();
        }
        catch (final IOException | IndexOutOfBoundsException ex)
        {
            return "unknown";
        }
    }
}
