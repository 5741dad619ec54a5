package io.leasegrid.client;

import io.leasegrid.codec.sbe.ErrorCode;

/**
 * Answers to the allocation-free lease calls of {@link GridClient}, delivered on the client's conductor thread
 * or on a thread calling {@link GridClient#pollAnswers()}.
 * Implementations must not block. The callback path hands out raw lease ids: the client keeps no {@link Lease}
 * handle for them, so listeners and client-side validity are the caller's business.
 */
public interface LeaseCallback
{
    /**
     * The lease was granted, at once or after waiting in the queue.
     */
    void onGranted(long correlationId, long leaseId, long fencingToken, long ttlNs);

    /**
     * The request waits in the resource's queue at this 1-based position.
     */
    default void onQueued(final long correlationId, final int queuePosition)
    {
    }

    /**
     * A release was applied.
     */
    void onReleased(long correlationId);

    /**
     * The request failed: a typed error from the node, or {@code null} when no answer came within the timeout.
     */
    void onError(long correlationId, ErrorCode code);
}
