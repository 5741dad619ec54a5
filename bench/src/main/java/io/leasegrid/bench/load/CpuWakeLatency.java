package io.leasegrid.bench.load;

import java.io.FileOutputStream;
import java.io.IOException;

/**
 * Holds the kernel's CPU wake-up latency request ({@code /dev/cpu_dma_latency}) at zero for the run, as the
 * latency-performance tuning profiles do, so idle CPUs poll instead of halting. On a virtual machine a halted
 * virtual CPU takes about a hundred microseconds to wake, which would be charged to whichever system blocks
 * in the kernel between requests (Redis) and not to one whose threads yield (leasegrid). Applies to every
 * system alike; released when closed or when the process exits.
 */
final class CpuWakeLatency implements AutoCloseable
{
    private static final String DEVICE = "/dev/cpu_dma_latency";

    private final FileOutputStream request;
    private final String state;

    private CpuWakeLatency(final FileOutputStream request, final String state)
    {
        this.request = request;
        this.state = state;
    }

    static CpuWakeLatency holdZero()
    {
        try
        {
            final FileOutputStream request = new FileOutputStream(DEVICE);
            request.write(new byte[]{ 0, 0, 0, 0 });
            request.flush();
            return new CpuWakeLatency(request, DEVICE + " held at 0 us for the run (idle CPUs poll, no deep idle)");
        }
        catch (final IOException | SecurityException ex)
        {
            return new CpuWakeLatency(null, DEVICE + " not writable (" + ex.getMessage() + "): idle CPUs may halt, " +
                "which adds their wake-up time to blocking systems' latency");
        }
    }

    String state()
    {
        return state;
    }

    public void close()
    {
        if (null != request)
        {
            try
            {
                request.close();
            }
            catch (final IOException ignore)
            {
                // the kernel drops the request with the descriptor
            }
        }
    }
}
