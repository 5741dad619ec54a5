package io.leasegrid.codec;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Maps a key or lease resource name to its partition: {@code partition = xxh64(hashedPart) mod partitionCount},
 * with the 64-bit hash taken as unsigned.
 * <p>
 * <b>Hash tags.</b> When a name contains a non-empty {@code {...}} section, only the bytes between the first
 * {@code '{'} and the first {@code '}'} after it are hashed, as in Redis Cluster. Names that share a tag share
 * a partition, which is what a fenced put needs: the price key {@code price:{AAPL}} and the lease resource
 * {@code feed:{AAPL}} land on one partition, so the shard checks the fencing token without leaving its thread.
 * <p>
 * Client and node both call this class; {@code PartitionerTest} pins name to partition vectors so that the two
 * can never drift apart. Stateless and thread-safe.
 */
public final class Partitioner
{
    /**
     * Default number of partitions of a grid: a prime, so that keys with patterned hashes still spread.
     */
    public static final int DEFAULT_PARTITION_COUNT = 271;

    /**
     * Largest partition count: partition ids must fit the top 16 bits of a lease id, see {@link LeaseIds}.
     */
    public static final int MAX_PARTITION_COUNT = LeaseIds.MAX_PARTITIONS;

    private Partitioner()
    {
    }

    /**
     * Partition of a name held in a byte array; a convenience that wraps the array.
     *
     * @param name           key or resource name bytes.
     * @param partitionCount number of partitions in the grid.
     * @return partition id in {@code [0, partitionCount)}.
     */
    public static int partition(final byte[] name, final int partitionCount)
    {
        return partition(new UnsafeBuffer(name), 0, name.length, partitionCount);
    }

    /**
     * Partition of {@code length} bytes of {@code buffer} at {@code offset}. Allocation free.
     *
     * @param buffer         holding the name.
     * @param offset         of the name.
     * @param length         of the name in bytes.
     * @param partitionCount number of partitions in the grid.
     * @return partition id in {@code [0, partitionCount)}.
     */
    public static int partition(final DirectBuffer buffer, final int offset, final int length, final int partitionCount)
    {
        checkPartitionCount(partitionCount);
        final int end = offset + length;
        int hashOffset = offset;
        int hashLength = length;

        for (int i = offset; i < end; i++)
        {
            if (buffer.getByte(i) == '{')
            {
                for (int j = i + 1; j < end; j++)
                {
                    if (buffer.getByte(j) == '}')
                    {
                        if (j > i + 1)
                        {
                            hashOffset = i + 1;
                            hashLength = j - i - 1;
                        }
                        break;
                    }
                }
                break;
            }
        }

        return (int)Long.remainderUnsigned(KeyHash.hash(buffer, hashOffset, hashLength), partitionCount);
    }

    /**
     * Check that a partition count can be used by a grid.
     *
     * @param partitionCount to check.
     * @throws IllegalArgumentException when it is out of range.
     */
    public static void checkPartitionCount(final int partitionCount)
    {
        if (partitionCount < 1 || partitionCount > MAX_PARTITION_COUNT)
        {
            throw new IllegalArgumentException(
                "partitionCount must be in [1, " + MAX_PARTITION_COUNT + "]: " + partitionCount);
        }
    }
}
