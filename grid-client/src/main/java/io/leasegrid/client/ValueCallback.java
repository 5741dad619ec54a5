package io.leasegrid.client;

import io.leasegrid.codec.sbe.ErrorCode;
import org.agrona.DirectBuffer;

/**
 * Answers to the allocation-free value calls of {@link GridClient}, delivered on the client's conductor thread
 * or on a thread calling {@link GridClient#pollAnswers()}.
 * Buffers are valid only during the call. Implementations must not block.
 */
public interface ValueCallback
{
    /**
     * A put, compare-and-set, fenced put or delete was applied.
     */
    void onWritten(long correlationId, long version, long timestampNs);

    /**
     * A get was answered.
     */
    void onRead(long correlationId, boolean found, long version, long timestampNs, DirectBuffer value, int offset, int length);

    /**
     * The request failed: a typed error from the node, or {@code null} when no answer came within the timeout.
     */
    void onError(long correlationId, ErrorCode code);
}
