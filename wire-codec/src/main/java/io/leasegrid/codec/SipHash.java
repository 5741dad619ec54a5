package io.leasegrid.codec;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit MAC that is fast on short inputs, which is what a
 * request frame is. A 128-bit key is held as two longs, read little-endian as the reference does.
 * <p>
 * Stateless and thread-safe; allocates nothing.
 */
public final class SipHash
{
    private SipHash()
    {
    }

    /**
     * @param k0     first 8 bytes of the key, little-endian.
     * @param k1     last 8 bytes of the key, little-endian.
     * @param buffer holding the message.
     * @param offset of the message.
     * @param length of the message.
     * @return the 64-bit tag.
     */
    public static long hash(final long k0, final long k1, final DirectBuffer buffer, final int offset, final int length)
    {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;

        final int wholeWords = length & ~7;
        for (int i = 0; i < wholeWords; i += 8)
        {
            final long m = buffer.getLong(offset + i, ByteOrder.LITTLE_ENDIAN);
            v3 ^= m;
            for (int round = 0; round < 2; round++)
            {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }

        long last = ((long)length & 0xFF) << 56;
        for (int i = length - 1; i >= wholeWords; i--)
        {
            last |= (buffer.getByte(offset + i) & 0xFFL) << ((i - wholeWords) << 3);
        }
        v3 ^= last;
        for (int round = 0; round < 2; round++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= last;

        v2 ^= 0xFF;
        for (int round = 0; round < 4; round++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
