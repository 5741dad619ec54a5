package io.leasegrid.client;

import org.agrona.DirectBuffer;

/**
 * Answers to the allocation-free value calls of {@link GridClient}, delivered on the thread that decodes answers:
 * the client's conductor thread, or a thread calling {@link GridClient#pollAnswers()}. Buffers are valid only during
 * the call. Implementations must not block and must not make blocking client calls (those fail fast on that thread).
 */
public interface ValueCallback
{
    /**
     * A put, compare-and-set, fenced put or delete was applied.
     *
     * @param correlationId of the request.
     * @param version       the key's new version (0 for a delete of an absent key).
     * @param timestampNs   primary's epoch time of the change.
     */
    void onWritten(long correlationId, long version, long timestampNs);

    /**
     * A get was answered.
     *
     * @param correlationId of the request.
     * @param found         whether the key has a value.
     * @param version       of the value.
     * @param timestampNs   primary's epoch time of the value's change.
     * @param value         buffer holding the value, valid only during the call.
     * @param offset        of the value.
     * @param length        of the value.
     */
    void onRead(long correlationId, boolean found, long version, long timestampNs, DirectBuffer value, int offset, int length);

    /**
     * The request failed.
     *
     * @param correlationId of the request.
     * @param code          a typed error from the node, or the client's own ({@link ErrorCode#TIMEOUT} and so on).
     */
    void onError(long correlationId, ErrorCode code);
}
