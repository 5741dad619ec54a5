package io.leasegrid.bench;

import io.leasegrid.codec.JournalEntryDescriptor;
import io.leasegrid.journal.EntryHandler;
import io.leasegrid.journal.JournalConfiguration;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.JournalReader;
import io.leasegrid.journal.PartitionJournal;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * Append to a partition journal (memory-mapped, not fsynced per entry, as the node runs it): a copied operation,
 * and an operation encoded in place through claim/commit. Also the replay read of what was appended. Each
 * iteration starts a fresh journal in a temporary directory, so disk use stays bounded. The floor is a bare
 * Chronicle Queue append of the same number of bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JournalAppendBenchmark
{
    @Param({ "64" })
    int operationLength;

    private File dir;
    private File floorDir;
    private SingleChronicleQueue floorQueue;
    private ExcerptAppender floorAppender;
    private byte[] floorEntry;
    private PartitionJournal journal;
    private JournalReader reader;
    private UnsafeBuffer operation;
    private long sink;
    private final EntryHandler countBytes = (entry, buffer, offset, length) -> sink += length;

    @Setup(Level.Iteration)
    public void openJournal() throws IOException
    {
        dir = Files.createTempDirectory("leasegrid-jmh-journal").toFile();
        journal = PartitionJournal.open(new JournalContext().journalDir(dir.getPath()).partitionId(0));
        operation = new UnsafeBuffer(new byte[operationLength]);
        for (int i = 0; i < operationLength; i++)
        {
            operation.putByte(i, (byte)i);
        }
        for (int i = 0; i < 1_000; i++)
        {
            journal.append(1, i, i, operation, 0, operationLength);
        }
        reader = journal.reader(0);

        floorDir = Files.createTempDirectory("leasegrid-jmh-floor").toFile();
        floorQueue = SingleChronicleQueueBuilder.binary(floorDir).rollCycle(RollCycles.FAST_HOURLY)
            .blockSize(JournalConfiguration.BLOCK_SIZE_DEFAULT).build();
        floorAppender = floorQueue.createAppender();
        floorEntry = new byte[JournalEntryDescriptor.entryLength(operationLength)];
    }

    @TearDown(Level.Iteration)
    public void deleteJournal()
    {
        reader.close();
        journal.close();
        IoUtil.delete(dir, true);
        floorAppender.close();
        floorQueue.close();
        IoUtil.delete(floorDir, true);
    }

    /**
     * The floor: a raw Chronicle Queue append of an excerpt the size of a journal entry, with no encoding,
     * checksum or position bookkeeping. The journal's cost is measured against it.
     */
    @Benchmark
    public long chronicleRawAppendFloor()
    {
        try (DocumentContext context = floorAppender.writingDocument())
        {
            context.wire().bytes().write(floorEntry);
            return context.index();
        }
    }

    @Benchmark
    public long appendCopy()
    {
        return journal.append(1, 42, 43, operation, 0, operationLength);
    }

    @Benchmark
    public long appendClaimCommit()
    {
        final int offset = journal.claim(operationLength);
        journal.claimBuffer().putLong(offset, sink++);
        return journal.commit(1, 42, 43);
    }

    @Benchmark
    public long appendThenRead()
    {
        journal.append(1, 42, 43, operation, 0, operationLength);
        return reader.poll(countBytes, 1);
    }
}
