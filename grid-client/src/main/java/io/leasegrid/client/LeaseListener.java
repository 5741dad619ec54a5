package io.leasegrid.client;

/**
 * Told about a lease's end of life. Called on the client's conductor thread: do not block in it.
 */
public interface LeaseListener
{
    /**
     * The lease's safe-until time is near (a quarter of its TTL away) and it was not renewed: renew it now or stop
     * acting as its holder before {@link Lease#isValid()} turns false.
     */
    default void onExpiring(final Lease lease)
    {
    }

    /**
     * The grid ended the lease: expired, or its session was lost. A fenced write with its token will be refused.
     */
    default void onExpired(final Lease lease)
    {
    }
}
