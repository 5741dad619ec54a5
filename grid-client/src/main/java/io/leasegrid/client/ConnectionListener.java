package io.leasegrid.client;

/**
 * Told how the client's connection to the node fares. Called on the client's event thread (see
 * {@link GridClientContext#eventExecutor}); blocking in it delays other events, never the client itself.
 */
public interface ConnectionListener
{
    /**
     * The node stopped answering a session's keep-alives (or closed it). Requests on it fail with
     * {@link ErrorCode#NOT_CONNECTED} until it is back; leases stay valid only until their safe-until time.
     */
    default void onConnectionLost()
    {
    }

    /**
     * Every session is open again, resumed where the node still had it: its leases continue.
     */
    default void onReattached()
    {
    }

    /**
     * A session could not be resumed (the node no longer has it): every lease it held ended on this client, with
     * {@link LeaseListener#onExpired} fired, and a new session was opened in its place.
     *
     * @param sessionId of the session that was lost.
     */
    default void onSessionLost(final long sessionId)
    {
    }
}
