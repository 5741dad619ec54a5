package io.leasegrid.client;

import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The Java client of a leasegrid node: leases (blocking and asynchronous), a JDK {@link java.util.concurrent.locks.Lock}
 * view, and values. It opens one authenticated session per shard of the node, routes each request by the partition
 * map straight to the shard that owns its key, keeps the sessions alive and resumes them after a disconnection or a
 * node restart, and keeps every lease's validity honest ({@link Lease}).
 * <p>
 * Three ways to call, on every request:
 * <ul>
 *     <li><b>blocking</b> ({@code put}, {@code acquire}, ...): the calling thread waits, running the client's duty
 *     cycle itself when no other thread does (one thread hand-off less per round trip). A blocking call made on the
 *     thread that delivers answers (inside a {@link ValueCallback} or {@link LeaseCallback}) fails at once with
 *     {@link IllegalStateException}: it would wait for itself.</li>
 *     <li><b>asynchronous</b> ({@code putAsync}, ...): never blocks; a request that cannot be sent at once fails its
 *     future ({@link ErrorCode#NOT_CONNECTED}, {@link ErrorCode#BACK_PRESSURE}). Futures complete on the event
 *     executor ({@link GridClientContext#eventExecutor}), so continuations may call the client, blocking calls
 *     included.</li>
 *     <li><b>callback</b> (the methods taking {@link DirectBuffer}s): allocation free; answers go to the callback on
 *     the thread that decodes them.</li>
 * </ul>
 * Arguments are checked before anything is sent, with messages that state the limits. Thread safe: {@link #close()}
 * may be called while other threads send and poll; requests in flight then fail with {@link ErrorCode#CLIENT_CLOSED},
 * new ones are refused with {@link IllegalStateException}, and {@link #pollAnswers()} returns 0.
 * <p>
 * This class is long because it is the whole public API, each request in three call styles and each documented
 * where it is; the work happens elsewhere: {@code ClientTransport} (driver, Aeron, threads, connecting),
 * {@code RequestDispatch} (waiting, completing, retrying), {@code ClientConductor} (answers and sessions) and
 * {@code RequestSenders} (what each request writes).
 */
public final class GridClient implements AutoCloseable
{
    private static final long QUORUM_RETRY_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final long CLOSE_WAIT_NS = TimeUnit.SECONDS.toNanos(1);

    private final RequestOutcomes outcomes = new Outcomes();
    private final GridClientContext context;
    private final Arguments arguments;
    private final PendingRequests pending = new PendingRequests();
    private final PartitionRoutes routes = new PartitionRoutes();
    private final ExecutorService ownEvents;
    private final RequestDispatch dispatch;
    private final ClientTransport transport;
    private final ClientConductor conductor;
    private volatile boolean closed;

    private GridClient(final GridClientContext context)
    {
        this.context = context;
        this.arguments = new Arguments(context);
        ownEvents = null == context.eventExecutor() ? Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "leasegrid-client-events");
            thread.setDaemon(true);
            return thread;
        }) : null;
        final Executor events = null == ownEvents ? context.eventExecutor() : ownEvents;
        dispatch = new RequestDispatch(context, pending, events);
        ClientTransport started = null;
        try
        {
            started = new ClientTransport(context, outcomes, pending, routes, dispatch, events);
            transport = started;
            conductor = started.conductor();
            dispatch.conductor(conductor);
            started.connectSessions();
        }
        catch (final RuntimeException ex)
        {
            closed = true;
            dispatch.closed();
            CloseHelper.quietClose(started);
            if (null != ownEvents)
            {
                ownEvents.shutdownNow();
            }
            throw ex;
        }
    }

    /**
     * Connect to a node and authenticate with every shard.
     *
     * @param context settings; concluded here.
     * @return the connected client.
     * @throws GridException        with {@code AUTHENTICATION_FAILED} when the node refuses the credentials.
     * @throws GridTimeoutException when the node does not answer within the connect timeout.
     */
    public static GridClient connect(final GridClientContext context)
    {
        return new GridClient(context.conclude());
    }

    // ----------------------------------------------------------------------------------------------- leases

    /**
     * Acquire a lease, waiting as the request allows. A lease granted after a wait is confirmed by a renewal before
     * it is returned, so it arrives good for nearly its whole TTL.
     *
     * @param resource the name to lock, 1 to 256 bytes of UTF-8.
     * @param request  mode, TTL, wait timeout, renewal and listener.
     * @return the lease.
     * @throws GridException with {@code LEASE_UNAVAILABLE} (fail fast), {@code WAIT_TIMEOUT}, {@code INTERRUPTED}
     *                       (the thread was interrupted: the wait was cancelled), among others.
     */
    public Lease acquire(final String resource, final LeaseRequest request)
    {
        return acquire(resource, request, true);
    }

    /**
     * Acquire a lease, waiting as the request allows; an uninterruptible wait keeps its place in the queue when the
     * thread is interrupted.
     */
    Lease acquire(final String resource, final LeaseRequest request, final boolean interruptible)
    {
        ensureMayBlock();
        final byte[] name = arguments.name("resource", resource);
        final long ttlNs = arguments.ttlNs(request);
        final long waitNs = Arguments.nanos(request.waitTimeout);
        final long deadlineNs = context.nanoClock().nanoTime() + context.requestTimeoutNs() + waitNs;
        while (true)
        {
            final ShardSession session = awaitSession(routes.byName(name), name, deadlineNs);
            final PendingRequest pendingAcquire = newAcquire(session, resource, request, waitNs);
            dispatch.submit(pendingAcquire, false, RequestSenders.acquire(name, ttlNs, waitNs, request));
            try
            {
                return (Lease)dispatch.await(pendingAcquire, interruptible);
            }
            catch (final GridException ex)
            {
                if (ErrorCode.INTERRUPTED == ex.code())
                {
                    cancelWait(pendingAcquire);
                    throw ex;
                }
                if (!retryable(ex, deadlineNs))
                {
                    throw ex;
                }
            }
        }
    }

    /**
     * Acquire an exclusive lease or fail at once.
     *
     * @param resource the name to lock.
     * @param ttl      time to live.
     * @return the lease.
     * @throws GridException with {@code LEASE_UNAVAILABLE} when it is held.
     */
    public Lease tryAcquire(final String resource, final Duration ttl)
    {
        return acquire(resource, LeaseRequest.exclusive(ttl));
    }

    /**
     * Acquire a lease without blocking.
     *
     * @param resource the name to lock.
     * @param request  mode, TTL, wait timeout, renewal and listener.
     * @return completed with the lease, or exceptionally with a {@link GridException}.
     */
    public CompletableFuture<Lease> acquireAsync(final String resource, final LeaseRequest request)
    {
        final byte[] name = arguments.name("resource", resource);
        final long ttlNs = arguments.ttlNs(request);
        final long waitNs = Arguments.nanos(request.waitTimeout);
        final ShardSession session = openSessionOrNull(routes.byName(name));
        if (null == session)
        {
            return notConnected();
        }
        return cast(dispatch.submit(newAcquire(session, resource, request, waitNs), true,
            RequestSenders.acquire(name, ttlNs, waitNs, request)));
    }

    /**
     * Who holds and who waits for {@code resource}.
     *
     * @param resource the name asked about.
     * @return its holders and waiters as the primary saw them.
     */
    public ResourceStatus status(final String resource)
    {
        ensureMayBlock();
        final byte[] name = arguments.name("resource", resource);
        return (ResourceStatus)call(name, PendingRequest.Kind.STATUS, resource,
            (proxy, correlationId, sessionId) -> proxy.status(correlationId, sessionId, name));
    }

    /**
     * Who holds and who waits for {@code resource}, without blocking.
     *
     * @param resource the name asked about.
     * @return completed with its status.
     */
    public CompletableFuture<ResourceStatus> statusAsync(final String resource)
    {
        final byte[] name = arguments.name("resource", resource);
        return cast(callAsync(name, PendingRequest.Kind.STATUS, resource,
            (proxy, correlationId, sessionId) -> proxy.status(correlationId, sessionId, name)));
    }

    /**
     * The live leases on resources starting with {@code prefix}, held by any session, from every shard.
     *
     * @param prefix    of the resource names, empty for all.
     * @param maxLeases at most this many, 1 to 1000.
     * @return the leases, with whether more matched.
     */
    public LeaseListing listLeases(final String prefix, final int maxLeases)
    {
        return listLeases(prefix, 0, maxLeases);
    }

    /**
     * The live leases on resources starting with {@code prefix}, held by one session (0 for any), from every shard.
     *
     * @param prefix         of the resource names, empty for all.
     * @param ownerSessionId holder's session id, 0 for any.
     * @param maxLeases      at most this many, 1 to 1000.
     * @return the leases, with whether more matched.
     */
    public LeaseListing listLeases(final String prefix, final long ownerSessionId, final int maxLeases)
    {
        ensureMayBlock();
        final CompletableFuture<Object> future = startList(prefix, ownerSessionId, maxLeases, false);
        final PendingRequest waiter = pending.newRequest();
        waiter.future = future;
        waiter.deadlineNs = context.nanoClock().nanoTime() + context.requestTimeoutNs();
        return (LeaseListing)dispatch.await(waiter);
    }

    /**
     * The live leases on resources starting with {@code prefix}, held by one session (0 for any), without blocking.
     *
     * @param prefix         of the resource names, empty for all.
     * @param ownerSessionId holder's session id, 0 for any.
     * @param maxLeases      at most this many, 1 to 1000.
     * @return completed with the leases.
     */
    public CompletableFuture<LeaseListing> listLeasesAsync(final String prefix, final long ownerSessionId, final int maxLeases)
    {
        return cast(startList(prefix, ownerSessionId, maxLeases, true));
    }

    /**
     * @return the ids of this client's sessions, one per shard (0 for one not open yet).
     */
    public long[] sessionIds()
    {
        final ShardSession[] sessions = conductor.sessions();
        final long[] ids = new long[sessions.length];
        for (int i = 0; i < sessions.length; i++)
        {
            ids[i] = sessions[i].sessionId();
        }
        return ids;
    }

    /**
     * A {@link java.util.concurrent.locks.Lock} over an exclusive, auto-renewed lease on {@code resource}: reentrant,
     * owned by the thread that locked it, its fencing token reachable from it.
     *
     * @param resource the name to lock.
     * @param ttl      of the lease behind the lock; it is renewed about every third of it while held.
     * @return the lock (not locked yet).
     */
    public GridLock lock(final String resource, final Duration ttl)
    {
        arguments.name("resource", resource);
        arguments.ttlNs(LeaseRequest.exclusive(ttl));
        return new GridLock(this, resource, ttl);
    }

    /**
     * Release a lease by id, as a tool or an administrator would; only the session that holds it may.
     *
     * @param leaseId of the lease.
     * @throws GridException with {@code NOT_LEASE_HOLDER} for a lease of another session, {@code LEASE_NOT_FOUND} for
     *                       an id that names no lease.
     */
    public void releaseLease(final long leaseId)
    {
        ensureMayBlock();
        final Lease handle = leaseOf(leaseId);
        if (null != handle)
        {
            release(handle);
            return;
        }
        final ShardSession route = routes.byLeaseId(leaseId);
        if (null == route)
        {
            throw new GridException(ErrorCode.LEASE_NOT_FOUND, "no lease " + leaseId + " in this grid");
        }
        final long deadlineNs = context.nanoClock().nanoTime() + context.requestTimeoutNs();
        final ShardSession session = awaitSession(route, null, deadlineNs);
        final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.RELEASE, session, 0);
        dispatch.submit(request, false, (proxy, correlationId, sessionId) -> proxy.release(correlationId, sessionId, leaseId));
        dispatch.await(request);
    }

    /**
     * Acquire a lease without allocating: the resource name is read from a buffer, the answer (granted, queued, or an
     * error) goes to {@code callback}. The request is only read, so one request object can serve every call; its
     * listener, renewal and queue callback are not used on this path.
     *
     * @param resource buffer holding the resource name.
     * @param offset   of the name.
     * @param length   of the name, 1 to 256 bytes.
     * @param request  mode, TTL and wait timeout.
     * @param callback told the outcome.
     * @return the correlation id the callback will be given.
     */
    public long acquire(
        final DirectBuffer resource,
        final int offset,
        final int length,
        final LeaseRequest request,
        final LeaseCallback callback)
    {
        arguments.name("resource", resource, offset, length);
        final long ttlNs = arguments.ttlNs(request);
        final long waitNs = Arguments.nanos(request.waitTimeout);
        arguments.notNull("callback", callback);
        final PendingRequest pendingAcquire = dispatch.newRequest(PendingRequest.Kind.ACQUIRE,
            routed(routes.byName(resource, offset, length)), waitNs);
        pendingAcquire.leaseCallback = callback;
        final long correlationId = pendingAcquire.correlationId;
        final ShardSession session = pendingAcquire.session;
        if (dispatch.registerCallback(pendingAcquire))
        {
            dispatch.sentCallback(correlationId, session.proxy.acquire(correlationId, session.sessionId(), ttlNs, waitNs,
                request.mode, request.autoRenew, request.holderLimit, resource, offset, length));
        }
        return correlationId;
    }

    /**
     * Release a lease granted through the callback path without allocating; the answer goes to {@code callback}. Any
     * id gets an answer: one that names no partition of the grid gets {@link ErrorCode#LEASE_NOT_FOUND}.
     *
     * @param leaseId  of the lease.
     * @param callback told the outcome.
     * @return the correlation id the callback will be given.
     */
    public long release(final long leaseId, final LeaseCallback callback)
    {
        arguments.notNull("callback", callback);
        final ShardSession route = routes.byLeaseId(leaseId);
        final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.RELEASE, routed(route), 0);
        request.leaseCallback = callback;
        if (null == route)
        {
            final long correlationId = request.correlationId;
            pending.recycle(request);
            callback.onError(correlationId, ErrorCode.LEASE_NOT_FOUND);
            return correlationId;
        }
        final long correlationId = request.correlationId;
        if (dispatch.registerCallback(request))
        {
            dispatch.sentCallback(correlationId, route.proxy.release(correlationId, route.sessionId(), leaseId));
        }
        return correlationId;
    }

    // ------------------------------------------------------------------------------------------------ values

    /**
     * Put a value.
     *
     * @param key   1 to 256 bytes of UTF-8.
     * @param value at most 64 KiB.
     * @return its new version.
     */
    public long put(final String key, final byte[] value)
    {
        ensureMayBlock();
        final byte[] name = arguments.name("key", key);
        arguments.value(value);
        return (Long)call(name, PendingRequest.Kind.PUT, key, RequestSenders.put(name, value));
    }

    /**
     * Put a value without blocking.
     *
     * @param key   1 to 256 bytes of UTF-8.
     * @param value at most 64 KiB.
     * @return completed with its new version.
     */
    public CompletableFuture<Long> putAsync(final String key, final byte[] value)
    {
        final byte[] name = arguments.name("key", key);
        arguments.value(value);
        return cast(callAsync(name, PendingRequest.Kind.PUT, key, RequestSenders.put(name, value)));
    }

    /**
     * Read a value.
     *
     * @param key 1 to 256 bytes of UTF-8.
     * @return the value, or null when the key has none.
     */
    public ValueRecord get(final String key)
    {
        ensureMayBlock();
        final byte[] name = arguments.name("key", key);
        return (ValueRecord)call(name, PendingRequest.Kind.GET, key, RequestSenders.get(name));
    }

    /**
     * Read a value without blocking.
     *
     * @param key 1 to 256 bytes of UTF-8.
     * @return completed with the value, or with null when the key has none.
     */
    public CompletableFuture<ValueRecord> getAsync(final String key)
    {
        final byte[] name = arguments.name("key", key);
        return cast(callAsync(name, PendingRequest.Kind.GET, key, RequestSenders.get(name)));
    }

    /**
     * Delete a value.
     *
     * @param key 1 to 256 bytes of UTF-8.
     * @return true when the key had one.
     */
    public boolean delete(final String key)
    {
        ensureMayBlock();
        final byte[] name = arguments.name("key", key);
        return (Boolean)call(name, PendingRequest.Kind.DELETE, key, RequestSenders.delete(name));
    }

    /**
     * Delete a value without blocking.
     *
     * @param key 1 to 256 bytes of UTF-8.
     * @return completed with whether the key had one.
     */
    public CompletableFuture<Boolean> deleteAsync(final String key)
    {
        final byte[] name = arguments.name("key", key);
        return cast(callAsync(name, PendingRequest.Kind.DELETE, key, RequestSenders.delete(name)));
    }

    /**
     * Put only while the key's version is {@code expectedVersion} (0: the key is absent).
     *
     * @param key             1 to 256 bytes of UTF-8.
     * @param expectedVersion the version the key must have, 0 for absent.
     * @param value           at most 64 KiB.
     * @return the new version.
     * @throws GridException with {@code VERSION_MISMATCH} otherwise.
     */
    public long compareAndSet(final String key, final long expectedVersion, final byte[] value)
    {
        ensureMayBlock();
        final byte[] name = arguments.name("key", key);
        arguments.value(value);
        return (Long)call(name, PendingRequest.Kind.COMPARE_AND_SET, key,
            RequestSenders.compareAndSet(name, expectedVersion, value));
    }

    /**
     * Compare-and-set without blocking.
     *
     * @param key             1 to 256 bytes of UTF-8.
     * @param expectedVersion the version the key must have, 0 for absent.
     * @param value           at most 64 KiB.
     * @return completed with the new version, or exceptionally with {@code VERSION_MISMATCH}.
     */
    public CompletableFuture<Long> compareAndSetAsync(final String key, final long expectedVersion, final byte[] value)
    {
        final byte[] name = arguments.name("key", key);
        arguments.value(value);
        return cast(callAsync(name, PendingRequest.Kind.COMPARE_AND_SET, key,
            RequestSenders.compareAndSet(name, expectedVersion, value)));
    }

    /**
     * Put only while {@code lease} is the current holder of its resource on the grid. A lease no longer valid on this
     * client is refused here, before anything is sent.
     *
     * @param key   1 to 256 bytes of UTF-8, in the same partition as the lease's resource (give both a hash tag).
     * @param value at most 64 KiB.
     * @param lease whose fencing token guards the write.
     * @return the new version.
     * @throws GridException with {@code LEASE_EXPIRED} when the lease is no longer valid here, or
     *                       {@code FENCING_TOKEN_REJECTED} when the grid says it was lost.
     */
    public long fencedPut(final String key, final byte[] value, final Lease lease)
    {
        arguments.notNull("lease", lease);
        ensureValid(lease);
        return fencedPut(key, value, lease.resource(), lease.fencingToken());
    }

    /**
     * Put only while {@code fencingToken} is the token of a live lease on {@code leaseResource} held by this client's
     * session.
     *
     * @param key           1 to 256 bytes of UTF-8.
     * @param value         at most 64 KiB.
     * @param leaseResource the resource of the lease, in the key's partition.
     * @param fencingToken  the lease's token.
     * @return the new version.
     * @throws GridException with {@code FENCING_TOKEN_REJECTED} or {@code NOT_LEASE_HOLDER}.
     */
    public long fencedPut(final String key, final byte[] value, final String leaseResource, final long fencingToken)
    {
        ensureMayBlock();
        final byte[] name = arguments.name("key", key);
        final byte[] resource = arguments.name("lease resource", leaseResource);
        arguments.value(value);
        return (Long)call(name, PendingRequest.Kind.FENCED_PUT, key,
            RequestSenders.fencedPut(name, resource, fencingToken, value));
    }

    /**
     * A fenced put without blocking; a lease no longer valid here fails the future before anything is sent.
     *
     * @param key   1 to 256 bytes of UTF-8.
     * @param value at most 64 KiB.
     * @param lease whose fencing token guards the write.
     * @return completed with the new version.
     */
    public CompletableFuture<Long> fencedPutAsync(final String key, final byte[] value, final Lease lease)
    {
        arguments.notNull("lease", lease);
        final byte[] name = arguments.name("key", key);
        arguments.value(value);
        if (!lease.isValid())
        {
            return CompletableFuture.failedFuture(notValid(lease));
        }
        final byte[] resource = lease.resource().getBytes(StandardCharsets.UTF_8);
        return cast(callAsync(name, PendingRequest.Kind.FENCED_PUT, key,
            RequestSenders.fencedPut(name, resource, lease.fencingToken(), value)));
    }

    /**
     * Put a value without allocating: key and value are read from buffers, the answer goes to {@code callback}. For
     * the hot loop of a price publisher.
     *
     * @param key         buffer holding the key.
     * @param keyOffset   of the key.
     * @param keyLength   of the key, 1 to 256 bytes.
     * @param value       buffer holding the value.
     * @param valueOffset of the value.
     * @param valueLength of the value, at most 64 KiB.
     * @param callback    told the outcome.
     * @return the correlation id the callback will be given.
     */
    public long put(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final ValueCallback callback)
    {
        arguments.name("key", key, keyOffset, keyLength);
        arguments.value(value, valueOffset, valueLength);
        arguments.notNull("callback", callback);
        final PendingRequest request = valueRequest(PendingRequest.Kind.PUT, key, keyOffset, keyLength, callback);
        final long correlationId = request.correlationId;
        final ShardSession session = request.session;
        if (dispatch.registerCallback(request))
        {
            dispatch.sentCallback(correlationId, session.proxy.put(correlationId, session.sessionId(), key, keyOffset, keyLength,
                value, valueOffset, valueLength));
        }
        return correlationId;
    }

    /**
     * Read a value without allocating; the answer goes to {@code callback}.
     *
     * @param key       buffer holding the key.
     * @param keyOffset of the key.
     * @param keyLength of the key, 1 to 256 bytes.
     * @param callback  told the outcome.
     * @return the correlation id the callback will be given.
     */
    public long get(final DirectBuffer key, final int keyOffset, final int keyLength, final ValueCallback callback)
    {
        arguments.name("key", key, keyOffset, keyLength);
        arguments.notNull("callback", callback);
        final PendingRequest request = valueRequest(PendingRequest.Kind.GET, key, keyOffset, keyLength, callback);
        final long correlationId = request.correlationId;
        final ShardSession session = request.session;
        if (dispatch.registerCallback(request))
        {
            dispatch.sentCallback(correlationId, session.proxy.get(correlationId, session.sessionId(), key, keyOffset, keyLength));
        }
        return correlationId;
    }

    /**
     * A fenced put without allocating; the answer goes to {@code callback}.
     *
     * @param key            buffer holding the key.
     * @param keyOffset      of the key.
     * @param keyLength      of the key, 1 to 256 bytes.
     * @param leaseResource  buffer holding the lease's resource name.
     * @param resourceOffset of the name.
     * @param resourceLength of the name.
     * @param fencingToken   the lease's token.
     * @param value          buffer holding the value.
     * @param valueOffset    of the value.
     * @param valueLength    of the value, at most 64 KiB.
     * @param callback       told the outcome.
     * @return the correlation id the callback will be given.
     */
    public long fencedPut(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer leaseResource,
        final int resourceOffset,
        final int resourceLength,
        final long fencingToken,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final ValueCallback callback)
    {
        arguments.name("key", key, keyOffset, keyLength);
        arguments.name("lease resource", leaseResource, resourceOffset, resourceLength);
        arguments.value(value, valueOffset, valueLength);
        arguments.notNull("callback", callback);
        final PendingRequest request = valueRequest(PendingRequest.Kind.FENCED_PUT, key, keyOffset, keyLength, callback);
        final long correlationId = request.correlationId;
        final ShardSession session = request.session;
        if (dispatch.registerCallback(request))
        {
            dispatch.sentCallback(correlationId, session.proxy.fencedPut(correlationId, session.sessionId(), fencingToken, key,
                keyOffset, keyLength, leaseResource, resourceOffset, resourceLength, value, valueOffset, valueLength));
        }
        return correlationId;
    }

    // ------------------------------------------------------------------------------------------- the client

    /**
     * Deliver the node's answers on the calling thread, if no other thread is delivering them right now. A thread
     * waiting for a callback's answer can call this in its wait loop: the answer reaches it without a hand-off from
     * the conductor thread. Callbacks run on whichever thread delivers. Never blocks.
     *
     * @return the work done: 0 when there was nothing to deliver or another thread was delivering.
     */
    public int pollAnswers()
    {
        return closed ? 0 : conductor.pollForCaller();
    }

    /**
     * @return true while every shard session is open.
     */
    public boolean isConnected()
    {
        if (closed)
        {
            return false;
        }
        final ShardSession[] sessions = conductor.sessions();
        for (final ShardSession session : sessions)
        {
            if (!session.isOpen())
            {
                return false;
            }
        }
        return sessions.length > 0;
    }

    /**
     * @return the last error the client's transport reported (its media driver gone, say), or null.
     */
    public Throwable lastTransportError()
    {
        return transport.lastError();
    }

    /**
     * @return the client's settings.
     */
    public GridClientContext context()
    {
        return context;
    }

    /**
     * Close every session and stop. Closing a session releases, on the grid, every lease it holds (and its waiters
     * leave their queues); the {@link Lease} handles of this client are no longer valid afterwards. Requests still
     * waiting fail with {@link ErrorCode#CLIENT_CLOSED}. Takes at most about a second when the node does not answer.
     * Idempotent.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final ShardSession[] sessions = conductor.sessions();
        for (final ShardSession session : sessions)
        {
            if (session.isOpen())
            {
                session.proxy.close(conductor.nextCorrelationId(), session.sessionId());
            }
        }
        final long deadlineNs = context.nanoClock().nanoTime() + CLOSE_WAIT_NS;
        if (!conductor.isDutyThread())
        {
            // Run the duty cycle until the node confirms: with the driver run by the cycle, the close frames leave
            // only while someone runs it. (The dispatch is marked closed after, or this wait would end at once.)
            dispatch.awaitCondition(() -> allClosed(sessions), deadlineNs);
        }
        dispatch.closed();
        for (final ShardSession session : sessions)
        {
            for (final Lease lease : session.leases.values())
            {
                lease.end("the client closed");
            }
            session.leases.clear();
            session.state(ShardSession.State.CLOSED);
        }
        pending.takeAll(request -> dispatch.fail(request, ErrorCode.CLIENT_CLOSED, null));
        transport.close();
        if (null != ownEvents)
        {
            ownEvents.shutdown();
        }
    }

    // ------------------------------------------------------------------------------------ for leases and locks

    void renew(final Lease lease)
    {
        ensureMayBlock();
        ensureValid(lease);
        final PendingRequest request = renewalRequest(lease);
        dispatch.submit(request, false, RequestSenders.renew(lease));
        dispatch.await(request);
    }

    CompletableFuture<Void> renewAsync(final Lease lease)
    {
        if (!lease.isValid())
        {
            return CompletableFuture.failedFuture(notValid(lease));
        }
        if (!lease.session().isOpen())
        {
            return notConnected();
        }
        return cast(dispatch.submit(renewalRequest(lease), true, RequestSenders.renew(lease)));
    }

    void release(final Lease lease)
    {
        ensureMayBlock();
        if (Lease.State.ENDED == lease.state())
        {
            outcomes.sendRelease(lease.session(), lease.leaseId(), null);
            throw notValid(lease);
        }
        final long deadlineNs = context.nanoClock().nanoTime() + context.requestTimeoutNs();
        final ShardSession session = awaitSession(lease.session(), null, deadlineNs);
        final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.RELEASE, session, 0);
        request.lease = lease;
        dispatch.submit(request, false, (proxy, correlationId, sessionId) ->
            proxy.release(correlationId, sessionId, lease.leaseId()));
        try
        {
            dispatch.await(request);
        }
        finally
        {
            lease.end("released");
            session.leases.remove(lease.leaseId(), lease);
        }
    }

    CompletableFuture<Void> releaseAsync(final Lease lease)
    {
        if (Lease.State.ENDED == lease.state())
        {
            outcomes.sendRelease(lease.session(), lease.leaseId(), null);
            return CompletableFuture.failedFuture(notValid(lease));
        }
        if (!lease.session().isOpen())
        {
            return notConnected();
        }
        final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.RELEASE, lease.session(), 0);
        request.lease = lease;
        return cast(dispatch.submit(request, true, (proxy, correlationId, sessionId) ->
            proxy.release(correlationId, sessionId, lease.leaseId())));
    }

    /**
     * @return true when the calling thread may wait for an answer.
     */
    boolean mayBlock()
    {
        return !conductor.isDutyThread();
    }

    /**
     * The outcomes the duty cycle hands back, and the requests it makes on its own.
     */
    private final class Outcomes implements RequestOutcomes
    {
        public void complete(final PendingRequest request, final Object value)
        {
            dispatch.complete(request, value);
        }

        public void fail(final PendingRequest request, final ErrorCode code, final String message)
        {
            dispatch.fail(request, code, message);
        }

        public void sendRelease(final ShardSession session, final long leaseId, final Lease lease)
        {
            if (!session.isOpen())
            {
                return;
            }
            final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.RELEASE, session, 0);
            request.lease = lease;
            dispatch.sendInternal(request, (proxy, correlationId, sessionId) ->
                proxy.release(correlationId, sessionId, leaseId));
        }

        public void sendRenewal(final Lease lease)
        {
            dispatch.sendInternal(renewalRequest(lease), RequestSenders.renew(lease));
        }

        public boolean sendConfirmingRenewal(final Lease lease, final PendingRequest acquire)
        {
            final PendingRequest request = renewalRequest(lease);
            request.confirming = acquire;
            return dispatch.sendInternal(request, RequestSenders.renew(lease));
        }

        public void sendCancelWait(final ShardSession session, final long acquireCorrelationId)
        {
            final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.CANCEL_WAIT, session, 0);
            dispatch.sendInternal(request, (proxy, correlationId, sessionId) ->
                proxy.cancelWait(correlationId, sessionId, acquireCorrelationId));
        }

        public GridClient client()
        {
            return GridClient.this;
        }
    }

    // ------------------------------------------------------------------------------------------ plumbing

    private static boolean allClosed(final ShardSession[] sessions)
    {
        for (final ShardSession session : sessions)
        {
            if (ShardSession.State.OPEN == session.state())
            {
                return false;
            }
        }
        return true;
    }

    private Object call(
        final byte[] name, final PendingRequest.Kind kind, final String label, final RequestDispatch.Sender sender)
    {
        final long deadlineNs = context.nanoClock().nanoTime() + context.requestTimeoutNs();
        while (true)
        {
            final ShardSession session = awaitSession(routes.byName(name), name, deadlineNs);
            final PendingRequest request = dispatch.newRequest(kind, session, 0);
            request.name = label;
            dispatch.submit(request, false, sender);
            try
            {
                return dispatch.await(request);
            }
            catch (final GridException ex)
            {
                if (!retryable(ex, deadlineNs))
                {
                    throw ex;
                }
            }
        }
    }

    private CompletableFuture<Object> callAsync(
        final byte[] name, final PendingRequest.Kind kind, final String label, final RequestDispatch.Sender sender)
    {
        final ShardSession session = openSessionOrNull(routes.byName(name));
        if (null == session)
        {
            return notConnected();
        }
        final PendingRequest request = dispatch.newRequest(kind, session, 0);
        request.name = label;
        return dispatch.submit(request, true, sender);
    }

    private CompletableFuture<Object> startList(
        final String prefix, final long ownerSessionId, final int maxLeases, final boolean async)
    {
        final byte[] prefixBytes = arguments.notNull("prefix", prefix).getBytes(StandardCharsets.UTF_8);
        if (prefixBytes.length > context.maxKeyLength())
        {
            throw new IllegalArgumentException("prefix must be at most " + context.maxKeyLength() + " bytes");
        }
        if (maxLeases < 1 || maxLeases > 1000)
        {
            throw new IllegalArgumentException("maxLeases must be 1 to 1000, not " + maxLeases);
        }
        ensureOpen();
        // A follower shares its shard with a route session, which lists that shard's leases.
        final ShardSession[] sessions = conductor.routeSessions();
        final CompletableFuture<Object> future = new CompletableFuture<>();
        // A client that cannot hear the grid's other nodes lists only its own node's: the listing says it is partial.
        final LeaseListCollector collector =
            new LeaseListCollector(future, sessions.length, maxLeases, conductor.reachesEveryPrimary());
        for (final ShardSession session : sessions)
        {
            final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.LIST, session, 0);
            request.listCollector = collector;
            if (!session.isOpen())
            {
                request.future = future;
                request.async = async;
                dispatch.fail(request, ErrorCode.NOT_CONNECTED, null);
                continue;
            }
            request.future = future;
            request.async = async;
            pending.register(request);
            if (session.proxy.list(request.correlationId, session.sessionId(), ownerSessionId, maxLeases, prefixBytes) <= 0 &&
                null != pending.take(request.correlationId))
            {
                dispatch.fail(request, ErrorCode.BACK_PRESSURE, null);
            }
        }
        return future;
    }

    private PendingRequest newAcquire(
        final ShardSession session, final String resource, final LeaseRequest request, final long waitNs)
    {
        final PendingRequest pendingAcquire = dispatch.newRequest(PendingRequest.Kind.ACQUIRE, session, waitNs);
        pendingAcquire.name = resource;
        pendingAcquire.leaseRequest = request;
        return pendingAcquire;
    }

    private PendingRequest renewalRequest(final Lease lease)
    {
        final PendingRequest request = dispatch.newRequest(PendingRequest.Kind.RENEW, lease.session(), 0);
        request.lease = lease;
        return request;
    }

    private PendingRequest valueRequest(
        final PendingRequest.Kind kind, final DirectBuffer key, final int keyOffset, final int keyLength,
        final ValueCallback callback)
    {
        final PendingRequest request = dispatch.newRequest(kind, routed(routes.byName(key, keyOffset, keyLength)), 0);
        request.valueCallback = callback;
        return request;
    }

    /**
     * A session to put a callback request on; when the grid has no route yet, the first session stands in (and the
     * request fails as not connected if it is not open).
     */
    private ShardSession routed(final ShardSession route)
    {
        ensureOpen();
        if (null != route)
        {
            return route;
        }
        return conductor.sessionFor(context.requestChannel(), context.streamBase());
    }

    private void cancelWait(final PendingRequest pendingAcquire)
    {
        pendingAcquire.cancelled = true;
        final Object granted = pendingAcquire.future.getNow(null);
        if (granted instanceof Lease)
        {
            ((Lease)granted).releaseAsync();
        }
        else if (pendingAcquire.session.isOpen())
        {
            outcomes.sendCancelWait(pendingAcquire.session, pendingAcquire.correlationId);
        }
    }

    private Lease leaseOf(final long leaseId)
    {
        for (final ShardSession session : conductor.sessions())
        {
            final Lease lease = session.leases.get(leaseId);
            if (null != lease)
            {
                return lease;
            }
        }
        return null;
    }

    private ShardSession awaitSession(final ShardSession route, final byte[] name, final long deadlineNs)
    {
        ensureOpen();
        final ShardSession[] found = { route };
        if (null != found[0] && found[0].isOpen())
        {
            return found[0];
        }
        final boolean open = dispatch.awaitCondition(() ->
        {
            if (null != name)
            {
                found[0] = routes.byName(name);
            }
            return null != found[0] && found[0].isOpen();
        }, deadlineNs);
        if (!open)
        {
            ensureOpen();
            throw new GridException(ErrorCode.NOT_CONNECTED, "no open session with the node's shard within the " +
                "request timeout; the client keeps reconnecting");
        }
        return found[0];
    }

    private static ShardSession openSessionOrNull(final ShardSession session)
    {
        return null != session && session.isOpen() ? session : null;
    }

    /**
     * @return true when the request may be sent again before the deadline; a grid short of copies, or a partition
     * whose primary is not serving yet, is given a moment first rather than asked again at once.
     */
    private boolean retryable(final GridException ex, final long deadlineNs)
    {
        if (ErrorCode.QUORUM_UNAVAILABLE == ex.code() || ErrorCode.NOT_PRIMARY == ex.code())
        {
            final long remainingNs = deadlineNs - context.nanoClock().nanoTime();
            if (remainingNs > 0)
            {
                LockSupport.parkNanos(Math.min(QUORUM_RETRY_PAUSE_NS, remainingNs));
            }
        }
        return ((ErrorCode.NOT_PRIMARY == ex.code() && conductor.reachesEveryPrimary()) ||
            ErrorCode.NOT_CONNECTED == ex.code() || ErrorCode.QUORUM_UNAVAILABLE == ex.code()) &&
            context.nanoClock().nanoTime() - deadlineNs < 0;
    }

    private void ensureValid(final Lease lease)
    {
        if (!lease.isValid())
        {
            throw notValid(lease);
        }
    }

    private static GridException notValid(final Lease lease)
    {
        return new GridException(ErrorCode.LEASE_EXPIRED, "the lease on " + lease.resource() +
            " is no longer valid on this client" + (null == lease.endReason() ? " (its safe-until time passed)" :
            ": " + lease.endReason()) + "; nothing was sent");
    }

    private void ensureMayBlock()
    {
        ensureOpen();
        if (conductor.isDutyThread())
        {
            throw new IllegalStateException("a blocking call on the thread that delivers the client's answers (inside a " +
                "callback) would wait for itself: use the asynchronous variant");
        }
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the client is closed");
        }
    }

    private <T> CompletableFuture<T> notConnected()
    {
        ensureOpen();
        return CompletableFuture.failedFuture(new GridException(ErrorCode.NOT_CONNECTED, null));
    }

    @SuppressWarnings("unchecked")
    private static <T> CompletableFuture<T> cast(final CompletableFuture<?> future)
    {
        return (CompletableFuture<T>)future;
    }

    /**
     * @return leases of every session, for tests of the client.
     */
    List<Lease> leases()
    {
        final List<Lease> leases = new ArrayList<>();
        for (final ShardSession session : conductor.sessions())
        {
            leases.addAll(session.leases.values());
        }
        return leases;
    }
}
