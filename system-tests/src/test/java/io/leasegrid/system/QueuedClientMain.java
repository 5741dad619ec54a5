package io.leasegrid.system;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A client in its own process: waits in line for a lease, says when it is queued and when it is granted, holds
 * the lease a while and releases it.
 */
public final class QueuedClientMain
{
    private QueuedClientMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final PrintStream out = new PrintStream(System.out, true);
        try (GridClient client = GridClient.connect(new GridClientContext()
            .aeronDir(args[0])
            .requestChannel("aeron:ipc")
            .responseChannel("aeron:ipc")
            .responseStreamId(Integer.parseInt(args[1]))
            .connectTimeout(Duration.ofSeconds(30))))
        {
            final Lease lease = client.acquireAsync(args[2], LeaseRequest.exclusive(Duration.ofSeconds(10))
                .waitTimeout(Duration.ofSeconds(60))
                .onQueued(position -> out.println("QUEUED " + position)))
                .get(90, TimeUnit.SECONDS);
            out.println("GRANTED " + lease.fencingToken());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3])));
            lease.release();
            out.println("RELEASED");
        }
    }
}
