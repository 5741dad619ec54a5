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
    void shouldReplaceTheStalledFeedHandlerAndRefuseItsLateWrites() throws Exception
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
        for (final String symbol : new String[]{ "AAPL", "MSFT", "GOOG" })
        {
            assertTrue(output.contains(symbol + "  feed-handler-A holds it (fencing token 1)"), output);
            assertTrue(output.contains("feed-handler-B took over with fencing token 2 (was 1)"), output);
            assertTrue(output.contains(symbol + "  A's client refuses the write before sending it: LEASE_EXPIRED"), output);
            assertTrue(output.contains(symbol + "  the old token sent anyway is refused by the grid: FENCING_TOKEN_REJECTED"),
                output);
        }
        assertTrue(output.contains("demo complete: no stale price reached the grid"), output);
    }
}
