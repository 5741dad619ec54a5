package io.leasegrid.node.session;

import io.aeron.Aeron;
import io.aeron.exceptions.RegistrationException;
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.SessionKeys;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.SessionAuthenticateDecoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.codec.sbe.SessionConnectDecoder;
import io.leasegrid.node.egress.EgressPublisher;
import io.leasegrid.node.partition.PartitionTable;
import io.leasegrid.node.status.Alerts;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import io.leasegrid.node.util.TimerWheel;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.NanoClock;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.function.LongSupplier;

/**
 * The sessions of one shard: how a client connects, proves who it is, resumes its session from a new connection or
 * after a node restart, keeps it alive, and closes it; and the rule that every request frame of a session carries
 * that session's tag and a rising sequence, so nobody else can act in it.
 * <p>
 * Strangers (connects that have not proved themselves) cost the node a response publication each, so there are at
 * most {@code maxStrangers} at once; each is forgotten, and its publication closed, when it proves itself, fails, or
 * times out. A response channel and stream answer one client instance only: a connect from another instance naming
 * the same pair is refused with {@code RESPONSE_CHANNEL_IN_USE}, so answers never reach a client that did not ask.
 * Publications are added asynchronously; until one is ready its answers wait in the session's outbox.
 * <p>
 * Owned by the shard's thread.
 * <p>
 * Long because connect, challenge, authenticate, resume, keep-alive, close and frame verification are one state
 * machine over the same session, stranger and destination tables; split, each part would reach into the others.
 */
public final class SessionManager
{
    /**
     * What the shard does when a session ends, before it is forgotten.
     */
    @FunctionalInterface
    public interface Listener
    {
        /**
         * {@code session} ends: a client close releases its leases, a timeout leaves them to run out; its waiters
         * leave their queues either way.
         */
        void onSessionEnding(ClientSession session, SessionCloseReason reason);
    }

    private static final int MAX_CLIENT_NAME_LENGTH = 256;
    private static final int MAX_CHANNEL_LENGTH = 1024;
    private static final int OUTBOX_MAX_BYTES = 8 * 1024 * 1024;

    /**
     * The owner of a response channel and stream, and how many of its sessions answer through it.
     */
    private static final class Destination
    {
        final long clientInstanceId;
        int users;

        Destination(final long clientInstanceId)
        {
            this.clientInstanceId = clientInstanceId;
        }
    }

    private final Aeron aeron;
    private final Credentials credentials;
    private final long sessionTimeoutNs;
    private final int maxStrangers;
    private final long strangerTimeoutNs;
    private final LongSupplier sessionIds;
    private final NanoClock clock;
    private final TimerWheel timers;
    private final ShardCounters counters;
    private final Alerts alerts;
    private final SecureRandom random = new SecureRandom();
    private final Long2ObjectHashMap<ClientSession> sessions = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<ClientSession> strangers = new Long2ObjectHashMap<>();
    private final Object2ObjectHashMap<String, Destination> destinations = new Object2ObjectHashMap<>();
    private final ArrayList<ClientSession> awaitingPublication = new ArrayList<>();
    private final ArrayList<ClientSession> expiredStrangers = new ArrayList<>();
    private final SessionEgress sessionEgress;
    private EgressPublisher egress;
    private Listener listener;
    private PartitionTable partitionTable;
    private long foreignFrames;
    private long rejectedAuthentications;

    /**
     * @param aeron             to add response publications with; null in unit tests, where answers go to a recorder.
     * @param credentials       client secrets, or null in open development mode.
     * @param sessionTimeoutNs  how long a silent session lives.
     * @param maxStrangers      connects that may wait to authenticate at once.
     * @param strangerTimeoutNs how long a connect may take to authenticate.
     * @param sessionIds        source of new session ids (random in the node).
     * @param clock             the shard's clock, cached per duty cycle.
     * @param timers            the shard's timer wheel, for session timeouts.
     * @param counters          of the shard.
     * @param alerts            of the node.
     */
    public SessionManager(
        final Aeron aeron,
        final Credentials credentials,
        final long sessionTimeoutNs,
        final int maxStrangers,
        final long strangerTimeoutNs,
        final LongSupplier sessionIds,
        final NanoClock clock,
        final TimerWheel timers,
        final ShardCounters counters,
        final Alerts alerts)
    {
        this.aeron = aeron;
        this.credentials = credentials;
        this.sessionTimeoutNs = sessionTimeoutNs;
        this.maxStrangers = maxStrangers;
        this.strangerTimeoutNs = strangerTimeoutNs;
        this.sessionIds = sessionIds;
        this.clock = clock;
        this.timers = timers;
        this.counters = counters;
        this.alerts = alerts;
        this.sessionEgress = new SessionEgress(sessions, counters);
    }

    /**
     * Finish wiring: who encodes answers, who hears of ending sessions, which partition table to hand clients.
     */
    /**
     * The partition table moved (a control plane appointed other primaries): strangers are told this one from now on.
     */
    public void partitionTable(final PartitionTable partitionTable)
    {
        this.partitionTable = partitionTable;
    }

    public void wire(final EgressPublisher egress, final Listener listener, final PartitionTable partitionTable)
    {
        this.egress = egress;
        this.listener = listener;
        this.partitionTable = partitionTable;
    }

    /**
     * @return the sink that sends answers to these sessions.
     */
    public SessionEgress sessionEgress()
    {
        return sessionEgress;
    }

    /**
     * @return the live (open or detached) session, or null.
     */
    public ClientSession session(final long sessionId)
    {
        return sessions.get(sessionId);
    }

    /**
     * @return live sessions.
     */
    public int sessionCount()
    {
        return sessions.size();
    }

    /**
     * @return connects waiting to authenticate.
     */
    public int strangerCount()
    {
        return strangers.size();
    }

    /**
     * @return request frames dropped: unknown session, bad tag or replayed sequence.
     */
    public long foreignFrames()
    {
        return foreignFrames;
    }

    /**
     * @return authentications that failed.
     */
    public long rejectedAuthentications()
    {
        return rejectedAuthentications;
    }

    // ------------------------------------------------------------------------------------------------- ingress

    /**
     * A client asks for a new session ({@code resumeSessionId} 0) or to resume one: challenge it.
     */
    public void onConnect(
        final long correlationId,
        final long clientInstanceId,
        final long resumeSessionId,
        final int responseStreamId,
        final String clientName,
        final String responseChannel)
    {
        if (!responseChannel.startsWith("aeron:") || responseChannel.length() > MAX_CHANNEL_LENGTH ||
            clientName.length() > MAX_CLIENT_NAME_LENGTH || strangers.size() >= maxStrangers ||
            (0 != resumeSessionId && resumeSessionId < 0))
        {
            rejectConnect();
            return;
        }

        final long sessionId = 0 != resumeSessionId ? resumeSessionId : newSessionId();
        final ClientSession previousAttempt = strangers.remove(sessionId);
        if (null != previousAttempt)
        {
            forget(previousAttempt);
        }

        final ClientSession stranger = new ClientSession(sessionId, OUTBOX_MAX_BYTES);
        stranger.state = ClientSession.State.CHALLENGED;
        stranger.clientName = clientName;
        stranger.clientInstanceId = clientInstanceId;
        stranger.responseChannel = responseChannel;
        stranger.responseStreamId = responseStreamId;
        stranger.destinationKey = responseStreamId + "|" + responseChannel;
        stranger.createdNs = clock.nanoTime();
        stranger.challengeCorrelationId = correlationId;
        stranger.nonce = new byte[SessionKeys.NONCE_LENGTH];
        random.nextBytes(stranger.nonce);
        if (!addPublication(stranger))
        {
            rejectConnect();
            return;
        }
        strangers.put(sessionId, stranger);

        final Destination owner = destinations.get(stranger.destinationKey);
        if (null != owner && owner.clientInstanceId != clientInstanceId)
        {
            stranger.refused = true;
            egress.error(null, 0, stranger, correlationId, ErrorCode.RESPONSE_CHANNEL_IN_USE, SessionConnectDecoder.TEMPLATE_ID);
            return;
        }
        if (0 != resumeSessionId)
        {
            final ClientSession target = sessions.get(resumeSessionId);
            if (null == target || !target.hasKey)
            {
                stranger.refused = true;
                egress.error(null, 0, stranger, correlationId, ErrorCode.UNKNOWN_SESSION, SessionConnectDecoder.TEMPLATE_ID);
                return;
            }
            stranger.resumeTarget = target;
        }
        egress.challenge(stranger, correlationId, clientInstanceId, stranger.nonce);
    }

    /**
     * A client answers its challenge: open its session, or resume the one it names, when the proof holds.
     */
    public void onAuthenticate(
        final long correlationId,
        final long sessionId,
        final long nextSequence,
        final DirectBuffer proof,
        final int proofOffset,
        final int proofLength)
    {
        final ClientSession stranger = strangers.get(sessionId);
        if (null == stranger || stranger.refused)
        {
            foreignFrames++;
            return;
        }
        final byte[] mac = new byte[proofLength];
        proof.getBytes(proofOffset, mac);

        final ClientSession target = stranger.resumeTarget;
        if (null == target)
        {
            final byte[] secret = secretOf(stranger.clientName);
            if (null == secret || nextSequence < 1 ||
                !MessageDigest.isEqual(SessionKeys.newSessionProof(secret, stranger.nonce, sessionId), mac))
            {
                refuseAuthentication(stranger, correlationId);
                return;
            }
            if (destinationTaken(stranger, correlationId))
            {
                return;
            }
            strangers.remove(sessionId);
            stranger.key(SessionKeys.sessionKey(secret, stranger.nonce, sessionId));
            open(stranger, nextSequence);
            claimDestination(stranger);
            egress.connected(stranger, correlationId, stranger.clientInstanceId, false);
            egress.partitionMap(stranger, correlationId, partitionTable);
            return;
        }

        if (ClientSession.State.CLOSED == target.state || target != sessions.get(sessionId) ||
            nextSequence <= target.lastSequence ||
            !MessageDigest.isEqual(SessionKeys.resumeProof(target.keyBytes(), stranger.nonce, sessionId, nextSequence), mac))
        {
            refuseAuthentication(stranger, correlationId);
            return;
        }
        if (destinationTaken(stranger, correlationId))
        {
            return;
        }
        strangers.remove(sessionId);
        adoptConnection(target, stranger);
        open(target, nextSequence);
        egress.connected(target, correlationId, target.clientInstanceId, true);
        egress.partitionMap(target, correlationId, partitionTable);
    }

    /**
     * The session a request frame belongs to, when the frame proves it: the session is open, the tag verifies under
     * its key and the sequence is above the last one accepted. The session was heard from.
     *
     * @return the session, or null when the frame is dropped (counted).
     */
    public ClientSession verifiedSession(
        final long sessionId, final DirectBuffer buffer, final int offset, final int frameLength)
    {
        final ClientSession session = sessions.get(sessionId);
        if (null == session || ClientSession.State.OPEN != session.state)
        {
            // A frame still in flight from a session that just closed or detached looks the same: counted, not alerted.
            foreignFrame();
            return null;
        }
        if (!RequestFrame.verify(buffer, offset, frameLength, session.k0, session.k1) ||
            RequestFrame.sequence(buffer, offset, frameLength) <= session.lastSequence)
        {
            foreignFrame();
            alerts.raise(Alerts.Kind.FORGED_FRAME);
            return null;
        }
        final long sequence = RequestFrame.sequence(buffer, offset, frameLength);
        session.lastSequence = sequence;
        session.lastHeardNs = clock.nanoTime();
        return session;
    }

    /**
     * The client closes its session: it ends, and it is told.
     */
    public void onClose(final ClientSession session, final long correlationId)
    {
        listener.onSessionEnding(session, SessionCloseReason.CLIENT_CLOSE);
        egress.closed(session, correlationId, SessionCloseReason.CLIENT_CLOSE);
        remove(session);
    }

    /**
     * The session's timer fired: it ends if it has not been heard from within its timeout.
     *
     * @return true when it timed out.
     */
    public boolean onTimer(final ClientSession session, final long nowNs)
    {
        final long deadlineNs = session.lastHeardNs + session.timeoutNs;
        if (deadlineNs - nowNs > 0)
        {
            timers.schedule(session, deadlineNs);
            return false;
        }
        counters.increment(CounterType.SESSION_TIMEOUTS);
        alerts.raise(Alerts.Kind.SESSION_TIMED_OUT);
        listener.onSessionEnding(session, SessionCloseReason.TIMEOUT);
        if (ClientSession.State.OPEN == session.state)
        {
            egress.closed(session, 0, SessionCloseReason.TIMEOUT);
        }
        remove(session);
        return true;
    }

    /**
     * A session found in a partition's recovered state: it lives on, detached, for a full timeout, so that its client
     * can resume it; its key is derived again from the client's secret and the nonce it was opened with.
     */
    public ClientSession recover(final long sessionId, final long timeoutNs, final String clientName, final byte[] nonce)
    {
        ClientSession session = sessions.get(sessionId);
        if (null == session)
        {
            session = new ClientSession(sessionId, OUTBOX_MAX_BYTES);
            session.state = ClientSession.State.DETACHED;
            session.clientName = clientName;
            session.nonce = nonce;
            session.timeoutNs = timeoutNs > 0 ? timeoutNs : sessionTimeoutNs;
            session.lastHeardNs = clock.nanoTime();
            final byte[] secret = secretOf(clientName);
            if (null != secret && nonce.length == SessionKeys.NONCE_LENGTH)
            {
                session.key(SessionKeys.sessionKey(secret, nonce, sessionId));
            }
            // A recovered session has sent nothing to this process: any sequence the client resumes with is new.
            session.lastSequence = 0;
            sessions.put(sessionId, session);
            timers.schedule(session, session.lastHeardNs + session.timeoutNs);
        }
        return session;
    }

    /**
     * Housekeeping of the duty cycle: publications that became ready, strangers that timed out, outboxes to drain.
     *
     * @return work done.
     */
    public int doWork(final long nowNs)
    {
        int work = 0;
        if (!awaitingPublication.isEmpty())
        {
            work += pollPublications();
        }
        if (!strangers.isEmpty())
        {
            work += expireStrangers(nowNs);
        }
        work += sessionEgress.flush();
        return work;
    }

    /**
     * Close every session's and stranger's publication: the node stops.
     */
    public void close()
    {
        for (final ClientSession session : sessions.values())
        {
            releasePublication(session);
        }
        for (final ClientSession stranger : strangers.values())
        {
            releasePublication(stranger);
        }
        sessions.clear();
        strangers.clear();
        destinations.clear();
    }

    // ----------------------------------------------------------------------------------------------- internals

    private void open(final ClientSession session, final long nextSequence)
    {
        session.state = ClientSession.State.OPEN;
        session.lastSequence = nextSequence - 1;
        session.timeoutNs = sessionTimeoutNs;
        session.lastHeardNs = clock.nanoTime();
        if (null == sessions.get(session.sessionId))
        {
            sessions.put(session.sessionId, session);
        }
        if (!session.isTimerScheduled())
        {
            timers.schedule(session, session.lastHeardNs + session.timeoutNs);
        }
    }

    /**
     * A resumed session answers from now on through the connection its client resumed from; what waited in its
     * outbox follows it there.
     */
    private void adoptConnection(final ClientSession target, final ClientSession stranger)
    {
        releaseDestination(target);
        if (null != target.publication || -1 != target.publicationRegistrationId)
        {
            releasePublication(target);
        }
        target.clientInstanceId = stranger.clientInstanceId;
        target.responseChannel = stranger.responseChannel;
        target.responseStreamId = stranger.responseStreamId;
        target.destinationKey = stranger.destinationKey;
        target.publication = stranger.publication;
        target.publicationRegistrationId = stranger.publicationRegistrationId;
        if (null == target.publication && -1 != target.publicationRegistrationId)
        {
            awaitingPublication.remove(stranger);
            awaitingPublication.add(target);
        }
        stranger.publication = null;
        stranger.publicationRegistrationId = -1;
        sessionEgress.moveOutbox(stranger, target);
        claimDestination(target);
    }

    private void refuseAuthentication(final ClientSession stranger, final long correlationId)
    {
        rejectedAuthentications++;
        counters.increment(CounterType.REJECTED_AUTHENTICATIONS);
        alerts.raise(Alerts.Kind.REJECTED_AUTHENTICATION);
        egress.error(null, 0, stranger, correlationId, ErrorCode.AUTHENTICATION_FAILED, SessionAuthenticateDecoder.TEMPLATE_ID);
        stranger.refused = true;
    }

    private void remove(final ClientSession session)
    {
        session.state = ClientSession.State.CLOSED;
        sessions.remove(session.sessionId);
        timers.cancel(session);
        releaseDestination(session);
        releasePublication(session);
        sessionEgress.discard(session);
    }

    private void forget(final ClientSession stranger)
    {
        stranger.state = ClientSession.State.CLOSED;
        releasePublication(stranger);
        sessionEgress.discard(stranger);
    }

    /**
     * Another client instance may have claimed the stranger's response channel and stream since it connected (two
     * connects naming the same pair, both challenged before either proved itself): the later one is refused.
     */
    private boolean destinationTaken(final ClientSession stranger, final long correlationId)
    {
        final Destination owner = null == stranger.destinationKey ? null : destinations.get(stranger.destinationKey);
        if (null != owner && owner.clientInstanceId != stranger.clientInstanceId)
        {
            stranger.refused = true;
            egress.error(null, 0, stranger, correlationId, ErrorCode.RESPONSE_CHANNEL_IN_USE,
                SessionAuthenticateDecoder.TEMPLATE_ID);
            return true;
        }
        return false;
    }

    private void claimDestination(final ClientSession session)
    {
        if (null == session.destinationKey)
        {
            return;
        }
        Destination destination = destinations.get(session.destinationKey);
        if (null == destination)
        {
            destination = new Destination(session.clientInstanceId);
            destinations.put(session.destinationKey, destination);
        }
        if (destination.clientInstanceId == session.clientInstanceId)
        {
            destination.users++;
        }
    }

    private void releaseDestination(final ClientSession session)
    {
        if (null == session.destinationKey)
        {
            return;
        }
        final Destination destination = destinations.get(session.destinationKey);
        if (null != destination && destination.clientInstanceId == session.clientInstanceId && --destination.users <= 0)
        {
            destinations.remove(session.destinationKey);
        }
    }

    private boolean addPublication(final ClientSession session)
    {
        if (null == aeron)
        {
            return true;
        }
        try
        {
            session.publicationRegistrationId = aeron.asyncAddExclusivePublication(
                session.responseChannel, session.responseStreamId);
            awaitingPublication.add(session);
            return true;
        }
        catch (final RuntimeException ex)
        {
            return false;
        }
    }

    private int pollPublications()
    {
        int work = 0;
        for (int i = awaitingPublication.size() - 1; i >= 0; i--)
        {
            final ClientSession session = awaitingPublication.get(i);
            if (-1 == session.publicationRegistrationId)
            {
                awaitingPublication.remove(i);
                continue;
            }
            try
            {
                session.publication = aeron.getExclusivePublication(session.publicationRegistrationId);
            }
            catch (final RegistrationException ex)
            {
                // The driver refused the channel (unreachable endpoint, bad URI): nobody can be answered there.
                awaitingPublication.remove(i);
                session.publicationRegistrationId = -1;
                if (ClientSession.State.CHALLENGED == session.state)
                {
                    strangers.remove(session.sessionId);
                    forget(session);
                    rejectConnect();
                }
                work++;
                continue;
            }
            if (null != session.publication)
            {
                awaitingPublication.remove(i);
                work++;
            }
        }
        return work;
    }

    private void releasePublication(final ClientSession session)
    {
        if (null != aeron && -1 != session.publicationRegistrationId)
        {
            if (null != session.publication)
            {
                session.publication.close();
            }
            else
            {
                aeron.asyncRemovePublication(session.publicationRegistrationId);
            }
        }
        awaitingPublication.remove(session);
        session.publication = null;
        session.publicationRegistrationId = -1;
    }

    private int expireStrangers(final long nowNs)
    {
        for (final ClientSession stranger : strangers.values())
        {
            if (nowNs - stranger.createdNs >= strangerTimeoutNs)
            {
                expiredStrangers.add(stranger);
            }
        }
        final int expired = expiredStrangers.size();
        for (int i = 0; i < expired; i++)
        {
            final ClientSession stranger = expiredStrangers.get(i);
            strangers.remove(stranger.sessionId);
            forget(stranger);
        }
        expiredStrangers.clear();
        return expired;
    }

    private void rejectConnect()
    {
        counters.increment(CounterType.REJECTED_CONNECTS);
        alerts.raise(Alerts.Kind.REJECTED_CONNECT);
    }

    private void foreignFrame()
    {
        foreignFrames++;
        counters.increment(CounterType.FOREIGN_FRAMES);
    }

    private byte[] secretOf(final String clientName)
    {
        return null == credentials ? SessionKeys.OPEN_MODE_SECRET : credentials.secret(clientName);
    }

    private long newSessionId()
    {
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            final long sessionId = sessionIds.getAsLong();
            if (sessionId > 0 && null == sessions.get(sessionId) && null == strangers.get(sessionId))
            {
                return sessionId;
            }
        }
        throw new IllegalStateException("the session id source keeps giving ids in use");
    }
}
