package io.leasegrid.node.util;

/**
 * Something with a deadline in a {@link TimerWheel}: the wheel links nodes into its slots through these fields,
 * so scheduling and cancelling allocate nothing and cost O(1) however many timers there are.
 */
public abstract class TimerNode
{
    static final int IDLE = -1;
    static final int DUE = -2;

    TimerNode nextTimer;
    TimerNode previousTimer;
    long timerDeadlineNs;
    int timerSlot = IDLE;

    /**
     * @return true while scheduled and not yet fired or cancelled.
     */
    public boolean isTimerScheduled()
    {
        return timerSlot >= 0;
    }

    /**
     * @return the deadline it was last scheduled for.
     */
    public long timerDeadlineNs()
    {
        return timerDeadlineNs;
    }
}
