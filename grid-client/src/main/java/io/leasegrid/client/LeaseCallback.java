package io.leasegrid.client;

/**
 * Answers to the allocation-free lease calls of {@link GridClient}, delivered on the thread that decodes answers:
 * the client's conductor thread, or a thread calling {@link GridClient#pollAnswers()}. Implementations must not
 * block and must not make blocking client calls (those fail fast on that thread). The callback path hands out raw
 * lease ids: the client keeps no {@link Lease} handle for them, so renewal and validity are the caller's business.
 */
public interface LeaseCallback
{
    /**
     * The lease was granted, at once or after waiting in the queue.
     *
     * @param correlationId of the acquire.
     * @param leaseId       of the new lease.
     * @param fencingToken  to present with writes it guards.
     * @param ttlNs         its time to live.
     */
    void onGranted(long correlationId, long leaseId, long fencingToken, long ttlNs);

    /**
     * The request waits in the resource's queue.
     *
     * @param correlationId of the acquire.
     * @param queuePosition 1 is next in line.
     */
    default void onQueued(final long correlationId, final int queuePosition)
    {
    }

    /**
     * A release was applied.
     *
     * @param correlationId of the release.
     */
    void onReleased(long correlationId);

    /**
     * The request failed.
     *
     * @param correlationId of the request.
     * @param code          a typed error from the node, or the client's own ({@link ErrorCode#TIMEOUT} and so on).
     */
    void onError(long correlationId, ErrorCode code);
}
