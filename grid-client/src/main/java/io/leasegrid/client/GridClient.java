package io.leasegrid.client;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.leasegrid.codec.IdleStrategies;
import io.leasegrid.codec.LeaseIds;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.LeaseAcquireEncoder;
import io.leasegrid.codec.sbe.LeaseReleaseEncoder;
import io.leasegrid.codec.sbe.LeaseRenewEncoder;
import io.leasegrid.codec.sbe.LeaseStatusRequestEncoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.SessionAuthenticateEncoder;
import io.leasegrid.codec.sbe.SessionCloseEncoder;
import io.leasegrid.codec.sbe.SessionConnectEncoder;
import io.leasegrid.codec.sbe.SessionKeepAliveEncoder;
import io.leasegrid.codec.sbe.ValueCompareAndSetEncoder;
import io.leasegrid.codec.sbe.ValueDeleteEncoder;
import io.leasegrid.codec.sbe.ValueFencedPutEncoder;
import io.leasegrid.codec.sbe.ValueGetEncoder;
import io.leasegrid.codec.sbe.ValuePutEncoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The Java client of a leasegrid node: leases (blocking and asynchronous), a {@link java.util.concurrent.locks.Lock}
 * view, and values. It opens one authenticated session per shard of the node, routes each request by the
 * partition map straight to the shard that owns the key, keeps the sessions alive, and tells lease listeners
 * before a lease can expire. Thread safe; {@link #close()} ends every session.
 */
public final class GridClient implements AutoCloseable
{
    private static final long RECONNECT_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long CONNECT_RETRY_NS = TimeUnit.SECONDS.toNanos(1);


    private final GridClientContext context;
    private final Aeron aeron;
    private final Subscription responses;
    private final String resolvedResponseChannel;
    private final ClientConductor conductor;
    private final AgentRunner conductorRunner;
    private final AtomicLong correlationIds = new AtomicLong();
    final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    final Map<Long, Lease> leases = new ConcurrentHashMap<>();
    private final Map<Integer, ShardConnection> connections = new ConcurrentHashMap<>();
    private volatile int[] streamIdByPartition;
    private volatile ShardConnection[] connectionArray = new ShardConnection[0];
    private volatile ShardConnection[] routes = new ShardConnection[0];
    private final Object sendLock = new Object();
    private final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(128 * 1024);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SessionConnectEncoder connect = new SessionConnectEncoder();
    private final SessionAuthenticateEncoder authenticate = new SessionAuthenticateEncoder();
    private final SessionKeepAliveEncoder keepAlive = new SessionKeepAliveEncoder();
    private final SessionCloseEncoder sessionClose = new SessionCloseEncoder();
    private final LeaseAcquireEncoder acquire = new LeaseAcquireEncoder();
    private final LeaseRenewEncoder renew = new LeaseRenewEncoder();
    private final LeaseReleaseEncoder release = new LeaseReleaseEncoder();
    private final LeaseStatusRequestEncoder statusRequest = new LeaseStatusRequestEncoder();
    private final ValuePutEncoder put = new ValuePutEncoder();
    private final ValueGetEncoder get = new ValueGetEncoder();
    private final ValueDeleteEncoder delete = new ValueDeleteEncoder();
    private final ValueCompareAndSetEncoder cas = new ValueCompareAndSetEncoder();
    private final ValueFencedPutEncoder fencedPut = new ValueFencedPutEncoder();
    private volatile boolean closed;
    private final CallbackRequests callbacks = new CallbackRequests(sendLock);

    /**
     * A request waiting for its answer.
     */
    static final class Pending
    {
        final CompletableFuture<Object> future = new CompletableFuture<>();
        final long deadlineNs;
        final long sendNs;
        final String resource;
        final LeaseRequest request;
        final Lease lease;

        Pending(final long sendNs, final long timeoutNs, final String resource, final LeaseRequest request, final Lease lease)
        {
            this.sendNs = sendNs;
            this.deadlineNs = sendNs + timeoutNs;
            this.resource = resource;
            this.request = request;
            this.lease = lease;
        }
    }

    private GridClient(final GridClientContext context)
    {
        this.context = context;
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(context.aeronDir()));
        try
        {
            responses = aeron.addSubscription(context.responseChannel(), context.responseStreamId());
            resolvedResponseChannel = resolve(responses, context);
            conductor = new ClientConductor(this, responses);
            conductorRunner = new AgentRunner(
                IdleStrategies.named(context.idleStrategy()), Throwable::printStackTrace, null, conductor);
            AgentRunner.startOnThread(conductorRunner);

            final long deadlineNs = System.nanoTime() + context.connectTimeoutNs();
            connectShard(context.streamBase(), deadlineNs);
            for (final int streamId : distinctStreams())
            {
                connectShard(streamId, deadlineNs);
            }
            final int[] map = streamIdByPartition;
            final ShardConnection[] byPartition = new ShardConnection[map.length];
            for (int partition = 0; partition < map.length; partition++)
            {
                byPartition[partition] = connections.get(map[partition]);
            }
            routes = byPartition;
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /**
     * Connect to a node and authenticate with every shard.
     *
     * @throws GridException        when authentication fails.
     * @throws GridTimeoutException when the node does not answer within the connect timeout.
     */
    public static GridClient connect(final GridClientContext context)
    {
        return new GridClient(context.conclude());
    }

    GridClientContext context()
    {
        return context;
    }

    // ----------------------------------------------------------------------------------------------- leases

    /**
     * Acquire a lease, waiting as the request allows.
     *
     * @throws GridException with {@code LEASE_UNAVAILABLE} (fail fast) or {@code WAIT_TIMEOUT}, among others.
     */
    public Lease acquire(final String resource, final LeaseRequest request)
    {
        return join(acquireAsync(resource, request));
    }

    /**
     * Acquire an exclusive lease or fail at once.
     */
    public Lease tryAcquire(final String resource, final Duration ttl)
    {
        return acquire(resource, LeaseRequest.exclusive(ttl));
    }

    /**
     * Acquire a lease asynchronously; the future completes with the lease or a {@link GridException}.
     */
    public CompletableFuture<Lease> acquireAsync(final String resource, final LeaseRequest request)
    {
        final byte[] name = resource.getBytes(StandardCharsets.UTF_8);
        final ShardConnection connection = route(name);
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = new Pending(System.nanoTime(),
            context.requestTimeoutNs() + request.waitTimeout.toNanos(), resource, request, null);
        pending.put(correlationId, waiting);
        synchronized (sendLock)
        {
            encodeAcquire(correlationId, connection.sessionId, request).putResource(name, 0, name.length);
            offer(connection, acquire.encodedLength(), correlationId);
        }
        return waiting.future.thenApply(Lease.class::cast);
    }

    /**
     * Who holds and who waits for {@code resource}.
     */
    public ResourceStatus status(final String resource)
    {
        final byte[] name = resource.getBytes(StandardCharsets.UTF_8);
        final ShardConnection connection = route(name);
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = register(correlationId, resource);
        synchronized (sendLock)
        {
            statusRequest.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).putResource(name, 0, name.length);
            offer(connection, statusRequest.encodedLength(), correlationId);
        }
        return (ResourceStatus)join(waiting.future);
    }

    /**
     * A {@link java.util.concurrent.locks.Lock} over an exclusive, auto-renewed lease on {@code resource}.
     */
    public GridLock lock(final String resource, final Duration ttl)
    {
        return new GridLock(this, resource, ttl);
    }

    /**
     * Put a value without allocating: the key and value are read from buffers, the answer goes to
     * {@code callback} on the conductor thread. For the hot loop of a price publisher.
     *
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
        final ShardConnection connection = route(Partitioner.partition(key, keyOffset, keyLength, streamIdByPartition.length));
        synchronized (sendLock)
        {
            final long correlationId = registerCallback(callback, 0);
            put.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(connection.sessionId)
                .putKey(key, keyOffset, keyLength)
                .putValue(value, valueOffset, valueLength);
            offerCallback(connection, put.encodedLength(), correlationId);
            return correlationId;
        }
    }

    /**
     * Read a value without allocating; the answer goes to {@code callback} on the conductor thread.
     *
     * @return the correlation id the callback will be given.
     */
    public long get(final DirectBuffer key, final int keyOffset, final int keyLength, final ValueCallback callback)
    {
        final ShardConnection connection = route(Partitioner.partition(key, keyOffset, keyLength, streamIdByPartition.length));
        synchronized (sendLock)
        {
            final long correlationId = registerCallback(callback, 0);
            get.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).putKey(key, keyOffset, keyLength);
            offerCallback(connection, get.encodedLength(), correlationId);
            return correlationId;
        }
    }

    /**
     * Put only while {@code fencingToken} is the token of a live lease on {@code leaseResource}, without allocating.
     *
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
        final ShardConnection connection = route(Partitioner.partition(key, keyOffset, keyLength, streamIdByPartition.length));
        synchronized (sendLock)
        {
            final long correlationId = registerCallback(callback, 0);
            fencedPut.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(connection.sessionId)
                .fencingToken(fencingToken)
                .putKey(key, keyOffset, keyLength)
                .putLeaseResource(leaseResource, resourceOffset, resourceLength)
                .putValue(value, valueOffset, valueLength);
            offerCallback(connection, fencedPut.encodedLength(), correlationId);
            return correlationId;
        }
    }

    /**
     * Acquire a lease without allocating: the resource name is read from a buffer, the answer (granted, queued,
     * or an error) goes to {@code callback} on the conductor thread. The request is only read, so one request
     * object can serve every call; its listener and queue callback are not used on this path.
     *
     * @return the correlation id the callback will be given.
     */
    public long acquire(
        final DirectBuffer resource,
        final int offset,
        final int length,
        final LeaseRequest request,
        final LeaseCallback callback)
    {
        final ShardConnection connection = route(Partitioner.partition(resource, offset, length, streamIdByPartition.length));
        final long waitTimeoutNs = request.waitTimeout.toNanos();
        synchronized (sendLock)
        {
            final long correlationId = registerCallback(callback, waitTimeoutNs);
            encodeAcquire(correlationId, connection.sessionId, request).putResource(resource, offset, length);
            offerCallback(connection, acquire.encodedLength(), correlationId);
            return correlationId;
        }
    }

    /**
     * Release a lease granted through {@link #acquire(DirectBuffer, int, int, LeaseRequest, LeaseCallback)}
     * without allocating; the answer goes to {@code callback} on the conductor thread.
     *
     * @return the correlation id the callback will be given.
     */
    public long release(final long leaseId, final LeaseCallback callback)
    {
        if (!isLeaseIdInRange(leaseId))
        {
            final long correlationId = correlationIds.incrementAndGet();
            callback.onError(correlationId, io.leasegrid.codec.sbe.ErrorCode.LEASE_NOT_FOUND);
            return correlationId;
        }
        final ShardConnection connection = route(LeaseIds.partitionId(leaseId));
        synchronized (sendLock)
        {
            final long correlationId = registerCallback(callback, 0);
            release.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).leaseId(leaseId);
            offerCallback(connection, release.encodedLength(), correlationId);
            return correlationId;
        }
    }

    /**
     * Encode a lease acquire up to its resource name, which the caller appends from wherever it holds it.
     * Called holding the send lock.
     */
    private LeaseAcquireEncoder encodeAcquire(final long correlationId, final long sessionId, final LeaseRequest request)
    {
        return acquire.wrapAndApplyHeader(buffer, 0, header)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .ttlNs(request.ttl.toNanos())
            .waitTimeoutNs(request.waitTimeout.toNanos())
            .mode(request.mode)
            .autoRenew(request.autoRenew ? BooleanType.TRUE : BooleanType.FALSE)
            .holderLimit(request.holderLimit);
    }

    private long registerCallback(final Object callback, final long extraTimeoutNs)
    {
        final long correlationId = correlationIds.incrementAndGet();
        callbacks.register(correlationId, callback, System.nanoTime() + context.requestTimeoutNs() + extraTimeoutNs);
        return correlationId;
    }

    /**
     * @return the {@link ValueCallback} or {@link LeaseCallback} waiting for {@code correlationId}, removed; null
     * when none waits.
     */
    Object takeCallback(final long correlationId)
    {
        return callbacks.take(correlationId);
    }

    Object peekCallback(final long correlationId)
    {
        return callbacks.peek(correlationId);
    }

    /**
     * Fail callbacks past their deadline. Allocation free.
     */
    int expireCallbacks(final long nowNs)
    {
        return callbacks.expire(nowNs);
    }

    /**
     * Deliver the node's answers on the calling thread, if no other thread is delivering them right now. A thread
     * that waits for the answer of a callback call can call this in its wait loop: its answer then reaches it
     * without a hand-off from the conductor thread (one thread hop less per round trip). Callbacks run on
     * whichever thread delivers. Never blocks.
     *
     * @return the work done: 0 when there was nothing to deliver or another thread was delivering.
     */
    public int pollAnswers()
    {
        return closed ? 0 : conductor.doWork();
    }

    /**
     * Release a lease by id, as a tool or an administrator would; only the session that holds it may.
     *
     * @throws GridException with {@code NOT_LEASE_HOLDER} for a lease of another session.
     */
    public void releaseLease(final long leaseId)
    {
        if (!isLeaseIdInRange(leaseId))
        {
            throw new GridException(io.leasegrid.codec.sbe.ErrorCode.LEASE_NOT_FOUND, "no lease " + leaseId);
        }
        final ShardConnection connection = route(LeaseIds.partitionId(leaseId));
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = new Pending(System.nanoTime(), context.requestTimeoutNs(), null, null, null);
        pending.put(correlationId, waiting);
        synchronized (sendLock)
        {
            release.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).leaseId(leaseId);
            offer(connection, release.encodedLength(), correlationId);
        }
        join(waiting.future);
        final Lease lease = leases.remove(leaseId);
        if (null != lease)
        {
            lease.markEnded();
        }
    }

    void renew(final Lease lease)
    {
        final ShardConnection connection = route(LeaseIds.partitionId(lease.leaseId()));
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = new Pending(System.nanoTime(), context.requestTimeoutNs(), lease.resource(), null, lease);
        pending.put(correlationId, waiting);
        synchronized (sendLock)
        {
            renew.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).leaseId(lease.leaseId());
            offer(connection, renew.encodedLength(), correlationId);
        }
        join(waiting.future);
    }

    void release(final Lease lease)
    {
        final ShardConnection connection = route(LeaseIds.partitionId(lease.leaseId()));
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = new Pending(System.nanoTime(), context.requestTimeoutNs(), lease.resource(), null, lease);
        pending.put(correlationId, waiting);
        synchronized (sendLock)
        {
            release.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).leaseId(lease.leaseId());
            offer(connection, release.encodedLength(), correlationId);
        }
        try
        {
            join(waiting.future);
        }
        finally
        {
            lease.markEnded();
            leases.remove(lease.leaseId());
        }
    }

    // ----------------------------------------------------------------------------------------------- values

    /**
     * Put a value.
     *
     * @return its new version.
     */
    public long put(final String key, final byte[] value)
    {
        return join(putAsync(key, value));
    }

    /**
     * Put a value asynchronously; the future completes with its version.
     */
    public CompletableFuture<Long> putAsync(final String key, final byte[] value)
    {
        final byte[] name = key.getBytes(StandardCharsets.UTF_8);
        final ShardConnection connection = route(name);
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = register(correlationId, key);
        synchronized (sendLock)
        {
            put.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(connection.sessionId)
                .putKey(name, 0, name.length)
                .putValue(value, 0, value.length);
            offer(connection, put.encodedLength(), correlationId);
        }
        return waiting.future.thenApply(Long.class::cast);
    }

    /**
     * @return the value, or null when the key has none.
     */
    public ValueRecord get(final String key)
    {
        return join(getAsync(key));
    }

    /**
     * Read a value asynchronously; the future completes with it or with null.
     */
    public CompletableFuture<ValueRecord> getAsync(final String key)
    {
        final byte[] name = key.getBytes(StandardCharsets.UTF_8);
        final ShardConnection connection = route(name);
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = register(correlationId, key);
        synchronized (sendLock)
        {
            get.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).putKey(name, 0, name.length);
            offer(connection, get.encodedLength(), correlationId);
        }
        return waiting.future.thenApply(ValueRecord.class::cast);
    }

    /**
     * Delete a value.
     *
     * @return true when the key had one.
     */
    public boolean delete(final String key)
    {
        final byte[] name = key.getBytes(StandardCharsets.UTF_8);
        final ShardConnection connection = route(name);
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = register(correlationId, key);
        synchronized (sendLock)
        {
            delete.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(connection.sessionId).putKey(name, 0, name.length);
            offer(connection, delete.encodedLength(), correlationId);
        }
        return ((Long)join(waiting.future)) != 0;
    }

    /**
     * Put only while the key's version is {@code expectedVersion} (0: absent).
     *
     * @return the new version.
     * @throws GridException with {@code VERSION_MISMATCH} otherwise.
     */
    public long compareAndSet(final String key, final long expectedVersion, final byte[] value)
    {
        final byte[] name = key.getBytes(StandardCharsets.UTF_8);
        final ShardConnection connection = route(name);
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = register(correlationId, key);
        synchronized (sendLock)
        {
            cas.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(connection.sessionId)
                .expectedVersion(expectedVersion)
                .putKey(name, 0, name.length)
                .putValue(value, 0, value.length);
            offer(connection, cas.encodedLength(), correlationId);
        }
        return (Long)join(waiting.future);
    }

    /**
     * Put only while {@code lease} is still the current holder of its resource on the grid.
     *
     * @return the new version.
     * @throws GridException with {@code FENCING_TOKEN_REJECTED} once the lease was lost.
     */
    public long fencedPut(final String key, final byte[] value, final Lease lease)
    {
        return fencedPut(key, value, lease.resource(), lease.fencingToken());
    }

    /**
     * Put only while {@code fencingToken} is the token of a live lease on {@code leaseResource}.
     */
    public long fencedPut(final String key, final byte[] value, final String leaseResource, final long fencingToken)
    {
        final byte[] name = key.getBytes(StandardCharsets.UTF_8);
        final byte[] resource = leaseResource.getBytes(StandardCharsets.UTF_8);
        final ShardConnection connection = route(name);
        final long correlationId = correlationIds.incrementAndGet();
        final Pending waiting = register(correlationId, key);
        synchronized (sendLock)
        {
            fencedPut.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId)
                .sessionId(connection.sessionId)
                .fencingToken(fencingToken)
                .putKey(name, 0, name.length)
                .putLeaseResource(resource, 0, resource.length)
                .putValue(value, 0, value.length);
            offer(connection, fencedPut.encodedLength(), correlationId);
        }
        return (Long)join(waiting.future);
    }

    /**
     * End every session and stop. Leases not released run out their TTL on the grid. Idempotent.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final ShardConnection connection : connections.values())
        {
            if (0 != connection.sessionId)
            {
                synchronized (sendLock)
                {
                    sessionClose.wrapAndApplyHeader(buffer, 0, header)
                        .correlationId(correlationIds.incrementAndGet()).sessionId(connection.sessionId);
                    connection.publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + sessionClose.encodedLength());
                }
            }
        }
        CloseHelper.quietClose(conductorRunner);
        pending.values().forEach(p -> p.future.completeExceptionally(new GridException(
            io.leasegrid.codec.sbe.ErrorCode.SHUTTING_DOWN, "client closed")));
        CloseHelper.quietClose(aeron);
    }

    // ------------------------------------------------------------------------------------- conductor side

    void onChallenge(final long correlationId, final long sessionId, final byte[] nonce)
    {
        final ShardConnection connection = connectionFor(correlationId);
        if (null == connection)
        {
            return;
        }
        if (null == context.secret())
        {
            connection.ready.completeExceptionally(new GridException(
                io.leasegrid.codec.sbe.ErrorCode.AUTHENTICATION_FAILED, "the node asks for credentials; none configured"));
            return;
        }
        final byte[] mac = io.leasegrid.codec.SessionKeys.newSessionProof(context.secret(), nonce, sessionId);
        synchronized (sendLock)
        {
            authenticate.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(correlationId).sessionId(sessionId).putMac(mac, 0, mac.length);
            connection.publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + authenticate.encodedLength());
        }
    }

    void onConnected(
        final long correlationId, final long sessionId, final long keepAliveIntervalNs, final long sessionTimeoutNs)
    {
        final ShardConnection connection = connectionFor(correlationId);
        if (null != connection)
        {
            connection.sessionId = sessionId;
            connection.keepAliveIntervalNs = keepAliveIntervalNs;
            connection.sessionTimeoutNs = sessionTimeoutNs;
            connection.lastHeardNs = System.nanoTime();
            connection.lastKeepAliveSentNs = System.nanoTime();
        }
    }

    void onPartitionMap(final long correlationId, final int[] streamIdByPartition)
    {
        final int[] current = this.streamIdByPartition;
        this.streamIdByPartition = streamIdByPartition;
        if (null != current && !java.util.Arrays.equals(current, streamIdByPartition))
        {
            applyMovedMap(streamIdByPartition);
        }
        final ShardConnection connection = connectionFor(correlationId);
        if (null != connection)
        {
            connection.established = true;
            connection.ready.complete(connection);
        }
    }

    void onConnectFailed(final long correlationId, final GridException failure)
    {
        final ShardConnection connection = connectionFor(correlationId);
        if (null != connection)
        {
            connection.ready.completeExceptionally(failure);
        }
    }

    void sendKeepAlives(final long nowNs)
    {
        for (final ShardConnection connection : connectionArray)
        {
            if (0 != connection.sessionId && connection.keepAliveIntervalNs > 0 &&
                nowNs - connection.lastKeepAliveSentNs >= connection.keepAliveIntervalNs)
            {
                connection.lastKeepAliveSentNs = nowNs;
                synchronized (sendLock)
                {
                    keepAlive.wrapAndApplyHeader(buffer, 0, header).sessionId(connection.sessionId).clientTimestampNs(nowNs);
                    connection.publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + keepAlive.encodedLength());
                }
            }
        }
    }

    ShardConnection[] connections()
    {
        return connectionArray;
    }

    Lease newLease(final Pending request, final long leaseId, final long token, final long ttlNs,
        final io.leasegrid.codec.sbe.LeaseMode mode)
    {
        final long safeUntilNs = request.sendNs + ttlNs - Math.min(context.clockDriftBoundNs(), ttlNs / 2);
        final Lease lease = new Lease(this, request.resource, leaseId, token, ttlNs, mode, request.request.autoRenew,
            request.request.listener, safeUntilNs);
        leases.put(leaseId, lease);
        return lease;
    }

    // --------------------------------------------------------------------------------------------- plumbing

    private Pending register(final long correlationId, final String key)
    {
        final Pending waiting = new Pending(System.nanoTime(), context.requestTimeoutNs(), key, null, null);
        pending.put(correlationId, waiting);
        return waiting;
    }

    private void connectShard(final int streamId, final long deadlineNs)
    {
        if (connections.containsKey(streamId))
        {
            return;
        }
        final Publication publication = aeron.addPublication(context.requestChannel(), streamId);
        final ShardConnection connection = new ShardConnection(streamId, publication);
        connections.put(streamId, connection);
        connectionArray = connections.values().toArray(new ShardConnection[0]);
        while (!publication.isConnected())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new GridTimeoutException("no node at " + context.requestChannel() + " stream " + streamId);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        sendConnect(connection, deadlineNs);
        while (true)
        {
            try
            {
                // A connect lost on the way is sent again; the node times out the session it may have opened.
                connection.ready.get(Math.min(CONNECT_RETRY_NS, Math.max(1, deadlineNs - System.nanoTime())),
                    TimeUnit.NANOSECONDS);
                break;
            }
            catch (final TimeoutException ex)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new GridTimeoutException("node did not complete the session handshake on stream " + streamId);
                }
                sendConnect(connection, deadlineNs);
            }
            catch (final ExecutionException | InterruptedException ex)
            {
                throw handshakeFailure(ex);
            }
        }
    }

    private static RuntimeException handshakeFailure(final Exception ex)
    {
        if (ex instanceof InterruptedException)
        {
            Thread.currentThread().interrupt();
            return new GridTimeoutException("interrupted while connecting");
        }
        return ex.getCause() instanceof GridException ? (GridException)ex.getCause() : new IllegalStateException(ex);
    }

    private void sendConnect(final ShardConnection connection, final long deadlineNs)
    {
        connection.connectCorrelationId = correlationIds.incrementAndGet();
        synchronized (sendLock)
        {
            connect.wrapAndApplyHeader(buffer, 0, header)
                .correlationId(connection.connectCorrelationId)
                .responseStreamId(context.responseStreamId())
                .protocolVersion(SessionConnectEncoder.SCHEMA_VERSION)
                .clientName(context.clientName())
                .responseChannel(resolvedResponseChannel);
            offerUntil(connection.publication, MessageHeaderEncoder.ENCODED_LENGTH + connect.encodedLength(), deadlineNs);
        }
    }

    /**
     * Partitions moved between shards (the node restarted with other settings, or the client asked the wrong
     * shard): route by the new map and open sessions with shards not known yet. On the conductor thread.
     */
    private void applyMovedMap(final int[] map)
    {
        for (final int streamId : java.util.Arrays.stream(map).distinct().toArray())
        {
            if (!connections.containsKey(streamId))
            {
                final ShardConnection connection = new ShardConnection(
                    streamId, aeron.addPublication(context.requestChannel(), streamId));
                connection.established = true;
                connections.put(streamId, connection);
                connectionArray = connections.values().toArray(new ShardConnection[0]);
            }
        }
        final ShardConnection[] byPartition = new ShardConnection[map.length];
        for (int partition = 0; partition < map.length; partition++)
        {
            byPartition[partition] = connections.get(map[partition]);
        }
        routes = byPartition;
    }

    /**
     * Notice lost sessions (the node stopped answering keep-alives, or closed the session) and open new ones.
     * Called on the conductor thread; never blocks for long. Leases of a lost session run out on the grid.
     */
    int maintainSessions(final long nowNs)
    {
        int work = 0;
        for (final ShardConnection connection : connectionArray)
        {
            if (0 != connection.sessionId && connection.sessionTimeoutNs > 0 &&
                nowNs - connection.lastHeardNs > connection.sessionTimeoutNs)
            {
                connection.sessionId = 0;
                work++;
            }
            if (0 == connection.sessionId && !closed && connection.established &&
                nowNs - connection.lastReconnectAttemptNs > RECONNECT_INTERVAL_NS && connection.publication.isConnected())
            {
                connection.lastReconnectAttemptNs = nowNs;
                connection.ready = new CompletableFuture<>();
                try
                {
                    sendConnect(connection, nowNs + TimeUnit.MILLISECONDS.toNanos(10));
                }
                catch (final GridException ex)
                {
                    connection.ready.completeExceptionally(ex);
                }
                work++;
            }
        }
        return work;
    }

    /**
     * @return true while every shard session is established.
     */
    public boolean isConnected()
    {
        for (final ShardConnection connection : connectionArray)
        {
            if (0 == connection.sessionId)
            {
                return false;
            }
        }
        return !closed;
    }

    private int[] distinctStreams()
    {
        return java.util.Arrays.stream(streamIdByPartition).distinct().toArray();
    }

    private ShardConnection connectionFor(final long connectCorrelationId)
    {
        for (final ShardConnection connection : connections.values())
        {
            if (connection.connectCorrelationId == connectCorrelationId)
            {
                return connection;
            }
        }
        return null;
    }

    /**
     * A lease id from outside (a tool, a user) may name no partition of this grid: such a lease cannot exist.
     */
    private boolean isLeaseIdInRange(final long leaseId)
    {
        return leaseId > 0 && LeaseIds.partitionId(leaseId) < routes.length;
    }

    private ShardConnection route(final byte[] name)
    {
        final int[] map = streamIdByPartition;
        return route(Partitioner.partition(name, map.length));
    }

    private ShardConnection route(final int partitionId)
    {
        ensureOpen();
        final ShardConnection connection = routes[partitionId];
        if (null == connection || 0 == connection.sessionId)
        {
            throw new GridException(io.leasegrid.codec.sbe.ErrorCode.UNKNOWN_SESSION,
                "no session with the shard of partition " + partitionId + " (reconnecting)");
        }
        return connection;
    }

    private void offer(final ShardConnection connection, final int bodyLength, final long correlationId)
    {
        try
        {
            offerUntil(connection.publication, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength,
                System.nanoTime() + context.requestTimeoutNs());
        }
        catch (final GridException ex)
        {
            final Pending failed = pending.remove(correlationId);
            if (null != failed)
            {
                failed.future.completeExceptionally(ex);
            }
        }
    }

    private void offerCallback(final ShardConnection connection, final int bodyLength, final long correlationId)
    {
        final long deadlineNs = System.nanoTime() + context.requestTimeoutNs();
        while (true)
        {
            final long result = connection.publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
            if (result > 0)
            {
                return;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
                System.nanoTime() - deadlineNs > 0)
            {
                // Left to the conductor's sweep, which fails it at its deadline.
                return;
            }
            Thread.onSpinWait();
        }
    }

    private void offerUntil(final Publication publication, final int length, final long deadlineNs)
    {
        while (true)
        {
            final long result = publication.offer(buffer, 0, length);
            if (result > 0)
            {
                return;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                throw new GridException(io.leasegrid.codec.sbe.ErrorCode.SHUTTING_DOWN, "publication closed");
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new GridTimeoutException("could not send to the node: " +
                    (result == Publication.NOT_CONNECTED ? "not connected" : "back-pressured"));
            }
            Thread.onSpinWait();
        }
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("client is closed");
        }
    }

    private static <T> T join(final CompletableFuture<T> future)
    {
        try
        {
            return future.join();
        }
        catch (final CompletionException ex)
        {
            if (ex.getCause() instanceof GridException)
            {
                throw (GridException)ex.getCause();
            }
            throw ex;
        }
    }

    private static String resolve(final Subscription subscription, final GridClientContext context)
    {
        if (!context.responseChannel().startsWith("aeron:udp"))
        {
            return context.responseChannel();
        }
        final long deadlineNs = System.nanoTime() + context.connectTimeoutNs();
        String resolved;
        while (null == (resolved = subscription.tryResolveChannelEndpointPort()))
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new GridTimeoutException("response channel did not bind: " + context.responseChannel());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return resolved;
    }
}
