package io.leasegrid.node.membership;

import io.leasegrid.node.GridNodeContext;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicaPlacementTest
{
    private static final String THREE =
        "1=127.0.0.1:7171/127.0.0.1:7181, 2=127.0.0.1:7271/127.0.0.1:7281,3=127.0.0.1:7371/127.0.0.1:7381";

    @Test
    void shouldParseMembersInOrder()
    {
        final GridMembers members = GridMembers.parse(THREE);
        assertArrayEquals(new int[]{ 1, 2, 3 }, members.nodeIds());
        assertEquals("127.0.0.1:7271", members.member(2).requestEndpoint());
        assertEquals("aeron:udp?endpoint=127.0.0.1:7381", members.member(3).replicationChannel());
    }

    @Test
    void shouldRefuseMalformedMembersNamingTheEntry()
    {
        assertMessage("is not id=host:port/host:port", "1=127.0.0.1:7171");
        assertMessage("is not a number", "x=127.0.0.1:7171/127.0.0.1:7181");
        assertMessage("must be positive", "0=127.0.0.1:7171/127.0.0.1:7181");
        assertMessage("is not host:port", "1=127.0.0.1/127.0.0.1:7181");
        assertMessage("port out of range", "1=127.0.0.1:70000/127.0.0.1:7181");
        assertMessage("listed twice", "1=127.0.0.1:7171/127.0.0.1:7181,1=127.0.0.1:7271/127.0.0.1:7281");
        assertMessage("share an endpoint", "1=127.0.0.1:7171/127.0.0.1:7181,2=127.0.0.1:7171/127.0.0.1:7281");
        assertMessage("different request and replication", "1=127.0.0.1:7171/127.0.0.1:7171");
        assertMessage("is not id=host:port/host:port", THREE + ",");
    }

    @Test
    void shouldPlaceEveryPartitionOnNDistinctMembersWithTheRingsPrimaryFirst()
    {
        final ReplicaPlacement placement = new ReplicaPlacement(GridMembers.parse(THREE), 271, 3, 2);
        final int[] primaries = new int[4];
        for (int p = 0; p < 271; p++)
        {
            final int[] set = placement.replicaSet(p);
            assertEquals(3, set.length);
            assertEquals(3, Arrays.stream(set).distinct().count());
            primaries[placement.primary(p)]++;
        }
        for (int node = 1; node <= 3; node++)
        {
            // 128 virtual nodes each: no member is primary of fewer than a fifth or more than half of the partitions.
            assertTrue(primaries[node] > 271 / 5 && primaries[node] < 271 / 2, Arrays.toString(primaries));
        }
    }

    @Test
    void shouldGiveEachShardTheSamePartitionsOnEveryNode()
    {
        final ReplicaPlacement placement = new ReplicaPlacement(GridMembers.parse(THREE), 271, 2, 2);
        for (int node = 1; node <= 3; node++)
        {
            final int[][] byShard = placement.partitionsByShard(node, 2);
            int held = 0;
            for (int shard = 0; shard < 2; shard++)
            {
                for (final int p : byShard[shard])
                {
                    assertEquals(shard, ReplicaPlacement.shardOf(p, 2));
                    assertTrue(placement.holds(node, p));
                    held++;
                }
            }
            int expected = 0;
            for (int p = 0; p < 271; p++)
            {
                expected += placement.holds(node, p) ? 1 : 0;
            }
            assertEquals(expected, held);
            assertNotEquals(271, held);
        }
    }

    @Test
    void shouldRefuseAWriteQuorumThatIsNotAMajority()
    {
        final GridMembers members = GridMembers.parse(THREE);
        final IllegalArgumentException minority =
            assertThrows(IllegalArgumentException.class, () -> new ReplicaPlacement(members, 271, 3, 1));
        assertTrue(minority.getMessage().contains("not a majority"), minority.getMessage());
        assertTrue(minority.getMessage().contains("at least 2"), minority.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReplicaPlacement(members, 271, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new ReplicaPlacement(members, 271, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new ReplicaPlacement(members, 271, 4, 3));
        assertEquals(2, new ReplicaPlacement(members, 271, 3, 2).writeQuorum());
    }

    @Test
    void shouldDefaultToThreeCopiesAndAMajority()
    {
        final GridNodeContext context = new GridNodeContext().nodeId(2).members(THREE).conclude();
        assertEquals(3, context.placement().replicationFactor());
        assertEquals(2, context.placement().writeQuorum());
        assertEquals("127.0.0.1:7271", context.endpoint());
        assertEquals("127.0.0.1:7281", context.self().replicationEndpoint());

        final GridNodeContext alone = new GridNodeContext().nodeId(7).endpoint("127.0.0.1:9999").conclude();
        assertEquals(1, alone.placement().replicationFactor());
        assertEquals(1, alone.placement().writeQuorum());
        assertEquals(271, alone.placement().partitionsByShard(7, 1)[0].length);
    }

    @Test
    void shouldRefuseANodeOutsideTheMembersOrWithAnotherEndpoint()
    {
        final IllegalArgumentException stranger = assertThrows(IllegalArgumentException.class,
            () -> new GridNodeContext().nodeId(4).members(THREE).conclude());
        assertTrue(stranger.getMessage().contains("not among the members"), stranger.getMessage());
        final IllegalArgumentException endpoint = assertThrows(IllegalArgumentException.class,
            () -> new GridNodeContext().nodeId(1).endpoint("127.0.0.1:9999").members(THREE).conclude());
        assertTrue(endpoint.getMessage().contains("differs"), endpoint.getMessage());
    }

    private static void assertMessage(final String expected, final String spec)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> GridMembers.parse(spec));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
