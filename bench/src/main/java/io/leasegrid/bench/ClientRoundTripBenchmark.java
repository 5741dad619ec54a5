package io.leasegrid.bench;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.LeaseCallback;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.client.ValueCallback;
import io.leasegrid.client.ErrorCode;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end round trips from the client's allocation-free callback path to a node in the same JVM, over IPC
 * (one media driver) and over UDP on loopback (two media drivers, the client's its own): a 64-byte put (journaled), a get, and an
 * exclusive lease acquired and released (two round trips). With
 * {@code -prof gc} it shows the whole path — client, Aeron, node, journal — allocating nothing per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClientRoundTripBenchmark implements ValueCallback, LeaseCallback
{
    @Param({ "ipc", "udp" })
    String transport;

    private File dir;
    private GridNode node;
    private GridClient client;
    private final UnsafeBuffer key = new UnsafeBuffer("price:{AAPL}".getBytes());
    private final UnsafeBuffer resource = new UnsafeBuffer("lock:{AAPL}".getBytes());
    private final LeaseRequest leaseRequest = LeaseRequest.exclusive(Duration.ofSeconds(30));
    private long leaseId;
    private final UnsafeBuffer value = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private volatile long answers;
    private long errors;
    private ErrorCode lastError;

    @Setup(Level.Trial)
    public void start() throws Exception
    {
        dir = Files.createTempDirectory("leasegrid-jmh-rtt").toFile();
        final int port;
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            port = socket.getLocalPort();
        }
        node = GridNode.launch(new GridNodeContext().dir(new File(dir, "node").getPath()).endpoint("127.0.0.1:" + port));
        final GridClientContext context = new GridClientContext().connectTimeout(Duration.ofSeconds(30));
        if ("ipc".equals(transport))
        {
            context.aeronDir(node.context().aeronDir()).requestChannel("aeron:ipc").responseChannel("aeron:ipc");
        }
        else
        {
            // The client runs its own media driver, as an application on another machine would
            // (leasegrid.client.driver.threading: invoker, the default, or shared).
            context.requestChannel(node.context().requestChannel())
                .responseChannel("aeron:udp?endpoint=127.0.0.1:0")
                .idleStrategy(node.context().idleStrategyName());
        }
        client = GridClient.connect(context);
        client.put(key, 0, key.capacity(), value, 0, value.capacity(), this);
        awaitAnswer(answers);
    }

    @TearDown(Level.Trial)
    public void stop()
    {
        CloseHelper.quietCloseAll(client, node);
        IoUtil.delete(dir, true);
        if (errors > 0)
        {
            throw new IllegalStateException(errors + " requests failed, the last with " + lastError);
        }
    }

    @Benchmark
    public long putRoundTrip()
    {
        final long before = answers;
        value.putLong(0, before);
        client.put(key, 0, key.capacity(), value, 0, value.capacity(), this);
        return awaitAnswer(before);
    }

    @Benchmark
    public long getRoundTrip()
    {
        final long before = answers;
        client.get(key, 0, key.capacity(), this);
        return awaitAnswer(before);
    }

    @Benchmark
    public long leaseAcquireReleaseRoundTrip()
    {
        long before = answers;
        client.acquire(resource, 0, resource.capacity(), leaseRequest, this);
        before = awaitAnswer(before);
        client.release(leaseId, this);
        return awaitAnswer(before);
    }

    public void onGranted(final long correlationId, final long leaseId, final long fencingToken, final long ttlNs)
    {
        this.leaseId = leaseId;
        answers++;
    }

    public void onReleased(final long correlationId)
    {
        answers++;
    }

    private long awaitAnswer(final long before)
    {
        long now;
        while ((now = answers) == before)
        {
            // Deliver the answer on this thread when the conductor is not; yield rather than spin: where client,
            // node and drivers share two cores, a spinning thread holds the core another needs (measured:
            // milliseconds per round trip over UDP).
            if (0 == client.pollAnswers())
            {
                Thread.yield();
            }
        }
        return now;
    }

    public void onWritten(final long correlationId, final long version, final long timestampNs)
    {
        answers++;
    }

    public void onRead(
        final long correlationId, final boolean found, final long version, final long timestampNs,
        final DirectBuffer buffer, final int offset, final int length)
    {
        answers++;
    }

    public void onError(final long correlationId, final ErrorCode code)
    {
        lastError = code;
        errors++;
        answers++;
    }
}
