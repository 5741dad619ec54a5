package io.leasegrid.node.control;

import io.aeron.cluster.service.ClusterClock;

import java.util.concurrent.TimeUnit;

/**
 * The control plane's clock: milliseconds that look like epoch time (the wall clock when the member started) but
 * advance with the monotonic clock, so that a step of the wall clock (NTP, an operator) never makes a lease look
 * expired early. Members' clocks differ by their start offsets; a new leader's may run ahead of the old one's, which
 * {@link ControlPlaneState#onNewLeadershipTerm} absorbs by counting every lease again from the new term.
 */
final class MonotonicClusterClock implements ClusterClock
{
    private final long baseEpochMs = System.currentTimeMillis();
    private final long baseNanos = System.nanoTime();

    public TimeUnit timeUnit()
    {
        return TimeUnit.MILLISECONDS;
    }

    public long time()
    {
        return baseEpochMs + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - baseNanos);
    }
}
