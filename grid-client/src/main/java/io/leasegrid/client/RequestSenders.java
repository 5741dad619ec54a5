package io.leasegrid.client;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * How each kind of request of the blocking and asynchronous calls is written, given its arguments already checked
 * and encoded; a sender may be called again for a retry on another session.
 */
final class RequestSenders
{
    private RequestSenders()
    {
    }

    static RequestDispatch.Sender acquire(
        final byte[] name, final long ttlNs, final long waitNs, final LeaseRequest request)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(name);
        return (proxy, correlationId, sessionId) -> proxy.acquire(correlationId, sessionId, ttlNs, waitNs, request.mode,
            request.autoRenew, request.holderLimit, buffer, 0, name.length);
    }

    static RequestDispatch.Sender put(final byte[] name, final byte[] value)
    {
        return (proxy, correlationId, sessionId) -> proxy.put(correlationId, sessionId, new UnsafeBuffer(name), 0,
            name.length, new UnsafeBuffer(value), 0, value.length);
    }

    static RequestDispatch.Sender get(final byte[] name)
    {
        return (proxy, correlationId, sessionId) -> proxy.get(correlationId, sessionId, new UnsafeBuffer(name), 0,
            name.length);
    }

    static RequestDispatch.Sender delete(final byte[] name)
    {
        return (proxy, correlationId, sessionId) -> proxy.delete(correlationId, sessionId, new UnsafeBuffer(name), 0,
            name.length);
    }

    static RequestDispatch.Sender compareAndSet(final byte[] name, final long expectedVersion, final byte[] value)
    {
        return (proxy, correlationId, sessionId) -> proxy.compareAndSet(correlationId, sessionId, expectedVersion,
            new UnsafeBuffer(name), 0, name.length, new UnsafeBuffer(value), 0, value.length);
    }

    static RequestDispatch.Sender fencedPut(
        final byte[] name, final byte[] resource, final long fencingToken, final byte[] value)
    {
        return (proxy, correlationId, sessionId) -> proxy.fencedPut(correlationId, sessionId, fencingToken,
            new UnsafeBuffer(name), 0, name.length, new UnsafeBuffer(resource), 0, resource.length,
            new UnsafeBuffer(value), 0, value.length);
    }

    static RequestDispatch.Sender renew(final Lease lease)
    {
        return (proxy, correlationId, sessionId) -> proxy.renew(correlationId, sessionId, lease.leaseId());
    }
}
