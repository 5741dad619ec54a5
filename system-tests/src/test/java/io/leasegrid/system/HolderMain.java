package io.leasegrid.system;

import io.leasegrid.client.ConnectionListener;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseListener;
import io.leasegrid.client.LeaseRequest;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A lease holder in its own process, with a media driver of its own, reaching the node over UDP: takes an
 * auto-renewed lease and reports, every couple of milliseconds, whether it believes it holds it, stamped with the
 * machine's monotonic clock (the same clock in every process on Linux). Also reports what its listeners hear. Ends,
 * releasing the lease, after the time it is given. Arguments: request channel, resource, TTL ms, run ms.
 * <pre>
 *   GRANTED token nanoTime | V nanoTime valid | EXPIRED nanoTime | LOST | REATTACHED | SESSION-LOST
 * </pre>
 */
public final class HolderMain
{
    private HolderMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final PrintStream out = new PrintStream(System.out, true);
        final String channel = args[0];
        final String resource = args[1];
        final long ttlMs = Long.parseLong(args[2]);
        try (GridClient client = GridClient.connect(new GridClientContext()
            .requestChannel(channel)
            .connectTimeout(Duration.ofSeconds(30))
            .connectionListener(new ConnectionListener()
            {
                public void onConnectionLost()
                {
                    out.println("LOST");
                }

                public void onReattached()
                {
                    out.println("REATTACHED");
                }

                public void onSessionLost(final long sessionId)
                {
                    out.println("SESSION-LOST");
                }
            })))
        {
            final Lease lease = client.acquire(resource, LeaseRequest.exclusive(Duration.ofMillis(ttlMs)).autoRenew(true)
                .waitTimeout(Duration.ofSeconds(30))
                .listener(new LeaseListener()
                {
                    public void onExpired(final Lease ended)
                    {
                        out.println("EXPIRED " + System.nanoTime());
                    }
                }));
            out.println("GRANTED " + lease.fencingToken() + " " + System.nanoTime());
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
            while (System.nanoTime() - end < 0)
            {
                final boolean valid = lease.isValid();
                out.println("V " + System.nanoTime() + " " + valid);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            lease.close();
        }
    }
}
