package io.leasegrid.node.membership;

/**
 * One node of the grid as configured: its id, where clients send it requests, and where its peers send it
 * replication traffic.
 */
public final class GridMember
{
    private final int nodeId;
    private final String requestEndpoint;
    private final String replicationEndpoint;

    /**
     * @param nodeId              unique in the grid, positive.
     * @param requestEndpoint     host:port of its request channel.
     * @param replicationEndpoint host:port of its replication channel, or null for a grid of one node.
     */
    public GridMember(final int nodeId, final String requestEndpoint, final String replicationEndpoint)
    {
        this.nodeId = nodeId;
        this.requestEndpoint = requestEndpoint;
        this.replicationEndpoint = replicationEndpoint;
    }

    public int nodeId()
    {
        return nodeId;
    }

    public String requestEndpoint()
    {
        return requestEndpoint;
    }

    public String replicationEndpoint()
    {
        return replicationEndpoint;
    }

    public String requestChannel()
    {
        return "aeron:udp?endpoint=" + requestEndpoint;
    }

    public String replicationChannel()
    {
        return "aeron:udp?endpoint=" + replicationEndpoint;
    }

    public String toString()
    {
        return nodeId + "=" + requestEndpoint + (null == replicationEndpoint ? "" : "/" + replicationEndpoint);
    }
}
