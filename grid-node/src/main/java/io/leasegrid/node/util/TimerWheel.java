package io.leasegrid.node.util;

import java.util.ArrayList;

/**
 * A hashed timing wheel of intrusive lists, sized so that one turn covers the longest usual deadline: a node sits
 * in the slot of its deadline's tick and is looked at once per turn, so millions of long-lived lease timers cost
 * memory proportional to their number and O(1) to schedule, move or cancel.
 * <p>
 * A timer fires on the first {@link #poll} after the end of its deadline's tick: never early, at most one tick late.
 * Handlers may schedule or cancel any node, including the one firing. Not thread safe: owned by one shard.
 */
public final class TimerWheel
{
    /**
     * Receives each due node.
     */
    @FunctionalInterface
    public interface Handler
    {
        /**
         * @param node  whose deadline has passed; it is no longer scheduled.
         * @param nowNs time of the poll.
         */
        void onTimer(TimerNode node, long nowNs);
    }

    private final int tickShift;
    private final int mask;
    private final TimerNode[] slots;
    private final ArrayList<TimerNode> due = new ArrayList<>();
    private long currentTick;
    private long count;

    /**
     * @param tickNs    tick length, a power of two nanoseconds.
     * @param slotCount number of slots, a power of two; {@code tickNs * slotCount} is the span of one turn.
     * @param startNs   time the wheel starts at.
     */
    public TimerWheel(final long tickNs, final int slotCount, final long startNs)
    {
        if (Long.bitCount(tickNs) != 1 || Integer.bitCount(slotCount) != 1)
        {
            throw new IllegalArgumentException("tick and slot count must be powers of two: " + tickNs + ", " + slotCount);
        }
        tickShift = Long.numberOfTrailingZeros(tickNs);
        mask = slotCount - 1;
        slots = new TimerNode[slotCount];
        currentTick = startNs >> tickShift;
    }

    /**
     * @return number of scheduled timers.
     */
    public long count()
    {
        return count;
    }

    /**
     * Schedule {@code node} for {@code deadlineNs}, moving it if already scheduled.
     */
    public void schedule(final TimerNode node, final long deadlineNs)
    {
        if (node.timerSlot >= 0)
        {
            unlink(node);
        }
        node.timerDeadlineNs = deadlineNs;
        final long tick = Math.max(deadlineNs >> tickShift, currentTick);
        final int slot = (int)(tick & mask);
        final TimerNode head = slots[slot];
        node.previousTimer = null;
        node.nextTimer = head;
        if (null != head)
        {
            head.previousTimer = node;
        }
        slots[slot] = node;
        node.timerSlot = slot;
        count++;
    }

    /**
     * Cancel {@code node}'s timer; nothing happens when it has none.
     */
    public void cancel(final TimerNode node)
    {
        if (node.timerSlot >= 0)
        {
            unlink(node);
        }
        node.timerSlot = TimerNode.IDLE;
    }

    /**
     * Fire every timer whose tick has ended by {@code nowNs}.
     *
     * @return number of timers fired.
     */
    public int poll(final long nowNs, final Handler handler)
    {
        int fired = 0;
        final long lastEndedTick = (nowNs >> tickShift) - 1;
        while (currentTick <= lastEndedTick)
        {
            final int slot = (int)(currentTick & mask);
            for (TimerNode node = slots[slot]; null != node; )
            {
                final TimerNode next = node.nextTimer;
                if ((node.timerDeadlineNs >> tickShift) <= currentTick)
                {
                    unlink(node);
                    node.timerSlot = TimerNode.DUE;
                    due.add(node);
                }
                node = next;
            }
            currentTick++;

            for (int i = 0, size = due.size(); i < size; i++)
            {
                final TimerNode node = due.get(i);
                if (TimerNode.DUE == node.timerSlot)
                {
                    node.timerSlot = TimerNode.IDLE;
                    fired++;
                    handler.onTimer(node, nowNs);
                }
            }
            due.clear();
        }
        return fired;
    }

    private void unlink(final TimerNode node)
    {
        if (null == node.previousTimer)
        {
            slots[node.timerSlot] = node.nextTimer;
        }
        else
        {
            node.previousTimer.nextTimer = node.nextTimer;
        }
        if (null != node.nextTimer)
        {
            node.nextTimer.previousTimer = node.previousTimer;
        }
        node.nextTimer = null;
        node.previousTimer = null;
        node.timerSlot = TimerNode.IDLE;
        count--;
    }
}
