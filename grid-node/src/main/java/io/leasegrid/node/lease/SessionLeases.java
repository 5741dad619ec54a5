package io.leasegrid.node.lease;

/**
 * What one session holds and waits for in one partition, so that closing the session finds them at once.
 */
public final class SessionLeases
{
    long sessionId;
    long timeoutNs;
    String clientName = "";
    byte[] nonce = new byte[0];
    int leaseCount;
    int autoRenewCount;
    int waiterCount;
    Lease firstLease;
    Waiter firstWaiter;

    /**
     * @return the session.
     */
    public long sessionId()
    {
        return sessionId;
    }

    /**
     * @return session timeout the client asked for.
     */
    public long timeoutNs()
    {
        return timeoutNs;
    }

    /**
     * @return credential name of the session's client.
     */
    public String clientName()
    {
        return clientName;
    }

    /**
     * @return the challenge the session answered, from which its key is derived again after a restart.
     */
    public byte[] nonce()
    {
        return nonce;
    }

    /**
     * @return leases the session holds in the partition.
     */
    public int leaseCount()
    {
        return leaseCount;
    }

    /**
     * @return auto-renew leases among them.
     */
    public int autoRenewCount()
    {
        return autoRenewCount;
    }

    /**
     * @return acquires of the session waiting in the partition.
     */
    public int waiterCount()
    {
        return waiterCount;
    }

    /**
     * @return first lease of the session, or null.
     */
    public Lease firstLease()
    {
        return firstLease;
    }

    /**
     * @return first waiter of the session, or null.
     */
    public Waiter firstWaiter()
    {
        return firstWaiter;
    }
}
