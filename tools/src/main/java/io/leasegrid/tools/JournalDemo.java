package io.leasegrid.tools;

import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.ValuePutOpDecoder;
import io.leasegrid.codec.internal.ValuePutOpEncoder;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import org.HdrHistogram.Histogram;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/leasegrid demo}: what the foundation of the grid does today. Stock prices are routed to partitions by
 * the shared key hash, journaled as SBE-encoded, checksummed entries in per-partition Chronicle Queue journals,
 * replayed into the latest price per symbol, and a writer killed with SIGKILL mid-write is recovered from.
 */
final class JournalDemo
{
    static final String CRASH_WRITER_COMMAND = "demo-crash-writer";

    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG", "IBM" };
    private static final int VALUE_LENGTH = 64;
    private static final int WARMUP_UPDATES = 50_000;

    private JournalDemo()
    {
    }

    static CommandLine commandLine()
    {
        return new CommandLine("bin/leasegrid journal-demo [--updates N] [--keep]",
            "The journal on its own: journal price updates and time the appends, replay them, and kill a writer with " +
            "SIGKILL in the middle of a write to show it leaves no trace.")
            .option("--updates", "updates to journal (1 to 50000000, default 200000)")
            .flag("--keep", "keep the journal directory afterwards");
    }

    static int run(final String[] args) throws Exception
    {
        final CommandLine line = commandLine().parse(args);
        final int updates = null == line.option("--updates") ? 200_000 :
            (int)CommandLine.number("--updates", line.option("--updates"), 1, 50_000_000);
        final boolean keep = line.has("--keep");

        final File dir = Files.createTempDirectory("leasegrid-demo").toFile();
        try
        {
            System.out.println("leasegrid demo: the wire protocol and the per-partition journal");
            System.out.println("(the grid node, client and lease scenario come with the node; see README)");
            System.out.println("journal directory: " + dir);
            System.out.println();

            final Map<String, Integer> partitionOf = placeSymbols();
            journalPrices(dir, partitionOf, updates);
            replayPrices(dir, partitionOf);
            crashAndRecover(dir);
        }
        finally
        {
            if (keep)
            {
                System.out.println("kept " + dir);
            }
            else
            {
                IoUtil.delete(dir, true);
            }
        }
        return 0;
    }

    private static Map<String, Integer> placeSymbols()
    {
        System.out.println("1. placing symbols on " + Partitioner.DEFAULT_PARTITION_COUNT +
            " partitions (XXH64, hash tag in braces keeps a price and its feed lease together)");
        final Map<String, Integer> partitionOf = new TreeMap<>();
        for (final String symbol : SYMBOLS)
        {
            final int pricePartition = partition("price:{" + symbol + "}");
            final int leasePartition = partition("feed:{" + symbol + "}");
            partitionOf.put(symbol, pricePartition);
            System.out.printf("   %-5s price:{%s} -> partition %3d   feed:{%s} -> partition %3d%n",
                symbol, symbol, pricePartition, symbol, leasePartition);
        }
        System.out.println();
        return partitionOf;
    }

    private static void journalPrices(final File dir, final Map<String, Integer> partitionOf, final int updates)
    {
        System.out.printf("2. journaling %,d price updates (SBE ValuePutOp, %d-byte values, CRC32C per entry)%n",
            updates, VALUE_LENGTH);
        final Map<Integer, PartitionJournal> journals = openJournals(dir, partitionOf);
        final PartitionJournal[] bySymbol = new PartitionJournal[SYMBOLS.length];
        final UnsafeBuffer[] keys = new UnsafeBuffer[SYMBOLS.length];
        final long[] priceMicros = new long[SYMBOLS.length];
        final long[] versions = new long[SYMBOLS.length];
        for (int s = 0; s < SYMBOLS.length; s++)
        {
            bySymbol[s] = journals.get(partitionOf.get(SYMBOLS[s]));
            keys[s] = new UnsafeBuffer(("price:{" + SYMBOLS[s] + "}").getBytes(StandardCharsets.US_ASCII));
            priceMicros[s] = 100_000_000L + 50_000_000L * s;
        }

        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        final ValuePutOpEncoder put = new ValuePutOpEncoder();
        final UnsafeBuffer value = new UnsafeBuffer(new byte[VALUE_LENGTH]);
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long seed = 42;
        final int total = updates + WARMUP_UPDATES;
        final long start = System.nanoTime();
        long measuredStart = start;
        for (int i = 0; i < total; i++)
        {
            if (i == WARMUP_UPDATES)
            {
                measuredStart = System.nanoTime();
            }
            final int s = i % SYMBOLS.length;
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            priceMicros[s] += (seed >>> 60) - 7;
            value.putLong(0, priceMicros[s]);
            value.putLong(8, i);

            final long before = System.nanoTime();
            final PartitionJournal journal = bySymbol[s];
            final int operationLength = MessageHeaderEncoder.ENCODED_LENGTH + ValuePutOpEncoder.BLOCK_LENGTH +
                ValuePutOpEncoder.keyHeaderLength() + keys[s].capacity() + ValuePutOpEncoder.valueHeaderLength() + VALUE_LENGTH;
            final int offset = journal.claim(operationLength);
            final MutableDirectBuffer claimed = journal.claimBuffer();
            put.wrapAndApplyHeader(claimed, offset, header)
                .version(++versions[s])
                .putKey(keys[s], 0, keys[s].capacity())
                .putValue(value, 0, VALUE_LENGTH);
            journal.commit(1, System.currentTimeMillis() * 1_000_000L, System.nanoTime());
            final long after = System.nanoTime();
            if (i >= WARMUP_UPDATES)
            {
                histogram.recordValue(after - before);
            }
        }
        final long elapsedNs = System.nanoTime() - measuredStart;
        journals.values().forEach(PartitionJournal::close);

        System.out.printf("   append latency, ns (after %,d warm-up appends): p50 %,d  p90 %,d  p99 %,d  p99.9 %,d  max %,d%n",
            WARMUP_UPDATES,
            histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
            histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
        System.out.printf("   throughput: %,.0f appends/s on one thread (memory-mapped, not fsynced per entry)%n",
            updates * 1e9 / elapsedNs);
        System.out.println();
    }

    private static void replayPrices(final File dir, final Map<String, Integer> partitionOf)
    {
        System.out.println("3. reopening the journals and replaying them (every checksum and position checked)");
        final Map<Integer, PartitionJournal> journals = openJournals(dir, partitionOf);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final ValuePutOpDecoder put = new ValuePutOpDecoder();
        final Map<String, long[]> latest = new TreeMap<>();
        for (final PartitionJournal journal : journals.values())
        {
            final long replayed = journal.replay(journal.firstPosition(), (entry, buffer, offset, length) ->
            {
                final UnsafeBuffer operation = new UnsafeBuffer(new byte[entry.operationLength()]);
                entry.getOperation(operation, 0, operation.capacity());
                header.wrap(operation, 0);
                put.wrap(operation, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                final long version = put.version();
                final byte[] keyBytes = new byte[put.keyLength()];
                put.getKey(keyBytes, 0, keyBytes.length);
                final String key = new String(keyBytes, StandardCharsets.UTF_8);
                final UnsafeBuffer value = new UnsafeBuffer(new byte[put.valueLength()]);
                put.getValue(value, 0, value.capacity());
                latest.put(key, new long[]{ version, value.getLong(0), entry.position() });
            });
            System.out.printf("   partition %3d: %,d entries replayed, next position %,d%n",
                journal.partitionId(), replayed, journal.nextPosition());
        }
        journals.values().forEach(PartitionJournal::close);
        for (final Map.Entry<String, long[]> entry : latest.entrySet())
        {
            final long[] state = entry.getValue();
            System.out.printf("   %-14s version %,8d  price %10.6f  (journal position %,d)%n",
                entry.getKey(), state[0], state[1] / 1e6, state[2]);
        }
        System.out.println();
    }

    private static void crashAndRecover(final File dir) throws Exception
    {
        final int partition = partition("crash:{DEMO}");
        System.out.println("4. crash: a child JVM appends to partition " + partition +
            " and is killed with SIGKILL in the middle of a write");
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LeasegridTool.class.getName());
        command.add(CRASH_WRITER_COMMAND);
        command.add(dir.getPath());
        command.add(Integer.toString(partition));

        final Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long midWritePosition = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                if (line.startsWith("MID-WRITE "))
                {
                    midWritePosition = Long.parseLong(line.substring("MID-WRITE ".length()));
                    break;
                }
            }
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        if (midWritePosition < 0)
        {
            throw new IllegalStateException("crash writer exited before it started its last write");
        }
        System.out.printf("   child had committed positions 0..%,d and was writing %,d; exit status %d (SIGKILL)%n",
            midWritePosition - 1, midWritePosition, child.exitValue());

        try (PartitionJournal journal = PartitionJournal.open(new JournalContext().journalDir(dir.getPath()).partitionId(partition)))
        {
            final long replayed = journal.replay(0, (entry, buffer, offset, length) -> {});
            System.out.printf("   reopened: %,d intact entries, torn entries discarded %d, next position %,d%n",
                replayed, journal.tornEntriesDiscarded(), journal.nextPosition());
            final UnsafeBuffer operation = new UnsafeBuffer("after the crash".getBytes(StandardCharsets.US_ASCII));
            final long position = journal.append(2, System.currentTimeMillis() * 1_000_000L, System.nanoTime(), operation, 0, operation.capacity());
            System.out.printf("   appended again at position %,d: the half-written entry left no trace%n", position);
        }
        System.out.println();
        System.out.println("demo complete");
    }

    /**
     * Child side of the crash: append entries, then stop halfway through one and wait to be killed.
     */
    static void crashWriter(final String[] args)
    {
        final File dir = new File(args[0]);
        final int partition = Integer.parseInt(args[1]);
        try (PartitionJournal journal = PartitionJournal.open(new JournalContext().journalDir(dir.getPath()).partitionId(partition)))
        {
            final UnsafeBuffer operation = new UnsafeBuffer(new byte[VALUE_LENGTH]);
            for (int i = 0; i < 10_000; i++)
            {
                operation.putLong(0, i);
                journal.append(1, System.currentTimeMillis() * 1_000_000L, System.nanoTime(), operation, 0, VALUE_LENGTH);
            }
            final int offset = journal.claim(VALUE_LENGTH);
            journal.claimBuffer().putLong(offset, -1);
            System.out.println("MID-WRITE " + journal.nextPosition());
            System.out.flush();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() - deadline < 0)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        System.exit(3);
    }

    private static Map<Integer, PartitionJournal> openJournals(final File dir, final Map<String, Integer> partitionOf)
    {
        final Map<Integer, PartitionJournal> journals = new TreeMap<>();
        for (final Integer partition : partitionOf.values())
        {
            journals.computeIfAbsent(partition,
                p -> PartitionJournal.open(new JournalContext().journalDir(dir.getPath()).partitionId(p)));
        }
        return journals;
    }

    private static int partition(final String name)
    {
        return Partitioner.partition(name.getBytes(StandardCharsets.UTF_8), Partitioner.DEFAULT_PARTITION_COUNT);
    }
}
