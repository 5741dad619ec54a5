package io.leasegrid.codec;

import io.leasegrid.codec.sbe.ErrorCode;

/**
 * Readable text for each typed {@link ErrorCode}. The code is the contract; the text is for people and may
 * change. Stateless and thread-safe.
 */
public final class ErrorCodes
{
    private ErrorCodes()
    {
    }

    /**
     * A one-line description of what a code means and what to do about it.
     *
     * @param code to describe; {@code null} or {@link ErrorCode#NULL_VAL} for a code this version does not know.
     * @return the description, never {@code null}.
     */
    public static String describe(final ErrorCode code)
    {
        if (null == code)
        {
            return "unknown error code";
        }

        switch (code)
        {
            case GENERIC_ERROR: return "request failed";
            case MALFORMED_MESSAGE: return "message could not be decoded: truncated, oversized or corrupt";
            case UNSUPPORTED_SCHEMA: return "message is not of the leasegrid schema";
            case UNSUPPORTED_VERSION: return "message version is newer than the node understands";
            case UNKNOWN_TEMPLATE: return "message type is unknown to the node";
            case NOT_AUTHENTICATED: return "session is not authenticated: connect and authenticate first";
            case AUTHENTICATION_FAILED: return "authentication failed: unknown client or wrong secret";
            case UNKNOWN_SESSION: return "session is unknown to the node";
            case SESSION_EXPIRED: return "session timed out: reconnect";
            case NOT_PRIMARY: return "this node is not the partition's primary; a new partition map follows";
            case BACK_PRESSURE: return "node is overloaded: retry later";
            case SHUTTING_DOWN: return "node is shutting down";
            case INVALID_ARGUMENT: return "invalid argument";
            case KEY_TOO_LONG: return "key or resource name is longer than the node allows";
            case VALUE_TOO_LONG: return "value is longer than the node allows";
            case RESPONSE_CHANNEL_IN_USE:
                return "another client already receives answers on this response channel and stream: choose another";
            case QUORUM_UNAVAILABLE:
                return "too few copies of the partition are reachable to commit a change: nothing was written; retry later";
            case LEASE_UNAVAILABLE: return "resource is held and the request asked not to wait";
            case WAIT_TIMEOUT: return "resource was not granted within the wait timeout";
            case LEASE_NOT_FOUND: return "no such lease: never granted, released or already gone";
            case LEASE_EXPIRED: return "lease has expired and cannot be renewed or released";
            case NOT_LEASE_HOLDER: return "lease belongs to another session";
            case INVALID_TTL: return "lease TTL is out of the range the node allows";
            case HOLDER_LIMIT_MISMATCH: return "holder limit differs from the one the resource is held with";
            case MODE_MISMATCH: return "lease mode is invalid for this request";
            case WAIT_QUEUE_FULL: return "too many requests already wait for this resource";
            case WAIT_CANCELLED: return "the waiting acquire was cancelled by its client";
            case VERSION_MISMATCH: return "value's version is not the expected one";
            case FENCING_TOKEN_REJECTED: return "fencing token is not the current holder's: the lease was lost";
            case FENCE_NOT_COLOCATED: return "lease resource and key are in different partitions: give them a common {hash tag}";
            case INTERNAL_ERROR: return "internal error in the node; see its error log";
            default: return "unknown error code";
        }
    }
}
