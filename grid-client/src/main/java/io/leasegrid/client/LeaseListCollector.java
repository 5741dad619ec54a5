package io.leasegrid.client;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Gathers the answers of one list request sent to every shard into one listing, complete when the last shard has
 * answered (or failed).
 */
final class LeaseListCollector
{
    private final CompletableFuture<Object> future;
    private final int maxLeases;
    private final List<LeaseHolder> entries = new ArrayList<>();
    private int outstanding;
    private boolean truncated;
    private GridException failure;

    /**
     * @param complete false when some partitions are out of the client's reach: the listing is then marked truncated.
     */
    LeaseListCollector(
        final CompletableFuture<Object> future, final int shards, final int maxLeases, final boolean complete)
    {
        this.future = future;
        this.outstanding = shards;
        this.maxLeases = maxLeases;
        this.truncated = !complete;
    }

    CompletableFuture<Object> future()
    {
        return future;
    }

    /**
     * One shard answered.
     *
     * @return the listing when this was the last answer, else null.
     */
    synchronized LeaseListing add(final List<LeaseHolder> shardEntries, final boolean shardTruncated)
    {
        entries.addAll(shardEntries);
        truncated |= shardTruncated;
        return --outstanding == 0 ? finish() : null;
    }

    /**
     * One shard failed to answer.
     *
     * @return the failure when this was the last answer, else null.
     */
    synchronized GridException fail(final GridException cause)
    {
        failure = null == failure ? cause : failure;
        return --outstanding == 0 ? failure : null;
    }

    private LeaseListing finish()
    {
        if (null != failure)
        {
            return null;
        }
        entries.sort(Comparator.comparing(LeaseHolder::resource).thenComparingLong(LeaseHolder::leaseId));
        final boolean cut = truncated || entries.size() > maxLeases;
        return new LeaseListing(entries.subList(0, Math.min(maxLeases, entries.size())), cut);
    }

    synchronized boolean failedWhenDone()
    {
        return 0 == outstanding && null != failure;
    }

    synchronized GridException failure()
    {
        return failure;
    }
}
