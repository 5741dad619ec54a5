package io.leasegrid.node.egress;

import io.leasegrid.node.session.ClientSession;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Where encoded answers go once they may be sent: in the node, each session's response publication (claimed in
 * place where it can be) or its outbox; in unit tests, a recorder. Used on the shard's thread.
 */
public interface AnswerSink
{
    /**
     * Space for an answer of {@code length} bytes to {@code session}, at {@link #claimOffset()}; finish with
     * {@link #commit()}.
     *
     * @return the buffer to encode into, or null when the session can take nothing now (the answer is dropped and
     * counted).
     */
    MutableDirectBuffer claim(ClientSession session, int length);

    /**
     * @return offset of the space the last {@link #claim} returned.
     */
    int claimOffset();

    /**
     * Send what was encoded into the last claim.
     */
    void commit();

    /**
     * Send an answer encoded earlier, now released from a partition's pending queue; dropped when the session is gone.
     */
    void send(long sessionId, DirectBuffer buffer, int offset, int length);
}
