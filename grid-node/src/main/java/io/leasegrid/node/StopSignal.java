package io.leasegrid.node;

import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;

/**
 * Waits for SIGINT or SIGTERM. The handlers replace the JVM's default, which would start exiting at once with
 * status 143; here the waiting thread wakes, the node closes in order (shards, journals, status file, driver) and
 * the process exits 0, as a service manager expects of a clean stop.
 */
final class StopSignal
{
    private final CountDownLatch signalled = new CountDownLatch(1);
    private volatile String name;

    StopSignal()
    {
        for (final String signal : new String[]{ "INT", "TERM" })
        {
            Signal.handle(new Signal(signal), received ->
            {
                name = "SIG" + received.getName();
                signalled.countDown();
            });
        }
    }

    /**
     * @return the signal's name once one arrived.
     */
    String await()
    {
        try
        {
            signalled.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "interrupt";
        }
        return name;
    }
}
