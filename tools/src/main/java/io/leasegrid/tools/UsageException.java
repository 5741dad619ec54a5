package io.leasegrid.tools;

/**
 * The command line was wrong: the message says what, in one line, and the command's usage follows it.
 */
final class UsageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    UsageException(final String message)
    {
        super(message, null, false, false);
    }
}
