package io.leasegrid.client;

/**
 * A request failed with a typed error. {@link #code()} is the contract; the message is for people. An exception
 * thrown by a blocking call carries the caller's stack, with the answer's arrival as its cause where there was one.
 */
public class GridException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode code;

    /**
     * @param code    why.
     * @param message for people; the code's description when null or empty.
     */
    public GridException(final ErrorCode code, final String message)
    {
        this(code, message, null);
    }

    /**
     * @param code    why.
     * @param message for people; the code's description when null or empty.
     * @param cause   where it came from, or null.
     */
    public GridException(final ErrorCode code, final String message, final Throwable cause)
    {
        super(code + ": " + (null == message || message.isEmpty() ? describe(code) : message), cause);
        this.code = code;
    }

    /**
     * @return the typed error.
     */
    public ErrorCode code()
    {
        return code;
    }

    static String describe(final ErrorCode code)
    {
        switch (code)
        {
            case TIMEOUT: return "no answer within the request timeout; the outcome is unknown";
            case NOT_CONNECTED: return "no open session with the node right now; the client is reconnecting";
            case CLIENT_CLOSED: return "the client is closed";
            case SESSION_LOST: return "the session was lost before the request was answered; the outcome is unknown";
            case INTERRUPTED: return "the waiting thread was interrupted";
            case UNKNOWN: return "the node answered with an error this client does not know";
            default:
                return io.leasegrid.codec.ErrorCodes.describe(io.leasegrid.codec.sbe.ErrorCode.get((short)code.value()));
        }
    }
}
