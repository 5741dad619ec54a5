package io.leasegrid.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class JournalDemoTest
{
    @Test
    void shouldRunTheDemoToTheEndIncludingTheSigkilledWriter() throws Exception
    {
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.out;
        final int status;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            status = JournalDemo.run(new String[]{ "--updates", "2000" });
        }
        finally
        {
            System.setOut(original);
        }

        final String output = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, output);
        assertTrue(output.contains("partition   6: 13,000 entries replayed"), output);
        assertTrue(output.contains("exit status 137 (SIGKILL)"), output);
        assertTrue(output.contains("reopened: 10,000 intact entries, torn entries discarded 0, next position 10,000"), output);
        assertTrue(output.contains("demo complete"), output);
    }

    @Test
    void shouldRejectUnknownArguments() throws Exception
    {
        assertEquals(ExitCodes.USAGE, LeasegridTool.run(new String[]{ "journal-demo", "--bogus" }, System.out, System.out));
    }
}
