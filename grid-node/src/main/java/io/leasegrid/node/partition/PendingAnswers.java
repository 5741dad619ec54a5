package io.leasegrid.node.partition;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Answers a partition decided but may not send yet: each is held, encoded, with the journal position it depends on
 * until the partition's commit position reaches that position. Released in the order they were decided.
 * <pre>
 *   record: | position (8) | session id (8) | answer (an encoded SBE message) |
 * </pre>
 * Owned by the partition's shard; allocates only when it grows.
 */
public final class PendingAnswers
{
    /**
     * Bytes in front of each answer.
     */
    public static final int HEADER_LENGTH = 16;

    /**
     * Where a released answer goes.
     */
    @FunctionalInterface
    public interface Releaser
    {
        /**
         * Send one answer; the buffer is valid only during the call.
         */
        void release(long sessionId, DirectBuffer buffer, int offset, int length);
    }

    private static final int INITIAL_CAPACITY = 4096;
    private static final int MAX_CAPACITY = 64 * 1024 * 1024;

    private final ExpandableRingBuffer ring = new ExpandableRingBuffer(INITIAL_CAPACITY, MAX_CAPACITY, true);
    private Releaser releaser;
    private long commitPosition;
    private int released;
    private final ExpandableRingBuffer.MessageConsumer consumer = this::onRecord;

    /**
     * @return true when nothing waits.
     */
    public boolean isEmpty()
    {
        return ring.isEmpty();
    }

    /**
     * @return bytes held.
     */
    public int size()
    {
        return ring.size();
    }

    /**
     * Hold an answer encoded at {@code buffer[offset + HEADER_LENGTH, offset + HEADER_LENGTH + length)}; the header in
     * front of it is filled here.
     *
     * @return false when the queue is full (the answer is dropped).
     */
    public boolean add(
        final long position, final long sessionId, final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.putLong(offset, position);
        buffer.putLong(offset + 8, sessionId);
        return ring.append(buffer, offset, HEADER_LENGTH + length);
    }

    /**
     * Drop every answer held: they depend on entries that will never commit here (the partition failed). Their
     * clients time out, not knowing the outcome, which is the truth.
     *
     * @return bytes dropped.
     */
    public int dropAll()
    {
        final int size = ring.size();
        ring.reset(INITIAL_CAPACITY);
        return size;
    }

    /**
     * Release, in order, every answer whose position is at most {@code commitPosition}.
     *
     * @return answers released.
     */
    public int release(final long commitPosition, final Releaser releaser)
    {
        if (ring.isEmpty())
        {
            return 0;
        }
        this.commitPosition = commitPosition;
        this.releaser = releaser;
        released = 0;
        ring.consume(consumer, Integer.MAX_VALUE);
        this.releaser = null;
        return released;
    }

    private boolean onRecord(final MutableDirectBuffer buffer, final int offset, final int length, final int headOffset)
    {
        if (buffer.getLong(offset) > commitPosition)
        {
            return false;
        }
        releaser.release(buffer.getLong(offset + 8), buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH);
        released++;
        return true;
    }
}
