package io.leasegrid.client;

import java.util.concurrent.CompletableFuture;

/**
 * A request sent and not yet answered: what it was, which session it went out on, when it times out, and who wants
 * the answer (a callback, or a future completed on the event thread for asynchronous calls and directly for blocking
 * ones). Pooled by {@link PendingRequests} for the callback path; never held after it completes.
 */
final class PendingRequest
{
    /**
     * What a request asked.
     */
    enum Kind
    {
        ACQUIRE, RENEW, RELEASE, CANCEL_WAIT, STATUS, LIST, PUT, GET, DELETE, COMPARE_AND_SET, FENCED_PUT
    }

    long correlationId;
    Kind kind;
    ShardSession session;
    long sendNs;
    long deadlineNs;
    ValueCallback valueCallback;
    LeaseCallback leaseCallback;
    CompletableFuture<Object> future;
    boolean async;
    String name;
    LeaseRequest leaseRequest;
    Lease lease;
    PendingRequest confirming;
    LeaseListCollector listCollector;
    boolean queued;
    volatile boolean cancelled;
    /** The thread blocked on the answer, woken when another thread completes it. */
    volatile Thread waiter;

    void reset()
    {
        correlationId = 0;
        kind = null;
        session = null;
        sendNs = 0;
        deadlineNs = 0;
        valueCallback = null;
        leaseCallback = null;
        future = null;
        async = false;
        name = null;
        leaseRequest = null;
        lease = null;
        confirming = null;
        listCollector = null;
        queued = false;
        cancelled = false;
        waiter = null;
    }

    /**
     * @return true when a future, not a callback, waits for the answer.
     */
    boolean hasFuture()
    {
        return null != future;
    }
}
