package io.leasegrid.bench.load;

import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * What one system did at one point: its latency histogram (nanoseconds, successful operations, measured from the
 * intended send time in open loop), the rate it achieved, the operations that failed, and in open loop how late
 * the load generator's threads sent (a wake-up delay on a busy machine, included in the latency).
 */
public record RunResult(
    String system,
    String mode,
    LoadPoint point,
    Histogram histogram,
    long errors,
    double achievedRate,
    String hdrFile,
    Histogram sendLag)
{
    /**
     * An open-loop point the system could not keep up with: what it achieved is well below what was offered, so
     * its latencies describe a growing queue rather than the system.
     */
    public boolean saturated()
    {
        return !point.closedLoop() && achievedRate < 0.95 * point.offeredRate();
    }

    public double micros(final double percentile)
    {
        return histogram.getValueAtPercentile(percentile) / 1_000.0;
    }

    public double sendLagMicros(final double percentile)
    {
        return sendLag.getValueAtPercentile(percentile) / 1_000.0;
    }

    public double maxMicros()
    {
        return histogram.getMaxValue() / 1_000.0;
    }

    public static double toMicros(final long nanos)
    {
        return nanos / (double)TimeUnit.MICROSECONDS.toNanos(1);
    }
}
