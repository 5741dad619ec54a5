package io.leasegrid.node.util;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerWheelTest
{
    private static final long TICK = 1L << 20;

    static final class Node extends TimerNode
    {
        final int id;

        Node(final int id)
        {
            this.id = id;
        }
    }

    @Test
    void shouldFireNeverEarlyAndAtMostOneTickLate()
    {
        final TimerWheel wheel = new TimerWheel(TICK, 64, 0);
        final Random random = new Random(1);
        final List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 5_000; i++)
        {
            final Node node = new Node(i);
            wheel.schedule(node, random.nextInt(1_000) * TICK / 3 + random.nextInt(1000));
            nodes.add(node);
        }
        assertEquals(5_000, wheel.count());

        final long[] firedAt = new long[5_000];
        for (long now = 0; now < 400 * TICK; now += TICK / 4)
        {
            wheel.poll(now, (node, nowNs) -> firedAt[((Node)node).id] = nowNs);
        }
        for (final Node node : nodes)
        {
            final long at = firedAt[node.id];
            assertTrue(at >= node.timerDeadlineNs(), "fired early: " + node.id);
            assertTrue(at - node.timerDeadlineNs() <= 2 * TICK, "fired late: " + (at - node.timerDeadlineNs()));
            assertFalse(node.isTimerScheduled());
        }
        assertEquals(0, wheel.count());
    }

    @Test
    void shouldKeepTimersBeyondOneTurnUntilTheirTurnComes()
    {
        final TimerWheel wheel = new TimerWheel(TICK, 8, 0);
        final Node far = new Node(0);
        wheel.schedule(far, 100 * TICK);
        final List<Long> fired = new ArrayList<>();
        wheel.poll(99 * TICK, (node, now) -> fired.add(now));
        assertEquals(List.of(), fired);
        wheel.poll(101 * TICK, (node, now) -> fired.add(now));
        assertEquals(List.of(101 * TICK), fired);
    }

    @Test
    void shouldLetHandlersCancelAndRescheduleOtherTimers()
    {
        final TimerWheel wheel = new TimerWheel(TICK, 16, 0);
        final Node first = new Node(1);
        final Node second = new Node(2);
        final Node third = new Node(3);
        wheel.schedule(first, TICK / 2);
        wheel.schedule(second, TICK / 2);
        wheel.schedule(third, TICK / 2);
        final List<Integer> fired = new ArrayList<>();
        wheel.poll(2 * TICK, (node, now) ->
        {
            fired.add(((Node)node).id);
            if (node != second)
            {
                wheel.cancel(second);
            }
            if (node == first || node == third)
            {
                wheel.schedule(node == first ? third : first, 10 * TICK);
            }
        });
        assertEquals(1, fired.size(), "the first handler cancelled one and moved the other: " + fired);
        assertEquals(1, wheel.count());
        wheel.cancel(first);
        wheel.cancel(third);
        assertEquals(0, wheel.count());
    }
}
