package io.leasegrid.client;

/**
 * Told about a lease's end of life. Called on the client's event thread (see {@link GridClientContext#eventExecutor}),
 * never on the thread that decodes answers: a listener may call the client, blocking calls included.
 */
public interface LeaseListener
{
    /**
     * The lease's safe-until time is near (a quarter of its TTL away) and no renewal confirmed it: renew it now (for
     * instance with {@link Lease#renewAsync()}) or stop acting as its holder before {@link Lease#isValid()} turns false.
     * An auto-renewed lease hears this only when its renewals fail to arrive.
     *
     * @param lease the lease.
     */
    default void onExpiring(final Lease lease)
    {
    }

    /**
     * The client can no longer count on the lease: the grid ended it, a renewal was refused, its session was lost,
     * or its safe-until time passed unconfirmed. {@link Lease#isValid()} is false from now on, and fenced puts with it
     * are refused before they are sent.
     *
     * @param lease the lease.
     */
    default void onExpired(final Lease lease)
    {
    }
}
