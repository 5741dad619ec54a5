package io.leasegrid.node;

import io.leasegrid.codec.sbe.ErrorCode;

/**
 * The bounds every request is checked against, in one place: name and value lengths, lease TTL and wait timeout.
 * Each check answers the error code a violation gets, or null when the argument is within bounds. Immutable.
 */
public final class RequestLimits
{
    private final int maxNameLength;
    private final int maxValueLength;
    private final long minTtlNs;
    private final long maxTtlNs;
    private final long maxWaitTimeoutNs;

    public RequestLimits(
        final int maxNameLength, final int maxValueLength, final long minTtlNs, final long maxTtlNs, final long maxWaitTimeoutNs)
    {
        this.maxNameLength = maxNameLength;
        this.maxValueLength = maxValueLength;
        this.minTtlNs = minTtlNs;
        this.maxTtlNs = maxTtlNs;
        this.maxWaitTimeoutNs = maxWaitTimeoutNs;
    }

    /**
     * A key or resource name.
     */
    public ErrorCode nameError(final int length)
    {
        if (length <= 0)
        {
            return ErrorCode.INVALID_ARGUMENT;
        }
        return length > maxNameLength ? ErrorCode.KEY_TOO_LONG : null;
    }

    /**
     * A value.
     */
    public ErrorCode valueError(final int length)
    {
        return length < 0 || length > maxValueLength ? ErrorCode.VALUE_TOO_LONG : null;
    }

    /**
     * A lease's TTL.
     */
    public ErrorCode ttlError(final long ttlNs)
    {
        return ttlNs < minTtlNs || ttlNs > maxTtlNs ? ErrorCode.INVALID_TTL : null;
    }

    /**
     * How long an acquire may wait (0: not at all).
     */
    public ErrorCode waitError(final long waitTimeoutNs)
    {
        return waitTimeoutNs < 0 || waitTimeoutNs > maxWaitTimeoutNs ? ErrorCode.INVALID_ARGUMENT : null;
    }

    public int maxNameLength()
    {
        return maxNameLength;
    }

    public int maxValueLength()
    {
        return maxValueLength;
    }
}
