package io.leasegrid.client;

import io.aeron.Aeron;
import org.agrona.concurrent.AgentInvoker;

import java.util.concurrent.locks.Lock;

/**
 * The client's media driver and Aeron conductor, run by the client's duty cycle instead of threads of their own
 * (Aeron's INVOKER mode): the thread that waits for an answer sends the request's datagram and receives the answer
 * itself, so a request crosses no idle thread of the client. On two shared cores each such hand-off costs a wake-up.
 * <p>
 * Aeron runs the driver too, from a thread that adds a publication or subscription while it waits for the driver's
 * reply, and holds its client lock meanwhile; the driver runs here only under that lock, so never on two threads.
 */
final class TransportInvoker
{
    private final AgentInvoker driver;
    private final AgentInvoker aeronConductor;
    private final Lock clientLock;
    private boolean closed;

    TransportInvoker(final AgentInvoker driver, final Aeron aeron)
    {
        this.driver = driver;
        this.aeronConductor = aeron.conductorAgentInvoker();
        this.clientLock = aeron.context().clientLock();
    }

    /**
     * One duty cycle of the driver (send what publications hold, receive what arrived) and of the Aeron conductor.
     *
     * @return work done.
     */
    int invoke()
    {
        int work = 0;
        if (clientLock.tryLock())
        {
            try
            {
                if (closed)
                {
                    return 0;
                }
                work = driver.invoke();
            }
            finally
            {
                clientLock.unlock();
            }
        }
        return work + aeronConductor.invoke();
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
