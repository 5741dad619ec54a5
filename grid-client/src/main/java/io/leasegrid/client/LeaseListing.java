package io.leasegrid.client;

import java.time.Duration;
import java.util.List;

/**
 * Leases that matched a list request, from every shard of the node. Immutable.
 */
public final class LeaseListing
{
    /**
     * One live lease.
     */
    public static final class Entry
    {
        private final String resource;
        private final long leaseId;
        private final long sessionId;
        private final long fencingToken;
        private final Duration remainingTtl;
        private final LeaseMode mode;

        Entry(final String resource, final long leaseId, final long sessionId, final long fencingToken,
            final Duration remainingTtl, final LeaseMode mode)
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
         * @return TTL it had left when its primary answered.
         */
        public Duration remainingTtl()
        {
            return remainingTtl;
        }

        /**
         * @return the mode it holds in.
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

    private final List<Entry> leases;
    private final boolean truncated;

    LeaseListing(final List<Entry> leases, final boolean truncated)
    {
        this.leases = List.copyOf(leases);
        this.truncated = truncated;
    }

    /**
     * @return the leases, sorted by resource.
     */
    public List<Entry> leases()
    {
        return leases;
    }

    /**
     * @return true when more leases matched than were asked for (or than fit one answer per shard).
     */
    public boolean truncated()
    {
        return truncated;
    }

    public String toString()
    {
        return leases.size() + " lease(s)" + (truncated ? " (truncated)" : "") + ": " + leases;
    }
}
