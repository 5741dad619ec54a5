package io.leasegrid.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link LoadPoint} against one system: one thread per client, each with one operation outstanding, or
 * in a pipelined point one batch of {@code depth} operations sent together and then awaited together.
 * <p>
 * Open loop: client {@code i} of {@code n} sends operation {@code k} at {@code start + (i + k * n) / rate}, its
 * intended send time, whether or not earlier answers came back, and its latency is counted from that intended
 * time. A slow answer therefore delays the next sends and their latency shows it: no coordinated omission.
 * Closed loop: each client sends again as soon as it is answered; latency is counted from the actual send.
 * <p>
 * A system that cannot keep up is given one second after the end to work off its queue; operations still unsent
 * then are recorded with the time they had waited (a lower bound). The achieved rate counts only operations
 * answered within the measured time.
 * <p>
 * The first {@code warmup} is run and not recorded. Every second of the measured part is written to an
 * HdrHistogram log ({@code .hdr}) and shown as a progress line. In open loop the lag between intended and actual
 * send is recorded apart: it tells a late load generator (its threads woken late) from a slow system.
 */
final class LoadRun
{
    private static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long PROGRESS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long SPIN_MARGIN_NS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final long STOP_GRACE_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long DRAIN_LIMIT_NS = TimeUnit.SECONDS.toNanos(1);

    private final SystemUnderTest system;
    private final LoadPoint point;
    private final PrintStream progress;
    private final Recorder recorder = new Recorder(HIGHEST_TRACKABLE_NS, 3);
    private final Recorder sendLag = new Recorder(HIGHEST_TRACKABLE_NS, 3);
    private final AtomicLong errors = new AtomicLong();
    private final LongAdder completedInWindow = new LongAdder();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private long measureStartNs;
    private long measureEndNs;

    LoadRun(final SystemUnderTest system, final LoadPoint point, final PrintStream progress)
    {
        this.system = system;
        this.point = point;
        this.progress = progress;
    }

    RunResult run(final File hdrFile) throws Exception
    {
        final List<Worker> workers = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        try
        {
            for (int i = 0; i < point.concurrency(); i++)
            {
                workers.add(system.worker(point.workload(), i));
            }
            // Setting up the clients left garbage (names, buffers); collect it now rather than during the run.
            System.gc();
            final long startNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            measureStartNs = startNs + point.warmupNs();
            measureEndNs = measureStartNs + point.durationNs();
            for (int i = 0; i < workers.size(); i++)
            {
                final int index = i;
                final Worker worker = workers.get(i);
                final Thread thread = new Thread(() -> drive(worker, index, startNs), "load-" + system.name() + "-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
            final Histogram total = record(hdrFile, threads);
            if (null != failure.get())
            {
                throw new IllegalStateException(system.name() + " failed at " + point.describe(), failure.get());
            }
            final double seconds = point.durationNs() / 1e9;
            return new RunResult(system.name(), system.mode(), point, total, errors.get(),
                completedInWindow.sum() / seconds, hdrFile.getName(), sendLag.getIntervalHistogram());
        }
        finally
        {
            for (final Thread thread : threads)
            {
                thread.interrupt();
            }
            // A worker is closed only once its thread has left it (an operation ends within its own timeout).
            waitUntil(System.nanoTime() + STOP_GRACE_NS, threads);
            for (final Worker worker : workers)
            {
                worker.close();
            }
        }
    }

    private Histogram record(final File hdrFile, final List<Thread> threads) throws Exception
    {
        final Histogram total = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        Histogram interval = null;
        try (PrintStream log = new PrintStream(hdrFile, "US-ASCII"))
        {
            final HistogramLogWriter writer = new HistogramLogWriter(log);
            writer.outputLogFormatVersion();
            writer.outputComment(system.name() + " (" + system.mode() + "): " + point.describe() +
                "; latency in nanoseconds");
            writer.outputLegend();
            // No reset here: clients record only operations due at or after the start of measurement.
            waitUntil(measureStartNs, threads);
            final long wallStartMs = System.currentTimeMillis();
            writer.outputStartTime(wallStartMs);
            writer.setBaseTime(wallStartMs);
            long nextReportNs = measureStartNs + PROGRESS_INTERVAL_NS;
            final long stopNs = measureEndNs + STOP_GRACE_NS;
            int second = 0;
            while (anyAlive(threads) && System.nanoTime() - stopNs < 0)
            {
                final long nowNs = System.nanoTime();
                if (nowNs - nextReportNs >= 0)
                {
                    nextReportNs += PROGRESS_INTERVAL_NS;
                    interval = recorder.getIntervalHistogram(interval);
                    total.add(interval);
                    writer.outputIntervalHistogram(interval);
                    second++;
                    if (nowNs - measureEndNs <= 0)
                    {
                        progress.printf("    %-14s %2d/%ds %,9d ops/s  p50 %8.1f us  p99 %9.1f us  errors %d%n",
                            system.name(), second, TimeUnit.NANOSECONDS.toSeconds(point.durationNs()),
                            interval.getTotalCount(), interval.getValueAtPercentile(50) / 1e3,
                            interval.getValueAtPercentile(99) / 1e3, errors.get());
                    }
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            if (anyAlive(threads))
            {
                throw new IllegalStateException(system.name() + " clients still busy 10 s after the end of " +
                    point.describe());
            }
            interval = recorder.getIntervalHistogram(interval);
            total.add(interval);
            writer.outputIntervalHistogram(interval);
        }
        return total;
    }

    private void drive(final Worker worker, final int index, final long startNs)
    {
        final int clients = point.concurrency();
        final boolean closedLoop = point.closedLoop();
        final int depth = point.depth();
        final double intervalNs = closedLoop ? 0 : 1e9 * clients / point.offeredRate();
        final long offsetNs = closedLoop ? 0 : (long)(1e9 * index / point.offeredRate());
        try
        {
            for (long sequence = 0; ; sequence++)
            {
                final long intendedNs = closedLoop ? System.nanoTime() : startNs + offsetNs + (long)(sequence * intervalNs);
                if (intendedNs - measureEndNs >= 0 || Thread.currentThread().isInterrupted())
                {
                    return;
                }
                if (!closedLoop && System.nanoTime() - (measureEndNs + DRAIN_LIMIT_NS) > 0)
                {
                    recordUnsent(sequence, startNs + offsetNs, intervalNs);
                    return;
                }
                if (!closedLoop)
                {
                    waitUntil(intendedNs);
                    if (intendedNs - measureStartNs >= 0)
                    {
                        sendLag.recordValue(Math.min(Math.max(0, System.nanoTime() - intendedNs), HIGHEST_TRACKABLE_NS));
                    }
                }
                final int succeeded = 1 == depth ? (worker.execute(sequence) ? 1 : 0) :
                    worker.executeBatch(sequence, depth);
                final long endNs = System.nanoTime();
                if (intendedNs - measureStartNs >= 0)
                {
                    if (succeeded > 0)
                    {
                        // Every operation of a batch waited for the whole batch: each is recorded with its time.
                        recorder.recordValueWithCount(Math.min(endNs - intendedNs, HIGHEST_TRACKABLE_NS), succeeded);
                        if (endNs - measureEndNs <= 0)
                        {
                            completedInWindow.add(succeeded);
                        }
                    }
                    if (succeeded < depth)
                    {
                        errors.addAndGet(depth - succeeded);
                    }
                }
                sequence += depth - 1;
            }
        }
        catch (final Throwable ex)
        {
            failure.compareAndSet(null, ex);
        }
    }

    /**
     * A system that fell far behind still owes operations due before the end. Rather than drop them (which would
     * flatter its tail), record each with the time it has waited so far: a lower bound of its latency.
     */
    private void recordUnsent(final long fromSequence, final long firstIntendedNs, final double intervalNs)
    {
        final long nowNs = System.nanoTime();
        for (long sequence = fromSequence; ; sequence++)
        {
            final long intendedNs = firstIntendedNs + (long)(sequence * intervalNs);
            if (intendedNs - measureEndNs >= 0)
            {
                return;
            }
            if (intendedNs - measureStartNs >= 0)
            {
                recorder.recordValue(Math.min(nowNs - intendedNs, HIGHEST_TRACKABLE_NS));
            }
        }
    }

    /**
     * Sleep until shortly before {@code deadlineNs}, then yield: parking alone wakes up tens of microseconds late,
     * and spinning would hold a core the systems under test need.
     */
    private static void waitUntil(final long deadlineNs)
    {
        long remainingNs;
        while ((remainingNs = deadlineNs - System.nanoTime()) > SPIN_MARGIN_NS)
        {
            LockSupport.parkNanos(remainingNs - SPIN_MARGIN_NS);
        }
        while (deadlineNs - System.nanoTime() > 0)
        {
            Thread.yield();
        }
    }

    private void waitUntil(final long deadlineNs, final List<Thread> threads)
    {
        while (System.nanoTime() - deadlineNs < 0 && anyAlive(threads))
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static boolean anyAlive(final List<Thread> threads)
    {
        for (final Thread thread : threads)
        {
            if (thread.isAlive())
            {
                return true;
            }
        }
        return false;
    }
}
