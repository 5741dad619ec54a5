package io.leasegrid.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;

/**
 * Free UDP ports on loopback, for nodes that tests run side by side.
 */
public final class FreePorts
{
    private FreePorts()
    {
    }

    /**
     * @return a UDP port on 127.0.0.1 that was free a moment ago.
     */
    public static int udp()
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
