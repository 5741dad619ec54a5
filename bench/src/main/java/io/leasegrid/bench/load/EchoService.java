package io.leasegrid.bench.load;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.node.GridNodeContext;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ShutdownSignalBarrier;

/**
 * The transport floor's far end: a process shaped like a leasegrid node (its own embedded media driver run by its one
 * agent, as the node's shard runs its driver, with the node's idle strategy) that sends every message straight back.
 * What a ping to it costs is what Aeron costs before leasegrid does any work.
 * <p>
 * Arguments: aeron dir, UDP request endpoint, UDP reply endpoint, idle strategy name. Requests arrive on stream
 * {@link #REQUEST_STREAM} over UDP and IPC; replies leave on {@link #REPLY_STREAM} the same way they came.
 */
public final class EchoService implements Agent
{
    public static final int REQUEST_STREAM = 3001;
    public static final int REPLY_STREAM = 3002;

    private final Subscription udpRequests;
    private final Subscription ipcRequests;
    private final Publication udpReplies;
    private final Publication ipcReplies;
    private final FragmentAssembler udpEcho;
    private final FragmentAssembler ipcEcho;
    private final AgentInvoker driver;
    private final AgentInvoker aeronConductor;

    EchoService(final AgentInvoker driver, final Aeron aeron, final String requestEndpoint, final String replyEndpoint)
    {
        this.driver = driver;
        this.aeronConductor = aeron.conductorAgentInvoker();
        udpRequests = aeron.addSubscription("aeron:udp?endpoint=" + requestEndpoint, REQUEST_STREAM);
        ipcRequests = aeron.addSubscription("aeron:ipc", REQUEST_STREAM);
        udpReplies = aeron.addPublication("aeron:udp?endpoint=" + replyEndpoint, REPLY_STREAM);
        ipcReplies = aeron.addPublication("aeron:ipc", REPLY_STREAM);
        udpEcho = new FragmentAssembler((buffer, offset, length, header) -> echo(udpReplies, buffer, offset, length));
        ipcEcho = new FragmentAssembler((buffer, offset, length, header) -> echo(ipcReplies, buffer, offset, length));
    }

    public int doWork()
    {
        return driver.invoke() + aeronConductor.invoke() + udpRequests.poll(udpEcho, 16) + ipcRequests.poll(ipcEcho, 16);
    }

    public String roleName()
    {
        return "echo";
    }

    private void echo(final Publication replies, final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        // Bounded: a reply nobody can take (the pinger left, or its stream is reconnecting) is dropped after a few
        // thousand tries; the pinger asks again. This thread runs the driver: back-pressure clears only if it does.
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            final long result = replies.offer(buffer, offset, length);
            if (result > 0 || Publication.CLOSED == result || Publication.NOT_CONNECTED == result)
            {
                return;
            }
            driver.invoke();
        }
    }

    public static void main(final String[] args)
    {
        if (args.length != 4)
        {
            throw new IllegalArgumentException("usage: EchoService <aeron dir> <request host:port> <reply host:port> <idle>");
        }
        try (MediaDriver driver = MediaDriver.launch(GridNodeContext.driverIdleStrategy(new MediaDriver.Context()
                .aeronDirectoryName(args[0])
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.INVOKER), args[3]));
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(args[0])
                .useConductorAgentInvoker(true).driverAgentInvoker(driver.sharedAgentInvoker())))
        {
            final AgentRunner runner = new AgentRunner(GridNodeContext.idleStrategy(args[3]), Throwable::printStackTrace,
                null, new EchoService(driver.sharedAgentInvoker(), aeron, args[1], args[2]));
            AgentRunner.startOnThread(runner);
            System.out.println("echo ready");
            new ShutdownSignalBarrier().await();
            CloseHelper.close(runner);
        }
    }
}
