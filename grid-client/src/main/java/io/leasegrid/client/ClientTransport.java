package io.leasegrid.client;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.codec.IdleStrategies;
import io.leasegrid.transport.DriverDirectories;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;

import java.io.File;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What carries one client's requests and answers: its media driver (embedded unless the context names an Aeron
 * directory), its Aeron client, the conductor and the thread that runs it, and the response subscription. It opens
 * the shard sessions once at start, picking another response stream if the first is taken, and takes everything down
 * in order on close.
 */
final class ClientTransport implements AutoCloseable
{
    private static final long OTHER_NODES_GRACE_NS = TimeUnit.SECONDS.toNanos(2);

    private static final int RESPONSE_STREAM_FLOOR = 1 << 30;
    private static final int CONNECT_ATTEMPTS = 3;
    private static final int FLUSH_CYCLES = 16;
    private static final String DRIVER_DIR_PREFIX = "leasegrid-client-";

    private final GridClientContext context;
    private final PartitionRoutes routes;
    private final RequestDispatch dispatch;
    private final SecureRandom random = new SecureRandom();
    private final MediaDriver driver;
    private final Aeron aeron;
    private final ClientConductor conductor;
    private final TransportInvoker transportInvoker;
    private final AgentRunner conductorRunner;
    private Subscription responses;
    private volatile Throwable lastError;

    ClientTransport(
        final GridClientContext context,
        final RequestOutcomes outcomes,
        final PendingRequests pending,
        final PartitionRoutes routes,
        final RequestDispatch dispatch,
        final Executor events)
    {
        this.context = context;
        this.routes = routes;
        this.dispatch = dispatch;
        long instanceId;
        do
        {
            instanceId = random.nextLong();
        }
        while (0 == instanceId);

        MediaDriver launched = null;
        Aeron connected = null;
        try
        {
            final boolean invoked = null == context.aeronDir() && "invoker".equals(context.driverThreading());
            if (null == context.aeronDir())
            {
                launched = MediaDriver.launchEmbedded(new MediaDriver.Context()
                    .aeronDirectoryName(newDriverDir())
                    .threadingMode(invoked ? ThreadingMode.INVOKER : ThreadingMode.SHARED)
                    .sharedIdleStrategy(IdleStrategies.named(context.idleStrategy()))
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true));
            }
            // Aeron's default handler ends the process when the driver goes away; a client must never do that to its
            // application. The driver gone, publications close and sessions are lost like any other disconnection.
            // Invoked, the driver runs inside our duty cycle, and a thread that waits on the driver while adding a
            // publication or subscription runs it too (Aeron holds its client lock meanwhile; so do we when we run it).
            connected = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(null == launched ? context.aeronDir() : launched.aeronDirectoryName())
                .useConductorAgentInvoker(invoked)
                .driverAgentInvoker(invoked ? TransportInvoker.forAeron(launched.sharedAgentInvoker(), this::onError) :
                    null)
                .errorHandler(this::onError)
                .subscriberErrorHandler(this::onError));
            transportInvoker = invoked ?
                new TransportInvoker(launched.sharedAgentInvoker(), connected, this::onError) : null;
            conductor = new ClientConductor(outcomes, context, connected, instanceId,
                new AtomicLong(random.nextLong() >>> 2), pending, routes, events, transportInvoker);
            conductorRunner = new AgentRunner(
                new ConductorIdleStrategy(IdleStrategies.named(context.idleStrategy()), conductor), this::onError, null,
                conductor);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(connected, launched);
            throw ex;
        }
        driver = launched;
        aeron = connected;
        AgentRunner.startOnThread(conductorRunner);
    }

    /**
     * A fresh directory for the client's own media driver, in shared memory where the machine has it
     * ({@link DriverDirectories}), after removing those that killed clients left behind.
     */
    private static String newDriverDir()
    {
        DriverDirectories.removeLeftovers(DRIVER_DIR_PREFIX);
        return new File(DriverDirectories.base(), DRIVER_DIR_PREFIX + UUID.randomUUID()).getPath();
    }

    ClientConductor conductor()
    {
        return conductor;
    }

    /**
     * @return the last error the transport reported (its media driver gone, say), or null.
     */
    Throwable lastError()
    {
        return lastError;
    }

    /**
     * Open a session with every shard of the node, within the connect timeout.
     *
     * @throws GridTimeoutException when the node does not answer in time.
     * @throws GridException        when it refuses a session.
     */
    void connectSessions()
    {
        final long deadlineNs = context.nanoClock().nanoTime() + context.connectTimeoutNs();
        for (int attempt = 1; ; attempt++)
        {
            final int streamId = 0 != context.responseStreamId() ? context.responseStreamId() :
                RESPONSE_STREAM_FLOOR + random.nextInt(Integer.MAX_VALUE - RESPONSE_STREAM_FLOOR);
            responses = aeron.addSubscription(context.responseChannel(), streamId);
            final String resolvedChannel = resolve(responses, deadlineNs);
            conductor.responses(new EgressAdapter(responses, conductor), resolvedChannel, streamId);
            final ShardSession first = conductor.sessionFor(context.requestChannel(), context.streamBase());
            first.failure = null;
            if (!dispatch.awaitCondition(() -> null != first.failure ||
                (routes.partitionCount() > 0 && allOpenOrFailed() && first.isOpen()), deadlineNs))
            {
                throw new GridTimeoutException(describeTimeout(first));
            }
            final GridException failure = firstFailure();
            if (null == failure)
            {
                // Give the sessions with the grid's other nodes a moment to open, so that the first calls to their
                // partitions find them open; a node that is down does not hold the connect longer than that.
                dispatch.awaitCondition(this::allOpen,
                    Math.min(deadlineNs, context.nanoClock().nanoTime() + OTHER_NODES_GRACE_NS));
                return;
            }
            if (ErrorCode.RESPONSE_CHANNEL_IN_USE == failure.code() && 0 == context.responseStreamId() &&
                attempt < CONNECT_ATTEMPTS)
            {
                // The stream picked at random was taken by another client of the same driver: pick another.
                conductor.responses(null, resolvedChannel, streamId);
                CloseHelper.quietClose(responses);
                continue;
            }
            throw failure;
        }
    }

    /**
     * Stop the conductor, then close the sessions' publications, the subscription, Aeron and the driver.
     */
    public void close()
    {
        CloseHelper.quietClose(conductorRunner);
        for (final ShardSession session : conductor.sessions())
        {
            CloseHelper.quietClose(session.proxy);
        }
        CloseHelper.quietClose(responses);
        if (null != transportInvoker)
        {
            // Send what the publications still hold (a close frame written inside a callback, say) before the
            // driver stops: nobody else will run it now.
            for (int i = 0; i < FLUSH_CYCLES; i++)
            {
                transportInvoker.invoke();
            }
            transportInvoker.close();
        }
        CloseHelper.quietCloseAll(aeron, driver);
    }

    private void onError(final Throwable error)
    {
        lastError = error;
    }

    private String describeTimeout(final ShardSession first)
    {
        if (!first.proxy.isConnected())
        {
            return "no node at " + context.requestChannel() + " stream " + context.streamBase() + " within " +
                TimeUnit.NANOSECONDS.toMillis(context.connectTimeoutNs()) + " ms";
        }
        final StringBuilder sessions = new StringBuilder();
        for (final ShardSession session : conductor.sessions())
        {
            sessions.append(sessions.length() > 0 ? ", " : "").append(session.channel).append(" stream ")
                .append(session.streamId).append(' ').append(session.state());
        }
        return "the node did not complete the session handshake within " +
            TimeUnit.NANOSECONDS.toMillis(context.connectTimeoutNs()) + " ms (can it reach " + context.responseChannel() +
            "?); sessions: " + sessions + (routes.partitionCount() > 0 ? "" : "; no partition map received");
    }

    private GridException firstFailure()
    {
        for (final ShardSession session : conductor.sessions())
        {
            if (null != session.failure)
            {
                return session.failure;
            }
        }
        return null;
    }

    /**
     * @return true when every session is open, or the first one that is not has failed (nothing more to wait for).
     */
    private boolean allOpen()
    {
        for (final ShardSession session : conductor.sessions())
        {
            if (!session.isOpen())
            {
                return false;
            }
        }
        return true;
    }

    private boolean allOpenOrFailed()
    {
        for (final ShardSession session : conductor.sessions())
        {
            // Sessions with the other nodes of a grid open in the background: a node that is down does not stop a
            // client connecting to the rest.
            if (!session.isOpen() && session.channel.equals(context.requestChannel()))
            {
                return null != session.failure;
            }
        }
        return true;
    }

    private String resolve(final Subscription subscription, final long deadlineNs)
    {
        if (!context.responseChannel().startsWith("aeron:udp"))
        {
            return context.responseChannel();
        }
        final String[] resolved = new String[1];
        if (!dispatch.awaitCondition(() -> null != (resolved[0] = subscription.tryResolveChannelEndpointPort()),
            deadlineNs))
        {
            throw new GridTimeoutException("response channel did not bind: " + context.responseChannel());
        }
        return resolved[0];
    }
}
