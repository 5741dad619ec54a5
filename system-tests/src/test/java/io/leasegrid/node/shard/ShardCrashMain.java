package io.leasegrid.node.shard;

import io.leasegrid.codec.sbe.LeaseMode;
import org.agrona.concurrent.CachedNanoClock;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Child process of the shard crash test: a shard on real time and real journals, driven by a random workload through
 * its ingress path, printing every acknowledgement the moment it is given, until it is killed with SIGKILL.
 * <pre>
 *   G leaseId token resource expiryWallMs ttlMs   grant acknowledged
 *   I leaseId                                     a renewal is about to be decided (in flight until R)
 *   R leaseId expiryWallMs                        renewal acknowledged
 *   Y leaseId                                     a release is about to be decided (in flight until X)
 *   X leaseId                                     release acknowledged
 *   E leaseId                                     expiry notified
 *   P key version value                           put acknowledged
 * </pre>
 */
public final class ShardCrashMain
{
    static final int PARTITION_COUNT = ShardHarness.PARTITION_COUNT;
    static final long CHECKPOINT_INTERVAL_MS = 100;
    private static final long RUN_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);

    private final PrintStream out = new PrintStream(System.out, true);
    private final Map<String, Long> leaseByResourceAndToken = new HashMap<>();

    public static void main(final String[] args)
    {
        new ShardCrashMain().run(args[0], new Random(Long.parseLong(args[1])));
    }

    private void run(final String dir, final Random random)
    {
        final CachedNanoClock clock = new CachedNanoClock();
        clock.update(System.nanoTime());
        final ShardHarness grid = new ShardHarness(new File(dir), clock, TimeUnit.MILLISECONDS.toNanos(CHECKPOINT_INTERVAL_MS),
            TimeUnit.SECONDS.toNanos(600), new HashMap<>());
        for (long session = 1; session <= 4; session++)
        {
            grid.open(session);
        }
        grid.events();
        out.println("READY");

        final List<long[]> held = new ArrayList<>();
        final long deadline = System.nanoTime() + RUN_LIMIT_NS;
        long operations = 0;
        while (System.nanoTime() - deadline < 0 && operations < 50_000_000L)
        {
            operations++;
            clock.update(System.nanoTime());
            grid.shard.updateClocks();
            final long session = 1 + random.nextInt(4);
            switch (random.nextInt(6))
            {
                case 0:
                case 1:
                {
                    final String resource = "r" + random.nextInt(40);
                    final long ttlMs = 500 + random.nextInt(4_000);
                    grid.acquire(session, resource, TimeUnit.MILLISECONDS.toNanos(ttlMs), 0, LeaseMode.EXCLUSIVE, 0, false);
                    final long granted = report(grid, ttlMs, 0, null, null);
                    if (0 != granted)
                    {
                        held.add(new long[]{ session, granted });
                    }
                    break;
                }
                case 2:
                    if (!held.isEmpty())
                    {
                        final long[] lease = held.remove(random.nextInt(held.size()));
                        out.println("Y " + lease[1]);
                        grid.release(lease[0], lease[1]);
                        report(grid, 0, lease[1], null, null);
                    }
                    break;
                case 3:
                    if (!held.isEmpty())
                    {
                        final long[] lease = held.get(random.nextInt(held.size()));
                        out.println("I " + lease[1]);
                        grid.renew(lease[0], lease[1]);
                        report(grid, 0, lease[1], null, null);
                    }
                    break;
                default:
                {
                    final String key = "k" + random.nextInt(100);
                    final String value = "v" + operations;
                    grid.put(session, key, value);
                    report(grid, 0, 0, key, value);
                    break;
                }
            }
            grid.shard.doWork();
            report(grid, 0, 0, null, null);
        }
        grid.close();
        out.println("DONE");
    }

    /**
     * Print what the shard answered, as acknowledgement lines.
     *
     * @return the lease id of a grant among them, else 0.
     */
    private long report(final ShardHarness grid, final long ttlMs, final long leaseId, final String key, final String value)
    {
        long granted = 0;
        for (final String event : grid.events())
        {
            final String[] f = event.split(" ");
            switch (f[0])
            {
                case "GRANTED":
                {
                    granted = grid.listener.lastLeaseId;
                    final String token = f[5].substring("token=".length());
                    leaseByResourceAndToken.put(f[4] + "#" + token, granted);
                    out.println("G " + granted + " " + token + " " + f[4] + " " + (System.currentTimeMillis() + ttlMs) + " " +
                        ttlMs);
                    break;
                }
                case "RENEWED":
                    out.println("R " + leaseId + " " + (System.currentTimeMillis() + ttlOf(grid, leaseId)));
                    break;
                case "RELEASED":
                    out.println("X " + leaseId);
                    break;
                case "EXPIRED":
                {
                    final Long expired = leaseByResourceAndToken.remove(f[2] + "#" + f[3].substring("token=".length()));
                    if (null != expired)
                    {
                        out.println("E " + expired);
                    }
                    break;
                }
                case "WRITTEN":
                    out.println("P " + key + " " + f[2].substring("v=".length()) + " " + value);
                    break;
                default:
                    break;
            }
        }
        return granted;
    }

    private static long ttlOf(final ShardHarness grid, final long leaseId)
    {
        final io.leasegrid.node.lease.Lease lease = grid.shard.partitionState(
            io.leasegrid.codec.LeaseIds.partitionId(leaseId)).leases().lease(leaseId);
        return null == lease ? 0 : TimeUnit.NANOSECONDS.toMillis(lease.ttlNs());
    }
}
