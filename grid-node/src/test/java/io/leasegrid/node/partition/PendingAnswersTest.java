package io.leasegrid.node.partition;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PendingAnswersTest
{
    private final PendingAnswers pending = new PendingAnswers();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
    private final List<Long> released = new ArrayList<>();

    @Test
    void shouldReleaseInOrderOnlyWhatIsCommittedAndDropEverythingWhenThePartitionFails()
    {
        for (long position = 1; position <= 4; position++)
        {
            buffer.putLong(PendingAnswers.HEADER_LENGTH, position * 100);
            assertTrue(pending.add(position, 7, buffer, 0, 8));
        }

        assertEquals(2, pending.release(2, this::onRelease));
        assertEquals(List.of(100L, 200L), released);
        assertEquals(0, pending.release(2, this::onRelease));

        assertTrue(pending.dropAll() > 0);
        assertTrue(pending.isEmpty());
        assertEquals(0, pending.release(Long.MAX_VALUE, this::onRelease));
        assertEquals(List.of(100L, 200L), released);
    }

    private void onRelease(final long sessionId, final DirectBuffer answer, final int offset, final int length)
    {
        assertEquals(7, sessionId);
        released.add(answer.getLong(offset));
    }
}
