package io.leasegrid.client;

/**
 * No answer came within the request timeout: the node may be gone, overloaded or restarting, and the request may or
 * may not have been applied. Its code is {@link ErrorCode#TIMEOUT}.
 */
public final class GridTimeoutException extends GridException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message for people.
     */
    public GridTimeoutException(final String message)
    {
        super(ErrorCode.TIMEOUT, message);
    }

    GridTimeoutException(final String message, final Throwable cause)
    {
        super(ErrorCode.TIMEOUT, message, cause);
    }
}
