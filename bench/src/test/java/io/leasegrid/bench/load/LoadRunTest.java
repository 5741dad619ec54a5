package io.leasegrid.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.PrintStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadRunTest
{
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    File dir;

    @Test
    void shouldCountLatencyFromTheIntendedSendTimeSoAStallIsNotHidden() throws Exception
    {
        // One client at 1,000 ops/s; the system stalls 200 ms once. A closed-loop view would record one slow
        // operation; the ~200 operations that were due during the stall must all show their wait.
        final AtomicBoolean stalled = new AtomicBoolean();
        final FakeSystem system = new FakeSystem(sequence ->
        {
            if (sequence == 300 && stalled.compareAndSet(false, true))
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            return true;
        });
        final LoadPoint point = new LoadPoint(Workload.GET, 1, 1_000, 0, TimeUnit.SECONDS.toNanos(1));
        final RunResult result = new LoadRun(system, point, QUIET).run(new File(dir, "stall.hdr"));

        assertTrue(stalled.get());
        final Histogram latency = result.histogram();
        final long overTenMs = latency.getCountBetweenValues(TimeUnit.MILLISECONDS.toNanos(10), Long.MAX_VALUE / 2);
        assertTrue(overTenMs >= 150, "operations that waited behind the stall: " + overTenMs);
        assertTrue(latency.getMaxValue() >= TimeUnit.MILLISECONDS.toNanos(190), "max " + latency.getMaxValue());
        assertTrue(result.achievedRate() > 900 && result.achievedRate() < 1_100, "rate " + result.achievedRate());
        assertFalse(result.saturated());
        assertEquals(latency.getTotalCount(), readLog(new File(dir, "stall.hdr")).getTotalCount());
    }

    @Test
    void shouldCountFailuresApartFromLatenciesInClosedLoop() throws Exception
    {
        final FakeSystem system = new FakeSystem(sequence -> sequence % 10 != 0);
        final LoadPoint point = new LoadPoint(Workload.GET, 2, 0, TimeUnit.MILLISECONDS.toNanos(100),
            TimeUnit.MILLISECONDS.toNanos(500));
        final RunResult result = new LoadRun(system, point, QUIET).run(new File(dir, "closed.hdr"));

        final long succeeded = result.histogram().getTotalCount();
        assertTrue(succeeded > 1_000, "closed loop should run flat out: " + succeeded);
        final double failedShare = result.errors() / (double)(result.errors() + succeeded);
        assertTrue(Math.abs(failedShare - 0.1) < 0.02, "failed share " + failedShare);
        assertTrue(result.achievedRate() <= succeeded / 0.5 && result.achievedRate() > 0.9 * succeeded / 0.5,
            "achieved " + result.achievedRate() + " of " + succeeded);
    }

    @Test
    void shouldFlagAnOpenLoopPointTheSystemCannotKeepUpWith() throws Exception
    {
        // Each operation takes 2 ms: one client can do 500/s of the 2,000/s offered.
        final FakeSystem system = new FakeSystem(sequence ->
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            return true;
        });
        final LoadPoint point = new LoadPoint(Workload.GET, 1, 2_000, 0, TimeUnit.MILLISECONDS.toNanos(500));
        final RunResult result = new LoadRun(system, point, QUIET).run(new File(dir, "slow.hdr"));

        assertTrue(result.saturated(), "achieved " + result.achievedRate());
        assertTrue(result.achievedRate() < 700, "achieved " + result.achievedRate());
        assertTrue(result.micros(99) > 100_000, "queueing must show in the tail: " + result.micros(99));
        // Every operation due in the measured half second is accounted for, sent or not.
        assertEquals(1_000, result.histogram().getTotalCount(), 5);
    }

    @Test
    void shouldFailTheRunWhenAClientThrows()
    {
        final FakeSystem system = new FakeSystem(sequence ->
        {
            throw new IllegalStateException("connection reset");
        });
        final LoadPoint point = new LoadPoint(Workload.GET, 1, 0, 0, TimeUnit.MILLISECONDS.toNanos(200));
        final IllegalStateException failure = assertThrows(IllegalStateException.class,
            () -> new LoadRun(system, point, QUIET).run(new File(dir, "fail.hdr")));
        assertEquals("connection reset", failure.getCause().getMessage());
    }

    @Test
    void shouldRecordEveryOperationOfAPipelinedBatchWithTheBatchTime() throws Exception
    {
        // Batches of 8: every 10th operation fails, each batch takes about 1 ms; the default batch runs the
        // operations of the fake one after another, so the sequences it sees show whether batches overlap or skip.
        final java.util.Set<Long> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final FakeSystem system = new FakeSystem(sequence ->
        {
            assertTrue(seen.add(sequence), "sequence " + sequence + " sent twice");
            if (sequence % 8 == 7)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return sequence % 10 != 0;
        });
        final LoadPoint point = new LoadPoint(Workload.LEASE, 1, 0, 0, TimeUnit.MILLISECONDS.toNanos(300), 8);
        final RunResult result = new LoadRun(system, point, QUIET).run(new File(dir, "pipelined.hdr"));

        final long recorded = result.histogram().getTotalCount();
        final long total = recorded + result.errors();
        assertEquals(0, total % 8, "whole batches: " + recorded + " recorded, " + result.errors() + " failed");
        assertTrue(total >= 80, "batches run: " + total / 8);
        assertEquals(total / 10, result.errors(), 1, "every 10th failed");
        assertTrue(result.histogram().getValueAtPercentile(10) >= TimeUnit.MICROSECONDS.toNanos(900),
            "each operation carries its batch's time: " + result.histogram().getValueAtPercentile(10));
        assertTrue(point.label().contains("-d8"), point.label());
    }

    @Test
    void shouldRejectPointsThatMakeNoSense()
    {
        assertThrows(IllegalArgumentException.class, () -> new LoadPoint(Workload.LEASE, 1, 1_000, 0, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> new LoadPoint(Workload.LEASE, 1, 0, 0, 1, 65));
        assertThrows(IllegalArgumentException.class, () -> new LoadPoint(Workload.GET, 0, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LoadPoint(Workload.GET, 1, -5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LoadPoint(Workload.GET, 1, 0, 0, 0));
    }

    static Histogram readLog(final File file) throws Exception
    {
        final HistogramLogReader reader = new HistogramLogReader(file);
        final Histogram total = new Histogram(3);
        Histogram interval;
        while (null != (interval = (Histogram)reader.nextIntervalHistogram()))
        {
            total.add(interval);
        }
        reader.close();
        return total;
    }

    interface Operation
    {
        boolean execute(long sequence) throws Exception;
    }

    static final class FakeSystem implements SystemUnderTest
    {
        private final Operation operation;

        FakeSystem(final Operation operation)
        {
            this.operation = operation;
        }

        public String name()
        {
            return "fake";
        }

        public String mode()
        {
            return "in memory";
        }

        public boolean supports(final Workload workload, final int concurrency)
        {
            return true;
        }

        public void prepare(final Workload workload)
        {
        }

        public Worker worker(final Workload workload, final int index)
        {
            return operation::execute;
        }

        public void close()
        {
        }
    }
}
