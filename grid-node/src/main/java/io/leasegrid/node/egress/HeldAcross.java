package io.leasegrid.node.egress;

import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionRole;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An answer that read several partitions (a lease list), held until each of them has committed every entry it held
 * when the answer was read. Rare and cold: it copies what it holds.
 */
final class HeldAcross
{
    final long sessionId;
    UnsafeBuffer answer;
    private final Partition[] partitions;
    private final long[] positions;

    private HeldAcross(final long sessionId, final Partition[] partitions, final long[] positions)
    {
        this.sessionId = sessionId;
        this.partitions = partitions;
        this.positions = positions;
    }

    /**
     * @return what the answer must wait for, or null when every partition it read is committed already.
     */
    static HeldAcross of(final long sessionId, final Partition[] readFrom, final int readCount, final int partitionId)
    {
        int uncommitted = 0;
        for (int i = 0; i < readCount; i++)
        {
            uncommitted += waitsFor(readFrom[i], partitionId) ? 1 : 0;
        }
        if (0 == uncommitted)
        {
            return null;
        }
        final Partition[] partitions = new Partition[uncommitted];
        final long[] positions = new long[uncommitted];
        int next = 0;
        for (int i = 0; i < readCount; i++)
        {
            if (waitsFor(readFrom[i], partitionId))
            {
                partitions[next] = readFrom[i];
                positions[next++] = readFrom[i].appendPosition();
            }
        }
        return new HeldAcross(sessionId, partitions, positions);
    }

    private static boolean waitsFor(final Partition partition, final int partitionId)
    {
        return partition.isPrimary() && (-1 == partitionId || partition.partitionId() == partitionId) &&
            partition.commitPosition() < partition.appendPosition();
    }

    void keep(final DirectBuffer buffer, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(0, copy);
        answer = new UnsafeBuffer(copy);
    }

    /**
     * @return true when a partition it read has failed: it will never commit, so the answer is dropped.
     */
    boolean readFailedPartition()
    {
        for (final Partition partition : partitions)
        {
            if (PartitionRole.FAILED == partition.role() || PartitionRole.REPLICA == partition.role())
            {
                // Failed, or no longer led here: what it held then may never commit (another primary leads it).
                return true;
            }
        }
        return false;
    }

    /**
     * @return true once every partition read has committed what it held then.
     */
    boolean isCommitted()
    {
        for (int i = 0; i < partitions.length; i++)
        {
            if (partitions[i].commitPosition() < positions[i])
            {
                return false;
            }
        }
        return true;
    }
}
