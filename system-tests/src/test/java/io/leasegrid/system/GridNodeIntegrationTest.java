package io.leasegrid.system;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.GridLock;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseListener;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.ValueRecord;
import io.leasegrid.client.ErrorCode;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.test.ChildJvm;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real node and real clients over Aeron: UDP over loopback between two media drivers, and IPC through one.
 */
@Timeout(120)
class GridNodeIntegrationTest
{
    private static final byte[] SECRET = "a-secret-of-at-least-16-bytes".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    File dir;

    private GridNode node;
    private MediaDriver clientDriver;
    private GridClient first;
    private GridClient second;

    @AfterEach
    void tearDown()
    {
        CloseHelper.quietCloseAll(first, second, node, clientDriver);
    }

    private GridNodeContext nodeContext(final boolean withCredentials) throws Exception
    {
        final GridNodeContext context = new GridNodeContext()
            .dir(new File(dir, "node").getPath())
            .endpoint("127.0.0.1:" + freeUdpPort())
            .partitions(16)
            .shards(2)
            .sessionTimeoutMs(3_000)
            .idleStrategyName("backoff");
        if (withCredentials)
        {
            final File credentials = new File(dir, "credentials");
            Files.writeString(credentials.toPath(), "# test clients\nfeed-a:" + Base64.getEncoder().encodeToString(SECRET) + "\n");
            context.credentialsFile(credentials.getPath());
        }
        return context;
    }

    private GridClient udpClient(final String name, final byte[] secret)
    {
        if (null == clientDriver)
        {
            clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(new File(dir, "client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
        }
        return GridClient.connect(new GridClientContext()
            .aeronDir(clientDriver.aeronDirectoryName())
            .requestChannel(node.context().requestChannel())
            .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
            .credentials(name, secret)
            .connectTimeout(Duration.ofSeconds(20)));
    }

    private GridClient ipcClient(final int responseStreamId)
    {
        return GridClient.connect(new GridClientContext()
            .aeronDir(node.context().aeronDir())
            .requestChannel("aeron:ipc")
            .responseChannel("aeron:ipc")
            .responseStreamId(responseStreamId)
            .connectTimeout(Duration.ofSeconds(20)));
    }

    @Test
    void shouldServeLeasesAndValuesOverUdpWithAuthentication() throws Exception
    {
        node = GridNode.launch(nodeContext(true));
        first = udpClient("feed-a", SECRET);

        final Lease lease = first.acquire("feed:{AAPL}", LeaseRequest.exclusive(Duration.ofSeconds(5)));
        assertTrue(lease.isValid());
        assertTrue(lease.fencingToken() > 0);
        final GridException held = assertThrows(GridException.class,
            () -> first.acquire("feed:{AAPL}", LeaseRequest.exclusive(Duration.ofSeconds(5))));
        assertEquals(ErrorCode.LEASE_UNAVAILABLE, held.code());

        final long version = first.fencedPut("price:{AAPL}", "187.10".getBytes(), lease);
        final ValueRecord price = first.get("price:{AAPL}");
        assertEquals(version, price.version());
        assertArrayEquals("187.10".getBytes(), price.value());

        lease.renew();
        lease.release();
        assertFalse(lease.isValid());
        // A lease no longer valid here is refused before anything is sent; its raw token is refused by the grid.
        final GridException local = assertThrows(GridException.class,
            () -> first.fencedPut("price:{AAPL}", "1.00".getBytes(), lease));
        assertEquals(ErrorCode.LEASE_EXPIRED, local.code());
        final GridException stale = assertThrows(GridException.class,
            () -> first.fencedPut("price:{AAPL}", "1.00".getBytes(), lease.resource(), lease.fencingToken()));
        assertEquals(ErrorCode.FENCING_TOKEN_REJECTED, stale.code());
        assertThrows(GridException.class, lease::renew);

        assertEquals(1, first.compareAndSet("k", 0, "a".getBytes()) > 0 ? 1 : 0);
        final GridException mismatch = assertThrows(GridException.class, () -> first.compareAndSet("k", 0, "b".getBytes()));
        assertEquals(ErrorCode.VERSION_MISMATCH, mismatch.code());
        assertTrue(first.delete("k"));
        assertFalse(first.delete("k"));
        assertNull(first.get("k"));
    }

    @Test
    void shouldRejectAClientWithTheWrongSecretOrName() throws Exception
    {
        node = GridNode.launch(nodeContext(true));
        final GridException wrongSecret = assertThrows(GridException.class,
            () -> udpClient("feed-a", "not-the-right-secret-at-all".getBytes()));
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, wrongSecret.code());
        final GridException unknown = assertThrows(GridException.class,
            () -> udpClient("nobody", SECRET));
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, unknown.code());
        assertTrue(node.shards().stream().mapToLong(shard -> shard.sessions().rejectedAuthentications()).sum() >= 2);
    }

    @Test
    void shouldServeOverIpcAndKeepLeasesToTheirOwners() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        first = ipcClient(3001);
        second = ipcClient(3002);

        final Lease lease = first.acquire("{orders}", LeaseRequest.exclusive(Duration.ofSeconds(5)));
        final CompletableFuture<Lease> waiting = second.acquireAsync("{orders}",
            LeaseRequest.exclusive(Duration.ofSeconds(5)).waitTimeout(Duration.ofSeconds(5)));
        assertFalse(waiting.isDone());

        // Another session cannot release it, and a write fenced with a token it does not hold is refused.
        assertEquals(ErrorCode.NOT_LEASE_HOLDER,
            assertThrows(GridException.class, () -> second.releaseLease(lease.leaseId())).code());
        assertEquals(ErrorCode.FENCING_TOKEN_REJECTED, assertThrows(GridException.class,
            () -> second.fencedPut("{orders}:x", new byte[0], "{orders}", lease.fencingToken() + 1000)).code());
        assertTrue(lease.isValid());

        final io.leasegrid.client.ResourceStatus status = second.status("{orders}");
        assertEquals(1, status.holders().size(), status.toString());
        assertEquals(lease.fencingToken(), status.holders().get(0).fencingToken());
        // The live token is visible to anyone who asks, but only its holder's session may write with it.
        assertEquals(ErrorCode.NOT_LEASE_HOLDER, assertThrows(GridException.class,
            () -> second.fencedPut("{orders}:x", new byte[0], "{orders}", status.holders().get(0).fencingToken())).code());
        first.fencedPut("{orders}:x", new byte[0], lease);
        // Lease ids that name no partition of the grid get a typed answer, never an exception from the client.
        for (final long bogus : new long[]{ -1, Long.MAX_VALUE, 0, Long.MIN_VALUE })
        {
            assertEquals(ErrorCode.LEASE_NOT_FOUND,
                assertThrows(GridException.class, () -> second.releaseLease(bogus)).code(), Long.toString(bogus));
        }
        assertEquals(1, status.waiterCount());
        assertTrue(status.holders().get(0).remainingTtl().toMillis() > 0);
        assertTrue(first.status("{nobody}").holders().isEmpty());

        lease.release();
        final Lease next = waiting.get(10, TimeUnit.SECONDS);
        assertTrue(next.fencingToken() > lease.fencingToken());

        final GridException timeout = assertThrows(GridException.class, () -> first.acquire("{orders}",
            LeaseRequest.exclusive(Duration.ofSeconds(5)).waitTimeout(Duration.ofMillis(200))));
        assertEquals(ErrorCode.WAIT_TIMEOUT, timeout.code());
        next.release();
    }

    @Test
    void shouldOfferAJdkLockAndTellListenersBeforeExpiry() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        first = ipcClient(3003);
        second = ipcClient(3004);

        final GridLock lock = first.lock("jobs", Duration.ofSeconds(2));
        lock.lock();
        assertFalse(second.lock("jobs", Duration.ofSeconds(2)).tryLock());
        lock.unlock();
        final GridLock other = second.lock("jobs", Duration.ofSeconds(2));
        assertTrue(other.tryLock(1, TimeUnit.SECONDS));
        other.unlock();

        final CountDownLatch expiring = new CountDownLatch(1);
        final CountDownLatch expired = new CountDownLatch(1);
        final Lease shortLease = first.acquire("short", LeaseRequest.exclusive(Duration.ofMillis(400)).listener(new LeaseListener()
        {
            public void onExpiring(final Lease lease)
            {
                expiring.countDown();
            }

            public void onExpired(final Lease lease)
            {
                expired.countDown();
            }
        }));
        assertTrue(expiring.await(5, TimeUnit.SECONDS));
        assertTrue(expired.await(5, TimeUnit.SECONDS));
        assertFalse(shortLease.isValid());
    }

    @Test
    void shouldKeepAutoRenewLeasesAliveThroughKeepAlives() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        first = ipcClient(3005);
        second = ipcClient(3006);
        // Keep-alives go every second (a third of the 3 s session timeout); the TTL is 1.5 s.
        final Lease lease = first.acquire("auto", LeaseRequest.exclusive(Duration.ofMillis(1_500)).autoRenew(true));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        while (System.nanoTime() - deadline < 0)
        {
            assertEquals(ErrorCode.LEASE_UNAVAILABLE, assertThrows(GridException.class,
                () -> second.acquire("auto", LeaseRequest.exclusive(Duration.ofSeconds(1)))).code());
            Thread.onSpinWait();
        }
        assertTrue(lease.isValid());
    }

    @Test
    void shouldAnswerTheAllocationFreeCallbackCalls() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        first = ipcClient(3030);
        final java.util.List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
        final io.leasegrid.client.ValueCallback callback = new io.leasegrid.client.ValueCallback()
        {
            public void onWritten(final long correlationId, final long version, final long timestampNs)
            {
                answers.add("written v" + version);
            }

            public void onRead(final long correlationId, final boolean found, final long version, final long timestampNs,
                final org.agrona.DirectBuffer buffer, final int offset, final int length)
            {
                answers.add("read " + found + " v" + version + " " + buffer.getStringWithoutLengthAscii(offset, length));
            }

            public void onError(final long correlationId, final ErrorCode code)
            {
                answers.add("error " + code);
            }
        };
        final org.agrona.concurrent.UnsafeBuffer key = new org.agrona.concurrent.UnsafeBuffer("price:{IBM}".getBytes());
        final org.agrona.concurrent.UnsafeBuffer value = new org.agrona.concurrent.UnsafeBuffer("42.00".getBytes());
        final org.agrona.concurrent.UnsafeBuffer resource = new org.agrona.concurrent.UnsafeBuffer("feed:{IBM}".getBytes());
        first.put(key, 0, key.capacity(), value, 0, value.capacity(), callback);
        awaitSize(answers, 1);
        first.get(key, 0, key.capacity(), callback);
        awaitSize(answers, 2);
        first.fencedPut(key, 0, key.capacity(), resource, 0, resource.capacity(), 99, value, 0, value.capacity(), callback);
        awaitSize(answers, 3);
        assertEquals(java.util.List.of("written v1", "read true v1 42.00", "error FENCING_TOKEN_REJECTED"), answers);
    }

    @Test
    void shouldAnswerTheAllocationFreeLeaseCalls() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        first = ipcClient(3031);
        final java.util.List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
        final long[] leaseIds = new long[2];
        final io.leasegrid.client.LeaseCallback callback = new io.leasegrid.client.LeaseCallback()
        {
            public void onGranted(final long correlationId, final long leaseId, final long fencingToken, final long ttlNs)
            {
                leaseIds[answers.isEmpty() ? 0 : 1] = leaseId;
                answers.add("granted t" + fencingToken + " ttl " + TimeUnit.NANOSECONDS.toSeconds(ttlNs));
            }

            public void onQueued(final long correlationId, final int queuePosition)
            {
                answers.add("queued " + queuePosition);
            }

            public void onReleased(final long correlationId)
            {
                answers.add("released");
            }

            public void onError(final long correlationId, final ErrorCode code)
            {
                answers.add("error " + code);
            }
        };
        final org.agrona.concurrent.UnsafeBuffer resource = new org.agrona.concurrent.UnsafeBuffer("lock:{IBM}".getBytes());
        final LeaseRequest request =
            LeaseRequest.exclusive(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(5));
        first.acquire(resource, 0, resource.capacity(), request, callback);
        awaitSize(answers, 1);
        first.acquire(resource, 0, resource.capacity(), request, callback);
        awaitSize(answers, 2);
        first.release(leaseIds[0], callback);
        awaitSize(answers, 4);
        first.release(leaseIds[0], callback);
        awaitSize(answers, 5);
        first.acquire(resource, 0, resource.capacity(),
            LeaseRequest.exclusive(Duration.ofSeconds(30)), callback);
        awaitSize(answers, 6);
        assertEquals(java.util.List.of("granted t1 ttl 30", "queued 1"), answers.subList(0, 2));
        // The release and the grant to the waiter are two answers of one step; either may arrive first.
        assertEquals(java.util.Set.of("released", "granted t2 ttl 30"), java.util.Set.copyOf(answers.subList(2, 4)));
        assertEquals(java.util.List.of("error LEASE_NOT_FOUND", "error LEASE_UNAVAILABLE"), answers.subList(4, 6));
    }

    @Test
    void shouldDeliverAnswersOnTheThreadThatPollsForThem() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        // A caller polling in a loop delivers answers itself; the conductor thread, parked while callers poll, still
        // wakes now and then and may deliver some, more so on a loaded machine (9 of 20 were seen in one run).
        first = GridClient.connect(new GridClientContext().aeronDir(node.context().aeronDir())
            .requestChannel("aeron:ipc").responseChannel("aeron:ipc").responseStreamId(3032)
            .idleStrategy("sleeping").connectTimeout(Duration.ofSeconds(20)));
        final Thread caller = Thread.currentThread();
        final int[] deliveredHere = new int[1];
        final long[] versions = new long[1];
        final io.leasegrid.client.ValueCallback callback = new io.leasegrid.client.ValueCallback()
        {
            public void onWritten(final long correlationId, final long version, final long timestampNs)
            {
                deliveredHere[0] += Thread.currentThread() == caller ? 1 : 0;
                versions[0] = version;
            }

            public void onRead(final long correlationId, final boolean found, final long version, final long timestampNs,
                final org.agrona.DirectBuffer buffer, final int offset, final int length)
            {
            }

            public void onError(final long correlationId, final ErrorCode code)
            {
                versions[0] = -1;
            }
        };
        final org.agrona.concurrent.UnsafeBuffer key = new org.agrona.concurrent.UnsafeBuffer("price:{IBM}".getBytes());
        for (int i = 1; i <= 40; i++)
        {
            first.put(key, 0, key.capacity(), key, 0, key.capacity(), callback);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (versions[0] != i)
            {
                assertTrue(System.nanoTime() - deadline < 0, "no answer to put " + i + ": " + versions[0]);
                first.pollAnswers();
                Thread.yield();
            }
        }
        assertTrue(deliveredHere[0] >= 10, "answers delivered on the polling thread, of 40: " + deliveredHere[0]);
    }

    private static void awaitSize(final java.util.List<String> list, final int size)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (list.size() < size)
        {
            assertTrue(System.nanoTime() - deadline < 0, "no answer: " + list);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Test
    void shouldFollowPartitionsThatMovedToAnotherShard() throws Exception
    {
        final GridNodeContext context = nodeContext(false).shards(1);
        node = GridNode.launch(context);
        first = udpClient("anyone", null);
        for (int i = 0; i < 16; i++)
        {
            first.put("k" + i, ("v" + i).getBytes());
        }
        node.close();

        // Same data, now spread over two shards: half the partitions live on a stream the client never saw.
        node = GridNode.launch(new GridNodeContext()
            .dir(context.dir()).endpoint(context.endpoint()).partitions(16).shards(2).sessionTimeoutMs(3_000));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int found = 0;
        while (found < 16)
        {
            assertTrue(System.nanoTime() - deadline < 0, "only " + found + " keys reachable after the move");
            found = 0;
            for (int i = 0; i < 16; i++)
            {
                try
                {
                    final ValueRecord record = first.get("k" + i);
                    if (null != record && new String(record.value()).equals("v" + i))
                    {
                        found++;
                    }
                }
                catch (final GridException ex)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
        }
    }

    @Test
    void shouldPinShardThreadsWhenAsked() throws Exception
    {
        node = GridNode.launch(nodeContext(false).shards(1).shardCpus("1"));
        first = ipcClient(3020);
        first.put("pinned", new byte[1]);
        assertEquals(1, node.shards().get(0).pinnedCpu());
    }

    @Test
    void shouldTimeOutRequestsCleanlyWhenTheNodeIsGone() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        first = udpClient("anyone", null);
        first.put("before", "1".getBytes());
        node.close();

        final long start = System.nanoTime();
        final GridException gone = assertThrows(GridException.class, () -> first.put("after", "2".getBytes()));
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(gone instanceof io.leasegrid.client.GridTimeoutException, gone.toString());
        assertTrue(elapsedMs < 15_000, "took " + elapsedMs + " ms to give up");
    }

    @Test
    void shouldReconnectAfterANodeRestartAndFindTheDataJournaled() throws Exception
    {
        final GridNodeContext context = nodeContext(false);
        node = GridNode.launch(context);
        first = udpClient("anyone", null);
        final long version = first.put("survivor", "journaled".getBytes());
        node.close();

        node = GridNode.launch(new GridNodeContext()
            .dir(context.dir()).endpoint(context.endpoint()).partitions(16).shards(2).sessionTimeoutMs(3_000));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ValueRecord record = null;
        while (null == record)
        {
            assertTrue(System.nanoTime() - deadline < 0, "client did not reconnect");
            try
            {
                record = first.get("survivor");
            }
            catch (final GridException ex)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        assertEquals(version, record.version());
        assertArrayEquals("journaled".getBytes(), record.value());
        assertTrue(first.isConnected());
    }

    @Test
    void shouldGrantInFifoOrderAcrossClientProcesses() throws Exception
    {
        node = GridNode.launch(nodeContext(false));
        first = ipcClient(3010);
        final Lease held = first.acquire("{fifo}", LeaseRequest.exclusive(Duration.ofSeconds(10)));
        try (ChildJvm a = ChildJvm.start(QueuedClientMain.class, node.context().aeronDir(), "3011", "{fifo}", "300"))
        {
            a.awaitLine("QUEUED 1"::equals, 60_000);
            try (ChildJvm b = ChildJvm.start(QueuedClientMain.class, node.context().aeronDir(), "3012", "{fifo}", "0"))
            {
                b.awaitLine("QUEUED 2"::equals, 60_000);
                held.release();

                final String grantedA = a.awaitLine(line -> line.startsWith("GRANTED"), 60_000);
                final String grantedB = b.awaitLine(line -> line.startsWith("GRANTED"), 60_000);
                a.awaitLine("RELEASED"::equals, 60_000);
                final long tokenA = Long.parseLong(grantedA.substring(8));
                final long tokenB = Long.parseLong(grantedB.substring(8));
                assertTrue(held.fencingToken() < tokenA && tokenA < tokenB, held.fencingToken() + " " + tokenA + " " + tokenB);
                assertEquals(0, a.awaitExit(30_000));
                assertEquals(0, b.awaitExit(30_000));
            }
        }
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
