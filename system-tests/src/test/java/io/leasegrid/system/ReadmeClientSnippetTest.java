package io.leasegrid.system;

import io.leasegrid.test.TestGrid;
import io.leasegrid.test.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's client program compiles and runs exactly as written: against the client's own classpath (what an
 * application depending on {@code grid-client} gets, and nothing of the node), with the JVM flags the README gives,
 * in a process of its own, reaching a node over UDP.
 */
@Timeout(180)
class ReadmeClientSnippetTest
{
    @RegisterExtension
    final TestGrid grid = new TestGrid();

    @Test
    void shouldCompileAndRunTheReadmeClientProgramAsWritten() throws Exception
    {
        final Path project = Path.of(System.getProperty("user.dir")).getParent();
        final String readme = Files.readString(project.resolve("README.md"), StandardCharsets.UTF_8);
        final String program = fenced(between(readme, "<!-- client-snippet:begin -->", "<!-- client-snippet:end -->"));
        final String run = fenced(between(readme, "<!-- client-run:begin -->", "<!-- client-run:end -->")).trim();

        final String clientClasspath = project.resolve("grid-client/target/classes") + File.pathSeparator +
            Files.readString(project.resolve("grid-client/target/classpath.txt")).trim();
        final File source = new File(grid.newDirectory("snippet"), "PriceFeed.java");
        Files.writeString(source.toPath(), program, StandardCharsets.UTF_8);
        final JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        final ByteArrayOutputStream errors = new ByteArrayOutputStream();
        assertEquals(0, compiler.run(null, null, errors, "-cp", clientClasspath, "-d", source.getParent(), source.getPath()),
            errors.toString(StandardCharsets.UTF_8));

        final TestNode node = grid.startNode();
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        command.add("-Dleasegrid.client.channel=" + node.requestChannel());
        for (final String word : run.split("\\s+"))
        {
            if (word.equals("java"))
            {
                continue;
            }
            command.add(word.equals("\"$CLASSPATH\"") ? source.getParent() + File.pathSeparator + clientClasspath : word);
        }
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the README program did not finish");
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
        assertTrue(output.contains("187.10 ValueRecord{6 bytes, version 1"), output);
        assertTrue(output.contains("holding jobs with fencing token 1"), output);
    }

    private static String between(final String text, final String begin, final String end)
    {
        final int from = text.indexOf(begin);
        final int to = text.indexOf(end, from);
        assertTrue(from >= 0 && to > from, "README markers " + begin + " .. " + end + " not found");
        return text.substring(from + begin.length(), to);
    }

    /**
     * @return the inside of the one fenced code block in {@code text}.
     */
    private static String fenced(final String text)
    {
        final int open = text.indexOf("```");
        final int bodyStart = text.indexOf('\n', open) + 1;
        final int close = text.indexOf("```", bodyStart);
        return text.substring(bodyStart, close);
    }
}
