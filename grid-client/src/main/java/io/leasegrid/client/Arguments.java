package io.leasegrid.client;

import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Checks of what callers pass in, before anything is sent or registered, each failing with a message that states the
 * limit. Thread safe.
 */
final class Arguments
{
    private final GridClientContext context;

    Arguments(final GridClientContext context)
    {
        this.context = context;
    }

    /**
     * @return the name's UTF-8 bytes, once checked.
     */
    byte[] name(final String what, final String name)
    {
        if (null == name)
        {
            throw new NullPointerException(what + " is null");
        }
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        nameLength(what, bytes.length);
        return bytes;
    }

    void nameLength(final String what, final int length)
    {
        if (length < 1 || length > context.maxKeyLength())
        {
            throw new IllegalArgumentException(what + " must be 1 to " + context.maxKeyLength() + " bytes of UTF-8, not " +
                length);
        }
    }

    void name(final String what, final DirectBuffer buffer, final int offset, final int length)
    {
        if (null == buffer)
        {
            throw new NullPointerException(what + " buffer is null");
        }
        nameLength(what, length);
        bounds(what, buffer, offset, length);
    }

    byte[] value(final byte[] value)
    {
        if (null == value)
        {
            throw new NullPointerException("value is null");
        }
        valueLength(value.length);
        return value;
    }

    void value(final DirectBuffer buffer, final int offset, final int length)
    {
        if (null == buffer)
        {
            throw new NullPointerException("value buffer is null");
        }
        valueLength(length);
        bounds("value", buffer, offset, length);
    }

    private void valueLength(final int length)
    {
        if (length < 0 || length > context.maxValueLength())
        {
            throw new IllegalArgumentException("value must be at most " + context.maxValueLength() + " bytes, not " + length);
        }
    }

    /**
     * @return the TTL in nanoseconds, once checked.
     */
    long ttlNs(final LeaseRequest request)
    {
        if (null == request)
        {
            throw new NullPointerException("lease request is null");
        }
        final long ttlNs = nanos(request.ttl);
        if (ttlNs < context.minTtlNs() || ttlNs > context.maxTtlNs())
        {
            throw new IllegalArgumentException("TTL must be " + Duration.ofNanos(context.minTtlNs()) + " to " +
                Duration.ofNanos(context.maxTtlNs()) + ", not " + request.ttl);
        }
        final long waitNs = nanos(request.waitTimeout);
        if (waitNs < 0 || waitNs > context.maxWaitTimeoutNs())
        {
            throw new IllegalArgumentException("wait timeout must be 0 to " + Duration.ofNanos(context.maxWaitTimeoutNs()) +
                ", not " + request.waitTimeout);
        }
        return ttlNs;
    }

    void leaseId(final long leaseId)
    {
        if (leaseId <= 0)
        {
            throw new IllegalArgumentException("a lease id is positive, not " + leaseId);
        }
    }

    <T> T notNull(final String what, final T value)
    {
        if (null == value)
        {
            throw new NullPointerException(what + " is null");
        }
        return value;
    }

    /**
     * @return the duration in nanoseconds, saturated: a thousand years is simply out of range, not an overflow.
     */
    static long nanos(final Duration duration)
    {
        if (duration.isNegative())
        {
            return -1;
        }
        return duration.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : duration.toNanos();
    }

    private static void bounds(final String what, final DirectBuffer buffer, final int offset, final int length)
    {
        if (offset < 0 || (long)offset + length > buffer.capacity())
        {
            throw new IndexOutOfBoundsException(what + " [" + offset + ", " + offset + " + " + length +
                ") is outside its buffer of " + buffer.capacity() + " bytes");
        }
    }
}
