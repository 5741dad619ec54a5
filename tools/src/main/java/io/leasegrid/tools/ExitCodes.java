package io.leasegrid.tools;

/**
 * What {@code bin/leasegrid} exits with, the same for every command.
 */
final class ExitCodes
{
    /** Done. */
    static final int OK = 0;
    /** The grid refused the request (its typed error code is printed), or journal verify found damage. */
    static final int REFUSED = 1;
    /** The command line was wrong: the usage is printed. */
    static final int USAGE = 2;
    /** What was asked for does not exist: an absent key, a journal directory that is not there. */
    static final int NOT_FOUND = 3;
    /** No node could be reached, or it did not answer in time. */
    static final int NO_NODE = 4;
    /** Something failed: a node that did not start, an unexpected error (one line says what). */
    static final int FAILED = io.leasegrid.node.GridNode.EXIT_NOT_STARTED;

    private ExitCodes()
    {
    }
}
