package io.leasegrid.journal;

import java.util.Arrays;

/**
 * Maps a journal position to its Chronicle Queue index without a per-entry table.
 * <p>
 * Positions are dense (0, 1, 2, ...) and so are Chronicle sequence numbers within one roll cycle, so the journal
 * is a short list of <em>runs</em>: stretches where index and position advance together. A run ends where a cycle
 * rolls or a discarded range begins. {@code index(p) = run.startIndex + (p - run.startPosition)} for the run
 * holding {@code p}. Appends extend the last run or start a new one; nothing allocates until the run list grows.
 * Not thread safe: owned by the journal's thread.
 */
final class PositionIndex
{
    private long[] startIndex = new long[16];
    private long[] startPosition = new long[16];
    private int count;

    int runCount()
    {
        return count;
    }

    long runStartIndex(final int run)
    {
        return startIndex[run];
    }

    long runStartPosition(final int run)
    {
        return startPosition[run];
    }

    /**
     * Record that the entry at {@code position} is stored at {@code index}.
     */
    void onEntry(final long index, final long position)
    {
        if (count > 0)
        {
            final int last = count - 1;
            if (index - startIndex[last] == position - startPosition[last])
            {
                return;
            }
        }

        if (count == startIndex.length)
        {
            startIndex = Arrays.copyOf(startIndex, count * 2);
            startPosition = Arrays.copyOf(startPosition, count * 2);
        }
        startIndex[count] = index;
        startPosition[count] = position;
        count++;
    }

    /**
     * Queue index of {@code position}; the caller guarantees it lies within the journal's retained positions.
     */
    long indexOf(final long position)
    {
        int low = 0;
        int high = count - 1;
        while (low < high)
        {
            final int mid = (low + high + 1) >>> 1;
            if (startPosition[mid] <= position)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return startIndex[low] + (position - startPosition[low]);
    }

    /**
     * Forget every position after {@code position}.
     */
    void truncateAfter(final long position)
    {
        while (count > 0 && startPosition[count - 1] > position)
        {
            count--;
        }
    }

    /**
     * Forget runs that end before {@code firstPosition}, and trim the one it falls into.
     */
    void dropBefore(final long firstPosition)
    {
        int first = 0;
        while (first + 1 < count && startPosition[first + 1] <= firstPosition)
        {
            first++;
        }
        if (first > 0)
        {
            System.arraycopy(startIndex, first, startIndex, 0, count - first);
            System.arraycopy(startPosition, first, startPosition, 0, count - first);
            count -= first;
        }
        if (count > 0 && startPosition[0] < firstPosition)
        {
            startIndex[0] += firstPosition - startPosition[0];
            startPosition[0] = firstPosition;
        }
    }

    void clear()
    {
        count = 0;
    }
}
