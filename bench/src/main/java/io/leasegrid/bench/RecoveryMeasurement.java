package io.leasegrid.bench;

import io.leasegrid.node.shard.ShardAgent;
import org.agrona.IoUtil;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * How long a shard holding many live leases takes to recover, from its journal alone and from snapshots plus a
 * short journal tail, and how much heap a live lease costs. Run with {@code bin/leasegrid recovery-bench [LEASES [RENEWALS_PER_LEASE]]}.
 */
public final class RecoveryMeasurement
{
    private RecoveryMeasurement()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int leases = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final int renewalsPerLease = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        final File dir = Files.createTempDirectory("leasegrid-recovery").toFile();
        try
        {
            System.out.printf("recovery of a shard with %,d live leases (%d partitions, %s)%n",
                leases, ShardPopulation.PARTITION_COUNT, dir);
            final CapturingSink listener = new CapturingSink();

            ShardAgent shard = ShardPopulation.openShard(dir, listener, Long.MAX_VALUE);
            final long before = ShardPopulation.usedHeapAfterGc();
            long start = System.nanoTime();
            final long[] leaseIds = ShardPopulation.populate(shard, listener, leases);
            final long populateNs = System.nanoTime() - start;
            final long after = ShardPopulation.usedHeapAfterGc();
            System.out.printf("  granted in %,d ms (%,.0f grants/s, each journaled)%n",
                TimeUnit.NANOSECONDS.toMillis(populateNs), leases * 1e9 / populateNs);
            System.out.printf("  heap per live lease: %,d bytes%n", (after - before) / leases);
            start = System.nanoTime();
            final io.leasegrid.node.session.ClientSession session = ShardPopulation.openSession(shard, listener);
            for (int round = 0; round < renewalsPerLease; round++)
            {
                for (final long leaseId : leaseIds)
                {
                    shard.onLeaseRenew(session, 0, leaseId);
                }
                shard.doWork();
            }
            System.out.printf("  history: %,d renewals on top (%,d ms), so the journal holds %,d entries%n",
                (long)renewalsPerLease * leases, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                (long)(renewalsPerLease + 1) * leases);
            shard.onClose();

            start = System.nanoTime();
            shard = ShardPopulation.openShard(dir, listener, Long.MAX_VALUE);
            final long journalOnlyNs = System.nanoTime() - start;
            System.out.printf("  recovery from the journal alone: %,d ms, %,d leases back%n",
                TimeUnit.NANOSECONDS.toMillis(journalOnlyNs), countLeases(shard));

            start = System.nanoTime();
            for (int p = 0; p < ShardPopulation.PARTITION_COUNT; p++)
            {
                shard.takeSnapshot(p);
            }
            System.out.printf("  snapshot of every partition: %,d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            shard.onClose();

            start = System.nanoTime();
            shard = ShardPopulation.openShard(dir, listener, Long.MAX_VALUE);
            final long snapshotNs = System.nanoTime() - start;
            System.out.printf("  recovery from snapshots plus journal tail: %,d ms, %,d leases back%n",
                TimeUnit.NANOSECONDS.toMillis(snapshotNs), countLeases(shard));
            shard.onClose();
        }
        finally
        {
            IoUtil.delete(dir, true);
        }
    }

    private static long countLeases(final ShardAgent shard)
    {
        long count = 0;
        for (int p = 0; p < ShardPopulation.PARTITION_COUNT; p++)
        {
            count += shard.partitionState(p).leases().leaseCount();
        }
        return count;
    }
}
