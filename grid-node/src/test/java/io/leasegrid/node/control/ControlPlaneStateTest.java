package io.leasegrid.node.control;

import io.leasegrid.node.membership.GridMembers;
import io.leasegrid.node.membership.ReplicaPlacement;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static io.leasegrid.node.control.ControlPlaneState.NO_PRIMARY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control plane's rules on injected cluster time: who is appointed, when, and in which epoch.
 */
class ControlPlaneStateTest
{
    private static final int PARTITIONS = 24;
    private static final long LEASE_MS = 1000;
    private static final long MARGIN_MS = 100;
    private static final long HEARTBEAT_MS = 100;
    private static final long GRACE_MS = 3000;
    private static final long START_MS = 1_700_000_000_000L;

    private final ReplicaPlacement placement = new ReplicaPlacement(GridMembers.parse(
        "1=127.0.0.1:7001/127.0.0.1:7002,2=127.0.0.1:7003/127.0.0.1:7004,3=127.0.0.1:7005/127.0.0.1:7006"),
        PARTITIONS, 3, 2);
    private final ControlPlaneState state = new ControlPlaneState(placement, LEASE_MS, MARGIN_MS, HEARTBEAT_MS, GRACE_MS);
    private final long[] runIds = { 0, 101, 201, 301 };
    private final long[][] nextPosition = new long[4][PARTITIONS];
    private final long[][] lastEntryEpoch = new long[4][PARTITIONS];

    @Test
    void shouldAppointNobodyUntilTwoCopiesOfAPartitionHaveReported()
    {
        heartbeat(1, START_MS);
        assertFalse(state.onTick(START_MS));
        for (int p = 0; p < PARTITIONS; p++)
        {
            assertEquals(NO_PRIMARY, state.primary(p));
        }

        heartbeat(2, START_MS + 10);
        assertTrue(state.onTick(START_MS + 10));
        for (int p = 0; p < PARTITIONS; p++)
        {
            final int placed = placement.primary(p);
            assertEquals(3 == placed ? NO_PRIMARY : placed, state.primary(p),
                "partition " + p + ": the placement's primary, or nobody while it may still come up");
            assertEquals(3 == placed ? 0 : 1, state.epoch(p));
        }
        assertEquals(1, state.version());

        heartbeat(1, START_MS + GRACE_MS - 10);
        heartbeat(2, START_MS + GRACE_MS - 10);
        assertFalse(state.onTick(START_MS + GRACE_MS - 10), "node 3 may still come up");
        heartbeat(1, START_MS + GRACE_MS);
        heartbeat(2, START_MS + GRACE_MS);
        assertTrue(state.onTick(START_MS + GRACE_MS));
        for (int p = 0; p < PARTITIONS; p++)
        {
            final int[] replicas = placement.replicaSet(p);
            final int expected = 3 == replicas[0] ? (3 == replicas[1] ? replicas[2] : replicas[1]) : replicas[0];
            assertEquals(expected, state.primary(p), "partition " + p + ": ties go to the placement's order");
            assertEquals(1, state.epoch(p));
            assertEquals(runIds[expected], state.primaryRunId(p));
        }
        assertEquals(2, state.version());
    }

    @Test
    void shouldKeepEveryPrimaryWhileItsHeartbeatsArrive()
    {
        final long appointedAt = allHeartbeatUntil(START_MS, START_MS + 10_000);
        assertTrue(appointedAt >= START_MS);
        for (int p = 0; p < PARTITIONS; p++)
        {
            assertEquals(placement.primary(p), state.primary(p));
            assertEquals(1, state.epoch(p));
        }
        assertEquals(1, state.version());
    }

    @Test
    void shouldFreeADeadPrimarysPartitionsOnlyOnceItsLeaseSurelyEndedAndAppointTheMostCompleteCopy()
    {
        allHeartbeatUntil(START_MS, START_MS + 1_000);
        final long lastOfNode1 = START_MS + 1_000;
        heartbeat(1, lastOfNode1);
        for (int p = 0; p < PARTITIONS; p++)
        {
            nextPosition[2][p] = 10;
            nextPosition[3][p] = 12;
            lastEntryEpoch[2][p] = 1;
            lastEntryEpoch[3][p] = 1;
        }
        final long surelyExpired = lastOfNode1 + LEASE_MS + MARGIN_MS;
        for (long now = lastOfNode1 + HEARTBEAT_MS; now < surelyExpired; now += HEARTBEAT_MS / 2)
        {
            heartbeat(2, now);
            heartbeat(3, now);
            state.onTick(now);
            for (int p = 0; p < PARTITIONS; p++)
            {
                if (1 == placement.primary(p))
                {
                    assertEquals(1, state.primary(p), "moved at " + (now - lastOfNode1) + " ms after the last heartbeat");
                }
            }
        }
        // Reports made before the lease surely ended do not count: the copies may have taken entries since.
        assertTrue(state.onTick(surelyExpired));
        for (int p = 0; p < PARTITIONS; p++)
        {
            if (1 == placement.primary(p))
            {
                assertEquals(NO_PRIMARY, state.primary(p));
            }
        }
        heartbeat(2, surelyExpired + 5);
        assertFalse(state.onTick(surelyExpired + 5), "one fresh copy of three is not enough");
        heartbeat(3, surelyExpired + 10);
        assertTrue(state.onTick(surelyExpired + 10));
        for (int p = 0; p < PARTITIONS; p++)
        {
            if (1 == placement.primary(p))
            {
                assertEquals(3, state.primary(p), "partition " + p + ": node 3 holds the longer copy");
                assertEquals(2, state.epoch(p));
            }
            else
            {
                assertEquals(placement.primary(p), state.primary(p));
                assertEquals(1, state.epoch(p));
            }
        }
    }

    @Test
    void shouldCountOnlyReportsMadeAfterTheCopySawThePartitionVacant()
    {
        allHeartbeatUntil(START_MS, START_MS + 500);
        final int partition = partitionLedBy(1);
        final int[] others = others(partition, 1);
        final long vacantAt = START_MS + 500 + LEASE_MS + MARGIN_MS;
        assertTrue(state.onTick(vacantAt));
        assertEquals(NO_PRIMARY, state.primary(partition));
        final long vacatedVersion = state.version();

        // Accepted after the vacancy, but sampled under the table before it (a heartbeat delayed on its way).
        for (final int nodeId : others)
        {
            assertTrue(state.onHeartbeat(nodeId, runIds[nodeId], vacantAt + 10));
            state.onCopyReport(nodeId, partition, 1, 1, 50, vacatedVersion - 1, vacantAt + 10);
        }
        state.onTick(vacantAt + 10);
        assertEquals(NO_PRIMARY, state.primary(partition), "appointed from reports that predate the vacancy");

        for (final int nodeId : others)
        {
            assertTrue(state.onHeartbeat(nodeId, runIds[nodeId], vacantAt + 20));
            state.onCopyReport(nodeId, partition, 1, 1, 50, vacatedVersion, vacantAt + 20);
        }
        assertTrue(state.onTick(vacantAt + 20));
        assertEquals(others[0], state.primary(partition));
    }

    @Test
    void shouldCountEveryLeaseAgainFromANewLeadershipTerm()
    {
        allHeartbeatUntil(START_MS, START_MS + 500);
        final int partition = partitionLedBy(1);
        // A new leader whose clock runs 400 ms ahead: without the new term, node 1's lease would look over early.
        final long termStart = START_MS + 500 + 400;
        state.onNewLeadershipTerm(termStart);
        assertFalse(state.onTick(START_MS + 500 + LEASE_MS + MARGIN_MS));
        assertEquals(1, state.primary(partition));
        assertTrue(state.onTick(termStart + LEASE_MS + MARGIN_MS));
        assertEquals(NO_PRIMARY, state.primary(partition));
    }

    @Test
    void shouldPreferALaterEpochOverALongerCopyAndLeadAboveEveryEpochNamed()
    {
        allHeartbeatUntil(START_MS, START_MS + 500);
        final int partition = partitionLedBy(1);
        final int[] others = others(partition, 1);
        lastEntryEpoch[others[0]][partition] = 1;
        nextPosition[others[0]][partition] = 50;
        lastEntryEpoch[others[1]][partition] = 4;
        nextPosition[others[1]][partition] = 20;
        final long now = START_MS + 500 + LEASE_MS + MARGIN_MS;
        state.onTick(now);
        heartbeat(others[0], now);
        heartbeat(others[1], now, 7);
        state.onTick(now);
        assertEquals(others[1], state.primary(partition));
        assertEquals(8, state.epoch(partition), "one above the highest epoch a copy named");
    }

    @Test
    void shouldTreatARestartedPrimaryAsANewRunWhoseOldLeaseMustEndFirst()
    {
        allHeartbeatUntil(START_MS, START_MS + 500);
        final int partition = partitionLedBy(1);
        final long restart = START_MS + 550;
        runIds[1] = 102;
        final long surelyExpired = START_MS + 500 + LEASE_MS + MARGIN_MS;
        for (long now = restart; now <= surelyExpired + 2 * HEARTBEAT_MS; now += HEARTBEAT_MS)
        {
            heartbeat(1, now);
            heartbeat(2, now);
            heartbeat(3, now);
            state.onTick(now);
            if (now < surelyExpired)
            {
                assertEquals(101, state.primaryRunId(partition), "the old run's lease still runs");
            }
        }
        assertEquals(1, state.primary(partition), "the restarted node holds as much as the others: placement order");
        assertEquals(102, state.primaryRunId(partition));
        assertEquals(2, state.epoch(partition));
    }

    @Test
    void shouldIgnoreNodesThatAreNotMembersAndReportsOfPartitionsOutOfRange()
    {
        assertFalse(state.onHeartbeat(9, 1, START_MS));
        assertFalse(state.onHeartbeat(1, 0, START_MS));
        assertTrue(state.onHeartbeat(1, 101, START_MS));
        for (int p = 0; p < PARTITIONS; p++)
        {
            state.onCopyReport(1, p, 1_000, 1_000, 5, 0, START_MS);
        }
        state.onCopyReport(1, -1, 1, 1, 1, 0, START_MS);
        state.onCopyReport(1, PARTITIONS, 1, 1, 1, 0, START_MS);
        allHeartbeatUntil(START_MS + 10, START_MS + 100);
        for (int p = 0; p < PARTITIONS; p++)
        {
            assertEquals(1_001, state.epoch(p));
        }
    }

    @Test
    void shouldDecideTheSameAfterItsSnapshotIsLoaded()
    {
        allHeartbeatUntil(START_MS, START_MS + 500);
        heartbeat(2, START_MS + 2_000);
        heartbeat(3, START_MS + 2_000);
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64 * 1024);
        final int length = state.encode(buffer);
        final ControlPlaneState copy = new ControlPlaneState(placement, LEASE_MS, MARGIN_MS, HEARTBEAT_MS, GRACE_MS);
        copy.load(buffer, length);
        assertEquals(state.version(), copy.version());

        assertEquals(state.onTick(START_MS + 2_010), copy.onTick(START_MS + 2_010));
        for (int p = 0; p < PARTITIONS; p++)
        {
            assertEquals(state.primary(p), copy.primary(p));
            assertEquals(state.epoch(p), copy.epoch(p));
            assertEquals(state.primaryRunId(p), copy.primaryRunId(p));
        }
        assertEquals(state.version(), copy.version());

        final ControlPlaneState other = new ControlPlaneState(new ReplicaPlacement(placement.members(),
            PARTITIONS + 1, 3, 2), LEASE_MS, MARGIN_MS, HEARTBEAT_MS, GRACE_MS);
        assertThrows(IllegalStateException.class, () -> other.load(buffer, length));
    }

    @Test
    void shouldReportSuspicionRisingWithSilence()
    {
        allHeartbeatUntil(START_MS, START_MS + 3_000);
        heartbeat(2, START_MS + 3_050);
        heartbeat(3, START_MS + 3_050);
        final double[] phi = new double[4];
        state.forEachMember((nodeId, runId, lastHeartbeatMs, value) -> phi[nodeId] = value, START_MS + 3_100);
        final double phiSoon = phi[1];
        state.forEachMember((nodeId, runId, lastHeartbeatMs, value) -> phi[nodeId] = value, START_MS + 4_000);
        assertTrue(phi[1] > phiSoon && phi[1] > 8, "phi of a node silent for 1 s: " + phi[1]);
        assertTrue(phi[2] > phiSoon, "phi grows for everyone silent");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private long allHeartbeatUntil(final long fromMs, final long untilMs)
    {
        long firstChange = -1;
        for (long now = fromMs; now <= untilMs; now += HEARTBEAT_MS)
        {
            heartbeat(1, now);
            heartbeat(2, now);
            heartbeat(3, now);
            if (state.onTick(now) && firstChange < 0)
            {
                firstChange = now;
            }
        }
        return firstChange;
    }

    private void heartbeat(final int nodeId, final long nowMs)
    {
        heartbeat(nodeId, nowMs, 0);
    }

    private void heartbeat(final int nodeId, final long nowMs, final long epoch)
    {
        assertTrue(state.onHeartbeat(nodeId, runIds[nodeId], nowMs));
        for (int p = 0; p < PARTITIONS; p++)
        {
            if (placement.holds(nodeId, p))
            {
                state.onCopyReport(nodeId, p, Math.max(epoch, lastEntryEpoch[nodeId][p]), lastEntryEpoch[nodeId][p],
                    nextPosition[nodeId][p], state.version(), nowMs);
            }
        }
    }

    private int partitionLedBy(final int nodeId)
    {
        for (int p = 0; p < PARTITIONS; p++)
        {
            if (placement.primary(p) == nodeId)
            {
                return p;
            }
        }
        throw new AssertionError("node " + nodeId + " leads nothing");
    }

    private int[] others(final int partition, final int nodeId)
    {
        final int[] replicas = placement.replicaSet(partition);
        final int[] others = new int[replicas.length - 1];
        int i = 0;
        for (final int replica : replicas)
        {
            if (replica != nodeId)
            {
                others[i++] = replica;
            }
        }
        return others;
    }
}
