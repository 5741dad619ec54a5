package io.leasegrid.codec;

/**
 * Layout of a 64-bit lease id, which names its partition so that renew and release route without the
 * resource name:
 * <pre>
 *   63            48 47                                             0
 *  +----------------+------------------------------------------------+
 *  |  partition id  |   sequence within the partition (never reused) |
 *  +----------------+------------------------------------------------+
 * </pre>
 * A lease id is never 0 ({@link #NULL_LEASE_ID}). Stateless and thread-safe.
 */
public final class LeaseIds
{
    /**
     * Not a lease.
     */
    public static final long NULL_LEASE_ID = 0;

    /**
     * Number of partitions a lease id can name.
     */
    public static final int MAX_PARTITIONS = 1 << 16;

    /**
     * Largest sequence a partition can issue.
     */
    public static final long MAX_SEQUENCE = (1L << 48) - 1;

    private static final int PARTITION_SHIFT = 48;

    private LeaseIds()
    {
    }

    /**
     * Compose a lease id.
     *
     * @param partitionId of the lease's resource, in {@code [0, 65535]}.
     * @param sequence    within the partition, in {@code [1, MAX_SEQUENCE]}.
     * @return the lease id.
     */
    public static long leaseId(final int partitionId, final long sequence)
    {
        if (partitionId < 0 || partitionId >= MAX_PARTITIONS)
        {
            throw new IllegalArgumentException("partitionId out of range: " + partitionId);
        }
        if (sequence < 1 || sequence > MAX_SEQUENCE)
        {
            throw new IllegalArgumentException("sequence out of range: " + sequence);
        }
        return ((long)partitionId << PARTITION_SHIFT) | sequence;
    }

    /**
     * Partition a lease id belongs to.
     *
     * @param leaseId to look at.
     * @return its partition id.
     */
    public static int partitionId(final long leaseId)
    {
        return (int)(leaseId >>> PARTITION_SHIFT);
    }

    /**
     * Sequence of a lease id within its partition.
     *
     * @param leaseId to look at.
     * @return its sequence.
     */
    public static long sequence(final long leaseId)
    {
        return leaseId & MAX_SEQUENCE;
    }
}
