package io.leasegrid.client;

import io.aeron.Aeron;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentTerminationException;

import java.util.concurrent.locks.Lock;

/**
 * The client's media driver and Aeron conductor, run by the client's duty cycle instead of threads of their own
 * (Aeron's INVOKER mode): the thread that waits for an answer sends the request's datagram and receives the answer
 * itself, so a request crosses no idle thread of the client. On two shared cores each such hand-off costs a wake-up.
 * <p>
 * Aeron runs the driver too, from a thread that adds a publication or subscription while it waits for the driver's
 * reply, and holds its client lock meanwhile; the driver runs here only under that lock, so never on two threads.
 * <p>
 * Callers' threads may be interrupted (a lock wait cancelled, an executor shut down). Agrona's {@link AgentInvoker}
 * stops its agent for good when a cycle without work ends on an interrupted thread, so the agents are run here
 * directly, and Aeron is given an invoker that never reports an idle cycle ({@link #forAeron}). The driver's sockets
 * are non-blocking, and the JDK does not close a non-blocking channel when its thread is interrupted.
 */
final class TransportInvoker
{
    private final Agent driver;
    private final Agent aeronConductor;
    private final Lock clientLock;
    private final ErrorHandler errorHandler;
    private volatile boolean closed;

    TransportInvoker(final AgentInvoker driver, final Aeron aeron, final ErrorHandler errorHandler)
    {
        this.driver = driver.agent();
        this.aeronConductor = aeron.conductorAgentInvoker().agent();
        this.clientLock = aeron.context().clientLock();
        this.errorHandler = errorHandler;
    }

    /**
     * An invoker of the driver for Aeron to run while it waits for the driver: one an interrupted thread cannot stop.
     *
     * @param driver the driver's own invoker, started by the driver.
     * @param errorHandler told what the driver throws.
     * @return a started invoker.
     */
    static AgentInvoker forAeron(final AgentInvoker driver, final ErrorHandler errorHandler)
    {
        final Agent agent = driver.agent();
        final AgentInvoker invoker = new AgentInvoker(errorHandler, null, new Agent()
        {
            public int doWork() throws Exception
            {
                // Never 0: Agrona stops an invoker whose idle cycle ends on an interrupted thread.
                return 1 + agent.doWork();
            }

            public String roleName()
            {
                return agent.roleName();
            }
        });
        invoker.start();
        return invoker;
    }

    /**
     * One duty cycle of the driver (send what publications hold, receive what arrived) and of the Aeron conductor.
     *
     * @return work done.
     */
    int invoke()
    {
        if (closed)
        {
            return 0;
        }
        int work = 0;
        if (clientLock.tryLock())
        {
            try
            {
                if (!closed)
                {
                    work = driver.doWork();
                }
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
            }
            finally
            {
                clientLock.unlock();
            }
        }
        try
        {
            work += aeronConductor.doWork();
        }
        catch (final AgentTerminationException ex)
        {
            // Aeron ended the client (its driver gone): there is nothing left to run.
            closed = true;
            errorHandler.onError(ex);
        }
        catch (final Throwable ex)
        {
            errorHandler.onError(ex);
        }
        return work;
    }

    /**
     * Run the driver no more: waits for a cycle another thread is running, so that the driver can be closed (its
     * buffers unmapped) while a caller that passed the client's closed check is still polling.
     */
    void close()
    {
        clientLock.lock();
        try
        {
            closed = true;
        }
        finally
        {
            clientLock.unlock();
        }
    }
}
