package io.leasegrid.client;

import io.leasegrid.codec.IdleStrategies;

import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Settings of a {@link GridClient}, Aeron style: setters win over system properties, which win over the defaults.
 * The defaults reach a node on this machine over UDP ({@code 127.0.0.1:7171}) through a media driver the client runs
 * itself; set {@link #aeronDir(String)} to share a running driver (the node's, for IPC), and the channels to reach a
 * node elsewhere.
 * <p>
 * The limits are checked on the client before anything is sent; they default to the node's own defaults. Not thread
 * safe; a client takes a copy of what it needs when it connects.
 */
public final class GridClientContext
{
    /** Shortest TTL a lease may ask for, by default. */
    public static final Duration MIN_TTL_DEFAULT = Duration.ofMillis(10);
    /** Longest TTL a lease may ask for, by default. */
    public static final Duration MAX_TTL_DEFAULT = Duration.ofHours(1);
    /** Longest an acquire may wait, by default. */
    public static final Duration MAX_WAIT_DEFAULT = Duration.ofMinutes(10);
    /** Longest key or resource name, in UTF-8 bytes, by default. */
    public static final int MAX_KEY_LENGTH_DEFAULT = 256;
    /** Longest value, in bytes, by default. */
    public static final int MAX_VALUE_LENGTH_DEFAULT = 64 * 1024;

    private String aeronDir = System.getProperty("leasegrid.client.aeron.dir");
    private String requestChannel = System.getProperty("leasegrid.client.channel", "aeron:udp?endpoint=127.0.0.1:7171");
    private int streamBase = Integer.getInteger("leasegrid.stream.base", 1001);
    private String responseChannel = System.getProperty("leasegrid.client.response.channel");
    private int responseStreamId = Integer.getInteger("leasegrid.client.response.stream", 0);
    private String clientName = System.getProperty("leasegrid.client.name", "anonymous");
    private byte[] secret;
    private long requestTimeoutNs = TimeUnit.SECONDS.toNanos(5);
    private long connectTimeoutNs = TimeUnit.SECONDS.toNanos(10);
    private long clockDriftBoundNs = TimeUnit.MILLISECONDS.toNanos(50);
    private String idleStrategy = System.getProperty("leasegrid.client.idle.strategy", "backoff");
    private String driverThreading = System.getProperty("leasegrid.client.driver.threading", "invoker");
    private Executor eventExecutor;
    private ConnectionListener connectionListener = new ConnectionListener()
    {
    };
    private int maxKeyLength = MAX_KEY_LENGTH_DEFAULT;
    private int maxValueLength = MAX_VALUE_LENGTH_DEFAULT;
    private long minTtlNs = MIN_TTL_DEFAULT.toNanos();
    private long maxTtlNs = MAX_TTL_DEFAULT.toNanos();
    private long maxWaitTimeoutNs = MAX_WAIT_DEFAULT.toNanos();
    private NanoClock nanoClock = SystemNanoClock.INSTANCE;

    /**
     * Validate and fill in the settings.
     *
     * @return this.
     * @throws IllegalArgumentException naming the setting that is wrong.
     */
    GridClientContext conclude()
    {
        if (null == requestChannel || !requestChannel.startsWith("aeron:"))
        {
            throw new IllegalArgumentException("requestChannel must be an Aeron URI (aeron:udp?endpoint=host:port or " +
                "aeron:ipc): " + requestChannel);
        }
        if (null == responseChannel)
        {
            responseChannel = requestChannel.startsWith("aeron:ipc") ? "aeron:ipc" : "aeron:udp?endpoint=127.0.0.1:0";
        }
        if (!responseChannel.startsWith("aeron:"))
        {
            throw new IllegalArgumentException("responseChannel must be an Aeron URI: " + responseChannel);
        }
        if (requestTimeoutNs <= 0 || connectTimeoutNs <= 0 || clockDriftBoundNs < 0)
        {
            throw new IllegalArgumentException("timeouts must be positive and the drift bound not negative");
        }
        if (minTtlNs <= 0 || maxTtlNs < minTtlNs || maxWaitTimeoutNs < 0 || maxKeyLength < 1 || maxValueLength < 0)
        {
            throw new IllegalArgumentException("limits must be positive, with the shortest TTL below the longest");
        }
        IdleStrategies.named(idleStrategy);
        if (!"invoker".equals(driverThreading) && !"shared".equals(driverThreading))
        {
            throw new IllegalArgumentException("driverThreading must be invoker or shared: " + driverThreading);
        }
        Objects.requireNonNull(clientName, "clientName");
        return this;
    }

    /**
     * @param aeronDir directory of a running media driver to share (the node's, for IPC); null, the default, makes
     *                 the client run a driver of its own.
     * @return this.
     */
    public GridClientContext aeronDir(final String aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    /**
     * @return the media driver directory, or null when the client runs its own driver.
     */
    public String aeronDir()
    {
        return aeronDir;
    }

    /**
     * @param requestChannel the node's request channel: {@code aeron:udp?endpoint=host:port} or {@code aeron:ipc}.
     * @return this.
     */
    public GridClientContext requestChannel(final String requestChannel)
    {
        this.requestChannel = requestChannel;
        return this;
    }

    /**
     * @return the node's request channel.
     */
    public String requestChannel()
    {
        return requestChannel;
    }

    /**
     * @param streamBase the request stream of the node's first shard ({@code leasegrid.stream.base} on the node).
     * @return this.
     */
    public GridClientContext streamBase(final int streamBase)
    {
        this.streamBase = streamBase;
        return this;
    }

    /**
     * @return the request stream of the node's first shard.
     */
    public int streamBase()
    {
        return streamBase;
    }

    /**
     * @param responseChannel where the node answers: a UDP endpoint of this machine the node can reach (port 0 picks
     *                        a free one) or {@code aeron:ipc} when client and node share a media driver. By default
     *                        {@code aeron:ipc} for an IPC request channel, else {@code aeron:udp?endpoint=127.0.0.1:0}.
     * @return this.
     */
    public GridClientContext responseChannel(final String responseChannel)
    {
        this.responseChannel = responseChannel;
        return this;
    }

    /**
     * @return where the node answers, once concluded.
     */
    public String responseChannel()
    {
        return responseChannel;
    }

    /**
     * @param responseStreamId the stream the node answers on; 0, the default, picks one no other client on the driver
     *                         uses. A stream another client already receives on is refused by the node
     *                         ({@link ErrorCode#RESPONSE_CHANNEL_IN_USE}).
     * @return this.
     */
    public GridClientContext responseStreamId(final int responseStreamId)
    {
        this.responseStreamId = responseStreamId;
        return this;
    }

    /**
     * @return the response stream, 0 for one picked by the client.
     */
    public int responseStreamId()
    {
        return responseStreamId;
    }

    /**
     * @param clientName name in the node's credentials file.
     * @param secret     the client's secret; it never leaves this process. Null against a node in open mode.
     * @return this.
     */
    public GridClientContext credentials(final String clientName, final byte[] secret)
    {
        this.clientName = clientName;
        this.secret = null == secret ? null : secret.clone();
        return this;
    }

    /**
     * @return the client's name.
     */
    public String clientName()
    {
        return clientName;
    }

    byte[] secret()
    {
        return secret;
    }

    /**
     * @param timeout how long a request may wait for its answer (an acquire: plus its wait timeout).
     * @return this.
     */
    public GridClientContext requestTimeout(final Duration timeout)
    {
        this.requestTimeoutNs = timeout.toNanos();
        return this;
    }

    /**
     * @return the request timeout in nanoseconds.
     */
    public long requestTimeoutNs()
    {
        return requestTimeoutNs;
    }

    /**
     * @param timeout how long connecting may take.
     * @return this.
     */
    public GridClientContext connectTimeout(final Duration timeout)
    {
        this.connectTimeoutNs = timeout.toNanos();
        return this;
    }

    /**
     * @return the connect timeout in nanoseconds.
     */
    public long connectTimeoutNs()
    {
        return connectTimeoutNs;
    }

    /**
     * @param bound how much earlier than send time + TTL a lease stops being valid on the client, for the drift
     *              between the client's clock and the node's (at most half the TTL is taken).
     * @return this.
     */
    public GridClientContext clockDriftBound(final Duration bound)
    {
        this.clockDriftBoundNs = bound.toNanos();
        return this;
    }

    /**
     * @return the clock drift bound in nanoseconds.
     */
    public long clockDriftBoundNs()
    {
        return clockDriftBoundNs;
    }

    /**
     * @param idleStrategy how the conductor thread and waiting callers idle: {@link IdleStrategies#NAMES}; best the
     *                     same as the node's ({@code leasegrid.idle.strategy}).
     * @return this.
     */
    public GridClientContext idleStrategy(final String idleStrategy)
    {
        this.idleStrategy = idleStrategy;
        return this;
    }

    /**
     * @return the idle strategy's name.
     */
    public String idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * @param driverThreading who runs the client's embedded media driver (ignored when {@link #aeronDir(String)} names
     *                        a running one): {@code invoker}, the default, runs it inside the client's duty cycle, on
     *                        whichever thread runs that cycle (a caller waiting for its answer, or the conductor
     *                        thread), so a request crosses no other client thread on its way out or back;
     *                        {@code shared} gives the driver a thread of its own, for a client that has cores to spare.
     * @return this.
     */
    public GridClientContext driverThreading(final String driverThreading)
    {
        this.driverThreading = driverThreading;
        return this;
    }

    /**
     * @return who runs the embedded media driver: {@code invoker} or {@code shared}.
     */
    public String driverThreading()
    {
        return driverThreading;
    }

    /**
     * @param eventExecutor runs lease and connection listeners and completes the futures of the asynchronous calls,
     *                      so that none of it runs on the thread that decodes answers; by default a single daemon
     *                      thread of the client's, which keeps events in order.
     * @return this.
     */
    public GridClientContext eventExecutor(final Executor eventExecutor)
    {
        this.eventExecutor = eventExecutor;
        return this;
    }

    /**
     * @return the event executor, or null for the client's own.
     */
    public Executor eventExecutor()
    {
        return eventExecutor;
    }

    /**
     * @param connectionListener told when the connection is lost, re-attached, or a session is lost.
     * @return this.
     */
    public GridClientContext connectionListener(final ConnectionListener connectionListener)
    {
        this.connectionListener = Objects.requireNonNull(connectionListener, "connectionListener");
        return this;
    }

    /**
     * @return the connection listener.
     */
    public ConnectionListener connectionListener()
    {
        return connectionListener;
    }

    /**
     * @param maxKeyLength longest key or resource name in UTF-8 bytes (the node's {@code maxNameLength}).
     * @return this.
     */
    public GridClientContext maxKeyLength(final int maxKeyLength)
    {
        this.maxKeyLength = maxKeyLength;
        return this;
    }

    /**
     * @return longest key or resource name in bytes.
     */
    public int maxKeyLength()
    {
        return maxKeyLength;
    }

    /**
     * @param maxValueLength longest value in bytes (the node's {@code maxValueLength}).
     * @return this.
     */
    public GridClientContext maxValueLength(final int maxValueLength)
    {
        this.maxValueLength = maxValueLength;
        return this;
    }

    /**
     * @return longest value in bytes.
     */
    public int maxValueLength()
    {
        return maxValueLength;
    }

    /**
     * @param min shortest TTL a lease may ask for.
     * @param max longest TTL a lease may ask for.
     * @return this.
     */
    public GridClientContext ttlRange(final Duration min, final Duration max)
    {
        this.minTtlNs = min.toNanos();
        this.maxTtlNs = max.toNanos();
        return this;
    }

    /**
     * @return shortest TTL in nanoseconds.
     */
    public long minTtlNs()
    {
        return minTtlNs;
    }

    /**
     * @return longest TTL in nanoseconds.
     */
    public long maxTtlNs()
    {
        return maxTtlNs;
    }

    /**
     * @param max longest an acquire may wait.
     * @return this.
     */
    public GridClientContext maxWaitTimeout(final Duration max)
    {
        this.maxWaitTimeoutNs = max.toNanos();
        return this;
    }

    /**
     * @return longest wait in nanoseconds.
     */
    public long maxWaitTimeoutNs()
    {
        return maxWaitTimeoutNs;
    }

    /**
     * @param nanoClock the client's monotonic clock: deadlines, keep-alives and every lease's safe-until time. The
     *                  system's by default; tests give one they move by hand.
     * @return this.
     */
    public GridClientContext nanoClock(final NanoClock nanoClock)
    {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        return this;
    }

    /**
     * @return the client's monotonic clock.
     */
    public NanoClock nanoClock()
    {
        return nanoClock;
    }
}
