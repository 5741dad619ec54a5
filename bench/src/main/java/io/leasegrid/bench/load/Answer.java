package io.leasegrid.bench.load;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.LeaseCallback;
import io.leasegrid.client.ValueCallback;
import io.leasegrid.client.ErrorCode;
import org.agrona.DirectBuffer;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * One client thread's outstanding request on the leasegrid callback path: the conductor thread fills it in while
 * the client thread waits for it. Reused for every operation: no allocation.
 */
final class Answer implements LeaseCallback, ValueCallback
{
    private static final int WAITING = 0;
    private static final int SUCCEEDED = 1;
    private static final int FAILED = 2;

    /** {@code leasegrid.bench.poll.answers=false}: leave all delivery to the client's conductor thread. */
    private static final boolean POLL_ANSWERS =
        Boolean.parseBoolean(System.getProperty("leasegrid.bench.poll.answers", "true"));

    /** {@code leasegrid.bench.wake.waiters=false}: leave a waiter parked until its idle strategy looks again. */
    private static final boolean WAKE_WAITERS =
        Boolean.parseBoolean(System.getProperty("leasegrid.bench.wake.waiters", "true"));

    private final IdleStrategy idle;
    private volatile int state;
    private volatile Thread waiter;
    /** Answers to requests up to this correlation id came too late: their waits timed out. They are ignored. */
    private volatile long ignoreUpTo = Long.MIN_VALUE;
    long leaseId;
    ErrorCode error;

    Answer(final IdleStrategy idle)
    {
        this.idle = idle;
    }

    void reset()
    {
        error = null;
        state = WAITING;
    }

    /**
     * Wait by delivering answers on this thread when no other thread is ({@link GridClient#pollAnswers()}), idling
     * with the idle strategy that every other leasegrid and floor thread of the run uses: the floor's pinging
     * thread polls its replies that way too. (Parking until the conductor unparks costs about 27 us more per round trip on a
     * 2-core virtual machine: a futex wake-up and a reschedule.)
     *
     * @return true when the request succeeded, false when it failed or no answer came by the deadline.
     */
    boolean await(final GridClient client, final long timeoutNs, final long correlationId)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        waiter = Thread.currentThread();
        idle.reset();
        int current;
        while (WAITING == (current = state))
        {
            if (System.nanoTime() - deadlineNs > 0 || Thread.currentThread().isInterrupted())
            {
                // A late answer must not complete the next request that reuses this object.
                ignoreUpTo = Math.max(ignoreUpTo, correlationId);
                return false;
            }
            idle.idle(POLL_ANSWERS ? client.pollAnswers() : 0);
        }
        return SUCCEEDED == current;
    }

    /**
     * The thread that delivered the answer wakes the waiting one if that is another: a parked waiter would otherwise
     * sleep until its idle strategy looks again, as a blocked caller of the GridClient's own blocking calls is woken.
     */
    private void complete(final int outcome)
    {
        state = outcome;
        final Thread waiting = waiter;
        if (WAKE_WAITERS && null != waiting && Thread.currentThread() != waiting)
        {
            LockSupport.unpark(waiting);
        }
    }

    public void onGranted(final long correlationId, final long leaseId, final long fencingToken, final long ttlNs)
    {
        if (correlationId <= ignoreUpTo)
        {
            return;
        }
        this.leaseId = leaseId;
        complete(SUCCEEDED);
    }

    public void onReleased(final long correlationId)
    {
        if (correlationId <= ignoreUpTo)
        {
            return;
        }
        complete(SUCCEEDED);
    }

    public void onWritten(final long correlationId, final long version, final long timestampNs)
    {
        if (correlationId <= ignoreUpTo)
        {
            return;
        }
        complete(SUCCEEDED);
    }

    public void onRead(
        final long correlationId,
        final boolean found,
        final long version,
        final long timestampNs,
        final DirectBuffer value,
        final int offset,
        final int length)
    {
        if (correlationId <= ignoreUpTo)
        {
            return;
        }
        complete(found ? SUCCEEDED : FAILED);
    }

    public void onError(final long correlationId, final ErrorCode code)
    {
        if (correlationId <= ignoreUpTo)
        {
            return;
        }
        error = code;
        complete(FAILED);
    }
}
