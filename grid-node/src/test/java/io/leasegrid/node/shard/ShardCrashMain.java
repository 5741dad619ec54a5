package io.leasegrid.node.shard;

import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.LeaseMode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Child process of the shard crash test: a shard with real clocks and journals driven by a random workload,
 * printing every acknowledgement the moment it is given, until it is killed with SIGKILL.
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
public final class ShardCrashMain implements ShardListener
{
    static final int PARTITION_COUNT = 8;
    static final long CHECKPOINT_INTERVAL_MS = 100;
    private static final long RUN_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);

    private final PrintStream out = new PrintStream(System.out, true);
    private String pendingKey;
    private String pendingValue;

    public static void main(final String[] args)
    {
        final String dir = args[0];
        final long seed = Long.parseLong(args[1]);
        new ShardCrashMain().run(dir, new Random(seed));
    }

    private void run(final String dir, final Random random)
    {
        final int[] partitions = new int[PARTITION_COUNT];
        for (int i = 0; i < PARTITION_COUNT; i++)
        {
            partitions[i] = i;
        }
        final ShardAgent shard = new ShardAgent(new ShardContext()
            .partitionCount(PARTITION_COUNT)
            .partitions(partitions)
            .journalDir(dir)
            .checkpointIntervalNs(TimeUnit.MILLISECONDS.toNanos(CHECKPOINT_INTERVAL_MS))
            .listener(this));
        shard.onStart();
        for (long session = 1; session <= 4; session++)
        {
            shard.onSessionOpen(0, session, TimeUnit.SECONDS.toNanos(600));
        }
        out.println("READY");

        final List<long[]> held = new ArrayList<>();
        final long deadline = System.nanoTime() + RUN_LIMIT_NS;
        long operations = 0;
        while (System.nanoTime() - deadline < 0 && operations < 50_000_000L)
        {
            operations++;
            final long session = 1 + random.nextInt(4);
            switch (random.nextInt(6))
            {
                case 0:
                case 1:
                {
                    final UnsafeBuffer name = bytes("r" + random.nextInt(40));
                    lastGrantSession = session;
                    lastGrantedLease = 0;
                    shard.onLeaseAcquire(operations, session, name, 0, name.capacity(),
                        TimeUnit.MILLISECONDS.toNanos(500 + random.nextInt(4_000)), 0, LeaseMode.EXCLUSIVE, 0, false);
                    if (0 != lastGrantedLease)
                    {
                        held.add(new long[]{ session, lastGrantedLease });
                    }
                    break;
                }
                case 2:
                    if (!held.isEmpty())
                    {
                        final long[] lease = held.remove(random.nextInt(held.size()));
                        out.println("Y " + lease[1]);
                        shard.onLeaseRelease(operations, lease[0], lease[1]);
                    }
                    break;
                case 3:
                    if (!held.isEmpty())
                    {
                        final long[] lease = held.get(random.nextInt(held.size()));
                        out.println("I " + lease[1]);
                        shard.onLeaseRenew(operations, lease[0], lease[1]);
                    }
                    break;
                default:
                {
                    pendingKey = "k" + random.nextInt(100);
                    pendingValue = "v" + operations;
                    final UnsafeBuffer key = bytes(pendingKey);
                    final UnsafeBuffer value = bytes(pendingValue);
                    shard.onValuePut(operations, session, key, 0, key.capacity(), value, 0, value.capacity());
                    break;
                }
            }
            shard.doWork();
        }
        shard.onClose();
        out.println("DONE");
    }

    private long lastGrantSession;
    private long lastGrantedLease;

    private static UnsafeBuffer bytes(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.UTF_8));
    }

    public void onSessionOpened(final long correlationId, final long sessionId)
    {
    }

    public void onSessionClosed(final long correlationId, final long sessionId)
    {
    }

    public void onSessionTimedOut(final long sessionId)
    {
    }

    public void onLeaseGranted(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs,
        final LeaseMode mode, final DirectBuffer resource, final int offset, final int length)
    {
        lastGrantedLease = leaseId;
        final byte[] name = new byte[length];
        resource.getBytes(offset, name);
        final long ttlMs = TimeUnit.NANOSECONDS.toMillis(ttlNs);
        out.println("G " + leaseId + " " + fencingToken + " " + new String(name, StandardCharsets.UTF_8) + " " +
            (System.currentTimeMillis() + ttlMs) + " " + ttlMs);
    }

    public void onLeaseStatus(
        final long correlationId, final long sessionId, final io.leasegrid.node.lease.Resource resource,
        final DirectBuffer name, final int offset, final int length, final long nowNs)
    {
    }

    public void onLeaseQueued(final long correlationId, final long sessionId, final int queuePosition)
    {
    }

    public void onLeaseRenewed(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs)
    {
        out.println("R " + leaseId + " " + (System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(ttlNs)));
    }

    public void onLeaseReleased(final long correlationId, final long sessionId, final long leaseId)
    {
        out.println("X " + leaseId);
    }

    public void onLeaseExpired(
        final long sessionId, final long leaseId, final long fencingToken, final DirectBuffer resource, final int offset,
        final int length)
    {
        out.println("E " + leaseId);
    }

    public void onValueWritten(
        final long correlationId, final long sessionId, final long version, final long timestampNs, final boolean existed)
    {
        out.println("P " + pendingKey + " " + version + " " + pendingValue);
    }

    public void onValueRead(
        final long correlationId, final long sessionId, final boolean found, final long version, final long timestampNs,
        final DirectBuffer value, final int offset, final int length)
    {
    }

    public void onError(final long correlationId, final long sessionId, final ErrorCode code, final int requestTemplateId)
    {
    }
}
