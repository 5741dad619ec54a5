package io.leasegrid.client;

import java.time.Duration;

/**
 * One live lease as a node reported it, in a {@link ResourceStatus} or a {@link LeaseListing}: enough to watch a
 * resource, not to act on it (renew, release and fenced puts all check the session). Immutable.
 */
public final class LeaseHolder
{
    private final String resource;
    private final long leaseId;
    private final long sessionId;
    private final long fencingToken;
    private final Duration remainingTtl;
    private final LeaseMode mode;

    LeaseHolder(
        final String resource,
        final long leaseId,
        final long sessionId,
        final long fencingToken,
        final Duration remainingTtl,
        final LeaseMode mode)
    {
        this.resource = resource;
        this.leaseId = leaseId;
        this.sessionId = sessionId;
        this.fencingToken = fencingToken;
        this.remainingTtl = remainingTtl;
        this.mode = mode;
    }

    /**
     * @return the resource held.
     */
    public String resource()
    {
        return resource;
    }

    /**
     * @return the lease id.
     */
    public long leaseId()
    {
        return leaseId;
    }

    /**
     * @return the holder's session id.
     */
    public long sessionId()
    {
        return sessionId;
    }

    /**
     * @return the lease's fencing token.
     */
    public long fencingToken()
    {
        return fencingToken;
    }

    /**
     * @return TTL it had left when the node answered.
     */
    public Duration remainingTtl()
    {
        return remainingTtl;
    }

    /**
     * @return the mode it is held in.
     */
    public LeaseMode mode()
    {
        return mode;
    }

    public String toString()
    {
        return resource + " lease=" + leaseId + " session=" + sessionId + " token=" + fencingToken + " " + mode +
            " left=" + remainingTtl;
    }
}
