package io.leasegrid.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SipHashTest
{
    private static final byte[] KEY = new byte[16];

    static
    {
        for (int i = 0; i < KEY.length; i++)
        {
            KEY[i] = (byte)i;
        }
    }

    @Test
    void shouldMatchTheReferenceVectors()
    {
        // From the SipHash paper (message 00..0e) and the reference implementation's vectors.h (lengths 0, 1, 8, 63).
        assertEquals(0xa129ca6149be45e5L, hashOfFirstBytes(15));
        assertEquals(0x726fdb47dd0e0e31L, hashOfFirstBytes(0));
        assertEquals(0x74f839c593dc67fdL, hashOfFirstBytes(1));
        assertEquals(0x93f5f5799a932462L, hashOfFirstBytes(8));
        assertEquals(0x958a324ceb064572L, hashOfFirstBytes(63));
    }

    @Test
    void shouldHashAtAnyOffset()
    {
        final UnsafeBuffer shifted = new UnsafeBuffer(new byte[100]);
        for (int i = 0; i < 15; i++)
        {
            shifted.putByte(37 + i, (byte)i);
        }
        assertEquals(0xa129ca6149be45e5L,
            SipHash.hash(SessionKeys.k0(KEY), SessionKeys.k1(KEY), shifted, 37, 15));
    }

    private static long hashOfFirstBytes(final int length)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[Math.max(1, length)]);
        for (int i = 0; i < length; i++)
        {
            message.putByte(i, (byte)i);
        }
        return SipHash.hash(SessionKeys.k0(KEY), SessionKeys.k1(KEY), message, 0, length);
    }
}
