package io.leasegrid.client;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.SessionKeys;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.SessionConnectDecoder;
import io.leasegrid.codec.sbe.SessionKeepAliveDecoder;
import org.agrona.CloseHelper;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's duty cycle without a node: answers are handed to it by hand, the frames it sends are read back from
 * the shard's stream on an embedded driver, and time moves only when the test moves it.
 */
class ClientConductorTest
{
    private static final long INSTANCE = 0x5EED;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long KEEP_ALIVE_NS = 100 * MS;
    private static final long SESSION = 4242;

    @TempDir
    File dir;

    private MediaDriver driver;
    private Aeron aeron;
    private Subscription shardStream;
    private final CachedNanoClock clock = new CachedNanoClock();
    private final RecordingOutcomes outcomes = new RecordingOutcomes();
    private final PendingRequests pending = new PendingRequests();
    private final List<String> connectionEvents = new ArrayList<>();
    private GridClientContext context;
    private ClientConductor conductor;

    @BeforeEach
    void start()
    {
        clock.update(1_000_000 * MS);
        driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "aeron").getPath())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        shardStream = aeron.addSubscription("aeron:ipc", 1001);
        context = new GridClientContext()
            .requestChannel("aeron:ipc")
            .nanoClock(clock)
            .connectionListener(new ConnectionListener()
            {
                public void onConnectionLost()
                {
                    connectionEvents.add("lost");
                }

                public void onReattached()
                {
                    connectionEvents.add("reattached");
                }

                public void onSessionLost(final long sessionId)
                {
                    connectionEvents.add("session lost " + sessionId);
                }
            })
            .conclude();
        conductor = new ClientConductor(outcomes, context, aeron, INSTANCE, new AtomicLong(100), pending,
            new PartitionRoutes(), Runnable::run, null);
        conductor.responses(null, "aeron:ipc", 7);
    }

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(aeron, driver);
    }

    @Test
    void shouldOpenASessionOnlyThroughItsOwnChallengeAndAnswer()
    {
        final ShardSession session = conductor.sessionFor("aeron:ipc", 1001);
        final long connect = awaitConnect(session);

        conductor.onChallenge(connect, INSTANCE + 1, SESSION, new UnsafeBuffer(new byte[32]), 0, 32);
        conductor.onChallenge(connect + 1, INSTANCE, SESSION, new UnsafeBuffer(new byte[32]), 0, 32);
        assertEquals(ShardSession.State.CONNECTING, session.state(), "another instance's or connect's challenge");

        conductor.onChallenge(connect, INSTANCE, SESSION, new UnsafeBuffer(new byte[32]), 0, 32);
        assertEquals(ShardSession.State.AUTHENTICATING, session.state());
        conductor.onConnected(connect, SESSION + 1, KEEP_ALIVE_NS, 10 * KEEP_ALIVE_NS, INSTANCE, false);
        assertEquals(ShardSession.State.AUTHENTICATING, session.state(), "connected names another session");
        conductor.onConnected(connect, SESSION, KEEP_ALIVE_NS, 10 * KEEP_ALIVE_NS, INSTANCE, false);
        assertEquals(ShardSession.State.OPEN, session.state());
        assertEquals(SESSION, session.sessionId());
    }

    @Test
    void shouldHandAnAnswerOnlyToThePendingRequestOfTheSessionItNames()
    {
        final ShardSession session = open(1001, SESSION);
        final PendingRequest put = register(PendingRequest.Kind.PUT, session);

        conductor.onValueWritten(put.correlationId, SESSION + 1, 7, 0, false);
        conductor.onValueWritten(put.correlationId + 1, SESSION, 7, 0, false);
        assertTrue(outcomes.completed.isEmpty(), "an answer to another session or request reached the caller");
        assertEquals(2, conductor.foreignAnswers());

        conductor.onValueWritten(put.correlationId, SESSION, 7, 0, false);
        assertEquals(List.of(7L), outcomes.completed);
    }

    @Test
    void shouldTakeSafeUntilOnlyFromAnswersToThisLeasesOwnRequests()
    {
        final ShardSession session = open(1001, SESSION);
        final Lease lease = grant(session, 11, Duration.ofSeconds(3));
        final long safeUntil = lease.safeUntilNs();
        assertEquals(clock.nanoTime() + TimeUnit.SECONDS.toNanos(3) - context.clockDriftBoundNs(), safeUntil);

        clock.advance(500 * MS);
        conductor.onKeepAliveAck(SESSION, clock.nanoTime());
        assertEquals(safeUntil, lease.safeUntilNs(), "a keep-alive confirmed a lease");

        final Lease other = grant(session, 12, Duration.ofSeconds(3));
        final PendingRequest renewOther = register(PendingRequest.Kind.RENEW, session);
        renewOther.lease = other;
        conductor.onLeaseRenewed(renewOther.correlationId, SESSION, 12, 2, TimeUnit.SECONDS.toNanos(3));
        assertEquals(safeUntil, lease.safeUntilNs(), "another lease's renewal confirmed this one");
        assertTrue(other.safeUntilNs() > safeUntil);

        final PendingRequest renew = register(PendingRequest.Kind.RENEW, session);
        renew.lease = lease;
        conductor.onLeaseRenewed(renew.correlationId, SESSION + 1, 11, 1, TimeUnit.SECONDS.toNanos(3));
        assertEquals(safeUntil, lease.safeUntilNs(), "a renewal answered to another session confirmed it");
        conductor.onLeaseRenewed(renew.correlationId, SESSION, 11, 1, TimeUnit.SECONDS.toNanos(3));
        assertEquals(renew.sendNs + TimeUnit.SECONDS.toNanos(3) - context.clockDriftBoundNs(), lease.safeUntilNs());
    }

    @Test
    void shouldConfirmAGrantThatWaitedBeforeHandingItOut()
    {
        final ShardSession session = open(1001, SESSION);
        final PendingRequest acquire = acquireRequest(session, Duration.ofSeconds(2));
        conductor.onLeaseQueued(acquire.correlationId, SESSION, 1);
        clock.advance(1_500 * MS);
        conductor.onLeaseGranted(acquire.correlationId, SESSION, 21, 3, TimeUnit.SECONDS.toNanos(2), LeaseMode.EXCLUSIVE,
            new UnsafeBuffer(new byte[1]), 0, 1);
        assertTrue(outcomes.completed.isEmpty(), "a grant that waited was handed out unconfirmed");
        assertEquals(1, outcomes.confirming.size());
        final Lease lease = session.leases.get(21L);
        assertFalse(lease.isValid());

        final PendingRequest renewal = register(PendingRequest.Kind.RENEW, session);
        renewal.lease = lease;
        renewal.confirming = acquire;
        conductor.onLeaseRenewed(renewal.correlationId, SESSION, 21, 3, TimeUnit.SECONDS.toNanos(2));
        assertSame(lease, outcomes.completed.get(0));
        assertTrue(lease.isValid());
        assertTrue(lease.safeUntilNs() - clock.nanoTime() > TimeUnit.MILLISECONDS.toNanos(1_900),
            "a queued lease arrives usable for nearly its whole TTL");
    }

    @Test
    void shouldEndLeasesAndFailRequestsAtOnceWhenTheSessionCannotBeResumed()
    {
        final ShardSession session = open(1001, SESSION);
        final List<String> leaseEvents = new ArrayList<>();
        final Lease lease = grant(session, 31, Duration.ofSeconds(30), new LeaseListener()
        {
            public void onExpired(final Lease ended)
            {
                leaseEvents.add("expired " + ended.leaseId());
            }
        });
        register(PendingRequest.Kind.PUT, session);

        clock.advance(3 * KEEP_ALIVE_NS + MS);
        conductor.doWork();
        assertEquals(ShardSession.State.LOST, session.state());
        assertEquals(List.of("lost"), connectionEvents);
        assertTrue(lease.isValid(), "a disconnection alone does not end a lease before its safe-until");

        clock.advance(300 * MS);
        final long resume = awaitConnect(session);
        assertEquals(ShardSession.State.RESUMING, session.state());
        conductor.onError(resume, 0, ErrorCode.UNKNOWN_SESSION.value(), new UnsafeBuffer(new byte[0]), 0, 0);

        assertFalse(lease.isValid());
        assertEquals(List.of("expired 31"), leaseEvents);
        assertEquals(List.of(ErrorCode.SESSION_LOST), outcomes.failed);
        assertEquals(List.of("lost", "session lost " + SESSION), connectionEvents);
        assertEquals(ShardSession.State.CONNECTING, session.state());
        assertEquals(0, session.sessionId());
    }

    @Test
    void shouldResumeTheSameSessionWithAProofAndKeepItsLeases()
    {
        final ShardSession session = open(1001, SESSION);
        final Lease lease = grant(session, 41, Duration.ofSeconds(30));
        clock.advance(3 * KEEP_ALIVE_NS + MS);
        conductor.doWork();
        clock.advance(300 * MS);
        final long resume = awaitConnect(session);
        conductor.onChallenge(resume, INSTANCE, SESSION, new UnsafeBuffer(new byte[32]), 0, 32);
        conductor.onConnected(resume, SESSION, KEEP_ALIVE_NS, 10 * KEEP_ALIVE_NS, INSTANCE, true);
        assertEquals(ShardSession.State.OPEN, session.state());
        assertEquals(List.of("lost", "reattached"), connectionEvents);
        assertTrue(lease.isValid());
        assertSame(lease, session.leases.get(41L));
    }

    @Test
    void shouldRenewAutoRenewLeasesEveryThirdOfTheirTtlAndWarnOnlyWhenRenewalsStop()
    {
        final ShardSession session = open(1001, SESSION);
        final List<String> leaseEvents = new ArrayList<>();
        final PendingRequest acquire = acquireRequest(session, Duration.ofSeconds(3));
        acquire.leaseRequest.autoRenew(true).listener(new LeaseListener()
        {
            public void onExpiring(final Lease lease)
            {
                leaseEvents.add("expiring at " + TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - acquire.sendNs));
            }

            public void onExpired(final Lease lease)
            {
                leaseEvents.add("expired at " + TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - acquire.sendNs));
            }
        });
        conductor.onLeaseGranted(acquire.correlationId, SESSION, 51, 1, TimeUnit.SECONDS.toNanos(3), LeaseMode.EXCLUSIVE,
            new UnsafeBuffer(new byte[1]), 0, 1);
        final Lease lease = session.leases.get(51L);

        // Renewals are sent about every second and answered: no warning, however long it runs.
        for (int i = 0; i < 60; i++)
        {
            step(100 * MS, session);
            for (final Lease renewed : outcomes.renewals)
            {
                final PendingRequest renewal = register(PendingRequest.Kind.RENEW, session);
                renewal.lease = renewed;
                conductor.onLeaseRenewed(renewal.correlationId, SESSION, 51, 1, TimeUnit.SECONDS.toNanos(3));
            }
            outcomes.renewals.clear();
        }
        assertTrue(leaseEvents.isEmpty(), leaseEvents.toString());
        assertTrue(lease.isValid());

        // Then the answers stop coming: a warning a quarter of the TTL before safe-until, then the end.
        for (int i = 0; i < 40; i++)
        {
            step(100 * MS, session);
        }
        assertEquals(2, leaseEvents.size(), leaseEvents.toString());
        assertTrue(leaseEvents.get(0).startsWith("expiring"), leaseEvents.toString());
        assertTrue(leaseEvents.get(1).startsWith("expired"), leaseEvents.toString());
        assertFalse(lease.isValid());
    }

    @Test
    void shouldEndALeaseTheGridExpiredAndTimeOutRequestsAtTheirDeadline()
    {
        final ShardSession session = open(1001, SESSION);
        final Lease lease = grant(session, 61, Duration.ofSeconds(30));
        conductor.onLeaseExpired(SESSION + 1, 61, 1);
        assertTrue(lease.isValid(), "an expiry notice of another session ended the lease");
        conductor.onLeaseExpired(SESSION, 61, 1);
        assertFalse(lease.isValid());

        register(PendingRequest.Kind.GET, session);
        step(context.requestTimeoutNs() + MS, session);
        assertEquals(List.of(ErrorCode.TIMEOUT), outcomes.failed);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void step(final long nanos, final ShardSession session)
    {
        clock.advance(nanos);
        session.lastHeardNs = clock.nanoTime();
        conductor.doWork();
    }

    private ShardSession open(final int streamId, final long sessionId)
    {
        final ShardSession session = conductor.sessionFor("aeron:ipc", streamId);
        final long connect = awaitConnect(session);
        conductor.onChallenge(connect, INSTANCE, sessionId, new UnsafeBuffer(new byte[32]), 0, 32);
        conductor.onConnected(connect, sessionId, KEEP_ALIVE_NS, 10 * KEEP_ALIVE_NS, INSTANCE, false);
        assertEquals(ShardSession.State.OPEN, session.state());
        return session;
    }

    /**
     * Run the duty cycle, without moving the clock, until the session's connect frame is on the shard's stream.
     *
     * @return its correlation id.
     */
    private long awaitConnect(final ShardSession session)
    {
        final long[] correlationId = { 0 };
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final SessionConnectDecoder connect = new SessionConnectDecoder();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // Housekeeping runs once per clock interval and this clock stands still: it must find the publication
        // connected the first time (on a cold machine the publication may take longer than the first duty cycle).
        while (!session.proxy.isConnected())
        {
            assertTrue(System.nanoTime() - deadline < 0, "the shard's publication never connected");
            Thread.onSpinWait();
        }
        while (0 == correlationId[0])
        {
            assertTrue(System.nanoTime() - deadline < 0, "no connect sent");
            conductor.doWork();
            shardStream.poll((buffer, offset, length, h) ->
            {
                header.wrap(buffer, offset);
                if (SessionConnectDecoder.TEMPLATE_ID == header.templateId())
                {
                    connect.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                    correlationId[0] = connect.correlationId();
                    assertEquals(INSTANCE, connect.clientInstanceId());
                    assertEquals(session.sessionId(), connect.resumeSessionId());
                }
            }, 10);
        }
        assertEquals(correlationId[0], session.connectCorrelationId);
        return correlationId[0];
    }

    private PendingRequest register(final PendingRequest.Kind kind, final ShardSession session)
    {
        final PendingRequest request = pending.newRequest();
        request.correlationId = conductor.nextCorrelationId();
        request.kind = kind;
        request.session = session;
        request.sendNs = clock.nanoTime();
        request.deadlineNs = request.sendNs + context.requestTimeoutNs();
        request.future = new java.util.concurrent.CompletableFuture<>();
        pending.register(request);
        return request;
    }

    private PendingRequest acquireRequest(final ShardSession session, final Duration ttl)
    {
        final PendingRequest acquire = register(PendingRequest.Kind.ACQUIRE, session);
        acquire.name = "r";
        acquire.leaseRequest = LeaseRequest.exclusive(ttl);
        return acquire;
    }

    private Lease grant(final ShardSession session, final long leaseId, final Duration ttl)
    {
        return grant(session, leaseId, ttl, new LeaseListener()
        {
        });
    }

    private Lease grant(final ShardSession session, final long leaseId, final Duration ttl, final LeaseListener listener)
    {
        final PendingRequest acquire = acquireRequest(session, ttl);
        acquire.leaseRequest.listener(listener);
        conductor.onLeaseGranted(acquire.correlationId, session.sessionId(), leaseId, 1, ttl.toNanos(), LeaseMode.EXCLUSIVE,
            new UnsafeBuffer(new byte[1]), 0, 1);
        final Lease lease = session.leases.get(leaseId);
        assertTrue(lease.isValid());
        return lease;
    }
}
