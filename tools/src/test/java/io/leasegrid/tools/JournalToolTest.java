package io.leasegrid.tools;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.DatagramSocket;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal tools against journals a real node wrote: dump with filters, replay as of a moment, verify, and
 * verify finding a deliberately corrupted entry.
 */
@Timeout(120)
class JournalToolTest
{
    @TempDir
    File dir;

    private File journalDir;
    private Instant whileAHolds;
    private long leaseToken;

    @BeforeEach
    void writeJournals() throws Exception
    {
        final int port;
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            port = socket.getLocalPort();
        }
        final GridNodeContext context = new GridNodeContext()
            .dir(new File(dir, "node").getPath()).endpoint("127.0.0.1:" + port).partitions(8);
        GridNode node = null;
        GridClient client = null;
        try
        {
            node = GridNode.launch(context);
            client = GridClient.connect(new GridClientContext()
                .aeronDir(context.aeronDir()).requestChannel("aeron:ipc").responseChannel("aeron:ipc")
                .connectTimeout(Duration.ofSeconds(20)));
            client.put("price:{AAPL}", "first-price-marker".getBytes(StandardCharsets.US_ASCII));
            final Lease lease = client.acquire("feed:{AAPL}", LeaseRequest.exclusive(Duration.ofSeconds(30)));
            leaseToken = lease.fencingToken();
            client.fencedPut("price:{AAPL}", "187.10".getBytes(StandardCharsets.US_ASCII), lease);
            pause();
            whileAHolds = Instant.now();
            pause();
            lease.release();
            client.put("price:{AAPL}", "190.00".getBytes(StandardCharsets.US_ASCII));
        }
        finally
        {
            CloseHelper.quietCloseAll(client, node);
        }
        journalDir = context.journalDir();
    }

    @Test
    void shouldDumpEntriesFilteredByKeyResourceAndTime()
    {
        final String all = run(0, "dump", "--dir", journalDir.getPath());
        assertTrue(all.contains("grant leaseId="), all);
        assertTrue(all.contains("resource=feed:{AAPL}"), all);

        final String byKey = run(0, "dump", "--dir", journalDir.getPath(), "--key", "price:{AAPL}");
        assertEquals(3, byKey.lines().count(), byKey);
        final String byResource = run(0, "dump", "--dir", journalDir.getPath(), "--resource", "feed:{AAPL}", "--json");
        assertEquals(2, byResource.lines().count(), byResource);
        assertTrue(byResource.lines().allMatch(line -> line.startsWith("{\"partition\":")), byResource);
        assertTrue(byResource.contains("\"op\":\"end\""), byResource);

        final String later = run(0, "dump", "--dir", journalDir.getPath(), "--key", "price:{AAPL}", "--from", whileAHolds.toString());
        assertEquals(1, later.lines().count(), later);
        assertTrue(later.contains("value=190.00"), later);
    }

    @Test
    void shouldReplayTheStateAsOfAMoment()
    {
        final String asOf = run(0, "replay", "--dir", journalDir.getPath(), "--until", whileAHolds.toString());
        assertTrue(asOf.contains("lease feed:{AAPL}"), asOf);
        assertTrue(asOf.contains("token=" + leaseToken), asOf);
        assertTrue(asOf.contains("value price:{AAPL} = 187.10"), asOf);

        final String atEnd = run(0, "replay", "--dir", journalDir.getPath(), "--until", Instant.now().toString());
        assertFalse(atEnd.contains("lease feed:{AAPL}"), atEnd);
        assertTrue(atEnd.contains("value price:{AAPL} = 190.00"), atEnd);
    }

    @Test
    void shouldVerifyIntactJournalsAndReportACorruptedEntryWithItsPosition() throws Exception
    {
        assertTrue(run(0, "verify", "--dir", journalDir.getPath()).contains("verify: OK"));

        assertTrue(corrupt("first-price-marker"));
        final String report = run(1, "verify", "--dir", journalDir.getPath());
        assertTrue(report.contains("corrupt at position 0"), report);
        assertTrue(report.contains("BAD_CHECKSUM"), report);
        assertTrue(report.contains("verify: 1 finding(s)"), report);
    }

    @Test
    void shouldReadACopyOfTheJournalsWithoutWritingToIt() throws Exception
    {
        final File copy = new File(dir, "copy");
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(journalDir.toPath()))
        {
            for (final java.nio.file.Path path : (Iterable<java.nio.file.Path>)paths::iterator)
            {
                final java.nio.file.Path target = copy.toPath().resolve(journalDir.toPath().relativize(path));
                if (java.nio.file.Files.isDirectory(path))
                {
                    java.nio.file.Files.createDirectories(target);
                }
                else
                {
                    java.nio.file.Files.copy(path, target);
                }
            }
        }
        final long before = lastModified(copy);
        assertTrue(run(0, "verify", "--dir", copy.getPath()).contains("verify: OK"));
        assertTrue(run(0, "replay", "--dir", copy.getPath(), "--until", whileAHolds.toString()).contains("token=" + leaseToken));
        assertEquals(before, lastModified(copy), "the tools wrote to the copy");
    }

    private static long lastModified(final File root) throws Exception
    {
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(root.toPath()))
        {
            return paths.filter(java.nio.file.Files::isRegularFile).mapToLong(path -> path.toFile().lastModified()).max().orElse(0);
        }
    }

    @Test
    void shouldRejectBadArguments()
    {
        assertEquals(2, LeasegridTool.run(new String[]{ "journal", "frobnicate", "--dir", journalDir.getPath() }, System.out, System.out));
        assertEquals(2, LeasegridTool.run(new String[]{ "journal", "replay", "--dir", journalDir.getPath() }, System.out, System.out));
        assertEquals(2, LeasegridTool.run(new String[]{ "journal", "dump", "--dir", journalDir.getPath(), "--frobnicate" }, System.out, System.out));
        assertEquals(2, LeasegridTool.run(new String[]{ "journal", "dump", "--dir", journalDir.getPath(), "--partition", "x" }, System.out, System.out));
        assertEquals(3, LeasegridTool.run(new String[]{ "journal", "dump", "--dir", new File(dir, "none").getPath() }, System.out, System.out));
    }

    private static String run(final int expectedStatus, final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final String[] line = new String[args.length + 1];
        line[0] = "journal";
        System.arraycopy(args, 0, line, 1, args.length);
        final int status = LeasegridTool.run(line, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, text);
        return text;
    }

    private boolean corrupt(final String marker) throws Exception
    {
        final byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
        final File[] partitions = journalDir.listFiles();
        for (final File partition : partitions)
        {
            final File[] files = partition.listFiles((d, name) -> name.endsWith(".cq4"));
            for (final File file : null == files ? new File[0] : files)
            {
                try (RandomAccessFile raf = new RandomAccessFile(file, "rw"); FileChannel channel = raf.getChannel())
                {
                    final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
                    outer:
                    for (int i = 0; i < map.limit() - needle.length; i++)
                    {
                        for (int j = 0; j < needle.length; j++)
                        {
                            if (map.get(i + j) != needle[j])
                            {
                                continue outer;
                            }
                        }
                        map.put(i + 3, (byte)(map.get(i + 3) ^ 0x20));
                        map.force();
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void pause()
    {
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        while (System.nanoTime() - until < 0)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
