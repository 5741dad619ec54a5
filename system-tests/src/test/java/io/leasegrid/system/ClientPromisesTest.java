package io.leasegrid.system;

import io.leasegrid.client.ErrorCode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.GridLock;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseHolder;
import io.leasegrid.client.LeaseListener;
import io.leasegrid.client.LeaseListing;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.ValueCallback;
import io.leasegrid.client.ValueRecord;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.test.Await;
import io.leasegrid.test.FreePorts;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client keeps its word, used the way applications use it: several clients and threads at once, short TTLs,
 * listeners and continuations that call back into the client, interrupts, a node that stops answering.
 */
@Timeout(120)
class ClientPromisesTest
{
    @TempDir
    File dir;

    private GridNode node;
    private GridClient first;
    private GridClient second;

    @AfterEach
    void tearDown()
    {
        CloseHelper.quietCloseAll(first, second, node);
    }

    private void startNode()
    {
        node = GridNode.launch(new GridNodeContext()
            .dir(new File(dir, "node").getPath())
            .endpoint("127.0.0.1:" + FreePorts.udp())
            .partitions(16)
            .shards(2)
            .sessionTimeoutMs(3_000));
    }

    private GridClientContext ipc()
    {
        return new GridClientContext()
            .aeronDir(node.context().aeronDir())
            .requestChannel("aeron:ipc")
            .responseChannel("aeron:ipc")
            .connectTimeout(Duration.ofSeconds(20));
    }

    @Test
    void shouldNeverDeliverOneClientsAnswersToAnother()
    {
        startNode();
        // Two clients on the node's driver, both on IPC: each gets a response stream of its own.
        first = GridClient.connect(ipc());
        second = GridClient.connect(ipc());
        first.put("mine", "first".getBytes(StandardCharsets.UTF_8));
        second.put("yours", "second".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 200; i++)
        {
            assertEquals("first", first.get("mine").valueAsString());
            assertEquals("second", second.get("yours").valueAsString());
            assertEquals(null, second.get("nobody-" + i));
        }
        second.close();

        // A second client that names the same response stream as a live one is refused, not answered.
        first.close();
        first = GridClient.connect(ipc().responseStreamId(2001));
        final GridException refused = assertThrows(GridException.class, () -> GridClient.connect(ipc().responseStreamId(2001)));
        assertEquals(ErrorCode.RESPONSE_CHANNEL_IN_USE, refused.code());
        assertEquals(null, first.get("yours-" + 1));
    }

    @Test
    void shouldKeepShortAutoRenewedLocksForAsLongAsTheyAreHeldAndWarnNoOne() throws Exception
    {
        startNode();
        first = GridClient.connect(ipc());
        second = GridClient.connect(ipc());
        final AtomicInteger expiring = new AtomicInteger();
        final Lease lease = first.acquire("auto", LeaseRequest.exclusive(Duration.ofSeconds(4)).autoRenew(true)
            .listener(new LeaseListener()
            {
                public void onExpiring(final Lease lease)
                {
                    expiring.incrementAndGet();
                }
            }));
        final GridLock lock = first.lock("short", Duration.ofMillis(600));
        lock.lock();
        final GridLock other = second.lock("short", Duration.ofMillis(600));
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(9);
        while (System.nanoTime() - until < 0)
        {
            assertFalse(other.tryLock(), "a second holder got a 600 ms lock the first still holds");
            assertTrue(lock.isHeldByCurrentThread());
            assertTrue(lease.isValid());
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertEquals(0, expiring.get(), "onExpiring fired for a lease whose renewals were answered");
        lock.unlock();
        assertTrue(other.tryLock(1, TimeUnit.SECONDS));
        other.unlock();
    }

    @Test
    void shouldBehaveLikeAJdkLock() throws Exception
    {
        startNode();
        first = GridClient.connect(ipc());
        second = GridClient.connect(ipc());
        final GridLock lock = first.lock("jdk", Duration.ofSeconds(5));
        lock.lock();
        lock.lock();
        assertEquals(2, lock.holdCount());
        final long token = lock.fencingToken();
        assertEquals(token, lock.lease().fencingToken());

        final AtomicReference<Throwable> fromOtherThread = new AtomicReference<>();
        final Thread stranger = new Thread(() ->
        {
            try
            {
                lock.unlock();
            }
            catch (final Throwable ex)
            {
                fromOtherThread.set(ex);
            }
        });
        stranger.start();
        stranger.join();
        assertTrue(fromOtherThread.get() instanceof IllegalMonitorStateException, String.valueOf(fromOtherThread.get()));
        assertTrue(lock.isHeldByCurrentThread(), "another thread's unlock freed the holder's lock");

        // A waiter that is interrupted stops waiting, and leaves the grid's queue at once.
        final GridLock waiting = second.lock("jdk", Duration.ofSeconds(5));
        final AtomicReference<Throwable> interruptedWith = new AtomicReference<>();
        final Thread waiter = new Thread(() ->
        {
            try
            {
                waiting.lockInterruptibly();
            }
            catch (final Throwable ex)
            {
                interruptedWith.set(ex);
            }
        });
        waiter.start();
        Await.until(10_000, "the waiter queued", () -> 1 == first.status("jdk").waiterCount());
        waiter.interrupt();
        waiter.join(10_000);
        assertTrue(interruptedWith.get() instanceof InterruptedException, String.valueOf(interruptedWith.get()));
        Await.until(5_000, "the interrupted waiter left the queue", () -> 0 == first.status("jdk").waiterCount());

        lock.unlock();
        assertTrue(lock.isHeldByCurrentThread(), "reentrant: one unlock of two");
        lock.unlock();
        assertFalse(lock.isHeld());
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
        assertTrue(waiting.tryLock(2, TimeUnit.SECONDS));
        assertTrue(waiting.fencingToken() > token);
        waiting.unlock();
    }

    @Test
    void shouldHandOutALeaseThatWaitedGoodForNearlyItsWholeTtl() throws Exception
    {
        startNode();
        first = GridClient.connect(ipc());
        second = GridClient.connect(ipc());
        final Lease held = first.acquire("queue", LeaseRequest.exclusive(Duration.ofSeconds(2)));
        final CompletableFuture<Lease> waited = second.acquireAsync("queue",
            LeaseRequest.exclusive(Duration.ofSeconds(2)).waitTimeout(Duration.ofSeconds(10)));
        Await.until(5_000, "the second acquire queued", () -> 1 == first.status("queue").waiterCount());
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_500));
        held.release();
        final Lease lease = waited.get(10, TimeUnit.SECONDS);
        final long leftMs = TimeUnit.NANOSECONDS.toMillis(lease.safeUntilNs() - System.nanoTime());
        assertTrue(lease.isValid());
        assertTrue(leftMs > 1_700, "a lease that waited 1.5 s arrived with only " + leftMs + " ms to use");
        lease.release();
    }

    @Test
    void shouldLetListenersAndContinuationsCallTheClientAndFailBlockingCallsOnTheAnswerThread() throws Exception
    {
        startNode();
        first = GridClient.connect(ipc());
        // A continuation that makes a blocking call: it runs on the event executor, never on the answer thread.
        final long version = first.acquireAsync("feed:{X}", LeaseRequest.exclusive(Duration.ofSeconds(5)))
            .thenApply(lease -> first.fencedPut("price:{X}", new byte[]{ 1 }, lease))
            .get(10, TimeUnit.SECONDS);
        assertTrue(version > 0);

        // A listener that renews in onExpiring, as the documentation suggests.
        final CountDownLatch renewedInListener = new CountDownLatch(1);
        final Lease lease = first.acquire("renew-me", LeaseRequest.exclusive(Duration.ofMillis(800)).listener(
            new LeaseListener()
            {
                public void onExpiring(final Lease expiring)
                {
                    expiring.renew();
                    renewedInListener.countDown();
                }
            }));
        assertTrue(renewedInListener.await(10, TimeUnit.SECONDS));
        assertTrue(lease.isValid());

        // A blocking call inside a callback would wait for itself: it fails at once instead.
        final AtomicReference<Throwable> inCallback = new AtomicReference<>();
        final CountDownLatch answered = new CountDownLatch(1);
        final UnsafeBuffer key = new UnsafeBuffer("k".getBytes());
        first.get(key, 0, 1, new ValueCallback()
        {
            public void onWritten(final long correlationId, final long version, final long timestampNs)
            {
            }

            public void onRead(final long correlationId, final boolean found, final long version, final long timestampNs,
                final DirectBuffer value, final int offset, final int length)
            {
                try
                {
                    first.get("k");
                }
                catch (final Throwable ex)
                {
                    inCallback.set(ex);
                }
                answered.countDown();
            }

            public void onError(final long correlationId, final ErrorCode code)
            {
                answered.countDown();
            }
        });
        assertTrue(answered.await(10, TimeUnit.SECONDS));
        assertTrue(inCallback.get() instanceof IllegalStateException, String.valueOf(inCallback.get()));
        final long start = System.nanoTime();
        first.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close() took too long");
    }

    @Test
    void shouldNeverBlockInAnAsyncCallAndTellTheHolderWhenTheNodeIsGone() throws Exception
    {
        startNode();
        final List<String> connection = new CopyOnWriteArrayList<>();
        first = GridClient.connect(ipc().connectionListener(new io.leasegrid.client.ConnectionListener()
        {
            public void onConnectionLost()
            {
                connection.add("lost");
            }
        }));
        final CountDownLatch expired = new CountDownLatch(1);
        final Lease lease = first.acquire("gone", LeaseRequest.exclusive(Duration.ofSeconds(2)).autoRenew(true)
            .listener(new LeaseListener()
            {
                public void onExpired(final Lease ended)
                {
                    expired.countDown();
                }
            }));
        node.close();

        final long start = System.nanoTime();
        final CompletableFuture<ValueRecord> answer = first.getAsync("anything");
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 100, "an asynchronous call blocked for " + tookMs + " ms");
        final ExecutionException failed = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
        assertTrue(failed.getCause() instanceof GridException, failed.toString());

        Await.until(5_000, "isConnected() turned false", () -> !first.isConnected());
        assertEquals(List.of("lost"), connection);
        assertTrue(expired.await(5, TimeUnit.SECONDS), "the holder was not told its lease ended");
        assertFalse(lease.isValid());
        final GridException local = assertThrows(GridException.class, () -> first.fencedPut("k", new byte[0], lease));
        assertEquals(ErrorCode.LEASE_EXPIRED, local.code());
        final long closing = System.nanoTime();
        first.close();
        assertTrue(System.nanoTime() - closing < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void shouldReleaseEveryLeaseOnCloseAndListThemBeforehand()
    {
        startNode();
        first = GridClient.connect(ipc());
        second = GridClient.connect(ipc());
        final Lease a = first.acquire("list:{a}", LeaseRequest.exclusive(Duration.ofSeconds(30)));
        first.acquire("list:{b}", LeaseRequest.shared(Duration.ofSeconds(30)));
        second.acquire("other:{c}", LeaseRequest.exclusive(Duration.ofSeconds(30)));

        final LeaseListing prefixed = second.listLeases("list:", 100);
        assertEquals(List.of("list:{a}", "list:{b}"),
            prefixed.leases().stream().map(LeaseHolder::resource).collect(java.util.stream.Collectors.toList()));
        assertFalse(prefixed.truncated());
        assertTrue(second.listLeases("", 1).truncated());
        final LeaseListing ownedBySecond = first.listLeases("", second.sessionIds()[0], 100);
        for (final LeaseHolder entry : ownedBySecond.leases())
        {
            assertEquals(second.sessionIds()[0], entry.sessionId());
        }

        first.close();
        assertFalse(a.isValid(), "a handle of a closed client still says valid");
        final Lease taken = second.acquire("list:{a}", LeaseRequest.exclusive(Duration.ofSeconds(5)));
        assertTrue(taken.fencingToken() > a.fencingToken());
        assertThrows(IllegalStateException.class, () -> first.get("x"));
    }

    @Test
    void shouldCheckArgumentsBeforeSendingAnything()
    {
        startNode();
        first = GridClient.connect(ipc());
        assertThrows(IllegalArgumentException.class, () -> first.put("k".repeat(70_000), new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> first.put("k", new byte[2 * 1024 * 1024]));
        assertThrows(IllegalArgumentException.class,
            () -> first.acquire("r", LeaseRequest.exclusive(java.time.temporal.ChronoUnit.MILLENNIA.getDuration())));
        assertThrows(IllegalArgumentException.class, () -> first.acquire("r",
            LeaseRequest.exclusive(Duration.ofSeconds(1)).waitTimeout(Duration.ofNanos(Long.MAX_VALUE))));
        assertThrows(NullPointerException.class, () -> first.get(null));
        assertEquals(ErrorCode.LEASE_NOT_FOUND, assertThrows(GridException.class, () -> first.releaseLease(-1)).code());
        // Nothing was left behind: the client still works, and a timeout carries its own code.
        first.put("k", new byte[]{ 9 });
        assertArrayEquals(new byte[]{ 9 }, first.get("k").value());
        assertNotEquals(ErrorCode.TIMEOUT, ErrorCode.GENERIC_ERROR);
    }
}
