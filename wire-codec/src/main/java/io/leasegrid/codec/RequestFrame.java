package io.leasegrid.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout of an authenticated request frame: the SBE message, then a sequence and a SipHash-2-4 tag under the
 * session key over every byte before the tag.
 * <pre>
 *   0                 messageLength       +8                  +16
 *  +-------------------+-------------------+-------------------+
 *  | SBE message       | sequence (LE)     | tag (LE)          |
 *  +-------------------+-------------------+-------------------+
 *  |&lt;=========== covered by the tag =========&gt;|
 * </pre>
 * The sequence rises by one with every frame of the session, so the node refuses a replayed frame; the tag makes
 * a frame from anyone without the session key worthless. Stateless and thread-safe; allocates nothing.
 */
public final class RequestFrame
{
    /**
     * Bytes after the SBE message.
     */
    public static final int TRAILER_LENGTH = 16;

    private RequestFrame()
    {
    }

    /**
     * Write the trailer behind a message encoded at {@code offset}.
     *
     * @return length of the whole frame.
     */
    public static int sign(
        final MutableDirectBuffer buffer,
        final int offset,
        final int messageLength,
        final long sequence,
        final long k0,
        final long k1)
    {
        buffer.putLong(offset + messageLength, sequence, ByteOrder.LITTLE_ENDIAN);
        final long tag = SipHash.hash(k0, k1, buffer, offset, messageLength + 8);
        buffer.putLong(offset + messageLength + 8, tag, ByteOrder.LITTLE_ENDIAN);
        return messageLength + TRAILER_LENGTH;
    }

    /**
     * @return true when the frame carries a trailer and its tag verifies under the key.
     */
    public static boolean verify(final DirectBuffer buffer, final int offset, final int frameLength, final long k0, final long k1)
    {
        if (frameLength < TRAILER_LENGTH)
        {
            return false;
        }
        final long tag = buffer.getLong(offset + frameLength - 8, ByteOrder.LITTLE_ENDIAN);
        return tag == SipHash.hash(k0, k1, buffer, offset, frameLength - 8);
    }

    /**
     * @return the frame's sequence; meaningful once {@link #verify} said true.
     */
    public static long sequence(final DirectBuffer buffer, final int offset, final int frameLength)
    {
        return buffer.getLong(offset + frameLength - TRAILER_LENGTH, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @return length of the message inside a frame.
     */
    public static int messageLength(final int frameLength)
    {
        return frameLength - TRAILER_LENGTH;
    }
}
