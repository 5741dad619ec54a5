package io.leasegrid.client;

import java.time.Duration;
import java.util.List;

/**
 * Who holds and who waits for a resource, as its primary saw it when it answered. Any session may ask; it learns the
 * holders' session ids, lease ids, fencing tokens and remaining TTLs, which is enough to watch a resource and not
 * enough to act on it: renew, release and fenced puts all check the session. Immutable.
 */
public final class ResourceStatus
{
    /**
     * One holder.
     */
    public static final class Holder
    {
        private final long leaseId;
        private final long sessionId;
        private final long fencingToken;
        private final Duration remainingTtl;
        private final LeaseMode mode;

        Holder(final long leaseId, final long sessionId, final long fencingToken, final Duration remainingTtl, final LeaseMode mode)
        {
            this.leaseId = leaseId;
            this.sessionId = sessionId;
            this.fencingToken = fencingToken;
            this.remainingTtl = remainingTtl;
            this.mode = mode;
        }

        /**
         * @return the holder's lease id.
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
         * @return the holder's fencing token.
         */
        public long fencingToken()
        {
            return fencingToken;
        }

        /**
         * @return TTL the holder had left when the primary answered.
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
            return "holder{session=" + sessionId + ", lease=" + leaseId + ", token=" + fencingToken + ", " + mode +
                ", left=" + remainingTtl + "}";
        }
    }

    private final String resource;
    private final List<Holder> holders;
    private final int waiterCount;
    private final int holderLimit;

    ResourceStatus(final String resource, final List<Holder> holders, final int waiterCount, final int holderLimit)
    {
        this.resource = resource;
        this.holders = List.copyOf(holders);
        this.waiterCount = waiterCount;
        this.holderLimit = holderLimit;
    }

    /**
     * @return the resource asked about.
     */
    public String resource()
    {
        return resource;
    }

    /**
     * @return its holders, in grant order; empty when it is free.
     */
    public List<Holder> holders()
    {
        return holders;
    }

    /**
     * @return acquires waiting for it.
     */
    public int waiterCount()
    {
        return waiterCount;
    }

    /**
     * @return the holder limit of shared holders, 0 for none.
     */
    public int holderLimit()
    {
        return holderLimit;
    }

    public String toString()
    {
        return resource + ": " + (holders.isEmpty() ? "free" : holders.toString()) + ", " + waiterCount + " waiting" +
            (holderLimit > 0 ? ", limit " + holderLimit : "");
    }
}
