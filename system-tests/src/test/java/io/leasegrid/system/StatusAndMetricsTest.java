package io.leasegrid.system;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.node.status.CounterType;
import io.leasegrid.node.status.StatusFile;
import io.leasegrid.test.ChildJvm;
import io.leasegrid.test.NodeMain;
import io.leasegrid.test.TestNode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node runs in a child process; this process reads its counters and alerts from the memory-mapped status file
 * and scrapes its Prometheus endpoint with the JDK's HTTP client.
 */
@Timeout(120)
class StatusAndMetricsTest
{
    @TempDir
    File dir;

    /**
     * The node's media driver directory lives in shared memory, outside the temporary directory, and the node killed
     * at the end of the test leaves it behind.
     */
    @AfterEach
    void removeDriverDirectory()
    {
        TestNode.removeDriverDirectory(new File(dir, "node"));
    }

    @Test
    void shouldExposeLiveCountersAlertsAndMetricsToOtherProcesses() throws Exception
    {
        final File nodeDir = new File(dir, "node");
        final int port;
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            port = socket.getLocalPort();
        }
        GridClient client = null;
        try (ChildJvm node = ChildJvm.start(NodeMain.class, "leasegrid.dir=" + nodeDir.getPath(),
            "leasegrid.endpoint=127.0.0.1:" + port, "leasegrid.partitions=8", "leasegrid.prometheus.port=0"))
        {
            final String banner = node.awaitLine(line -> line.contains("metrics: http://"), 60_000);
            final String metricsUrl = banner.substring(banner.indexOf("http://"));

            client = GridClient.connect(new GridClientContext()
                .aeronDir(GridNodeContext.embeddedAeronDir(nodeDir.getPath()))
                .requestChannel("aeron:ipc")
                .responseChannel("aeron:ipc")
                .connectTimeout(Duration.ofSeconds(30)));
            for (int i = 0; i < 10; i++)
            {
                client.put("key-" + i, new byte[]{ (byte)i });
            }
            client.acquire("short-lived", LeaseRequest.exclusive(Duration.ofMillis(50)));

            try (StatusFile status = StatusFile.open(nodeDir))
            {
                final CountersReader counters = status.counters();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (sum(counters, CounterType.REQUESTS) < 11 || sum(counters, CounterType.EXPIRIES) < 1 ||
                    sum(counters, CounterType.SESSIONS) < 1)
                {
                    assertTrue(System.nanoTime() - deadline < 0, "counters did not move: requests " +
                        sum(counters, CounterType.REQUESTS) + ", expiries " + sum(counters, CounterType.EXPIRIES));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }

                // The shard counts the expiry, then records its alert: poll for the alert too.
                final List<String> alerts = new ArrayList<>();
                while (alerts.stream().noneMatch(alert -> alert.contains("LEASE_EXPIRED_WITHOUT_RELEASE")))
                {
                    assertTrue(System.nanoTime() - deadline < 0, alerts.toString());
                    alerts.clear();
                    ErrorLogReader.read(status.alerts(), (count, first, last, text) -> alerts.add(count + " " + text));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            }

            final HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            final String body = response.body();
            assertTrue(body.contains("# TYPE leasegrid_requests_total counter"), body);
            final long requests = body.lines()
                .filter(line -> line.startsWith("leasegrid_requests_total{shard=\"0\"} "))
                .mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
            assertTrue(requests >= 11, body);
            assertTrue(body.contains("leasegrid_lease_expiries_total{shard=\"0\"} "), body);
            assertTrue(body.contains("leasegrid_requests_by_type_total{shard=\"0\",type=\"put\"} 10"), body);
            assertTrue(body.contains("leasegrid_requests_by_type_total{shard=\"0\",type=\"acquire\"} 1"), body);
            assertTrue(body.contains("leasegrid_errors_by_code_total{shard=\"0\",code=\"LEASE_UNAVAILABLE\"} 0"), body);
        }
        finally
        {
            CloseHelper.quietClose(client);
        }
    }

    private static long sum(final CountersReader counters, final CounterType type)
    {
        final long[] total = { 0 };
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == type.typeId())
            {
                total[0] += counters.getCounterValue(counterId);
            }
        });
        return total[0];
    }
}
