package io.leasegrid.system;

import io.leasegrid.client.ErrorCode;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.ValueCallback;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A UDP client runs its media driver on whichever thread polls it. Closing it while other threads still send and poll
 * must neither crash the JVM (a driver closed under a thread running it touches unmapped buffers) nor hang; a caller
 * whose thread was interrupted must not stop the driver for everyone else.
 */
@Timeout(120)
class ClientCloseWhilePollingTest
{
    private static final int ROUNDS = 20;
    private static final int THREADS = 3;

    @TempDir
    File dir;

    @Test
    void shouldCloseWhileOtherThreadsSendAndPoll() throws Exception
    {
        final int port = freeUdpPort();
        final GridNode node = GridNode.launch(nodeContext(port));
        try
        {
            for (int round = 0; round < ROUNDS; round++)
            {
                final GridClient client = GridClient.connect(udpClient(port));
                final AtomicLong answers = new AtomicLong();
                final AtomicReference<Throwable> failure = new AtomicReference<>();
                final AtomicBoolean stop = new AtomicBoolean();
                final CountDownLatch running = new CountDownLatch(THREADS);
                final List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++)
                {
                    final UnsafeBuffer key = new UnsafeBuffer(("close-" + t).getBytes(StandardCharsets.US_ASCII));
                    final Thread thread = new Thread(() ->
                    {
                        running.countDown();
                        final ValueCallback callback = new CountingCallback(answers);
                        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        try
                        {
                            // Bounded: keeps sending and polling through the close, until told to stop or the deadline.
                            while (!stop.get() && System.nanoTime() - deadlineNs < 0)
                            {
                                try
                                {
                                    client.get(key, 0, key.capacity(), callback);
                                }
                                catch (final GridException ex)
                                {
                                    // Refused with a typed code while the client is closing.
                                }
                                catch (final IllegalStateException ex)
                                {
                                    // Refused once closed, as documented; any other message is a failure.
                                    if (!"the client is closed".equals(ex.getMessage()))
                                    {
                                        throw ex;
                                    }
                                }
                                client.pollAnswers();
                            }
                        }
                        catch (final Throwable ex)
                        {
                            failure.compareAndSet(null, ex);
                        }
                    }, "poller-" + t);
                    threads.add(thread);
                    thread.start();
                }
                assertTrue(running.await(10, TimeUnit.SECONDS));
                final long before = answers.get();
                final long waitUntilNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (answers.get() < before + 100 && System.nanoTime() - waitUntilNs < 0)
                {
                    Thread.onSpinWait();
                }
                assertTrue(answers.get() >= before + 100, "round " + round + ": answers " + answers.get());

                final long closeStartNs = System.nanoTime();
                client.close();
                final long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStartNs);
                // Let them run against the closed client for a moment: every call must still answer or refuse.
                final long afterNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() - afterNs < 0)
                {
                    Thread.onSpinWait();
                }
                stop.set(true);
                for (final Thread thread : threads)
                {
                    thread.join(10_000);
                    assertTrue(!thread.isAlive(), thread.getName() + " still running after close");
                }
                assertNull(failure.get(), "round " + round);
                assertTrue(closeMs < 10_000, "close took " + closeMs + " ms");
            }
        }
        finally
        {
            CloseHelper.quietClose(node);
        }
    }

    @Test
    void shouldKeepServingOtherThreadsAfterAnInterruptedCallerPolled() throws Exception
    {
        final int port = freeUdpPort();
        final GridNode node = GridNode.launch(nodeContext(port));
        final GridClient client = GridClient.connect(udpClient(port).requestTimeout(Duration.ofSeconds(3)));
        try
        {
            client.put("before", new byte[]{ 1 });
            final AtomicReference<Throwable> interruptedOutcome = new AtomicReference<>();
            final Thread interrupted = new Thread(() ->
            {
                Thread.currentThread().interrupt();
                // Polls and a blocking call on an interrupted thread: the blocking call is refused, nothing else.
                for (int i = 0; i < 1_000; i++)
                {
                    client.pollAnswers();
                }
                try
                {
                    client.put("during", new byte[]{ 2 });
                }
                catch (final Throwable ex)
                {
                    interruptedOutcome.set(ex);
                }
            });
            interrupted.start();
            interrupted.join(10_000);
            assertTrue(interruptedOutcome.get() instanceof GridException, String.valueOf(interruptedOutcome.get()));
            assertTrue(ErrorCode.INTERRUPTED == ((GridException)interruptedOutcome.get()).code(),
                String.valueOf(interruptedOutcome.get()));

            // Everyone else is still served, from this thread and from the client's own.
            for (int i = 0; i < 100; i++)
            {
                client.put("after", new byte[]{ (byte)i });
            }
            assertTrue(null != client.get("after"));
            assertTrue(client.putAsync("async", new byte[]{ 3 }).get(5, TimeUnit.SECONDS) > 0);
        }
        finally
        {
            CloseHelper.quietCloseAll(client, node);
        }
    }

    @Test
    void shouldReleaseTheLeasesOfAClosedClientAtOnce() throws Exception
    {
        final int port = freeUdpPort();
        final GridNode node = GridNode.launch(nodeContext(port).sessionTimeoutMs(30_000));
        final GridClientContext context = udpClient(port);
        final GridClient second = GridClient.connect(context);
        try
        {
            for (int round = 0; round < 3; round++)
            {
                final GridClient first = GridClient.connect(context);
                first.acquire("closing", LeaseRequest.exclusive(Duration.ofSeconds(30)));
                final long closeStartNs = System.nanoTime();
                first.close();
                final long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStartNs);
                // The close reached the node, which released the lease: no waiting out a 30 s session timeout.
                final long grantStartNs = System.nanoTime();
                final Lease lease = second.acquire("closing",
                    LeaseRequest.exclusive(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(5)));
                final long grantMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - grantStartNs);
                assertTrue(grantMs < 1_000, "round " + round + ": granted after " + grantMs + " ms");
                assertTrue(closeMs < 1_000, "round " + round + ": close took " + closeMs + " ms");
                lease.release();
            }
        }
        finally
        {
            CloseHelper.quietCloseAll(second, node);
        }
    }

    @Test
    void shouldKeepTheTransportAliveWhileACallbackBlocksForLongerThanAeronsTimeout() throws Exception
    {
        final int port = freeUdpPort();
        final GridNode node = GridNode.launch(nodeContext(port));
        final GridClient client = GridClient.connect(udpClient(port));
        try
        {
            client.put("slow", new byte[]{ 1 });
            final UnsafeBuffer key = new UnsafeBuffer("slow".getBytes(StandardCharsets.US_ASCII));
            boolean blockedOnCaller = false;
            for (int attempt = 0; attempt < 3 && !blockedOnCaller; attempt++)
            {
                final Thread caller = Thread.currentThread();
                final AtomicBoolean deliveredHere = new AtomicBoolean();
                final AtomicBoolean done = new AtomicBoolean();
                client.get(key, 0, key.capacity(), new ValueCallback()
                {
                    public void onWritten(final long correlationId, final long version, final long timestampNs)
                    {
                    }

                    public void onRead(final long correlationId, final boolean found, final long version,
                        final long timestampNs, final DirectBuffer value, final int offset, final int length)
                    {
                        if (Thread.currentThread() == caller)
                        {
                            deliveredHere.set(true);
                            // An application's callback that blocks past Aeron's 10 s liveness timeout.
                            final long blockUntilNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(11);
                            long leftNs;
                            while ((leftNs = blockUntilNs - System.nanoTime()) > 0)
                            {
                                LockSupport.parkNanos(leftNs);
                            }
                        }
                        done.set(true);
                    }

                    public void onError(final long correlationId, final ErrorCode code)
                    {
                        done.set(true);
                    }
                });
                final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!done.get() && System.nanoTime() - deadlineNs < 0)
                {
                    client.pollAnswers();
                }
                blockedOnCaller = deliveredHere.get();
            }
            assertTrue(blockedOnCaller, "the answer was never delivered on the calling thread");
            // The transport lived through it: requests still go out and come back.
            for (int i = 0; i < 10; i++)
            {
                client.put("after-slow", new byte[]{ (byte)i });
            }
            assertNull(client.lastTransportError(), String.valueOf(client.lastTransportError()));
        }
        finally
        {
            CloseHelper.quietCloseAll(client, node);
        }
    }

    private GridNodeContext nodeContext(final int port)
    {
        return new GridNodeContext().dir(new File(dir, "node").getPath())
            .endpoint("127.0.0.1:" + port).partitions(16).idleStrategyName("backoff");
    }

    private static GridClientContext udpClient(final int port)
    {
        return new GridClientContext()
            .requestChannel("aeron:udp?endpoint=127.0.0.1:" + port)
            .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
            .connectTimeout(Duration.ofSeconds(30));
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static final class CountingCallback implements ValueCallback
    {
        private final AtomicLong answers;

        CountingCallback(final AtomicLong answers)
        {
            this.answers = answers;
        }

        public void onWritten(final long correlationId, final long version, final long timestampNs)
        {
            answers.incrementAndGet();
        }

        public void onRead(final long correlationId, final boolean found, final long version, final long timestampNs,
            final DirectBuffer value, final int offset, final int length)
        {
            answers.incrementAndGet();
        }

        public void onError(final long correlationId, final ErrorCode code)
        {
            answers.incrementAndGet();
        }
    }
}
