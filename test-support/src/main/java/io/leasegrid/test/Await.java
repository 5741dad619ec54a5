package io.leasegrid.test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for an outcome by polling it against a deadline, never by sleeping for a guessed time.
 */
public final class Await
{
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(2);

    private Await()
    {
    }

    /**
     * Poll {@code condition} until it holds.
     *
     * @param timeoutMs   how long to wait at most.
     * @param description what was awaited, for the failure message.
     * @throws AssertionError when the time runs out first.
     */
    public static void until(final long timeoutMs, final Supplier<String> description, final BooleanSupplier condition)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("not within " + timeoutMs + " ms: " + description.get());
            }
            LockSupport.parkNanos(POLL_NS);
        }
    }

    /**
     * Poll {@code condition} until it holds.
     */
    public static void until(final long timeoutMs, final String description, final BooleanSupplier condition)
    {
        until(timeoutMs, () -> description, condition);
    }
}
