package io.leasegrid.codec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LeaseIdsTest
{
    @Test
    void shouldCarryPartitionAndSequence()
    {
        final long leaseId = LeaseIds.leaseId(270, 12345);
        assertEquals(270, LeaseIds.partitionId(leaseId));
        assertEquals(12345, LeaseIds.sequence(leaseId));

        final long largest = LeaseIds.leaseId(LeaseIds.MAX_PARTITIONS - 1, LeaseIds.MAX_SEQUENCE);
        assertEquals(LeaseIds.MAX_PARTITIONS - 1, LeaseIds.partitionId(largest));
        assertEquals(LeaseIds.MAX_SEQUENCE, LeaseIds.sequence(largest));
    }

    @Test
    void shouldRejectOutOfRangeParts()
    {
        assertThrows(IllegalArgumentException.class, () -> LeaseIds.leaseId(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> LeaseIds.leaseId(LeaseIds.MAX_PARTITIONS, 1));
        assertThrows(IllegalArgumentException.class, () -> LeaseIds.leaseId(0, 0));
        assertThrows(IllegalArgumentException.class, () -> LeaseIds.leaseId(0, LeaseIds.MAX_SEQUENCE + 1));
    }
}
