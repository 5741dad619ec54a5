package io.leasegrid.node.session;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.logbuffer.BufferClaim;
import io.leasegrid.node.egress.AnswerSink;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.ShardCounters;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;

/**
 * Sends answers to sessions. An answer is encoded in place in the session's response publication when it can be
 * (connected, nothing waiting before it, one frame long); otherwise it is offered whole, and when the publication is
 * not connected yet or back-pressured it waits, in order, in the session's bounded outbox, which the duty cycle
 * drains. An outbox that fills up means a client that does not read: further answers to it are dropped and counted.
 * <p>
 * Owned by the shard's thread; allocates nothing per answer.
 */
public final class SessionEgress implements AnswerSink
{
    private static final int OFFER_ATTEMPTS = 3;

    private final Long2ObjectHashMap<ClientSession> sessions;
    private final ShardCounters counters;
    private final BufferClaim bufferClaim = new BufferClaim();
    private final ExpandableDirectByteBuffer scratch = new ExpandableDirectByteBuffer(64 * 1024);
    private final ArrayList<ClientSession> waiting = new ArrayList<>();
    private final ExpandableRingBuffer.MessageConsumer drain = this::offerFromOutbox;
    private ClientSession claimedSession;
    private boolean claimedInPlace;
    private int claimedLength;
    private int claimOffset;
    private ExclusivePublication draining;
    private long droppedAnswers;

    SessionEgress(final Long2ObjectHashMap<ClientSession> sessions, final ShardCounters counters)
    {
        this.sessions = sessions;
        this.counters = counters;
    }

    /**
     * @return answers dropped because a session's outbox was full or the session was gone.
     */
    public long droppedAnswers()
    {
        return droppedAnswers;
    }

    public MutableDirectBuffer claim(final ClientSession session, final int length)
    {
        if (null == session || ClientSession.State.CLOSED == session.state)
        {
            dropped();
            return null;
        }
        claimedSession = session;
        claimedLength = length;
        final ExclusivePublication publication = session.publication;
        if (null != publication && session.outbox.isEmpty() && length <= publication.maxPayloadLength() &&
            publication.tryClaim(length, bufferClaim) > 0)
        {
            claimedInPlace = true;
            claimOffset = bufferClaim.offset();
            return bufferClaim.buffer();
        }
        claimedInPlace = false;
        claimOffset = 0;
        scratch.checkLimit(length);
        return scratch;
    }

    public int claimOffset()
    {
        return claimOffset;
    }

    public void commit()
    {
        if (claimedInPlace)
        {
            bufferClaim.commit();
        }
        else
        {
            send(claimedSession, scratch, 0, claimedLength);
        }
        claimedSession = null;
    }

    public void send(final long sessionId, final DirectBuffer buffer, final int offset, final int length)
    {
        final ClientSession session = sessions.get(sessionId);
        if (null == session)
        {
            dropped();
            return;
        }
        send(session, buffer, offset, length);
    }

    /**
     * Offer an encoded answer to a session, or keep it in its outbox.
     */
    void send(final ClientSession session, final DirectBuffer buffer, final int offset, final int length)
    {
        final ExclusivePublication publication = session.publication;
        if (null != publication && session.outbox.isEmpty())
        {
            for (int i = 0; i < OFFER_ATTEMPTS; i++)
            {
                final long result = publication.offer(buffer, offset, length);
                if (result > 0)
                {
                    return;
                }
                if (Publication.NOT_CONNECTED == result || Publication.CLOSED == result ||
                    Publication.MAX_POSITION_EXCEEDED == result)
                {
                    break;
                }
                if (OFFER_ATTEMPTS - 1 == i)
                {
                    // Only a connected subscriber that is behind is back pressure; an answer that waits for a new
                    // session's publication to connect is the normal start of every session.
                    counters.increment(CounterType.BACK_PRESSURE);
                }
            }
        }
        if (!session.outbox.append(buffer, offset, length))
        {
            dropped();
            return;
        }
        if (!session.awaitingFlush)
        {
            session.awaitingFlush = true;
            waiting.add(session);
        }
    }

    /**
     * Send what waits in outboxes, in order, as far as each publication takes it.
     *
     * @return sessions whose outbox emptied.
     */
    int flush()
    {
        int work = 0;
        for (int i = waiting.size() - 1; i >= 0; i--)
        {
            final ClientSession session = waiting.get(i);
            final ExclusivePublication publication = session.publication;
            if (ClientSession.State.CLOSED != session.state && null != publication && publication.isConnected())
            {
                draining = publication;
                session.outbox.consume(drain, Integer.MAX_VALUE);
                draining = null;
            }
            if (session.outbox.isEmpty() || ClientSession.State.CLOSED == session.state)
            {
                session.awaitingFlush = false;
                waiting.remove(i);
                work++;
            }
        }
        return work;
    }

    /**
     * A resumed session takes over the connection a stranger came from: whatever waited for the stranger follows
     * what waited for the session.
     */
    void moveOutbox(final ClientSession from, final ClientSession to)
    {
        if (!from.outbox.isEmpty())
        {
            from.outbox.consume((buffer, offset, length, headOffset) -> to.outbox.append(buffer, offset, length),
                Integer.MAX_VALUE);
            if (!to.awaitingFlush)
            {
                to.awaitingFlush = true;
                waiting.add(to);
            }
        }
        discard(from);
    }

    /**
     * Forget a session's waiting answers: it is gone.
     */
    void discard(final ClientSession session)
    {
        if (session.awaitingFlush)
        {
            session.awaitingFlush = false;
            waiting.remove(session);
        }
        session.outbox.reset(0);
    }

    private void dropped()
    {
        droppedAnswers++;
        counters.increment(CounterType.DROPPED_ANSWERS);
    }

    private boolean offerFromOutbox(final MutableDirectBuffer buffer, final int offset, final int length, final int headOffset)
    {
        return draining.offer(buffer, offset, length) > 0;
    }
}
