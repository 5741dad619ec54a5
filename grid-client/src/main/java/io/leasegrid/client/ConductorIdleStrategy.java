package io.leasegrid.client;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How the client's conductor thread idles: as configured, except while callers deliver their own answers (a blocking
 * call waiting, or {@link GridClient#pollAnswers()}). Then the conductor thread has nothing to add but competition for
 * the CPU the caller and the node need, and it parks instead: on two shared cores a conductor that yields in a loop
 * beside a polling caller measured a third slower per IPC round trip than one that parked.
 */
final class ConductorIdleStrategy implements IdleStrategy
{
    /** A caller that polled within this long counts as polling. */
    static final long CALLER_POLLING_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long the conductor parks while callers poll; it still runs housekeeping at least this often. */
    static final long PARK_NS = TimeUnit.MICROSECONDS.toNanos(200);

    private final IdleStrategy configured;
    private final ClientConductor conductor;

    ConductorIdleStrategy(final IdleStrategy configured, final ClientConductor conductor)
    {
        this.configured = configured;
        this.conductor = conductor;
    }

    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            configured.reset();
            return;
        }
        idle();
    }

    public void idle()
    {
        if (conductor.callerPolledWithin(CALLER_POLLING_NS))
        {
            LockSupport.parkNanos(PARK_NS);
            return;
        }
        configured.idle();
    }

    public void reset()
    {
        configured.reset();
    }

    public String alias()
    {
        return "conductor-" + configured.alias();
    }
}
