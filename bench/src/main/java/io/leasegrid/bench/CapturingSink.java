package io.leasegrid.bench;

import io.leasegrid.codec.sbe.ErrorDecoder;
import io.leasegrid.codec.sbe.LeaseGrantedDecoder;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.SessionChallengeDecoder;
import io.leasegrid.codec.sbe.ValueReadDecoder;
import io.leasegrid.codec.sbe.ValueWrittenDecoder;
import io.leasegrid.node.egress.AnswerSink;
import io.leasegrid.node.session.ClientSession;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Takes a shard's encoded answers and keeps what a benchmark checks in fields (last lease id, version, error, the
 * challenge nonce), decoding with flyweights: allocation free after the first challenge.
 */
final class CapturingSink implements AnswerSink
{
    long lastLeaseId;
    long lastVersion;
    int lastValueLength;
    int lastError = -1;
    long answers;
    long challengedSessionId;
    final byte[] nonce = new byte[io.leasegrid.codec.SessionKeys.NONCE_LENGTH];
    private final ExpandableDirectByteBuffer scratch = new ExpandableDirectByteBuffer(64 * 1024);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final LeaseGrantedDecoder granted = new LeaseGrantedDecoder();
    private final ValueWrittenDecoder written = new ValueWrittenDecoder();
    private final ValueReadDecoder read = new ValueReadDecoder();
    private final ErrorDecoder error = new ErrorDecoder();
    private final SessionChallengeDecoder challenge = new SessionChallengeDecoder();
    private int claimedLength;

    public MutableDirectBuffer claim(final ClientSession session, final int length)
    {
        claimedLength = length;
        return scratch;
    }

    public int claimOffset()
    {
        return 0;
    }

    public void commit()
    {
        capture(scratch, 0);
    }

    public void send(final long sessionId, final DirectBuffer buffer, final int offset, final int length)
    {
        capture(buffer, offset);
    }

    int claimedLength()
    {
        return claimedLength;
    }

    private void capture(final DirectBuffer buffer, final int offset)
    {
        answers++;
        header.wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (header.templateId())
        {
            case LeaseGrantedDecoder.TEMPLATE_ID:
                granted.wrap(buffer, body, header.blockLength(), header.version());
                lastLeaseId = granted.leaseId();
                break;
            case ValueWrittenDecoder.TEMPLATE_ID:
                written.wrap(buffer, body, header.blockLength(), header.version());
                lastVersion = written.version();
                break;
            case ValueReadDecoder.TEMPLATE_ID:
                read.wrap(buffer, body, header.blockLength(), header.version());
                lastVersion = read.version();
                lastValueLength = read.valueLength();
                break;
            case ErrorDecoder.TEMPLATE_ID:
                error.wrap(buffer, body, header.blockLength(), header.version());
                lastError = error.codeRaw();
                break;
            case SessionChallengeDecoder.TEMPLATE_ID:
                challenge.wrap(buffer, body, header.blockLength(), header.version());
                challengedSessionId = challenge.sessionId();
                challenge.getNonce(nonce, 0, nonce.length);
                break;
            default:
                break;
        }
    }
}
