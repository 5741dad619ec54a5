package io.leasegrid.node.membership;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The nodes of a grid, from the {@code leasegrid.members} setting:
 * <pre>
 *   1=127.0.0.1:7171/127.0.0.1:7181,2=127.0.0.1:7271/127.0.0.1:7281,3=127.0.0.1:7371/127.0.0.1:7381
 * </pre>
 * each entry {@code id=requestHost:port/replicationHost:port}. Immutable.
 */
public final class GridMembers
{
    private final List<GridMember> members;

    private GridMembers(final List<GridMember> members)
    {
        this.members = Collections.unmodifiableList(members);
    }

    /**
     * The grid of one node, which replicates to nobody.
     */
    public static GridMembers single(final int nodeId, final String requestEndpoint)
    {
        return new GridMembers(List.of(new GridMember(nodeId, requestEndpoint, null)));
    }

    /**
     * @param spec the setting's value.
     * @return the members, in the order given.
     * @throws IllegalArgumentException naming the first thing wrong with it.
     */
    public static GridMembers parse(final String spec)
    {
        final List<GridMember> members = new ArrayList<>();
        for (final String rawEntry : spec.split(",", -1))
        {
            final String entry = rawEntry.trim();
            final int equals = entry.indexOf('=');
            final int slash = entry.indexOf('/');
            if (equals < 1 || slash < equals)
            {
                throw new IllegalArgumentException("members: '" + entry + "' is not id=host:port/host:port " +
                    "(request endpoint / replication endpoint)");
            }
            final int nodeId;
            try
            {
                nodeId = Integer.parseInt(entry.substring(0, equals).trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("members: node id of '" + entry + "' is not a number");
            }
            if (nodeId < 1)
            {
                throw new IllegalArgumentException("members: node id must be positive: " + nodeId);
            }
            final String request = endpoint(entry, entry.substring(equals + 1, slash).trim());
            final String replication = endpoint(entry, entry.substring(slash + 1).trim());
            for (final GridMember other : members)
            {
                if (other.nodeId() == nodeId)
                {
                    throw new IllegalArgumentException("members: node id " + nodeId + " is listed twice");
                }
                if (other.requestEndpoint().equals(request) || other.replicationEndpoint().equals(replication) ||
                    other.requestEndpoint().equals(replication) || other.replicationEndpoint().equals(request))
                {
                    throw new IllegalArgumentException("members: nodes " + other.nodeId() + " and " + nodeId +
                        " share an endpoint");
                }
            }
            if (request.equals(replication))
            {
                throw new IllegalArgumentException("members: node " + nodeId + " needs different request and " +
                    "replication endpoints");
            }
            members.add(new GridMember(nodeId, request, replication));
        }
        return new GridMembers(members);
    }

    private static String endpoint(final String entry, final String endpoint)
    {
        final int colon = endpoint.lastIndexOf(':');
        if (colon < 1)
        {
            throw new IllegalArgumentException("members: '" + endpoint + "' in '" + entry + "' is not host:port");
        }
        try
        {
            final int port = Integer.parseInt(endpoint.substring(colon + 1));
            if (port < 1 || port > 65_535)
            {
                throw new IllegalArgumentException("members: port out of range in '" + entry + "'");
            }
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("members: '" + endpoint + "' in '" + entry + "' is not host:port");
        }
        return endpoint;
    }

    public List<GridMember> members()
    {
        return members;
    }

    public int size()
    {
        return members.size();
    }

    /**
     * @return the member with this id, or null.
     */
    public GridMember member(final int nodeId)
    {
        for (final GridMember member : members)
        {
            if (member.nodeId() == nodeId)
            {
                return member;
            }
        }
        return null;
    }

    /**
     * @return the members' ids, in the order given.
     */
    public int[] nodeIds()
    {
        final int[] ids = new int[members.size()];
        for (int i = 0; i < ids.length; i++)
        {
            ids[i] = members.get(i).nodeId();
        }
        return ids;
    }

    public String toString()
    {
        return members.toString();
    }
}
