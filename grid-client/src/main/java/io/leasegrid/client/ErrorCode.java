package io.leasegrid.client;

/**
 * Why a request failed: the node's typed errors, and the client's own (no answer in time, not connected, closed,
 * session lost, interrupted). The code is the contract; messages are for people.
 */
public enum ErrorCode
{
    /** The node could not do it, for no more specific reason. */
    GENERIC_ERROR(0),
    /** The node could not decode the request. */
    MALFORMED_MESSAGE(1),
    /** The request is not of the leasegrid schema. */
    UNSUPPORTED_SCHEMA(2),
    /** The request's version is newer than the node understands. */
    UNSUPPORTED_VERSION(3),
    /** The node does not know the request's type. */
    UNKNOWN_TEMPLATE(4),
    /** The session has not authenticated. */
    NOT_AUTHENTICATED(5),
    /** Unknown client name or wrong secret. */
    AUTHENTICATION_FAILED(6),
    /** The node does not know the session (it timed out, or the node restarted without it). */
    UNKNOWN_SESSION(7),
    /** The session timed out. */
    SESSION_EXPIRED(8),
    /** The node is not the partition's primary; the client follows the new partition map. */
    NOT_PRIMARY(9),
    /** The node, or this client's way to it, is overloaded: retry later. */
    BACK_PRESSURE(10),
    /** The node is shutting down. */
    SHUTTING_DOWN(11),
    /** An argument is out of range. */
    INVALID_ARGUMENT(12),
    /** A key or resource name is longer than the node allows. */
    KEY_TOO_LONG(13),
    /** A value is longer than the node allows. */
    VALUE_TOO_LONG(14),
    /** Another client already receives answers on this response channel and stream. */
    RESPONSE_CHANNEL_IN_USE(15),
    /** Too few copies of the partition are reachable to commit a change; nothing was written. */
    QUORUM_UNAVAILABLE(16),
    /** The resource is held and the request asked not to wait. */
    LEASE_UNAVAILABLE(20),
    /** The resource was not granted within the wait timeout. */
    WAIT_TIMEOUT(21),
    /** No such lease: never granted, released, or gone. */
    LEASE_NOT_FOUND(22),
    /** The lease expired (on the grid, or on this client's clock before it could be confirmed). */
    LEASE_EXPIRED(23),
    /** The lease belongs to another session. */
    NOT_LEASE_HOLDER(24),
    /** The TTL is outside what the node allows. */
    INVALID_TTL(25),
    /** The holder limit differs from the one the resource is held with. */
    HOLDER_LIMIT_MISMATCH(26),
    /** The lease mode is invalid for the request. */
    MODE_MISMATCH(27),
    /** Too many requests already wait for the resource. */
    WAIT_QUEUE_FULL(28),
    /** The wait was cancelled by this client (interrupted). */
    WAIT_CANCELLED(29),
    /** The key's version is not the one expected. */
    VERSION_MISMATCH(40),
    /** The fencing token is not the current holder's: the lease was lost. */
    FENCING_TOKEN_REJECTED(41),
    /** The lease resource and the key are in different partitions. */
    FENCE_NOT_COLOCATED(42),
    /** An internal error in the node; see its error log. */
    INTERNAL_ERROR(99),
    /** No answer came within the request timeout: the outcome is unknown. */
    TIMEOUT(200),
    /** This client has no open session with the node's shard right now (it is reconnecting). */
    NOT_CONNECTED(201),
    /** The client was closed. */
    CLIENT_CLOSED(202),
    /** The session the request went out on was lost before it was answered: the outcome is unknown. */
    SESSION_LOST(203),
    /** The waiting thread was interrupted; the wait was cancelled. */
    INTERRUPTED(204),
    /** The node answered with a code this client version does not know. */
    UNKNOWN(255);

    private static final ErrorCode[] BY_WIRE_VALUE = new ErrorCode[256];

    static
    {
        for (final ErrorCode code : values())
        {
            BY_WIRE_VALUE[code.value] = code;
        }
    }

    private final int value;

    ErrorCode(final int value)
    {
        this.value = value;
    }

    /**
     * @return the number on the wire, or above 199 for the client's own codes.
     */
    public int value()
    {
        return value;
    }

    /**
     * @return true when the client decided it, not the node.
     */
    public boolean isClientSide()
    {
        return value >= 200;
    }

    static ErrorCode fromWire(final int value)
    {
        final ErrorCode code = value >= 0 && value < 200 ? BY_WIRE_VALUE[value] : null;
        return null == code ? UNKNOWN : code;
    }
}
