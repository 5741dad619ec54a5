package io.leasegrid.test;

import io.leasegrid.node.GridNode;

/**
 * Runs a node in a child process: each argument {@code name=value} becomes a system property first.
 */
public final class NodeMain
{
    private NodeMain()
    {
    }

    public static void main(final String[] args)
    {
        for (final String arg : args)
        {
            final int equals = arg.indexOf('=');
            System.setProperty(arg.substring(0, equals), arg.substring(equals + 1));
        }
        GridNode.main(new String[0]);
    }
}
