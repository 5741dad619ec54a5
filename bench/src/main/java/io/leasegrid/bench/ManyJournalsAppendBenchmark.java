package io.leasegrid.bench;

import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import org.agrona.CloseHelper;
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
 * One thread appending to many partition journals in turn, as a shard does with its partitions (271 by default on
 * one shard). Compared with one journal, this shows what Chronicle's per-queue state costs when a thread moves
 * between queues on every append. With {@code readAhead=true} it also shows the stall that the first writes to new
 * pages of many memory-mapped journals cause where the journal's disk reads far ahead: each such page fault reads
 * ahead and zero-fills up to {@code read_ahead_kb} of the sparse file on the appending thread (8 MB on the test VM:
 * iterations of 11–20 ms per append instead of ~480 ns). The default, {@code readAhead=false}, is the journal's own
 * default: its writer opts out of read-ahead (README, "Operating a node: the journal's disk"). It writes about
 * 200–300 MB per second of measurement into the temp directory (a few GB for a dozen iterations), all of it deleted
 * when the trial ends.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ManyJournalsAppendBenchmark
{
    @Param({ "1", "271" })
    int journals;

    /** The journal's default (false) advises its writer's mappings against read-ahead; true keeps the kernel's. */
    @Param({ "false", "true" })
    boolean readAhead;

    private File dir;
    private PartitionJournal[] open;
    private UnsafeBuffer operation;
    private int next;

    @Setup(Level.Trial)
    public void openJournals() throws IOException
    {
        dir = Files.createTempDirectory("leasegrid-jmh-journals").toFile();
        open = new PartitionJournal[journals];
        for (int i = 0; i < journals; i++)
        {
            open[i] = PartitionJournal.open(new JournalContext()
                .journalDir(new File(dir, Integer.toString(i)).getPath()).partitionId(i).readAhead(readAhead));
        }
        operation = new UnsafeBuffer(new byte[64]);
    }

    @TearDown(Level.Trial)
    public void closeJournals()
    {
        CloseHelper.closeAll(open);
        IoUtil.delete(dir, true);
    }

    @Benchmark
    public long appendRoundRobin()
    {
        final PartitionJournal journal = open[next];
        next = next + 1 == journals ? 0 : next + 1;
        return journal.append(1, 42, 43, operation, 0, operation.capacity());
    }
}
