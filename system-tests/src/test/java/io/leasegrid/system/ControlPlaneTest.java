package io.leasegrid.system;

import io.aeron.Aeron;
import io.aeron.cluster.RecordingLog;
import io.aeron.cluster.client.ClusterEvent;
import io.aeron.cluster.service.Cluster;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.leasegrid.node.control.ControlPlaneClient;
import io.leasegrid.node.control.ControlPlaneContext;
import io.leasegrid.node.control.ControlPlaneMember;
import io.leasegrid.node.control.ControlPlaneState;
import io.leasegrid.node.control.PartitionAssignments;
import io.leasegrid.node.membership.GridMembers;
import io.leasegrid.node.membership.ReplicaPlacement;
import io.leasegrid.test.Await;
import io.leasegrid.test.FreePorts;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control plane on real Aeron Cluster members (UDP on loopback, real logs and archives in temp directories) with
 * three nodes' clients heartbeating to it: it appoints the placement's primaries, moves a dead node's partitions only
 * after that node's own clock says its lease is over, and keeps serving when its leader is killed.
 */
class ControlPlaneTest
{
    private static final int PARTITIONS = 16;
    private static final long LEASE_MS = 2_000;
    private static final long MARGIN_MS = 100;

    @TempDir
    File dir;

    private final List<ControlPlaneMember> members = new ArrayList<>();
    private final List<AgentRunner> clientRunners = new ArrayList<>();
    private final ControlPlaneClient[] clients = new ControlPlaneClient[4];
    private final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private MediaDriver clientDriver;
    private Aeron clientAeron;

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(clientRunners);
        CloseHelper.quietCloseAll(clientAeron, clientDriver);
        CloseHelper.quietCloseAll(members);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldAppointMoveOnlyAfterTheLeaseEndedAndSurviveItsLeadersDeath()
    {
        final GridMembers grid = GridMembers.parse(
            "1=127.0.0.1:7001/127.0.0.1:7002,2=127.0.0.1:7003/127.0.0.1:7004,3=127.0.0.1:7005/127.0.0.1:7006");
        final ReplicaPlacement placement = new ReplicaPlacement(grid, PARTITIONS, 3, 2);
        final String spec = "1=127.0.0.1:" + FreePorts.udpBlock(5) + ",2=127.0.0.1:" + FreePorts.udpBlock(5) +
            ",3=127.0.0.1:" + FreePorts.udpBlock(5);
        for (int id = 1; id <= 3; id++)
        {
            members.add(ControlPlaneMember.launch(context(spec, id), id, placement, this::onError));
        }

        clientDriver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "client-driver").getPath())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true));
        clientAeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(clientDriver.aeronDirectoryName()));
        for (int node = 1; node <= 3; node++)
        {
            final int nodeId = node;
            final long[] followed = { -1 };
            clients[node] = new ControlPlaneClient(context(spec, 0), clientAeron, "127.0.0.1", node, 1000 + node,
                (table, sink) ->
                {
                    // As a shard would: copies of partitions without a primary, tagged with the table it follows.
                    followed[0] = table.version();
                    for (int p = 0; p < PARTITIONS; p++)
                    {
                        if (placement.holds(nodeId, p) &&
                            (p >= table.partitionCount() || ControlPlaneState.NO_PRIMARY == table.primary(p)))
                        {
                            sink.copy(p, 1, 0, 0, followed[0]);
                        }
                    }
                },
                SystemNanoClock.INSTANCE, this::onError);
            final AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), this::onError, null,
                clients[node]);
            AgentRunner.startOnThread(runner);
            clientRunners.add(runner);
        }

        Await.until(30_000, () -> "every node sees the placement's primaries and holds its lease: " +
            clients[1].assignments() + ", errors " + firstErrors(), () ->
        {
            for (int node = 1; node <= 3; node++)
            {
                final PartitionAssignments table = clients[node].assignments();
                if (table.partitionCount() != PARTITIONS || !clients[node].lease().isHeld(System.nanoTime()))
                {
                    return false;
                }
                for (int p = 0; p < PARTITIONS; p++)
                {
                    if (table.primary(p) != placement.primary(p))
                    {
                        return false;
                    }
                }
            }
            return true;
        });
        final long firstVersion = clients[2].assignments().version();
        final PartitionAssignments first = clients[2].assignments();

        // The leader dies: the others elect a new one; no primary moves, and leases are renewed by the new leader.
        final ControlPlaneMember leader = awaitLeader();
        leader.close();
        members.remove(leader);
        final long killedAtNs = System.nanoTime();
        final ControlPlaneMember newLeader = awaitLeader();
        final long electedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAtNs);
        Await.until(10_000, "leases renewed through the new leader", () ->
            clients[2].lease().heldUntilNs() - killedAtNs > TimeUnit.MILLISECONDS.toNanos(LEASE_MS) &&
            clients[3].lease().heldUntilNs() - killedAtNs > TimeUnit.MILLISECONDS.toNanos(LEASE_MS));
        assertEquals(firstVersion, clients[2].assignments().version(),
            "a leader change (new leader " + newLeader.memberId() + " after " + electedAfterMs + " ms) moved primaries");

        // Node 1 dies (its client stops): its partitions move, but only after its own clock ended its lease.
        final int node1Runner = 0;
        final long node1HeldUntilNs = stopClient(node1Runner, 1);
        final long node1StoppedAtNs = System.nanoTime();
        final long nanoToEpochMsOffsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        Await.until(20_000, () -> "node 1's partitions moved: " + clients[2].assignments(), () ->
        {
            final PartitionAssignments table = clients[2].assignments();
            for (int p = 0; p < PARTITIONS; p++)
            {
                if (1 == table.primary(p) || ControlPlaneState.NO_PRIMARY == table.primary(p))
                {
                    return false;
                }
            }
            return true;
        });
        final PartitionAssignments moved = clients[2].assignments();
        System.out.println("control plane: new leader after " + electedAfterMs + " ms; node 1's partitions moved " +
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - node1StoppedAtNs) + " ms after it stopped");
        final long node1LeaseEndEpochMs = (node1HeldUntilNs + nanoToEpochMsOffsetNs) / 1_000_000L;
        assertTrue(moved.changedAtMs() >= node1LeaseEndEpochMs + MARGIN_MS,
            "appointed at " + moved.changedAtMs() + ", node 1's lease ended at " + node1LeaseEndEpochMs);
        for (int p = 0; p < PARTITIONS; p++)
        {
            if (1 == placement.primary(p))
            {
                assertTrue(moved.epoch(p) > first.epoch(p), "partition " + p + " moved without a new epoch");
            }
            else
            {
                assertEquals(placement.primary(p), moved.primary(p), "partition " + p + " of a live node moved");
                assertEquals(first.epoch(p), moved.epoch(p));
            }
        }
        Await.until(5_000, "node 3 sees the same table", () -> clients[3].assignments().version() == moved.version());
        Await.until(3_000, () -> "phi of the silent node 1 published: " + clients[2].phi(1),
            () -> clients[2].phi(1) > 8);
        assertTrue(clients[2].phi(3) < 8, "phi of the live node 3: " + clients[2].phi(3));

        // Snapshots, asked for every second here by the leader: each live member takes them. The old leader comes
        // back; then a member that has a snapshot restarts from it and rejoins, and decisions go on.
        for (final ControlPlaneMember member : members)
        {
            Await.until(10_000, () -> "member " + member.memberId() + " took a snapshot; errors " + firstErrors(),
                () -> hasSnapshot(member.memberId()));
        }
        final ControlPlaneMember oldLeader =
            ControlPlaneMember.launch(context(spec, leader.memberId()), leader.memberId(), placement, this::onError);
        members.add(oldLeader);
        awaitFollower(oldLeader);
        final ControlPlaneMember follower = Cluster.Role.LEADER == members.get(0).role() ? members.get(1) : members.get(0);
        assertTrue(hasSnapshot(follower.memberId()));
        follower.close();
        members.remove(follower);
        final ControlPlaneMember restarted =
            ControlPlaneMember.launch(context(spec, follower.memberId()), follower.memberId(), placement, this::onError);
        members.add(restarted);
        awaitFollower(restarted);
        Await.until(5_000, "leases renewed after the restarts", () ->
            clients[2].lease().heldUntilNs() - System.nanoTime() > 0 &&
            clients[3].lease().heldUntilNs() - System.nanoTime() > 0);
        assertEquals(moved.version(), clients[2].assignments().version(), "the restarts moved primaries");
        assertTrue(errors.isEmpty(), firstErrors());
    }

    private boolean hasSnapshot(final int memberId)
    {
        try (RecordingLog log = new RecordingLog(new File(dir, "control-" + memberId + "/cluster"), false))
        {
            return null != log.getLatestSnapshot(0);
        }
    }

    private void awaitFollower(final ControlPlaneMember member)
    {
        Await.until(20_000, () -> "member " + member.memberId() + " rejoined as a follower, role " + member.role() +
            "; errors " + firstErrors(), () -> Cluster.Role.FOLLOWER == member.role());
    }

    private void onError(final Throwable error)
    {
        if (error instanceof ClusterEvent)
        {
            return; // warnings such as "leader heartbeat timeout", expected when the test kills the leader
        }
        if (errors.size() < 3)
        {
            error.printStackTrace();
        }
        errors.add(error);
    }

    private String firstErrors()
    {
        final StringBuilder text = new StringBuilder().append(errors.size()).append(" errors");
        int shown = 0;
        for (final Throwable error : errors)
        {
            if (shown++ == 3)
            {
                break;
            }
            text.append("; ").append(error);
        }
        return text.toString();
    }

    private long stopClient(final int runnerIndex, final int node)
    {
        clientRunners.get(runnerIndex).close();
        return clients[node].lease().heldUntilNs();
    }

    private ControlPlaneMember awaitLeader()
    {
        final ControlPlaneMember[] leader = new ControlPlaneMember[1];
        Await.until(20_000, () -> "a control plane leader among " + members.size() + " members; errors " + firstErrors(), () ->
        {
            for (final ControlPlaneMember member : members)
            {
                if (Cluster.Role.LEADER == member.role())
                {
                    leader[0] = member;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    private ControlPlaneContext context(final String spec, final int memberId)
    {
        return new ControlPlaneContext()
            .members(spec)
            .dir(new File(dir, "control-" + memberId))
            .primaryLeaseMs(LEASE_MS)
            .leaseMarginMs(MARGIN_MS)
            .snapshotIntervalS(1);
    }
}
