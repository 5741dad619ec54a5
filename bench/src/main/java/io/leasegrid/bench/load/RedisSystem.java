package io.leasegrid.bench.load;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Redis as the peer, driven through Jedis with one connection per client thread. Leases are the usual Redis lock:
 * {@code SET key token NX PX ttl} to acquire and a compare-and-delete script to release; a contended acquire
 * retries every 100 microseconds until its wait timeout, because Redis has no queue of waiters. Prices are plain
 * {@code SET}/{@code GET}: Redis does not check a fencing token, so its puts do less work than leasegrid's.
 */
final class RedisSystem implements SystemUnderTest
{
    static final String RELEASE_SCRIPT =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    static final String JEDIS_VERSION = jedisVersion();
    private static final long LEASE_TTL_MS = 30_000;
    private static final long WAIT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETRY_PAUSE_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final int OWN_RESOURCES = LoadPoint.MAX_DEPTH;
    private static final int TIMEOUT_MS = 5_000;

    private final String name;
    private final String mode;
    private final int port;
    private final byte[][] priceKeys = new byte[Workload.SYMBOLS][];
    private String releaseSha;

    RedisSystem(final String name, final String mode, final int port)
    {
        this.name = name;
        this.mode = mode;
        this.port = port;
        for (int symbol = 0; symbol < Workload.SYMBOLS; symbol++)
        {
            priceKeys[symbol] = priceKey(symbol);
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
        return Workload.PING != workload;
    }

    public void prepare(final Workload workload)
    {
        try (Jedis jedis = connect())
        {
            jedis.flushAll();
            releaseSha = jedis.scriptLoad(RELEASE_SCRIPT);
            final byte[] value = new byte[Workload.VALUE_LENGTH];
            for (final byte[] key : priceKeys)
            {
                jedis.set(key, value);
            }
        }
    }

    public Worker worker(final Workload workload, final int index)
    {
        return new RedisWorker(connect(), workload, index);
    }

    public void close()
    {
    }

    private Jedis connect()
    {
        final Jedis jedis = new Jedis("127.0.0.1", port, TIMEOUT_MS);
        jedis.connect();
        return jedis;
    }

    private static String jedisVersion()
    {
        try (java.io.InputStream in = Jedis.class.getResourceAsStream("/META-INF/maven/redis.clients/jedis/pom.properties"))
        {
            final java.util.Properties properties = new java.util.Properties();
            if (null != in)
            {
                properties.load(in);
            }
            return properties.getProperty("version", "(version unknown)");
        }
        catch (final java.io.IOException ex)
        {
            return "(version unknown)";
        }
    }

    private static byte[] priceKey(final int symbol)
    {
        return ("px:" + Workload.symbolName(symbol)).getBytes(StandardCharsets.US_ASCII);
    }

    private final class RedisWorker implements Worker
    {
        private final Jedis jedis;
        private final Workload workload;
        private final int index;
        private final String[] ownResources = new String[OWN_RESOURCES];
        private final String hotResource;
        private final byte[] value = new byte[Workload.VALUE_LENGTH];
        private final SetParams lockParams = SetParams.setParams().nx().px(LEASE_TTL_MS);

        RedisWorker(final Jedis jedis, final Workload workload, final int index)
        {
            this.jedis = jedis;
            this.workload = workload;
            this.index = index;
            for (int i = 0; i < OWN_RESOURCES; i++)
            {
                ownResources[i] = "lease:" + index + ":" + i;
            }
            hotResource = "hot:" + (index % Workload.HOT_RESOURCES);
        }

        public boolean execute(final long sequence)
        {
            switch (Workload.MIXED == workload ? Workload.mixedStep(sequence) : workload)
            {
                case LEASE:
                    return lease(ownResources[(int)(sequence % OWN_RESOURCES)], sequence, 0);
                case CONTENDED_LEASE:
                    return lease(hotResource, sequence, WAIT_TIMEOUT_NS);
                case FENCED_PUT:
                    value[0] = (byte)sequence;
                    return "OK".equals(jedis.set(priceKeys[Workload.symbol(index, sequence)], value));
                case GET:
                    return null != jedis.get(priceKeys[Workload.symbol(index, sequence)]);
                default:
                    throw new IllegalStateException("redis has no " + workload + " workload");
            }
        }

        /**
         * Pipelined leases, the Redis way: every acquire and its release in one pipeline, one round trip for the
         * batch (the release script checks the token the acquire set, so it may follow it in the same pipeline).
         */
        public int executeBatch(final long firstSequence, final int depth) throws Exception
        {
            if (Workload.LEASE != workload)
            {
                return Worker.super.executeBatch(firstSequence, depth);
            }
            final List<Response<String>> acquired = new ArrayList<>(depth);
            final List<Response<Object>> released = new ArrayList<>(depth);
            final Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < depth; i++)
            {
                final long sequence = firstSequence + i;
                final String resource = ownResources[(int)(sequence % OWN_RESOURCES)];
                final String token = index + ":" + sequence;
                acquired.add(pipeline.set(resource, token, lockParams));
                released.add(pipeline.evalsha(releaseSha, 1, resource, token));
            }
            pipeline.sync();
            int succeeded = 0;
            for (int i = 0; i < depth; i++)
            {
                try
                {
                    if ("OK".equals(acquired.get(i).get()) && Long.valueOf(1).equals(released.get(i).get()))
                    {
                        succeeded++;
                    }
                }
                catch (final JedisDataException ex)
                {
                    // An error reply for one command (a script flushed, say) fails that operation, not the point.
                }
            }
            return succeeded;
        }

        private boolean lease(final String resource, final long sequence, final long waitTimeoutNs)
        {
            final String token = index + ":" + sequence;
            final long deadlineNs = System.nanoTime() + waitTimeoutNs;
            while (!"OK".equals(jedis.set(resource, token, lockParams)))
            {
                if (System.nanoTime() - deadlineNs >= 0)
                {
                    return false;
                }
                LockSupport.parkNanos(RETRY_PAUSE_NS);
            }
            return Long.valueOf(1).equals(jedis.evalsha(releaseSha, 1, resource, token));
        }

        public void close()
        {
            jedis.close();
        }
    }
}
