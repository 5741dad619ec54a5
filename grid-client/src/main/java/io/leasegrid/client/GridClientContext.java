package io.leasegrid.client;

import io.leasegrid.codec.IdleStrategies;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Settings of a {@link GridClient}. Defaults reach a node on this machine through the node's embedded media
 * driver; set {@link #aeronDir(String)} to use another driver and a UDP channel to reach a remote node.
 */
public final class GridClientContext
{
    private String aeronDir = System.getProperty("leasegrid.client.aeron.dir");
    private String requestChannel = System.getProperty("leasegrid.client.channel", "aeron:udp?endpoint=127.0.0.1:7171");
    private int streamBase = Integer.getInteger("leasegrid.stream.base", 1001);
    private String responseChannel = System.getProperty("leasegrid.client.response.channel", "aeron:udp?endpoint=127.0.0.1:0");
    private int responseStreamId = Integer.getInteger("leasegrid.client.response.stream", 2001);
    private String clientName = System.getProperty("leasegrid.client.name", "anonymous");
    private byte[] secret;
    private long requestTimeoutNs = TimeUnit.SECONDS.toNanos(5);
    private long connectTimeoutNs = TimeUnit.SECONDS.toNanos(10);
    private long clockDriftBoundNs = TimeUnit.MILLISECONDS.toNanos(50);
    private String idleStrategy = System.getProperty("leasegrid.client.idle.strategy", "backoff");

    GridClientContext conclude()
    {
        if (null == aeronDir)
        {
            throw new IllegalArgumentException("aeronDir is required: the directory of a running media driver");
        }
        IdleStrategies.named(idleStrategy);
        if (!requestChannel.startsWith("aeron:") || !responseChannel.startsWith("aeron:"))
        {
            throw new IllegalArgumentException("channels must be Aeron URIs");
        }
        return this;
    }

    public GridClientContext aeronDir(final String aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

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

    public String requestChannel()
    {
        return requestChannel;
    }

    public GridClientContext streamBase(final int streamBase)
    {
        this.streamBase = streamBase;
        return this;
    }

    public int streamBase()
    {
        return streamBase;
    }

    /**
     * @param responseChannel where the node answers: a UDP endpoint of this machine (port 0 picks a free one) or
     *                        {@code aeron:ipc} when client and node share a media driver.
     * @return this.
     */
    public GridClientContext responseChannel(final String responseChannel)
    {
        this.responseChannel = responseChannel;
        return this;
    }

    public String responseChannel()
    {
        return responseChannel;
    }

    public GridClientContext responseStreamId(final int responseStreamId)
    {
        this.responseStreamId = responseStreamId;
        return this;
    }

    public int responseStreamId()
    {
        return responseStreamId;
    }

    /**
     * @param clientName name in the node's credentials file.
     * @param secret     the client's secret; it never leaves this process.
     * @return this.
     */
    public GridClientContext credentials(final String clientName, final byte[] secret)
    {
        this.clientName = clientName;
        this.secret = null == secret ? null : secret.clone();
        return this;
    }

    public String clientName()
    {
        return clientName;
    }

    byte[] secret()
    {
        return secret;
    }

    public GridClientContext requestTimeout(final Duration timeout)
    {
        this.requestTimeoutNs = timeout.toNanos();
        return this;
    }

    public long requestTimeoutNs()
    {
        return requestTimeoutNs;
    }

    public GridClientContext connectTimeout(final Duration timeout)
    {
        this.connectTimeoutNs = timeout.toNanos();
        return this;
    }

    public long connectTimeoutNs()
    {
        return connectTimeoutNs;
    }

    /**
     * @param bound how much earlier than send time + TTL a lease stops being valid on the client, for clock drift.
     * @return this.
     */
    public GridClientContext clockDriftBound(final Duration bound)
    {
        this.clockDriftBoundNs = bound.toNanos();
        return this;
    }

    public long clockDriftBoundNs()
    {
        return clockDriftBoundNs;
    }

    /**
     * @param idleStrategy how the conductor thread waits for answers: {@link IdleStrategies#NAMES}; best the same as
     *                     the node's ({@code leasegrid.idle.strategy}).
     * @return this.
     */
    public GridClientContext idleStrategy(final String idleStrategy)
    {
        this.idleStrategy = idleStrategy;
        return this;
    }

    public String idleStrategy()
    {
        return idleStrategy;
    }
}
