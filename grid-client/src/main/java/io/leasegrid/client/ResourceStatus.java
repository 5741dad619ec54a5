package io.leasegrid.client;

import java.util.List;

/**
 * Who holds and who waits for a resource, as its primary saw it when it answered. Any session may ask; it learns the
 * holders ({@link LeaseHolder}), which is enough to watch a resource and not enough to act on it. Immutable.
 */
public final class ResourceStatus
{
    private final String resource;
    private final List<LeaseHolder> holders;
    private final int waiterCount;
    private final int holderLimit;

    ResourceStatus(final String resource, final List<LeaseHolder> holders, final int waiterCount, final int holderLimit)
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
    public List<LeaseHolder> holders()
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
        final StringBuilder text = new StringBuilder(resource).append(": ");
        if (holders.isEmpty())
        {
            text.append("free");
        }
        for (int i = 0; i < holders.size(); i++)
        {
            final LeaseHolder holder = holders.get(i);
            text.append(0 == i ? "held by " : ", ").append("{lease=").append(holder.leaseId())
                .append(" session=").append(holder.sessionId()).append(" token=").append(holder.fencingToken())
                .append(' ').append(holder.mode()).append(" left=").append(holder.remainingTtl()).append('}');
        }
        return text.append(", ").append(waiterCount).append(" waiting")
            .append(holderLimit > 0 ? ", limit " + holderLimit : "").toString();
    }
}
