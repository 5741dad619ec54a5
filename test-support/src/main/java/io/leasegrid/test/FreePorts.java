package io.leasegrid.test;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free UDP ports on loopback, for nodes that tests run side by side.
 * <p>
 * Taken below the kernel's ephemeral range: a port the kernel hands out for "any port" (a client's response
 * channel, a media driver's sending socket) is never one of these, so a node stopped for a while finds its ports
 * free when it starts again. Each port is handed out once per test JVM.
 */
public final class FreePorts
{
    private static final int LOWEST = 10_000;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts()
    {
    }

    /**
     * @return a UDP port on 127.0.0.1 that was free a moment ago, outside the ephemeral range.
     */
    public static synchronized int udp()
    {
        final int highest = ephemeralRangeStart() - 1;
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            final int port = ThreadLocalRandom.current().nextInt(LOWEST, highest + 1);
            if (!HANDED_OUT.contains(port) && isFree(port))
            {
                HANDED_OUT.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free UDP port in [" + LOWEST + ", " + highest + "]");
    }

    /**
     * @return the first of {@code count} consecutive UDP ports on 127.0.0.1 that were all free a moment ago, outside
     * the ephemeral range (a control plane member takes a block).
     */
    public static synchronized int udpBlock(final int count)
    {
        final int highest = ephemeralRangeStart() - count;
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            final int first = ThreadLocalRandom.current().nextInt(LOWEST, highest + 1);
            boolean free = true;
            for (int port = first; port < first + count && free; port++)
            {
                free = !HANDED_OUT.contains(port) && isFree(port);
            }
            if (free)
            {
                for (int port = first; port < first + count; port++)
                {
                    HANDED_OUT.add(port);
                }
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " free consecutive UDP ports in [" + LOWEST + ", " +
            highest + "]");
    }

    private static boolean isFree(final int port)
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
        {
            return socket.getLocalPort() == port;
        }
        catch (final SocketException ex)
        {
            return false;
        }
    }

    private static int ephemeralRangeStart()
    {
        try
        {
            // Not Files.readString: on JDK 17 it returns the first byte of a /proc file (whose size reads as 0), which
            // made every test port come from [10000, 10100).
            final String range = Files.readAllLines(
                Path.of("/proc/sys/net/ipv4/ip_local_port_range"), StandardCharsets.US_ASCII).get(0);
            return Math.max(LOWEST + 100, Integer.parseInt(range.trim().split("\\s+")[0]));
        }
        catch (final IOException | RuntimeException ex)
        {
            return 32_768;
        }
    }
}
