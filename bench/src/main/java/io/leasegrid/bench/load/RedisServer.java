package io.leasegrid.bench.load;

import redis.clients.jedis.Jedis;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A redis-server of the machine (Debian's, installed by bin/setup-bench) started on loopback with a durability
 * mode, in its own directory, and stopped at the end.
 */
final class RedisServer implements AutoCloseable
{
    private final ChildProcess process;
    private final int port;
    private final String version;

    private RedisServer(final ChildProcess process, final int port, final String version)
    {
        this.process = process;
        this.port = port;
        this.version = version;
    }

    /**
     * @param appendOnly false: no persistence at all; true: append-only file with {@code appendfsync everysec}.
     */
    static RedisServer start(final String executable, final File dir, final int port, final boolean appendOnly)
        throws IOException
    {
        if (!dir.isDirectory() && !dir.mkdirs())
        {
            throw new IOException("cannot create " + dir);
        }
        final List<String> command = new ArrayList<>(List.of(executable,
            "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.getAbsolutePath(),
            "--save", "", "--protected-mode", "yes", "--daemonize", "no", "--logfile", ""));
        if (appendOnly)
        {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "everysec"));
        }
        else
        {
            command.addAll(List.of("--appendonly", "no"));
        }
        final ChildProcess process = ChildProcess.start("redis-" + port, command);
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true)
        {
            try (Jedis jedis = new Jedis("127.0.0.1", port, 1_000))
            {
                if ("PONG".equals(jedis.ping()))
                {
                    final String info = jedis.info("server");
                    final String version = info.lines().filter(l -> l.startsWith("redis_version:"))
                        .map(l -> l.substring("redis_version:".length()).trim()).findFirst().orElse("?");
                    return new RedisServer(process, port, version);
                }
            }
            catch (final RuntimeException notYet)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    process.close();
                    throw new IOException("redis-server on port " + port + " did not start: " + process.tail(), notYet);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    int port()
    {
        return port;
    }

    String version()
    {
        return version;
    }

    public void close()
    {
        process.close();
    }
}
