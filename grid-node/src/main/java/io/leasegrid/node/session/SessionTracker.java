package io.leasegrid.node.session;

import io.leasegrid.node.util.TimerNode;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.function.Consumer;

/**
 * Liveness of the sessions a shard serves: when each must next be heard from, and which of the shard's partitions
 * it has leases or waiters in. Liveness is the primary's business, not replicated state: a new primary gives every
 * session a full timeout, since its clients need time to find it. Not thread safe: owned by the shard.
 */
public final class SessionTracker
{
    /**
     * One live session.
     */
    public static final class TrackedSession extends TimerNode
    {
        long sessionId;
        long timeoutNs;
        long deadlineNs;
        final IntArrayList partitions = new IntArrayList();

        public long sessionId()
        {
            return sessionId;
        }

        public long timeoutNs()
        {
            return timeoutNs;
        }

        public long deadlineNs()
        {
            return deadlineNs;
        }

        /**
         * @return partitions of the shard the session has touched.
         */
        public IntArrayList partitions()
        {
            return partitions;
        }
    }

    private final Long2ObjectHashMap<TrackedSession> sessions = new Long2ObjectHashMap<>();

    /**
     * Start tracking a session, or refresh it when known.
     */
    public TrackedSession open(final long sessionId, final long timeoutNs, final long nowNs)
    {
        TrackedSession session = sessions.get(sessionId);
        if (null == session)
        {
            session = new TrackedSession();
            session.sessionId = sessionId;
            sessions.put(sessionId, session);
        }
        session.timeoutNs = timeoutNs;
        session.deadlineNs = nowNs + timeoutNs;
        return session;
    }

    /**
     * @return the live session or null.
     */
    public TrackedSession get(final long sessionId)
    {
        return sessions.get(sessionId);
    }

    /**
     * Note that the session now has state in {@code partitionId}.
     */
    public void touch(final TrackedSession session, final int partitionId)
    {
        if (!session.partitions.containsInt(partitionId))
        {
            session.partitions.addInt(partitionId);
        }
    }

    /**
     * The session was heard from.
     */
    public void keepAlive(final TrackedSession session, final long nowNs)
    {
        session.deadlineNs = nowNs + session.timeoutNs;
    }

    /**
     * Stop tracking a session.
     */
    public void remove(final long sessionId)
    {
        sessions.remove(sessionId);
    }

    /**
     * @return number of live sessions.
     */
    public int size()
    {
        return sessions.size();
    }

    /**
     * Visit every session.
     */
    public void forEach(final Consumer<TrackedSession> consumer)
    {
        sessions.values().forEach(consumer);
    }
}
