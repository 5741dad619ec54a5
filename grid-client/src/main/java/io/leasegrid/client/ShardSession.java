package io.leasegrid.client;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The client's session with one shard of one node, and its state machine:
 * <pre>
 *   CONNECTING --challenge--&gt; AUTHENTICATING --connected--&gt; OPEN
 *   OPEN --silence for three keep-alive intervals--&gt; LOST --connect(resume)--&gt; RESUMING --&gt; AUTHENTICATING --&gt; OPEN
 *   RESUMING --the node no longer has it--&gt; (leases end) CONNECTING, as a new session
 *   any --close--&gt; CLOSED
 * </pre>
 * It owns the leases granted in it: only its own answers confirm them, and they end with it. Its state is changed
 * only by the thread running the client's duty cycle; other threads read it.
 * <p>
 * A <em>follower</em> is the same grid session resumed at another node: when a node dies and its partitions move, the
 * new primary inherits the session with its leases, and the client resumes it there to go on renewing them. A follower
 * carries only the leases that moved; it is never a partition's route, and it is dropped once it holds none.
 */
final class ShardSession
{
    /**
     * Where a session stands; see the class description.
     */
    enum State
    {
        CONNECTING, AUTHENTICATING, OPEN, LOST, RESUMING, CLOSED
    }

    final String channel;
    final int streamId;
    final ShardSessionProxy proxy;
    final boolean follower;
    final ConcurrentHashMap<Long, Lease> leases = new ConcurrentHashMap<>();
    private volatile State state = State.CONNECTING;
    private volatile long sessionId;
    byte[] sessionKey;
    int imageSessionId;
    long connectCorrelationId;
    long keepAliveIntervalNs;
    long sessionTimeoutNs;
    volatile long lastHeardNs;
    long lastKeepAliveSentNs;
    long lastConnectAttemptNs;
    boolean resuming;
    volatile GridException failure;

    ShardSession(final String channel, final int streamId, final ShardSessionProxy proxy)
    {
        this(channel, streamId, proxy, false);
    }

    ShardSession(final String channel, final int streamId, final ShardSessionProxy proxy, final boolean follower)
    {
        this.channel = channel;
        this.streamId = streamId;
        this.proxy = proxy;
        this.follower = follower;
    }

    /**
     * @return true when it talks to the shard at {@code channel} and {@code streamId}.
     */
    boolean reaches(final String channel, final int streamId)
    {
        return this.streamId == streamId && this.channel.equals(channel);
    }

    State state()
    {
        return state;
    }

    void state(final State state)
    {
        this.state = state;
    }

    boolean isOpen()
    {
        return State.OPEN == state;
    }

    /**
     * @return the node's id for the session, 0 before it first opened.
     */
    long sessionId()
    {
        return sessionId;
    }

    void sessionId(final long sessionId)
    {
        this.sessionId = sessionId;
    }

    /**
     * @return how long the session may be silent before it counts as lost.
     */
    long silenceLimitNs()
    {
        return 3 * keepAliveIntervalNs;
    }

    public String toString()
    {
        return "ShardSession{stream " + streamId + ", session " + sessionId + ", " + state +
            (follower ? ", follower" : "") + "}";
    }
}
