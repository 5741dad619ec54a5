package io.leasegrid.client;

import io.aeron.Aeron;
import io.leasegrid.codec.SessionKeys;
import io.leasegrid.codec.sbe.LeaseListDecoder;
import io.leasegrid.codec.sbe.LeaseStatusDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The client's duty cycle: decodes the node's answers and hands each to the request waiting for it, after checking
 * it belongs to this client (its session and a pending request of that session, or for a connect this client's
 * instance and connect); drives each shard session's state machine (connect, authenticate, keep-alive, resume, a new
 * session when one is lost); times out requests; and keeps leases ({@link LeaseKeeper}). Listeners and the futures
 * of asynchronous calls are completed on the event executor, never here.
 * <p>
 * Runs on the conductor thread, or on a thread that waits for an answer ({@link GridClient#pollAnswers()}); never on
 * two at once. With an invoked media driver ({@link TransportInvoker}) each cycle runs the driver first, so the thread
 * waiting for an answer also sends its request and receives the answer.
 * <p>
 * Long because it is the {@link EgressListener}: one handler per kind of answer, each checking that the answer is
 * this client's against the same pending requests and sessions before it acts. Splitting the handlers would spread
 * that check; the session state lives in {@link ShardSession} and the lease timers in {@link LeaseKeeper}.
 */
final class ClientConductor implements Agent, EgressListener
{
    private static final long HOUSEKEEPING_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long CONNECT_RETRY_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long RESUME_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How often a client that lost a node, or had a request go unanswered, asks another node for the map. */
    private static final long MAP_REFRESH_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A duty cycle held this long by another thread is stuck (in an application's callback, say). */
    static final long STUCK_CYCLE_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final RequestOutcomes client;
    private final GridClientContext context;
    private final Aeron aeron;
    private final long clientInstanceId;
    private final AtomicLong correlationIds;
    private final PendingRequests pending;
    private final PartitionRoutes routes;
    private final Executor events;
    private final LeaseKeeper leaseKeeper;
    private final TransportInvoker transport;
    private static final VarHandle CALLER_POLLED_NS;

    static
    {
        try
        {
            CALLER_POLLED_NS = MethodHandles.lookup().findVarHandle(ClientConductor.class, "callerPolledNs", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final AtomicBoolean running = new AtomicBoolean();
    @SuppressWarnings("unused") // through CALLER_POLLED_NS
    private long callerPolledNs = Long.MIN_VALUE / 2;
    private final Consumer<PendingRequest> timedOut = this::onTimedOut;
    private final Consumer<PendingRequest> lostWithSession = this::onLostWithSession;
    private EgressAdapter egress;
    private String responseChannel;
    private int responseStreamId;
    private static final int NO_NODE = Integer.MIN_VALUE;

    private volatile ShardSession[] sessions = new ShardSession[0];
    /** The node this client connected to, from its first partition map; {@link #NO_NODE} before. */
    private int homeNodeId = NO_NODE;
    /** False when the grid has other nodes this client cannot hear (it takes answers over IPC). */
    private volatile boolean reachesEveryPrimary = true;
    private volatile Thread dutyThread;
    private volatile long dutyStartNs;
    private long nextHousekeepingNs;
    private long lastNotPrimaryCorrelationId;
    private long mapRequestCorrelationId = Long.MIN_VALUE;
    private long nextMapRequestNs;
    private boolean mapRefreshWanted;
    private boolean lossSignalled;
    private long foreignAnswers;
    private int answerImageSessionId;

    ClientConductor(
        final RequestOutcomes client,
        final GridClientContext context,
        final Aeron aeron,
        final long clientInstanceId,
        final AtomicLong correlationIds,
        final PendingRequests pending,
        final PartitionRoutes routes,
        final Executor events,
        final TransportInvoker transport)
    {
        this.transport = transport;
        this.client = client;
        this.context = context;
        this.aeron = aeron;
        this.clientInstanceId = clientInstanceId;
        this.correlationIds = correlationIds;
        this.pending = pending;
        this.routes = routes;
        this.events = events;
        this.leaseKeeper = new LeaseKeeper(client, events);
    }

    /**
     * Listen on the response subscription from now on.
     */
    void responses(final EgressAdapter egress, final String responseChannel, final int responseStreamId)
    {
        this.egress = egress;
        this.responseChannel = responseChannel;
        this.responseStreamId = responseStreamId;
    }

    public String roleName()
    {
        return "leasegrid-client";
    }

    /**
     * One duty cycle run by a caller waiting for its answer: the conductor thread stays out of its way meanwhile
     * ({@link ConductorIdleStrategy}).
     *
     * @return work done; 0 also when another thread was running the cycle.
     */
    int pollForCaller()
    {
        CALLER_POLLED_NS.setRelease(this, context.nanoClock().nanoTime());
        final int work = runCycle();
        return work >= 0 ? work : keepTransportAlive();
    }

    /**
     * @return true when a caller ran (or tried to run) a duty cycle within {@code windowNs}.
     */
    boolean callerPolledWithin(final long windowNs)
    {
        return context.nanoClock().nanoTime() - (long)CALLER_POLLED_NS.getAcquire(this) < windowNs;
    }

    /**
     * The conductor thread's duty cycle: one cycle if no other thread runs one now. If another thread has been inside
     * a cycle for long (a callback of the application that blocks), the media driver and Aeron conductor are run
     * anyway, here and by polling callers: they have locks of their own, and left alone for Aeron's timeout (10 s) they
     * would end the client for good. Answers wait for the cycle; the transport does not. (A callback that blocks on
     * the conductor thread itself while no caller polls still stops the transport: callbacks must not block for long.)
     *
     * @return work done.
     */
    public int doWork()
    {
        final int work = runCycle();
        return work >= 0 ? work : keepTransportAlive();
    }

    /**
     * Run the media driver and Aeron conductor while another thread holds a duty cycle that is stuck.
     */
    private int keepTransportAlive()
    {
        if (null != transport && context.nanoClock().nanoTime() - dutyStartNs > STUCK_CYCLE_NS)
        {
            return transport.invoke();
        }
        return 0;
    }

    /**
     * One duty cycle, if no other thread runs one now.
     *
     * @return work done; -1 when another thread was running the cycle.
     */
    private int runCycle()
    {
        if (!running.compareAndSet(false, true))
        {
            return -1;
        }
        dutyThread = Thread.currentThread();
        dutyStartNs = context.nanoClock().nanoTime();
        try
        {
            int work = null == transport ? 0 : transport.invoke();
            work += null == egress ? 0 : egress.poll();
            final long nowNs = context.nanoClock().nanoTime();
            if (nowNs - nextHousekeepingNs >= 0)
            {
                nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
                work += maintainSessions(nowNs);
                work += pending.takeExpired(nowNs, null, timedOut);
                work += leaseKeeper.tick(sessions, nowNs);
            }
            return work;
        }
        finally
        {
            dutyThread = null;
            running.set(false);
        }
    }

    /**
     * @return true when the calling thread is running the duty cycle: it must not block waiting for an answer.
     */
    boolean isDutyThread()
    {
        return Thread.currentThread() == dutyThread;
    }

    ShardSession[] sessions()
    {
        return sessions;
    }

    /**
     * @return the sessions partitions are routed to: every session but the followers.
     */
    ShardSession[] routeSessions()
    {
        final ShardSession[] all = sessions;
        int count = 0;
        for (final ShardSession session : all)
        {
            count += session.follower ? 0 : 1;
        }
        if (count == all.length)
        {
            return all;
        }
        final ShardSession[] routed = new ShardSession[count];
        int i = 0;
        for (final ShardSession session : all)
        {
            if (!session.follower)
            {
                routed[i++] = session;
            }
        }
        return routed;
    }

    long foreignAnswers()
    {
        return foreignAnswers;
    }

    long nextCorrelationId()
    {
        return correlationIds.incrementAndGet();
    }

    /**
     * Open a session with the shard listening on {@code streamId} of the node at {@code channel}, if there is none yet.
     */
    synchronized ShardSession sessionFor(final String channel, final int streamId)
    {
        for (final ShardSession session : sessions)
        {
            if (!session.follower && session.reaches(channel, streamId))
            {
                return session;
            }
        }
        final ShardSession session = new ShardSession(channel, streamId,
            new ShardSessionProxy(aeron.addExclusivePublication(channel, streamId)));
        session.lastConnectAttemptNs = context.nanoClock().nanoTime() - CONNECT_RETRY_NS;
        final ShardSession[] grown = Arrays.copyOf(sessions, sessions.length + 1);
        grown[sessions.length] = session;
        sessions = grown;
        return session;
    }

    /**
     * The connection at {@code channel}/{@code streamId} of {@code session}'s grid session, made a follower that
     * resumes it there if there is none yet.
     */
    private synchronized ShardSession followerOf(final ShardSession session, final String channel, final int streamId)
    {
        for (final ShardSession existing : sessions)
        {
            if (existing.sessionId() == session.sessionId() && existing.reaches(channel, streamId) &&
                ShardSession.State.CLOSED != existing.state())
            {
                return existing;
            }
        }
        final ShardSession follower = new ShardSession(channel, streamId,
            new ShardSessionProxy(aeron.addExclusivePublication(channel, streamId)), true);
        follower.sessionId(session.sessionId());
        follower.sessionKey = session.sessionKey;
        follower.keepAliveIntervalNs = session.keepAliveIntervalNs;
        follower.sessionTimeoutNs = session.sessionTimeoutNs;
        follower.proxy.continueSequenceOf(session.proxy);
        follower.resuming = true;
        follower.lastConnectAttemptNs = context.nanoClock().nanoTime() - RESUME_RETRY_NS;
        follower.state(ShardSession.State.LOST);
        final ShardSession[] grown = Arrays.copyOf(sessions, sessions.length + 1);
        grown[sessions.length] = follower;
        sessions = grown;
        return follower;
    }

    /**
     * Forget followers that hold no lease and are not open: their node is gone or never had the session.
     */
    private void dropIdleFollowers()
    {
        for (final ShardSession session : sessions)
        {
            if (session.follower && session.leases.isEmpty() && !session.isOpen())
            {
                dropFollowers();
                return;
            }
        }
    }

    private synchronized void dropFollowers()
    {
        int keep = 0;
        for (final ShardSession session : sessions)
        {
            keep += session.follower && session.leases.isEmpty() && !session.isOpen() ? 0 : 1;
        }
        final ShardSession[] kept = new ShardSession[keep];
        int i = 0;
        for (final ShardSession session : sessions)
        {
            if (session.follower && session.leases.isEmpty() && !session.isOpen())
            {
                session.state(ShardSession.State.CLOSED);
                session.proxy.close();
            }
            else
            {
                kept[i++] = session;
            }
        }
        sessions = kept;
    }

    /**
     * A lease whose partition is now led by another node goes with it: the new primary inherited the lease and the
     * session holding it, so the lease is renewed and released through that session resumed there.
     */
    private void followMovedLeases()
    {
        for (final ShardSession session : sessions)
        {
            if (session.leases.isEmpty())
            {
                continue;
            }
            for (final Lease lease : session.leases.values())
            {
                follow(lease);
            }
        }
    }

    private void follow(final Lease lease)
    {
        final ShardSession session = lease.session();
        final ShardSession route = routes.byLeaseId(lease.leaseId());
        if (null == route || 0 == session.sessionId() || session.reaches(route.channel, route.streamId))
        {
            return;
        }
        final ShardSession follower = followerOf(session, route.channel, route.streamId);
        if (session.leases.remove(lease.leaseId(), lease))
        {
            lease.movedTo(follower);
            follower.leases.put(lease.leaseId(), lease);
        }
    }

    // ------------------------------------------------------------------------------------------ session traffic

    public void onAnswerImage(final int imageSessionId)
    {
        answerImageSessionId = imageSessionId;
    }

    public void onChallenge(
        final long correlationId,
        final long instanceId,
        final long sessionId,
        final DirectBuffer nonce,
        final int offset,
        final int length)
    {
        final ShardSession session = connecting(correlationId, instanceId);
        if (null == session)
        {
            return;
        }
        session.imageSessionId = answerImageSessionId;
        final byte[] nonceBytes = new byte[length];
        nonce.getBytes(offset, nonceBytes);
        final long nextSequence = session.proxy.nextSequence();
        if (ShardSession.State.RESUMING == session.state())
        {
            if (sessionId != session.sessionId())
            {
                foreignAnswers++;
                return;
            }
            session.proxy.authenticate(correlationId, sessionId,
                nextSequence, SessionKeys.resumeProof(session.sessionKey, nonceBytes, sessionId, nextSequence));
            return;
        }
        final byte[] secret = null == context.secret() ? SessionKeys.OPEN_MODE_SECRET : context.secret();
        session.sessionKey = SessionKeys.sessionKey(secret, nonceBytes, sessionId);
        session.sessionId(sessionId);
        session.state(ShardSession.State.AUTHENTICATING);
        session.proxy.authenticate(correlationId, sessionId, nextSequence,
            SessionKeys.newSessionProof(secret, nonceBytes, sessionId));
    }

    public void onConnected(
        final long correlationId,
        final long sessionId,
        final long keepAliveIntervalNs,
        final long sessionTimeoutNs,
        final long instanceId,
        final boolean resumed)
    {
        final ShardSession session = connecting(correlationId, instanceId);
        if (null == session || sessionId != session.sessionId())
        {
            return;
        }
        session.imageSessionId = answerImageSessionId;
        session.proxy.key(SessionKeys.k0(session.sessionKey), SessionKeys.k1(session.sessionKey));
        session.keepAliveIntervalNs = keepAliveIntervalNs > 0 ? keepAliveIntervalNs : TimeUnit.MILLISECONDS.toNanos(500);
        session.sessionTimeoutNs = sessionTimeoutNs;
        session.lastHeardNs = context.nanoClock().nanoTime();
        session.lastKeepAliveSentNs = session.lastHeardNs;
        session.failure = null;
        session.resuming = false;
        session.state(ShardSession.State.OPEN);
        if (lossSignalled && allOpen())
        {
            lossSignalled = false;
            final ConnectionListener listener = context.connectionListener();
            events.execute(listener::onReattached);
        }
    }

    public void onPartitionMap(
        final long correlationId,
        final long mapVersion,
        final int senderNodeId,
        final int[] streamIdByPartition,
        final int[] primaryByPartition,
        final int[] nodeIds,
        final String[] channels)
    {
        if (!isOurs(correlationId) || mapVersion < routes.version())
        {
            foreignAnswers++;
            return;
        }
        if (NO_NODE == homeNodeId)
        {
            // The first map comes from the node this client connected to: sessions with others open only after it.
            homeNodeId = senderNodeId;
        }
        reachesEveryPrimary = nodeIds.length <= 1 || context.responseChannel().startsWith("aeron:udp");
        final ShardSession[] byPartition = new ShardSession[streamIdByPartition.length];
        for (int partition = 0; partition < streamIdByPartition.length; partition++)
        {
            final String channel = channelOf(primaryByPartition[partition], nodeIds, channels);
            if (null == channel)
            {
                // The map names a primary it does not list: keep the partition unrouted rather than guess.
                foreignAnswers++;
                continue;
            }
            byPartition[partition] = sessionFor(channel, streamIdByPartition[partition]);
        }
        routes.update(mapVersion, streamIdByPartition, byPartition);
        followMovedLeases();
    }

    /**
     * @return false when partitions led by other nodes are out of this client's reach (it hears answers over IPC):
     * their {@code NOT_PRIMARY} is final, not a reason to retry.
     */
    boolean reachesEveryPrimary()
    {
        return reachesEveryPrimary;
    }

    /**
     * The channel to reach a node on: the one this client connected with for the node it connected to (an IPC client
     * stays on IPC), else the node's request channel from the map. A client that hears answers over IPC cannot hear
     * other nodes at all: it sends everything to its own node, which answers {@code NOT_PRIMARY} for the rest.
     */
    private String channelOf(final int nodeId, final int[] nodeIds, final String[] channels)
    {
        if (nodeIds.length <= 1 || nodeId == homeNodeId || !context.responseChannel().startsWith("aeron:udp"))
        {
            return context.requestChannel();
        }
        for (int i = 0; i < nodeIds.length; i++)
        {
            if (nodeIds[i] == nodeId)
            {
                return channels[i];
            }
        }
        return null;
    }

    public void onKeepAliveAck(final long sessionId, final long clientTimestampNs)
    {
        heardFrom(sessionId);
    }

    public void onSessionClosed(final long correlationId, final long sessionId, final boolean timedOut)
    {
        final ShardSession session = bySessionId(sessionId);
        if (null == session)
        {
            foreignAnswers++;
            return;
        }
        if (timedOut && ShardSession.State.CLOSED != session.state())
        {
            // The node says the session is gone: there is nothing to resume.
            sessionLost(session, "the node timed the session out");
        }
        else
        {
            session.state(ShardSession.State.CLOSED);
        }
    }

    public void onError(
        final long correlationId,
        final long sessionId,
        final int code,
        final DirectBuffer message,
        final int offset,
        final int length)
    {
        final ErrorCode errorCode = ErrorCode.fromWire(code);
        final String text = message.getStringWithoutLengthUtf8(offset, length);
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request)
        {
            onConnectRefused(correlationId, errorCode, text);
            return;
        }
        if (ErrorCode.NOT_PRIMARY == errorCode)
        {
            lastNotPrimaryCorrelationId = correlationId;
        }
        switch (request.kind)
        {
            case RENEW:
                if (endsTheLease(errorCode))
                {
                    leaseKeeper.end(request.lease, "the grid refused a renewal: " + errorCode, true);
                }
                if (null != request.confirming)
                {
                    leaseKeeper.end(request.lease, "the grid refused the renewal that confirms a queued grant", false);
                    client.fail(request.confirming, errorCode, text);
                }
                break;

            case RELEASE:
                if (null != request.lease && endsTheLease(errorCode))
                {
                    leaseKeeper.end(request.lease, "released (the grid no longer had it: " + errorCode + ")", false);
                }
                break;

            default:
                break;
        }
        client.fail(request, errorCode, text);
    }

    // --------------------------------------------------------------------------------------------------- leases

    public void onLeaseGranted(
        final long correlationId,
        final long sessionId,
        final long leaseId,
        final long fencingToken,
        final long ttlNs,
        final LeaseMode mode,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request)
        {
            // A grant nobody waits for any more (it timed out here, or was cancelled): give it straight back.
            final ShardSession session = bySessionId(sessionId);
            if (null != session)
            {
                client.sendRelease(session, leaseId, null);
            }
            return;
        }
        if (null != request.leaseCallback)
        {
            request.leaseCallback.onGranted(correlationId, leaseId, fencingToken, ttlNs);
            pending.recycle(request);
            return;
        }
        if (request.cancelled)
        {
            client.sendRelease(request.session, leaseId, null);
            return;
        }
        final long nowNs = context.nanoClock().nanoTime();
        final LeaseRequest leaseRequest = request.leaseRequest;
        final Lease lease = new Lease(client.client(), context.nanoClock(), request.session, request.name, leaseId, fencingToken, ttlNs,
            context.clockDriftBoundNs(), mode, leaseRequest.autoRenew, leaseRequest.listener);
        request.session.leases.put(leaseId, lease);
        follow(lease);
        // The grant was decided after the acquire was sent: its send time is a sound start for the TTL.
        lease.confirmedBy(request.sendNs);
        if (request.queued || nowNs - request.sendNs > ttlNs / 10)
        {
            // It waited: the TTL started when the grant was decided, unknown here. A renewal sent now starts it again
            // from a time this client knows, so the lease reaches its holder good for nearly its whole TTL.
            if (!client.sendConfirmingRenewal(lease, request))
            {
                lease.held(nowNs);
                client.complete(request, lease);
            }
            return;
        }
        lease.held(nowNs);
        client.complete(request, lease);
    }

    public void onLeaseQueued(final long correlationId, final long sessionId, final int queuePosition)
    {
        final PendingRequest request = pending.peek(correlationId);
        if (null == request || request.session.sessionId() != sessionId)
        {
            foreignAnswers++;
            return;
        }
        heardFrom(sessionId);
        request.queued = true;
        if (null != request.leaseCallback)
        {
            request.leaseCallback.onQueued(correlationId, queuePosition);
        }
        else if (null != request.leaseRequest && null != request.leaseRequest.onQueued)
        {
            final java.util.function.IntConsumer onQueued = request.leaseRequest.onQueued;
            events.execute(() -> onQueued.accept(queuePosition));
        }
    }

    public void onLeaseRenewed(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request || null == request.lease || request.lease.leaseId() != leaseId)
        {
            return;
        }
        final Lease lease = request.lease;
        lease.confirmedBy(request.sendNs);
        if (null != request.confirming)
        {
            lease.held(context.nanoClock().nanoTime());
            client.complete(request.confirming, lease);
        }
        client.complete(request, null);
    }

    public void onLeaseReleased(final long correlationId, final long sessionId, final long leaseId)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request)
        {
            return;
        }
        if (null != request.leaseCallback)
        {
            request.leaseCallback.onReleased(correlationId);
            pending.recycle(request);
            return;
        }
        if (null != request.lease)
        {
            leaseKeeper.end(request.lease, "released", false);
        }
        client.complete(request, null);
    }

    public void onLeaseExpired(final long sessionId, final long leaseId, final long fencingToken)
    {
        final ShardSession session = bySessionId(sessionId);
        if (null == session)
        {
            foreignAnswers++;
            return;
        }
        heardFrom(sessionId);
        final Lease lease = session.leases.get(leaseId);
        if (null != lease)
        {
            leaseKeeper.end(lease, "expired on the grid", true);
        }
    }

    public void onLeaseStatus(final long correlationId, final long sessionId, final LeaseStatusDecoder status)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request)
        {
            return;
        }
        status.lastFencingToken();
        final int holderLimit = status.holderLimit();
        final int waiterCount = status.waiterCount();
        final List<LeaseHolder> holders = new ArrayList<>();
        for (final LeaseStatusDecoder.HoldersDecoder holder : status.holders())
        {
            holders.add(new LeaseHolder(request.name, holder.leaseId(), holder.holderSessionId(), holder.fencingToken(),
                Duration.ofNanos(holder.remainingTtlNs()), LeaseMode.ofWire(holder.modeRaw())));
        }
        client.complete(request, new ResourceStatus(request.name, holders, waiterCount, holderLimit));
    }

    public void onLeaseList(final long correlationId, final long sessionId, final LeaseListDecoder list)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request || null == request.listCollector)
        {
            return;
        }
        list.partitionId();
        final boolean truncated = io.leasegrid.codec.sbe.BooleanType.TRUE.value() == list.truncatedRaw();
        final List<LeaseHolder> entries = new ArrayList<>();
        for (final LeaseListDecoder.LeasesDecoder lease : list.leases())
        {
            final long leaseId = lease.leaseId();
            final long holder = lease.holderSessionId();
            final long token = lease.fencingToken();
            final long remainingNs = lease.remainingTtlNs();
            final LeaseMode mode = LeaseMode.ofWire(lease.modeRaw());
            final byte[] name = new byte[lease.resourceLength()];
            lease.getResource(name, 0, name.length);
            entries.add(new LeaseHolder(new String(name, StandardCharsets.UTF_8), leaseId, holder, token,
                Duration.ofNanos(remainingNs), mode));
        }
        final LeaseListing listing = request.listCollector.add(entries, truncated);
        if (null != listing)
        {
            client.complete(request, listing);
        }
        else if (request.listCollector.failedWhenDone())
        {
            client.fail(request, request.listCollector.failure().code(), request.listCollector.failure().getMessage());
        }
    }

    public void onWaitCancelled(
        final long correlationId, final long sessionId, final long acquireCorrelationId, final boolean wasWaiting)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null != request)
        {
            client.complete(request, wasWaiting);
        }
    }

    // --------------------------------------------------------------------------------------------------- values

    public void onValueWritten(
        final long correlationId, final long sessionId, final long version, final long timestampNs, final boolean existed)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request)
        {
            return;
        }
        if (null != request.valueCallback)
        {
            request.valueCallback.onWritten(correlationId, version, timestampNs);
            pending.recycle(request);
            return;
        }
        client.complete(request, PendingRequest.Kind.DELETE == request.kind ? (Object)existed : (Object)version);
    }

    public void onValueRead(
        final long correlationId,
        final long sessionId,
        final boolean found,
        final long version,
        final long timestampNs,
        final DirectBuffer value,
        final int offset,
        final int length)
    {
        final PendingRequest request = take(correlationId, sessionId);
        if (null == request)
        {
            return;
        }
        if (null != request.valueCallback)
        {
            request.valueCallback.onRead(correlationId, found, version, timestampNs, value, offset, length);
            pending.recycle(request);
            return;
        }
        ValueRecord record = null;
        if (found)
        {
            final byte[] bytes = new byte[length];
            value.getBytes(offset, bytes);
            record = new ValueRecord(bytes, version, timestampNs);
        }
        client.complete(request, record);
    }

    // ------------------------------------------------------------------------------------------------ internals

    /**
     * The pending request an answer completes, once it proves to be this client's: the session it names is one of
     * ours and the request went out on that session.
     */
    private PendingRequest take(final long correlationId, final long sessionId)
    {
        final PendingRequest request = pending.peek(correlationId);
        if (null == request || 0 == sessionId || request.session.sessionId() != sessionId)
        {
            foreignAnswers++;
            return null;
        }
        heardFrom(sessionId);
        return pending.take(correlationId);
    }

    private ShardSession connecting(final long correlationId, final long instanceId)
    {
        if (instanceId != clientInstanceId)
        {
            foreignAnswers++;
            return null;
        }
        for (final ShardSession session : sessions)
        {
            final ShardSession.State state = session.state();
            if (session.connectCorrelationId == correlationId && (ShardSession.State.CONNECTING == state ||
                ShardSession.State.RESUMING == state || ShardSession.State.AUTHENTICATING == state))
            {
                return session;
            }
        }
        foreignAnswers++;
        return null;
    }

    private void onConnectRefused(final long correlationId, final ErrorCode code, final String text)
    {
        for (final ShardSession session : sessions)
        {
            if (0 == correlationId || session.connectCorrelationId != correlationId)
            {
                continue;
            }
            if (session.follower)
            {
                // The new primary may not have taken over the partition yet: try again until the leases end.
                session.state(ShardSession.State.LOST);
            }
            else if (session.resuming)
            {
                sessionLost(session, "the node could not resume it: " + code);
            }
            else if (ShardSession.State.CONNECTING == session.state() ||
                ShardSession.State.AUTHENTICATING == session.state())
            {
                session.failure = new GridException(code, text + (ErrorCode.AUTHENTICATION_FAILED == code &&
                    null == context.secret() ? " (this client has no secret configured)" : ""));
            }
            return;
        }
        foreignAnswers++;
    }

    private boolean isOurs(final long correlationId)
    {
        if (correlationId == lastNotPrimaryCorrelationId || correlationId == mapRequestCorrelationId ||
            null != pending.peek(correlationId))
        {
            return true;
        }
        for (final ShardSession session : sessions)
        {
            if (session.connectCorrelationId == correlationId)
            {
                return true;
            }
        }
        return false;
    }

    private void heardFrom(final long sessionId)
    {
        final ShardSession session = bySessionId(sessionId);
        if (null != session)
        {
            session.lastHeardNs = context.nanoClock().nanoTime();
        }
    }

    /**
     * @return the session connection an answer came over: the session with its id, and of two connections of the
     * same session (one following moved leases to another node), the one whose node sent it.
     */
    private ShardSession bySessionId(final long sessionId)
    {
        if (0 == sessionId)
        {
            return null;
        }
        ShardSession sameId = null;
        for (final ShardSession session : sessions)
        {
            if (session.sessionId() == sessionId)
            {
                if (session.imageSessionId == answerImageSessionId)
                {
                    return session;
                }
                sameId = null == sameId ? session : sameId;
            }
        }
        return sameId;
    }

    private boolean allOpen()
    {
        for (final ShardSession session : sessions)
        {
            if (!session.follower && !session.isOpen())
            {
                return false;
            }
        }
        return true;
    }

    private static boolean endsTheLease(final ErrorCode code)
    {
        return ErrorCode.LEASE_EXPIRED == code || ErrorCode.LEASE_NOT_FOUND == code || ErrorCode.NOT_LEASE_HOLDER == code;
    }

    /**
     * Keep-alives, loss detection, resumes and reconnects of every session.
     */
    /**
     * While a node is out of reach (a session lost) or a request went unanswered, ask a node that answers for the
     * partition map now and then: a control plane may have moved the partitions of the silent node to others, and
     * only a node's answer tells this client so.
     */
    private int refreshMapIfWanted(final long nowNs)
    {
        boolean wanted = mapRefreshWanted;
        ShardSession open = null;
        for (final ShardSession session : sessions)
        {
            final ShardSession.State state = session.state();
            wanted |= ShardSession.State.LOST == state || ShardSession.State.RESUMING == state;
            open = null == open && ShardSession.State.OPEN == state ? session : open;
        }
        if (!wanted || null == open || nowNs - nextMapRequestNs < 0 || sessions.length < 2)
        {
            return 0;
        }
        nextMapRequestNs = nowNs + MAP_REFRESH_INTERVAL_NS;
        final long correlationId = nextCorrelationId();
        if (open.proxy.partitionMapRequest(correlationId, open.sessionId(), routes.version()) > 0)
        {
            mapRequestCorrelationId = correlationId;
            mapRefreshWanted = false;
            return 1;
        }
        return 0;
    }

    private int maintainSessions(final long nowNs)
    {
        dropIdleFollowers();
        int work = refreshMapIfWanted(nowNs);
        for (final ShardSession session : sessions)
        {
            switch (session.state())
            {
                case OPEN:
                    if (nowNs - session.lastHeardNs > session.silenceLimitNs())
                    {
                        session.state(ShardSession.State.LOST);
                        signalLoss();
                        work++;
                    }
                    else if (nowNs - session.lastKeepAliveSentNs >= session.keepAliveIntervalNs)
                    {
                        session.lastKeepAliveSentNs = nowNs;
                        session.proxy.keepAlive(session.sessionId(), nowNs);
                        work++;
                    }
                    break;

                case LOST:
                    if (session.proxy.isConnected() && nowNs - session.lastConnectAttemptNs >= RESUME_RETRY_NS &&
                        sendConnect(session, session.sessionId(), nowNs))
                    {
                        session.resuming = true;
                        session.state(ShardSession.State.RESUMING);
                        work++;
                    }
                    break;

                case RESUMING:
                    if (nowNs - session.lastConnectAttemptNs >= CONNECT_RETRY_NS)
                    {
                        session.state(ShardSession.State.LOST);
                        work++;
                    }
                    break;

                case CONNECTING:
                case AUTHENTICATING:
                    if (session.proxy.isConnected() && nowNs - session.lastConnectAttemptNs >= CONNECT_RETRY_NS &&
                        sendConnect(session, 0, nowNs))
                    {
                        session.state(ShardSession.State.CONNECTING);
                        work++;
                    }
                    break;

                default:
                    break;
            }
        }
        return work;
    }

    /**
     * @return true when the connect frame went out; a refused offer (the publication's log rotating, back-pressure)
     * is not an attempt, so the next duty cycle tries again rather than a retry interval later.
     */
    private boolean sendConnect(final ShardSession session, final long resumeSessionId, final long nowNs)
    {
        final long correlationId = nextCorrelationId();
        if (session.proxy.connect(correlationId, responseStreamId, clientInstanceId, resumeSessionId,
            context.clientName(), responseChannel) < 0)
        {
            return false;
        }
        session.lastConnectAttemptNs = nowNs;
        session.connectCorrelationId = correlationId;
        return true;
    }

    private void signalLoss()
    {
        if (!lossSignalled)
        {
            lossSignalled = true;
            final ConnectionListener listener = context.connectionListener();
            events.execute(listener::onConnectionLost);
        }
    }

    /**
     * The node no longer has the session: its leases end here now, its requests fail with an unknown outcome, and a
     * new session takes its place.
     */
    private void sessionLost(final ShardSession session, final String why)
    {
        final long lostSessionId = session.sessionId();
        for (final Lease lease : session.leases.values())
        {
            leaseKeeper.end(lease, "its session was lost: " + why, true);
        }
        session.leases.clear();
        pending.takeExpired(context.nanoClock().nanoTime(), session, lostWithSession);
        if (session.follower)
        {
            session.state(ShardSession.State.CLOSED);
            final ConnectionListener listener = context.connectionListener();
            events.execute(() -> listener.onSessionLost(lostSessionId));
            return;
        }
        session.sessionId(0);
        session.sessionKey = null;
        session.resuming = false;
        session.lastConnectAttemptNs = context.nanoClock().nanoTime() - CONNECT_RETRY_NS;
        session.state(ShardSession.State.CONNECTING);
        signalLoss();
        final ConnectionListener listener = context.connectionListener();
        events.execute(() -> listener.onSessionLost(lostSessionId));
    }

    private void onTimedOut(final PendingRequest request)
    {
        // Its node may be gone and its partitions led elsewhere now: ask another node where they are.
        mapRefreshWanted = true;
        if (null != request.confirming)
        {
            leaseKeeper.end(request.lease, "no answer to the renewal that confirms a queued grant", false);
            client.sendRelease(request.session, request.lease.leaseId(), null);
            client.fail(request.confirming, ErrorCode.TIMEOUT, null);
        }
        if (PendingRequest.Kind.ACQUIRE == request.kind && request.queued && request.session.isOpen())
        {
            // Stop waiting on the grid too, so a grant nobody takes is not left behind.
            client.sendCancelWait(request.session, request.correlationId);
        }
        client.fail(request, ErrorCode.TIMEOUT, null);
    }

    private void onLostWithSession(final PendingRequest request)
    {
        if (null != request.confirming)
        {
            client.fail(request.confirming, ErrorCode.SESSION_LOST, null);
        }
        client.fail(request, ErrorCode.SESSION_LOST, null);
    }
}
