package io.leasegrid.node.control;

/**
 * A node's primary lease, on the node's own monotonic clock: it holds from the acceptance of a heartbeat until the
 * lease's length after that heartbeat was <em>sent</em>, less an allowance for the two clocks running at different
 * rates. The control plane counts the same length from the heartbeat's acceptance (later) plus a margin, so the node
 * stops serving before anyone else may be appointed, however late the acceptance arrives.
 * <p>
 * Written by the control plane client's thread, read by shards: one volatile long.
 */
public final class PrimaryLease
{
    private final double driftAllowance;
    private volatile long heldUntilNs;
    private volatile boolean everHeld;

    /**
     * @param driftAllowance fraction of the lease given up for clock drift (e.g. 0.02).
     */
    public PrimaryLease(final double driftAllowance)
    {
        if (driftAllowance < 0 || driftAllowance >= 1)
        {
            throw new IllegalArgumentException("drift allowance must be in [0, 1): " + driftAllowance);
        }
        this.driftAllowance = driftAllowance;
    }

    /**
     * The control plane accepted the heartbeat sent at {@code sentNs}. Only the thread that sends heartbeats calls it.
     */
    public void onAccepted(final long sentNs, final long leaseMs, final long nowNs)
    {
        final long leaseNs = leaseMs * 1_000_000L;
        final long untilNs = sentNs + leaseNs - (long)(leaseNs * driftAllowance);
        if (sentNs - nowNs > 0)
        {
            return;
        }
        if (!everHeld || untilNs - heldUntilNs > 0)
        {
            heldUntilNs = untilNs;
            everHeld = true;
        }
    }

    /**
     * @return true while the lease surely holds at {@code nowNs} (the same clock as the heartbeats' send times).
     */
    public boolean isHeld(final long nowNs)
    {
        return everHeld && heldUntilNs - nowNs > 0;
    }

    /**
     * @return when the lease ends on the node's clock; meaningless before it was first held.
     */
    public long heldUntilNs()
    {
        return heldUntilNs;
    }
}
