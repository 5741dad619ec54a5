package io.leasegrid.client;

import io.leasegrid.codec.sbe.ErrorCode;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The requests of the allocation-free call path that wait for an answer: their callback ({@link ValueCallback}
 * or {@link LeaseCallback}) and deadline by correlation id. Guarded by the client's send lock, because callers
 * register and the conductor takes.
 */
final class CallbackRequests
{
    private final Long2ObjectHashMap<Object> callbacks = new Long2ObjectHashMap<>();
    private final Long2LongHashMap deadlines = new Long2LongHashMap(-1);
    private final long[] expired = new long[1024];
    private final Object lock;

    CallbackRequests(final Object lock)
    {
        this.lock = lock;
    }

    /**
     * Called holding the lock.
     */
    void register(final long correlationId, final Object callback, final long deadlineNs)
    {
        callbacks.put(correlationId, callback);
        deadlines.put(correlationId, deadlineNs);
    }

    /**
     * @return the callback waiting for {@code correlationId}, removed; null when none waits.
     */
    Object take(final long correlationId)
    {
        synchronized (lock)
        {
            deadlines.remove(correlationId);
            return callbacks.remove(correlationId);
        }
    }

    /**
     * @return the callback waiting for {@code correlationId}, left in place; null when none waits.
     */
    Object peek(final long correlationId)
    {
        synchronized (lock)
        {
            return callbacks.get(correlationId);
        }
    }

    /**
     * Fail callbacks past their deadline with a null error code. Allocation free.
     */
    int expire(final long nowNs)
    {
        int count = 0;
        synchronized (lock)
        {
            final Long2LongHashMap.KeyIterator keys = deadlines.keySet().iterator();
            while (keys.hasNext() && count < expired.length)
            {
                final long correlationId = keys.nextValue();
                if (nowNs - deadlines.get(correlationId) > 0)
                {
                    expired[count++] = correlationId;
                }
            }
        }
        for (int i = 0; i < count; i++)
        {
            fail(expired[i], take(expired[i]), null);
        }
        return count;
    }

    /**
     * Tell {@code callback}, whichever kind it is, that its request failed.
     */
    static void fail(final long correlationId, final Object callback, final ErrorCode code)
    {
        if (callback instanceof ValueCallback)
        {
            ((ValueCallback)callback).onError(correlationId, code);
        }
        else if (callback instanceof LeaseCallback)
        {
            ((LeaseCallback)callback).onError(correlationId, code);
        }
    }
}
