package io.leasegrid.node.session;

import io.aeron.ExclusivePublication;
import io.leasegrid.codec.SessionKeys;
import io.leasegrid.node.util.TimerNode;
import org.agrona.ExpandableRingBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A client's session with one shard. Its state machine:
 * <pre>
 *   CHALLENGED --proof--&gt; OPEN --close / timeout--&gt; CLOSED
 *                          |  ^
 *            node restart  |  | resume (proof with the session key)
 *                          v  |
 *                        DETACHED --timeout--&gt; CLOSED
 * </pre>
 * A CHALLENGED session is a stranger: it holds a response publication for its challenge and nothing else, within a
 * small budget, until it proves itself or times out. An OPEN session has a key, and every request frame it sends is
 * checked against it ({@link io.leasegrid.codec.RequestFrame}). A DETACHED session was recovered from the journal
 * after a restart: its leases and waiters live on and its client may resume it within the session timeout.
 * <p>
 * Owned by its shard's thread.
 */
public final class ClientSession extends TimerNode
{
    /**
     * Where a session stands; see the class description.
     */
    public enum State
    {
        CHALLENGED, OPEN, DETACHED, CLOSED
    }

    final long sessionId;
    State state;
    String clientName;
    long clientInstanceId;
    byte[] nonce;
    long k0;
    long k1;
    boolean hasKey;
    long lastSequence;
    long timeoutNs;
    long lastHeardNs;
    long createdNs;
    long challengeCorrelationId;
    boolean refused;
    ClientSession resumeTarget;
    String responseChannel;
    int responseStreamId;
    String destinationKey;
    long publicationRegistrationId = -1;
    ExclusivePublication publication;
    final ExpandableRingBuffer outbox;
    boolean awaitingFlush;
    final IntArrayList partitions = new IntArrayList();

    ClientSession(final long sessionId, final int outboxMaxBytes)
    {
        this.sessionId = sessionId;
        this.outbox = new ExpandableRingBuffer(0, outboxMaxBytes, true);
    }

    public long sessionId()
    {
        return sessionId;
    }

    public State state()
    {
        return state;
    }

    public String clientName()
    {
        return clientName;
    }

    /**
     * @return the challenge the session was opened with; with the client's secret it yields the session key.
     */
    public byte[] nonce()
    {
        return nonce;
    }

    public long timeoutNs()
    {
        return timeoutNs;
    }

    /**
     * @return partitions of the shard in which the session has journaled state.
     */
    public IntArrayList partitions()
    {
        return partitions;
    }

    /**
     * Note that the session has journaled state in {@code partitionId}.
     */
    public void touch(final int partitionId)
    {
        if (!partitions.containsInt(partitionId))
        {
            partitions.addInt(partitionId);
        }
    }

    void key(final byte[] sessionKey)
    {
        k0 = SessionKeys.k0(sessionKey);
        k1 = SessionKeys.k1(sessionKey);
        hasKey = true;
    }

    byte[] keyBytes()
    {
        final byte[] key = new byte[SessionKeys.KEY_LENGTH];
        final UnsafeBuffer buffer = new UnsafeBuffer(key);
        buffer.putLong(0, k0, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(8, k1, ByteOrder.LITTLE_ENDIAN);
        return key;
    }

    public String toString()
    {
        return "ClientSession{" + sessionId + ", " + state + ", client '" + clientName + "', " + responseChannel + " stream " +
            responseStreamId + "}";
    }
}
