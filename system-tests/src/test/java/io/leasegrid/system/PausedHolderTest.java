package io.leasegrid.system;

import io.leasegrid.client.ErrorCode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.test.ChildJvm;
import io.leasegrid.test.TestGrid;
import io.leasegrid.test.TestNode;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A holder's belief that it holds a lease is checked against the truth on one monotonic clock shared by every
 * process of the machine: whatever happens to the holder (paused with SIGSTOP past its TTL) or to the node (killed
 * with SIGKILL and restarted), its {@code isValid()} is never true once another client has been granted the lease.
 */
@Timeout(180)
class PausedHolderTest
{
    private static final long TTL_MS = 3_000;
    private static final long RESUME_TTL_MS = 6_000;

    @RegisterExtension
    final TestGrid grid = new TestGrid();

    @Test
    void shouldStopBelievingItHoldsOnceItWasPausedPastItsTtl() throws Exception
    {
        final TestNode node = grid.startNode(Map.of("leasegrid.session.timeout.ms", "3000"));
        try (ChildJvm holder = ChildJvm.start(HolderMain.class, node.requestChannel(), "paused", Long.toString(TTL_MS), "60000");
            GridClient other = GridClient.connect(ipc(node)))
        {
            holder.awaitLine(line -> line.startsWith("GRANTED 1 "), 60_000);
            signal("STOP", holder);
            final long stoppedAt = System.nanoTime();
            final Lease taken = other.acquire("paused", LeaseRequest.exclusive(Duration.ofSeconds(5))
                .waitTimeout(Duration.ofSeconds(20)));
            final long grantedElsewhereAt = System.nanoTime();
            assertEquals(2, taken.fencingToken());
            LockSupport.parkNanos(stoppedAt + TimeUnit.MILLISECONDS.toNanos(3_400) - System.nanoTime());
            signal("CONT", holder);
            final long continuedAt = System.nanoTime();
            holder.awaitLine(line -> line.startsWith("EXPIRED "), 10_000);
            awaitSamplesAfter(holder, continuedAt);
            assertNoBeliefAfter(holder.lines(), grantedElsewhereAt);
        }
    }

    @Test
    void shouldResumeItsSessionAcrossANodeRestartAndKeepItsLease() throws Exception
    {
        final TestNode node = grid.startNode(Map.of("leasegrid.session.timeout.ms", "5000"));
        // A TTL that outlasts the restart and the client noticing it (its keep-alives go unanswered for ~1.5 s, then
        // it resumes): about 3 s on a 2-core machine, as long as the 3 s TTL of the other cases, which made this one
        // fail whenever the resume came a little late.
        try (ChildJvm holder = ChildJvm.start(HolderMain.class, node.requestChannel(), "kept",
            Long.toString(RESUME_TTL_MS), "60000"))
        {
            holder.awaitLine(line -> line.startsWith("GRANTED 1 "), 60_000);
            node.restart();
            holder.awaitLine("REATTACHED"::equals, 30_000);
            final int seen = holder.lineCount();
            holder.awaitLine(line -> holder.lineCount() > seen + 500, 30_000);
            try (GridClient other = GridClient.connect(ipc(node)))
            {
                // The restarted node still counts the holder's lease, kept alive by its resumed session's renewals.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(RESUME_TTL_MS + 500));
                final GridException held = assertThrows(GridException.class,
                    () -> other.acquire("kept", LeaseRequest.exclusive(Duration.ofSeconds(1))));
                assertEquals(ErrorCode.LEASE_UNAVAILABLE, held.code());
            }
            final List<String> lines = holder.lines();
            final String last = lines.get(lines.size() - 1);
            assertTrue(last.endsWith(" true"), "the holder stopped believing in a lease the grid kept: " + last);
            assertTrue(lines.stream().noneMatch(line -> line.startsWith("EXPIRED") || line.equals("SESSION-LOST")), lines
                .toString());
        }
    }

    @Test
    void shouldStopBelievingItHoldsWhenTheNodeRestartedWhileItWasPaused() throws Exception
    {
        final TestNode node = grid.startNode(Map.of("leasegrid.session.timeout.ms", "3000"));
        try (ChildJvm holder = ChildJvm.start(HolderMain.class, node.requestChannel(), "both", Long.toString(TTL_MS), "60000"))
        {
            holder.awaitLine(line -> line.startsWith("GRANTED 1 "), 60_000);
            signal("STOP", holder);
            node.restart();
            final long grantedElsewhereAt;
            try (GridClient other = GridClient.connect(ipc(node)))
            {
                final Lease taken = other.acquire("both", LeaseRequest.exclusive(Duration.ofSeconds(5))
                    .waitTimeout(Duration.ofSeconds(30)));
                grantedElsewhereAt = System.nanoTime();
                assertTrue(taken.fencingToken() > 1);
                signal("CONT", holder);
                final long continuedAt = System.nanoTime();
                holder.awaitLine(line -> line.startsWith("EXPIRED "), 15_000);
                awaitSamplesAfter(holder, continuedAt);
            }
            assertNoBeliefAfter(holder.lines(), grantedElsewhereAt);
        }
    }

    private static GridClientContext ipc(final TestNode node)
    {
        return new GridClientContext()
            .aeronDir(node.aeronDir())
            .requestChannel("aeron:ipc")
            .connectTimeout(Duration.ofSeconds(30));
    }

    private static void signal(final String signal, final ChildJvm process) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    private static void awaitSamplesAfter(final ChildJvm holder, final long nanoTime) throws InterruptedException
    {
        holder.awaitLine(line -> line.startsWith("V ") && Long.parseLong(line.split(" ")[1]) - nanoTime > 1_000_000_000L,
            15_000);
    }

    private static void assertNoBeliefAfter(final List<String> lines, final long grantedElsewhereAt)
    {
        int after = 0;
        for (final String line : lines)
        {
            if (line.startsWith("V "))
            {
                final String[] fields = line.split(" ");
                if (Long.parseLong(fields[1]) - grantedElsewhereAt > 0)
                {
                    after++;
                    assertEquals("false", fields[2], "the old holder believed it held the lease " +
                        TimeUnit.NANOSECONDS.toMillis(Long.parseLong(fields[1]) - grantedElsewhereAt) +
                        " ms after another client was granted it");
                }
            }
        }
        assertTrue(after > 50, "too few samples after the other grant: " + after);
    }
}
