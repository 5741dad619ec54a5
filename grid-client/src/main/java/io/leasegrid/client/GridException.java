package io.leasegrid.client;

import io.leasegrid.codec.ErrorCodes;
import io.leasegrid.codec.sbe.ErrorCode;

/**
 * A request the grid answered with a typed error. {@link #code()} is the contract; the message is for people.
 */
public class GridException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode code;

    public GridException(final ErrorCode code, final String message)
    {
        super(code + ": " + (null == message || message.isEmpty() ? ErrorCodes.describe(code) : message));
        this.code = code;
    }

    /**
     * @return the typed error.
     */
    public ErrorCode code()
    {
        return code;
    }
}
