package io.leasegrid.system;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.SessionConnectEncoder;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.StatusFile;
import io.leasegrid.test.Await;
import io.leasegrid.test.TestGrid;
import io.leasegrid.test.TestNode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connects that never authenticate, each naming a response channel of its own, must not run a node out of file
 * descriptors: under a limit of 2,048 open files a flood of thousands of them leaves a working client working, new
 * clients able to connect, no "Too many open files" in the error log, and the node's open files back where they were.
 */
@Timeout(300)
class StrangerFloodTest
{
    private static final int FILE_LIMIT = 2048;
    private static final int FLOOD_CONNECTS = 3_000;
    private static final long FLOOD_SECONDS = 12;
    private static final byte[] SECRET = "a secret of thirty-two bytes ok!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @RegisterExtension
    final TestGrid grid = new TestGrid();

    private long peakOpenFiles;

    @Test
    void shouldKeepServingWhileStrangersFloodTheHandshake() throws Exception
    {
        final File credentials = new File(grid.newDirectory("credentials"), "clients");
        Files.writeString(credentials.toPath(), "good:" + Base64.getEncoder().encodeToString(SECRET) + "\n");
        final TestNode node = grid.startNode(Map.of(
            "leasegrid.credentials.file", credentials.getPath(),
            "leasegrid.session.authenticate.timeout.ms", "2000",
            "aeron.publication.linger.timeout", "1000000000"));
        final Process limit = new ProcessBuilder("prlimit", "--pid", Long.toString(node.pid()),
            "--nofile=" + FILE_LIMIT + ":" + FILE_LIMIT).inheritIO().start();
        assertEquals(0, limit.waitFor(), "prlimit failed");

        MediaDriver driver = null;
        Aeron aeron = null;
        final AtomicReference<Throwable> goodClientFailure = new AtomicReference<>();
        final AtomicLong goodRequests = new AtomicLong();
        final AtomicLong longestRequestNs = new AtomicLong();
        try
        {
            driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(grid.newDirectory("client-aeron").getPath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            final GridClientContext goodContext = new GridClientContext()
                .aeronDir(driver.aeronDirectoryName())
                .requestChannel(node.requestChannel())
                .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
                .credentials("good", SECRET)
                .connectTimeout(Duration.ofSeconds(20));
            final long baselineFiles;
            try (GridClient good = GridClient.connect(goodContext))
            {
                good.put("warm", new byte[1]);
                baselineFiles = openFiles(node.pid());

                final Thread worker = new Thread(() ->
                {
                    try
                    {
                        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(FLOOD_SECONDS + 3);
                        while (System.nanoTime() - end < 0)
                        {
                            final long start = System.nanoTime();
                            good.put("price:{GOOD}", new byte[]{ (byte)goodRequests.get() });
                            longestRequestNs.accumulateAndGet(System.nanoTime() - start, Math::max);
                            goodRequests.incrementAndGet();
                        }
                    }
                    catch (final Throwable ex)
                    {
                        goodClientFailure.set(ex);
                    }
                }, "good-client");
                worker.start();

                aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                final long peakStrangers = flood(aeron, node);
                worker.join(TimeUnit.SECONDS.toMillis(FLOOD_SECONDS + 30));
                assertFalse(worker.isAlive(), "the good client hung");

                assertNull(goodClientFailure.get(), () -> "the good client failed during the flood: " +
                    goodClientFailure.get());
                assertTrue(goodRequests.get() > 100, "the good client made only " + goodRequests.get() + " requests");
                assertTrue(longestRequestNs.get() < TimeUnit.SECONDS.toNanos(1),
                    "the good client stalled for " + TimeUnit.NANOSECONDS.toMillis(longestRequestNs.get()) + " ms");
                assertTrue(peakStrangers <= 64, "strangers went past the budget: " + peakStrangers);
                final long rejected = counter(node, CounterType.REJECTED_CONNECTS);
                System.out.printf("flood of %,d connects: peak strangers %d, rejected %,d, node open files %d -> peak %d; " +
                    "good client %,d requests, longest %.1f ms%n", FLOOD_CONNECTS, peakStrangers, rejected, baselineFiles,
                    peakOpenFiles, goodRequests.get(), longestRequestNs.get() / 1e6);
                assertTrue(rejected > 0, "no connect was turned away");
                assertTrue(FLOOD_CONNECTS - rejected >= 2 * 64, "expired strangers did not give their places back: " +
                    (FLOOD_CONNECTS - rejected) + " connects were let in");
            }

            try (GridClient late = GridClient.connect(goodContext))
            {
                assertEquals(1, late.put("after-the-flood", new byte[1]));
            }
            Await.until(60_000, () -> "the node holds " + openFiles(node.pid()) + " open files, it started with " +
                baselineFiles, () -> openFiles(node.pid()) <= baselineFiles + 16);
            assertFalse(errorLog(node).contains("Too many open files"), errorLog(node));
        }
        finally
        {
            CloseHelper.quietCloseAll(aeron, driver);
        }
    }

    /**
     * Connects from strangers, each with a response port of its own, as fast as the node's stream takes them.
     *
     * @return the most strangers the node held at once, as its gauge showed.
     */
    private long flood(final Aeron aeron, final TestNode node) throws Exception
    {
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
        final SessionConnectEncoder connect = new SessionConnectEncoder();
        long peak = 0;
        try (ExclusivePublication publication = aeron.addExclusivePublication(node.requestChannel(), 1001);
            StatusFile status = StatusFile.open(node.dir()))
        {
            Await.until(10_000, "the flood publication connected", publication::isConnected);
            final long start = System.nanoTime();
            final long durationNs = TimeUnit.SECONDS.toNanos(FLOOD_SECONDS - 2);
            int sent = 0;
            while (System.nanoTime() - start - TimeUnit.SECONDS.toNanos(FLOOD_SECONDS) < 0)
            {
                // Spread over the run, so that strangers keep coming after the first ones expire.
                if (sent < FLOOD_CONNECTS && sent < FLOOD_CONNECTS * (System.nanoTime() - start) / durationNs + 1)
                {
                    connect.wrapAndApplyHeader(frame, 0, new MessageHeaderEncoder())
                        .correlationId(sent)
                        .responseStreamId(7)
                        .protocolVersion(SessionConnectEncoder.SCHEMA_VERSION)
                        .clientInstanceId(1_000_000 + sent)
                        .resumeSessionId(0)
                        .clientName("stranger-" + sent)
                        .responseChannel("aeron:udp?endpoint=127.0.0.1:" + (30_000 + sent));
                    if (publication.offer(frame, 0, MessageHeaderEncoder.ENCODED_LENGTH + connect.encodedLength()) > 0)
                    {
                        sent++;
                    }
                }
                else
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                peak = Math.max(peak, sum(status.counters(), CounterType.STRANGERS));
                if ((sent & 63) == 0)
                {
                    peakOpenFiles = Math.max(peakOpenFiles, openFiles(node.pid()));
                }
            }
            assertEquals(FLOOD_CONNECTS, sent, "the flood did not get all its connects out");
        }
        return peak;
    }

    private static long counter(final TestNode node, final CounterType type)
    {
        try (StatusFile status = StatusFile.open(node.dir()))
        {
            return sum(status.counters(), type);
        }
    }

    private static long sum(final CountersReader counters, final CounterType type)
    {
        final long[] total = { 0 };
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (type.typeId() == typeId)
            {
                total[0] += counters.getCounterValue(counterId);
            }
        });
        return total[0];
    }

    private static String errorLog(final TestNode node)
    {
        final StringBuilder log = new StringBuilder();
        try (StatusFile status = StatusFile.open(node.dir()))
        {
            ErrorLogReader.read(status.errors(), (count, first, last, text) -> log.append(count).append(" x ")
                .append(text).append('\n'));
        }
        return log.toString();
    }

    private static long openFiles(final long pid)
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd")))
        {
            return fds.count();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
