package io.leasegrid.node.partition;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsistentHashRingTest
{
    private static final int PARTITIONS = 271;
    private static final int MANY_PARTITIONS = 10_007;

    @ParameterizedTest(name = "{0} nodes + 1")
    @ValueSource(ints = { 2, 3, 5, 8 })
    void shouldMoveAboutOneNthOfPartitionsAndOnlyToTheNewNode(final int nodes)
    {
        final ConsistentHashRing before = ring(nodes);
        final ConsistentHashRing after = before.withNode(100);
        int moved = 0;
        for (int p = 0; p < MANY_PARTITIONS; p++)
        {
            final int from = before.primary(p);
            final int to = after.primary(p);
            if (from != to)
            {
                moved++;
                assertEquals(100, to, "partition " + p + " moved between two old nodes");
            }
        }
        final double share = (double)moved / MANY_PARTITIONS;
        final double ideal = 1.0 / (nodes + 1);
        assertTrue(Math.abs(share - ideal) < 0.35 * ideal, "moved " + share + " of partitions, ideal " + ideal);
    }

    @ParameterizedTest(name = "{0} nodes - 1")
    @ValueSource(ints = { 3, 5, 8 })
    void shouldMoveOnlyTheRemovedNodesPartitions(final int nodes)
    {
        final ConsistentHashRing before = ring(nodes);
        final ConsistentHashRing after = before.withoutNode(2);
        int moved = 0;
        for (int p = 0; p < MANY_PARTITIONS; p++)
        {
            if (before.primary(p) != after.primary(p))
            {
                moved++;
                assertEquals(2, before.primary(p), "partition " + p + " of a surviving node moved");
            }
        }
        final double share = (double)moved / MANY_PARTITIONS;
        assertTrue(Math.abs(share - 1.0 / nodes) < 0.35 / nodes, "moved " + share);
    }

    @Test
    void shouldSpreadPartitionsEvenlyEnough()
    {
        final ConsistentHashRing ring = ring(5);
        final int[] counts = new int[6];
        for (int p = 0; p < MANY_PARTITIONS; p++)
        {
            counts[ring.primary(p)]++;
        }
        for (int node = 1; node <= 5; node++)
        {
            assertTrue(Math.abs(counts[node] - MANY_PARTITIONS / 5.0) < 0.25 * MANY_PARTITIONS / 5.0, Arrays.toString(counts));
        }
    }

    @Test
    void shouldChooseDistinctReplicasWithThePrimaryFirst()
    {
        final ConsistentHashRing ring = ring(5);
        for (int p = 0; p < PARTITIONS; p++)
        {
            final int[] replicas = ring.replicas(p, 3);
            assertEquals(3, replicas.length);
            assertEquals(ring.primary(p), replicas[0]);
            final Set<Integer> distinct = new HashSet<>();
            for (final int replica : replicas)
            {
                distinct.add(replica);
            }
            assertEquals(3, distinct.size());
        }
        assertEquals(2, ring(2).replicas(0, 3).length);
    }

    @Test
    void shouldPlaceEveryPartitionOnTheOnlyNodeOfAOneNodeGrid()
    {
        final ConsistentHashRing ring = ring(1);
        assertEquals(PARTITIONS, ring.partitionsOf(1, PARTITIONS).length);
    }

    @Test
    void shouldAssignPartitionsToShardsRoundRobin()
    {
        final int[][] shards = ConsistentHashRing.assignToShards(new int[]{ 3, 5, 8, 13, 21 }, 2);
        assertArrayEquals(new int[]{ 3, 8, 21 }, shards[0]);
        assertArrayEquals(new int[]{ 5, 13 }, shards[1]);
    }

    @Test
    void shouldBeDeterministicAndRejectBadMembership()
    {
        assertEquals(ring(4).primary(17), ring(4).primary(17));
        assertNotEquals(0, ring(4).nodeIds().length);
        assertThrows(IllegalArgumentException.class, () -> new ConsistentHashRing(16, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConsistentHashRing(0, 1));
        assertThrows(IllegalStateException.class, () -> new ConsistentHashRing(16).primary(0));
    }

    private static ConsistentHashRing ring(final int nodes)
    {
        final int[] ids = new int[nodes];
        for (int i = 0; i < nodes; i++)
        {
            ids[i] = i + 1;
        }
        return new ConsistentHashRing(ConsistentHashRing.DEFAULT_VIRTUAL_NODES, ids);
    }
}
