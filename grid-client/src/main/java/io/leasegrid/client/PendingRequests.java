package io.leasegrid.client;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * Every request waiting for its answer, by correlation id. Callers register, the thread that decodes answers takes;
 * the lock is held for a map operation only, never while sending or waiting. Requests of the callback path come
 * from a pool, so registering one allocates nothing.
 */
final class PendingRequests
{
    private static final int POOL_LIMIT = 4096;

    private final Long2ObjectHashMap<PendingRequest> byCorrelationId = new Long2ObjectHashMap<>();
    private final ArrayDeque<PendingRequest> pool = new ArrayDeque<>();
    private final ArrayList<PendingRequest> swept = new ArrayList<>();

    /**
     * @return a blank request, from the pool when it has one.
     */
    synchronized PendingRequest newRequest()
    {
        final PendingRequest request = pool.pollFirst();
        return null == request ? new PendingRequest() : request;
    }

    synchronized void register(final PendingRequest request)
    {
        byCorrelationId.put(request.correlationId, request);
    }

    /**
     * @return the request waiting for {@code correlationId}, removed; null when none waits.
     */
    synchronized PendingRequest take(final long correlationId)
    {
        return byCorrelationId.remove(correlationId);
    }

    /**
     * @return the request waiting for {@code correlationId}, left in place; null when none waits.
     */
    synchronized PendingRequest peek(final long correlationId)
    {
        return byCorrelationId.get(correlationId);
    }

    /**
     * Give a completed request of the callback path back to the pool.
     */
    synchronized void recycle(final PendingRequest request)
    {
        request.reset();
        if (pool.size() < POOL_LIMIT)
        {
            pool.addLast(request);
        }
    }

    synchronized boolean isEmpty()
    {
        return byCorrelationId.isEmpty();
    }

    synchronized int size()
    {
        return byCorrelationId.size();
    }

    /**
     * Take every request past its deadline, or of {@code session} when it is not null, and hand each to
     * {@code handler} outside the lock.
     *
     * @return requests taken.
     */
    int takeExpired(final long nowNs, final ShardSession session, final Consumer<PendingRequest> handler)
    {
        synchronized (this)
        {
            if (byCorrelationId.isEmpty())
            {
                return 0;
            }
            for (final PendingRequest request : byCorrelationId.values())
            {
                if ((null != session && request.session == session) || (null == session && nowNs - request.deadlineNs > 0))
                {
                    swept.add(request);
                }
            }
            for (int i = 0; i < swept.size(); i++)
            {
                byCorrelationId.remove(swept.get(i).correlationId);
            }
        }
        final int count = swept.size();
        for (int i = 0; i < count; i++)
        {
            handler.accept(swept.get(i));
        }
        swept.clear();
        return count;
    }

    /**
     * Take every request, for a client that closes.
     */
    void takeAll(final Consumer<PendingRequest> handler)
    {
        final ArrayList<PendingRequest> all;
        synchronized (this)
        {
            all = new ArrayList<>(byCorrelationId.values());
            byCorrelationId.clear();
        }
        all.forEach(handler);
    }
}
