package io.leasegrid.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * leasegrid must never phone home: Chronicle's usage analytics is neither on the classpath nor enabled, and
 * using a journal asks the JVM for no network connection.
 */
class NoPhoneHomeTest
{
    @TempDir
    File root;

    @Test
    void shouldKeepChronicleAnalyticsOffTheClasspath()
    {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("net.openhft.chronicle.analytics.Analytics"));
        assertThrows(ClassNotFoundException.class,
            () -> Class.forName("net.openhft.chronicle.analytics.internal.GoogleAnalytics"));
    }

    @Test
    void shouldDisableAnalyticsInEveryJvmThroughTheSharedFlags() throws IOException
    {
        assertEquals("true", System.getProperty("chronicle.analytics.disable"));

        final File flags = new File(System.getProperty("leasegrid.jvm.options"));
        final List<String> lines = Files.readAllLines(flags.toPath(), StandardCharsets.UTF_8);
        assertTrue(lines.contains("-Dchronicle.analytics.disable=true"), "bin/jvm.options must disable analytics");
    }

    @Test
    void shouldAskForNoNetworkConnectionWhileUsingAJournal()
    {
        final List<URI> requested = Collections.synchronizedList(new ArrayList<>());
        final ProxySelector original = ProxySelector.getDefault();
        ProxySelector.setDefault(new ProxySelector()
        {
            public List<Proxy> select(final URI uri)
            {
                requested.add(uri);
                return List.of(Proxy.NO_PROXY);
            }

            public void connectFailed(final URI uri, final SocketAddress address, final IOException ex)
            {
            }
        });

        try (PartitionJournal journal = PartitionJournal.open(JournalFixtures.context(root, 0)))
        {
            for (int i = 0; i < 100; i++)
            {
                JournalFixtures.append(journal, 1, 0);
            }
            assertEquals(100, JournalFixtures.readAll(journal, 0).size());
        }
        finally
        {
            ProxySelector.setDefault(original);
        }

        assertEquals(List.of(), requested, "connections the JVM was asked to open");
    }
}
