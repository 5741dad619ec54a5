package io.leasegrid.codec;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The 64-bit hash of a key or resource name, shared by client and node so that both place a key on the
 * same partition.
 * <p>
 * The function is XXH64 with seed 0 (Yann Collet's xxHash, 64-bit variant): fast on short keys, good
 * avalanche, and specified publicly, so any other implementation of the grid protocol can reproduce it.
 * {@code KeyHashTest} pins its output against vectors produced by the reference {@code xxhsum -H1}.
 * <p>
 * Stateless and thread-safe; allocation free for {@link DirectBuffer} input.
 */
public final class KeyHash
{
    private static final long PRIME_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long PRIME_3 = 0x165667B19E3779F9L;
    private static final long PRIME_4 = 0x85EBCA77C2B2AE63L;
    private static final long PRIME_5 = 0x27D4EB2F165667C5L;
    private static final int STRIPE_LENGTH = 32;

    private KeyHash()
    {
    }

    /**
     * Hash of {@code bytes}; a convenience that wraps the array, so prefer
     * {@link #hash(DirectBuffer, int, int)} on a hot path.
     *
     * @param bytes of the key.
     * @return the 64-bit hash.
     */
    public static long hash(final byte[] bytes)
    {
        return hash(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Hash of {@code length} bytes of {@code buffer} starting at {@code offset}.
     *
     * @param buffer holding the key.
     * @param offset of the first byte.
     * @param length in bytes.
     * @return the 64-bit hash.
     */
    public static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        int index = offset;
        long hash;

        if (length >= STRIPE_LENGTH)
        {
            long v1 = PRIME_1 + PRIME_2;
            long v2 = PRIME_2;
            long v3 = 0;
            long v4 = -PRIME_1;
            final int limit = end - STRIPE_LENGTH;
            do
            {
                v1 = round(v1, buffer.getLong(index, ByteOrder.LITTLE_ENDIAN));
                v2 = round(v2, buffer.getLong(index + 8, ByteOrder.LITTLE_ENDIAN));
                v3 = round(v3, buffer.getLong(index + 16, ByteOrder.LITTLE_ENDIAN));
                v4 = round(v4, buffer.getLong(index + 24, ByteOrder.LITTLE_ENDIAN));
                index += STRIPE_LENGTH;
            }
            while (index <= limit);

            hash = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            hash = mergeRound(hash, v1);
            hash = mergeRound(hash, v2);
            hash = mergeRound(hash, v3);
            hash = mergeRound(hash, v4);
        }
        else
        {
            hash = PRIME_5;
        }

        hash += length;

        while (index + 8 <= end)
        {
            hash ^= round(0, buffer.getLong(index, ByteOrder.LITTLE_ENDIAN));
            hash = Long.rotateLeft(hash, 27) * PRIME_1 + PRIME_4;
            index += 8;
        }

        if (index + 4 <= end)
        {
            hash ^= (buffer.getInt(index, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL) * PRIME_1;
            hash = Long.rotateLeft(hash, 23) * PRIME_2 + PRIME_3;
            index += 4;
        }

        while (index < end)
        {
            hash ^= (buffer.getByte(index) & 0xFFL) * PRIME_5;
            hash = Long.rotateLeft(hash, 11) * PRIME_1;
            index++;
        }

        hash ^= hash >>> 33;
        hash *= PRIME_2;
        hash ^= hash >>> 29;
        hash *= PRIME_3;
        hash ^= hash >>> 32;

        return hash;
    }

    private static long round(final long accumulator, final long input)
    {
        return Long.rotateLeft(accumulator + input * PRIME_2, 31) * PRIME_1;
    }

    private static long mergeRound(final long accumulator, final long value)
    {
        return (accumulator ^ round(0, value)) * PRIME_1 + PRIME_4;
    }
}
