package io.leasegrid.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionerTest
{
    /**
     * The contract between client and node: these names land on these partitions of a 271-partition grid,
     * forever. Expected values are {@code xxh64(hashed part) mod 271}, worked out from xxhsum's output.
     */
    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(value =
    {
        "'', 171",
        "AAPL, 6",
        "MSFT, 123",
        "GOOG, 65",
        "user:1000, 33",
        "IBM.N, 24",
        "lease/orders/eu-west, 51",
        "{AAPL}, 6",
        "price:{AAPL}, 6",
        "feed:{AAPL}:primary, 6",
        "a{b}c{d}, 251",
        "{}x, 33",
    })
    void shouldPinNameToPartitionVectors(final String name, final int expectedPartition)
    {
        assertEquals(expectedPartition, Partitioner.partition(bytes(name), Partitioner.DEFAULT_PARTITION_COUNT));
    }

    @Test
    void shouldHashWholeNameWhenTagIsEmptyOrUnclosed()
    {
        final int count = Partitioner.DEFAULT_PARTITION_COUNT;
        assertEquals(
            (int)Long.remainderUnsigned(KeyHash.hash(bytes("x{AAPL")), count), Partitioner.partition(bytes("x{AAPL"), count));
        assertEquals(
            (int)Long.remainderUnsigned(KeyHash.hash(bytes("{}AAPL")), count), Partitioner.partition(bytes("{}AAPL"), count));
    }

    @Test
    void shouldSpreadKeysEvenlyOverPartitions()
    {
        final int partitions = Partitioner.DEFAULT_PARTITION_COUNT;
        final int keys = 271_000;
        final int[] counts = new int[partitions];
        for (int i = 0; i < keys; i++)
        {
            counts[Partitioner.partition(bytes("SYM" + i), partitions)]++;
        }

        // Chi-square with 270 degrees of freedom: mean 270, standard deviation about 23; 400 is beyond 5 sigma.
        final double expected = (double)keys / partitions;
        double chiSquare = 0;
        for (final int count : counts)
        {
            chiSquare += (count - expected) * (count - expected) / expected;
        }
        assertTrue(chiSquare < 400, "chi-square " + chiSquare);
    }

    @Test
    void shouldRejectPartitionCountOutOfRange()
    {
        assertThrows(IllegalArgumentException.class, () -> Partitioner.partition(bytes("a"), 0));
        assertThrows(IllegalArgumentException.class, () -> Partitioner.partition(bytes("a"), LeaseIds.MAX_PARTITIONS + 1));
        assertEquals(0, Partitioner.partition(bytes("anything"), 1));
    }

    private static byte[] bytes(final String name)
    {
        return name.getBytes(StandardCharsets.UTF_8);
    }
}
