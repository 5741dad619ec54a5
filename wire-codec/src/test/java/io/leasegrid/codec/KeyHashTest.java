package io.leasegrid.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KeyHashTest
{
    /**
     * Expected values printed by the reference implementation: {@code printf '%s' KEY | xxhsum -H1} (xxhsum 0.8.1).
     */
    @ParameterizedTest(name = "xxh64(\"{0}\")")
    @CsvSource(value =
    {
        "'', ef46db3751d8e999",
        "a, d24ec4f1a98c6e5b",
        "abc, 44bc2cf5ad770999",
        "AAPL, 1c9b6caa0237cc64",
        "MSFT, a02ecb3f3146d925",
        "{AAPL}, 6e851eaac341b90f",
        "GOOG, f6092d65f852fd31",
        "Nobody inspects the spammish repetition, fbcea83c8a378bf1",
        "0123456789abcdef0123456789abcdef0123456789, a76190c3acf08a1c",
    })
    void shouldMatchReferenceXxh64(final String key, final String expectedHex)
    {
        assertEquals(Long.parseUnsignedLong(expectedHex, 16), KeyHash.hash(key.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldHashTheSameBytesTheSameWayAtAnyOffsetAndInAnyBuffer()
    {
        final byte[] key = "0123456789abcdef0123456789abcdef0123456789-price:{AAPL}".getBytes(StandardCharsets.US_ASCII);
        final long expected = KeyHash.hash(key);

        for (int offset = 0; offset < 9; offset++)
        {
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(key.length + offset));
            direct.putBytes(offset, key);
            assertEquals(expected, KeyHash.hash(direct, offset, key.length), "direct at offset " + offset);

            final UnsafeBuffer heap = new UnsafeBuffer(new byte[key.length + offset]);
            heap.putBytes(offset, key);
            assertEquals(expected, KeyHash.hash(heap, offset, key.length), "heap at offset " + offset);
        }
    }
}
