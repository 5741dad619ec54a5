package io.leasegrid.node.membership;

/**
 * The phi-accrual failure detector for one peer: instead of a yes/no timeout it gives a suspicion level, phi, from
 * how late the next heartbeat is compared with the intervals seen so far. phi = -log10(P(a heartbeat comes this late
 * or later)), with the intervals taken as normally distributed over a sliding window: phi 1 means a 10% chance that
 * the peer is merely slow, phi 8 one in 10^8. The mean is raised by an acceptable pause (a GC, a scheduler hiccup)
 * and the deviation never falls below a floor, so a perfectly regular peer is not suspected after a few extra
 * microseconds.
 * <p>
 * Times are the caller's monotonic nanoseconds (inject a clock in tests). Not thread safe; allocation free after
 * construction. Suspicion only informs: safety never rests on it.
 */
public final class PhiAccrualDetector
{
    /** Bounds phi where the tail probability underflows a double: "certainly down". */
    public static final double MAX_PHI = 300.0;

    private final long[] intervalsNs;
    private final double minStdDevNs;
    private final double acceptablePauseNs;
    private int count;
    private int next;
    private double sum;
    private double sumOfSquares;
    private long lastHeartbeatNs;
    private boolean heard;

    /**
     * @param windowSize             intervals remembered.
     * @param firstIntervalEstimateNs the interval assumed before any has been seen (the heartbeat interval).
     * @param minStdDevNs            floor of the deviation.
     * @param acceptablePauseNs      added to the mean interval.
     */
    public PhiAccrualDetector(
        final int windowSize, final long firstIntervalEstimateNs, final long minStdDevNs, final long acceptablePauseNs)
    {
        if (windowSize < 2 || firstIntervalEstimateNs <= 0 || minStdDevNs <= 0 || acceptablePauseNs < 0)
        {
            throw new IllegalArgumentException("window of at least 2, positive first interval and deviation floor, " +
                "non-negative pause required: " + windowSize + ", " + firstIntervalEstimateNs + ", " + minStdDevNs +
                ", " + acceptablePauseNs);
        }
        this.intervalsNs = new long[windowSize];
        this.minStdDevNs = minStdDevNs;
        this.acceptablePauseNs = acceptablePauseNs;
        // Seeded with two intervals around the estimate, so the first real ones do not meet a zero deviation.
        final long spread = firstIntervalEstimateNs / 4;
        add(firstIntervalEstimateNs - spread);
        add(firstIntervalEstimateNs + spread);
    }

    /**
     * A heartbeat (or any message) from the peer arrived at {@code nowNs}.
     */
    public void heartbeat(final long nowNs)
    {
        if (heard)
        {
            final long intervalNs = nowNs - lastHeartbeatNs;
            if (intervalNs > 0)
            {
                add(intervalNs);
            }
        }
        heard = true;
        lastHeartbeatNs = nowNs;
    }

    /**
     * @return the suspicion level at {@code nowNs}; 0 before the first heartbeat (nothing to judge by).
     */
    public double phi(final long nowNs)
    {
        if (!heard)
        {
            return 0.0;
        }
        final double mean = sum / count + acceptablePauseNs;
        final double variance = Math.max(0.0, sumOfSquares / count - (sum / count) * (sum / count));
        final double stdDev = Math.max(Math.sqrt(variance), minStdDevNs);
        final double y = (nowNs - lastHeartbeatNs - mean) / stdDev;
        // A logistic approximation of the normal tail (error below 1.4e-4), cheap and stable far into the tail.
        final double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        final double tail = y > 0 ? e / (1.0 + e) : 1.0 - 1.0 / (1.0 + e);
        return tail <= 0.0 ? MAX_PHI : Math.min(MAX_PHI, -Math.log10(tail));
    }

    /**
     * @return true while phi is below {@code threshold}.
     */
    public boolean isAvailable(final long nowNs, final double threshold)
    {
        return phi(nowNs) < threshold;
    }

    private void add(final long intervalNs)
    {
        if (count == intervalsNs.length)
        {
            final long oldest = intervalsNs[next];
            sum -= oldest;
            sumOfSquares -= (double)oldest * oldest;
        }
        else
        {
            count++;
        }
        intervalsNs[next] = intervalNs;
        next = (next + 1) % intervalsNs.length;
        sum += intervalNs;
        sumOfSquares += (double)intervalNs * intervalNs;
    }
}
