package io.leasegrid.client;

import java.util.List;

/**
 * Leases that matched a list request, from every shard of the node. Immutable.
 */
public final class LeaseListing
{
    private final List<LeaseHolder> leases;
    private final boolean truncated;

    LeaseListing(final List<LeaseHolder> leases, final boolean truncated)
    {
        this.leases = List.copyOf(leases);
        this.truncated = truncated;
    }

    /**
     * @return the leases, sorted by resource.
     */
    public List<LeaseHolder> leases()
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
