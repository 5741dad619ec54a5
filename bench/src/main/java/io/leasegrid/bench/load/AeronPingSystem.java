package io.leasegrid.bench.load;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.node.GridNodeContext;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The transport floor: raw Aeron ping-pong with the {@link EchoService}, over UDP (through a media driver of its own
 * that the pinging thread runs while it waits, as the leasegrid UDP client runs its driver) or IPC (through the
 * echo's driver, as the leasegrid IPC client shares the node's). The pinging thread polls for its pong with the
 * same idle strategy as the leasegrid client. One client: a ping-pong has one message outstanding.
 */
final class AeronPingSystem implements SystemUnderTest
{
    private static final int MESSAGE_LENGTH = 64;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    /** Far above any round trip measured here (tens of microseconds), far below the timeout. */
    private static final long RESEND_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String name;
    private final String mode;
    private final MediaDriver driver;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker aeronInvoker;
    private final Aeron aeron;
    private final Publication requests;
    private final Subscription replies;
    private final String idleStrategy;
    /** Points run one after another, each worker on one thread: no two threads ping at once. */
    private long lastPingId;
    /**
     * Whose turn it is to run this system's own driver and Aeron conductor: a point's worker (from its creation to its
     * close), {@link #prepare}, or between them the keeper thread. Aeron ends a client whose conductor has not run for
     * 10 s, and the other systems' points in between can take longer than that.
     */
    private final Semaphore transportTurn = new Semaphore(1);
    private final Thread keeper;
    private volatile boolean closing;

    /**
     * @param aeronDir the directory of a running driver to use; null to run one of this system's own.
     */
    AeronPingSystem(final String name, final String mode, final String aeronDir, final String requestChannel,
        final String replyChannel, final String idleStrategy)
    {
        this.name = name;
        this.mode = mode;
        this.idleStrategy = idleStrategy;
        if (null == aeronDir)
        {
            driver = MediaDriver.launchEmbedded(GridNodeContext.driverIdleStrategy(new MediaDriver.Context()
                .threadingMode(ThreadingMode.INVOKER)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true), idleStrategy));
            driverInvoker = driver.sharedAgentInvoker();
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())
                .useConductorAgentInvoker(true).driverAgentInvoker(driverInvoker));
            aeronInvoker = aeron.conductorAgentInvoker();
        }
        else
        {
            driver = null;
            driverInvoker = null;
            aeronInvoker = null;
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
        }
        requests = aeron.addPublication(requestChannel, EchoService.REQUEST_STREAM);
        replies = aeron.addSubscription(replyChannel, EchoService.REPLY_STREAM);
        keeper = null == driverInvoker ? null : new Thread(this::keepTransportAlive, name + "-keeper");
        if (null != keeper)
        {
            keeper.setDaemon(true);
            keeper.start();
        }
    }

    public String name()
    {
        return name;
    }

    public String mode()
    {
        return mode;
    }

    public boolean supports(final Workload workload, final int concurrency)
    {
        return Workload.PING == workload && 1 == concurrency;
    }

    public void prepare(final Workload workload)
    {
        transportTurn.acquireUninterruptibly();
        try
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!requests.isConnected() || !replies.isConnected())
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException(name + ": the echo service did not connect");
                }
                aeron.context().idleStrategy().idle(invokeTransport());
            }
        }
        finally
        {
            transportTurn.release();
        }
    }

    public Worker worker(final Workload workload, final int index)
    {
        transportTurn.acquireUninterruptibly();
        return new PingWorker(GridNodeContext.idleStrategy(idleStrategy));
    }

    public void close()
    {
        closing = true;
        if (null != keeper)
        {
            keeper.interrupt();
            try
            {
                keeper.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        CloseHelper.closeAll(requests, replies, aeron, driver);
    }

    /**
     * Between points, run the transport every millisecond while no worker or {@link #prepare} has the turn.
     */
    private void keepTransportAlive()
    {
        while (!closing)
        {
            if (transportTurn.tryAcquire())
            {
                try
                {
                    if (!closing)
                    {
                        invokeTransport();
                    }
                }
                finally
                {
                    transportTurn.release();
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * Run this system's own driver and Aeron conductor, when it has them, on the calling thread.
     */
    private int invokeTransport()
    {
        return null == driverInvoker ? 0 : driverInvoker.invoke() + aeronInvoker.invoke();
    }

    private final class PingWorker implements Worker
    {
        private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE_LENGTH));
        private final IdleStrategy idle;
        private final FragmentAssembler onPong = new FragmentAssembler(this::onPong);
        private long expected;
        private boolean answered;
        private boolean closed;

        PingWorker(final IdleStrategy idle)
        {
            this.idle = idle;
        }

        /**
         * The point is over and its thread has ended ({@link LoadRun} joins its threads first): the keeper may run the
         * transport again.
         */
        public void close()
        {
            if (!closed)
            {
                closed = true;
                transportTurn.release();
            }
        }

        public boolean execute(final long sequence)
        {
            // Unique across the points of a run, not the point's sequence: a pong of an earlier point, late or sent
            // twice after a resend, must never answer a ping of this one.
            expected = ++lastPingId;
            answered = false;
            message.putLong(0, expected);
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            if (!send(deadlineNs))
            {
                return false;
            }
            long resendNs = System.nanoTime() + RESEND_NS;
            idle.reset();
            while (!answered)
            {
                final long nowNs = System.nanoTime();
                if (nowNs - deadlineNs > 0)
                {
                    return false;
                }
                if (nowNs - resendNs > 0)
                {
                    // The echo drops a pong it cannot send: after this pinger's driver went unrun for seconds (other
                    // systems' points) the echo's reply stream has timed out and reconnects. Ask again; the wait so
                    // far still counts.
                    if (!send(deadlineNs))
                    {
                        return false;
                    }
                    resendNs = System.nanoTime() + RESEND_NS;
                }
                idle.idle(invokeTransport() + replies.poll(onPong, 1));
            }
            return true;
        }

        private boolean send(final long deadlineNs)
        {
            while (requests.offer(message, 0, MESSAGE_LENGTH) < 0)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    return false;
                }
                invokeTransport();
                Thread.onSpinWait();
            }
            return true;
        }

        private void onPong(final org.agrona.DirectBuffer buffer, final int offset, final int length,
            final io.aeron.logbuffer.Header header)
        {
            if (buffer.getLong(offset) == expected)
            {
                answered = true;
            }
        }
    }
}
