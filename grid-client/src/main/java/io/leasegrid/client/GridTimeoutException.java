package io.leasegrid.client;

import io.leasegrid.codec.sbe.ErrorCode;

/**
 * No answer came within the request timeout: the node may be gone, overloaded or restarting.
 */
public final class GridTimeoutException extends GridException
{
    private static final long serialVersionUID = 1L;

    public GridTimeoutException(final String message)
    {
        super(ErrorCode.GENERIC_ERROR, message);
    }
}
