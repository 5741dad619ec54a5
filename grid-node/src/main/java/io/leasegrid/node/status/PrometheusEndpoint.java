package io.leasegrid.node.status;

import com.sun.net.httpserver.HttpServer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * Serves the node's counters in the Prometheus text format at {@code /metrics}, off the hot path: a JDK HTTP
 * server thread reads the same memory-mapped counters {@code bin/leasegrid stat} shows.
 */
public final class PrometheusEndpoint implements AutoCloseable
{
    private final HttpServer server;

    /**
     * @param host     address to bind, loopback by default.
     * @param port     port, 0 for any free one.
     * @param counters to serve.
     */
    public PrometheusEndpoint(final String host, final int port, final CountersReader counters)
    {
        try
        {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("the metrics endpoint " + host + ":" + port + " is in use by another process; " +
                "give this node another port with -Dleasegrid.prometheus.port=PORT (or -1 for none)", ex);
        }
        server.createContext("/metrics", exchange ->
        {
            final byte[] body = render(counters).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        });
        server.start();
    }

    /**
     * @return the port it listens on.
     */
    public int port()
    {
        return server.getAddress().getPort();
    }

    /**
     * The counters as Prometheus text.
     */
    public static String render(final CountersReader counters)
    {
        final Map<CounterType, StringBuilder> samples = new EnumMap<>(CounterType.class);
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final CounterType type = CounterType.byTypeId(typeId);
            if (null != type)
            {
                final StringBuilder sample = samples.computeIfAbsent(type, t -> new StringBuilder())
                    .append("leasegrid_").append(type.metricName())
                    .append("{shard=\"").append(keyBuffer.getInt(0)).append('"');
                if (CounterType.MEMBER_PHI == type)
                {
                    sample.append(",node=\"").append(keyBuffer.getInt(4)).append('"');
                }
                if (CounterType.REQUESTS_BY_TYPE == type || CounterType.ERRORS_BY_CODE == type)
                {
                    sample.append(CounterType.REQUESTS_BY_TYPE == type ? ",type=\"" : ",code=\"")
                        .append(label.substring(label.lastIndexOf(' ') + 1)).append('"');
                }
                sample.append("} ").append(counters.getCounterValue(counterId)).append('\n');
            }
        });
        final StringBuilder text = new StringBuilder();
        samples.forEach((type, lines) -> text
            .append("# HELP leasegrid_").append(type.metricName()).append(' ').append(type.help()).append('\n')
            .append("# TYPE leasegrid_").append(type.metricName()).append(type.gauge() ? " gauge\n" : " counter\n")
            .append(lines));
        return text.toString();
    }

    public void close()
    {
        server.stop(0);
    }
}
