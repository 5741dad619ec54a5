package io.leasegrid.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class StockPriceDemoTest
{
    @Test
    void shouldSurviveANodeKilledMidRunAndRefuseTheStalledFeedHandlersLateWrites() throws Exception
    {
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.out;
        final int status;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            status = StockPriceDemo.run(new String[]{ "--updates", "300" });
        }
        finally
        {
            System.setOut(original);
        }

        final String output = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, output);
        assertEquals(3, count(output, "feed-handler-A holds it (fencing token 1)"), output);
        assertEquals(3, count(output, "feed-handler-B took over with fencing token 2 (was 1)"), output);
        assertEquals(3, count(output, "A's client refuses the write before sending it: LEASE_EXPIRED"), output);
        assertEquals(3, count(output, "the old token sent anyway is refused by the grid: FENCING_TOKEN_REJECTED"), output);
        assertTrue(output.contains("node 3 killed (SIGKILL)"), output);
        assertTrue(output.contains("failed operations: 0"), output);
        assertTrue(output.contains("node 3 is back: it caught up with its primaries"), output);
        assertTrue(output.contains("demo complete: no operation failed while a node died, no stale price reached the grid"),
            output);
    }

    private static int count(final String text, final String part)
    {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1))
        {
            count++;
        }
        return count;
    }
}
