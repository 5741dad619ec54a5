package io.leasegrid.node.shard;

import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.ErrorDecoder;
import io.leasegrid.codec.sbe.LeaseExpiredDecoder;
import io.leasegrid.codec.sbe.LeaseGrantedDecoder;
import io.leasegrid.codec.sbe.LeaseListDecoder;
import io.leasegrid.codec.sbe.LeaseQueuedDecoder;
import io.leasegrid.codec.sbe.LeaseReleasedDecoder;
import io.leasegrid.codec.sbe.LeaseRenewedDecoder;
import io.leasegrid.codec.sbe.LeaseStatusDecoder;
import io.leasegrid.codec.sbe.LeaseWaitCancelledDecoder;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.SessionChallengeDecoder;
import io.leasegrid.codec.sbe.SessionCloseReason;
import io.leasegrid.codec.sbe.SessionClosedDecoder;
import io.leasegrid.codec.sbe.SessionConnectedDecoder;
import io.leasegrid.codec.sbe.ValueReadDecoder;
import io.leasegrid.codec.sbe.ValueWrittenDecoder;
import io.leasegrid.node.egress.AnswerSink;
import io.leasegrid.node.session.ClientSession;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes a shard's answers as the node would send them, decodes each, and records it as a readable line; keeps the
 * last grant's lease id and token and the last challenge's nonce for the test to use.
 */
public final class RecordingSink implements AnswerSink
{
    public final List<String> events = new ArrayList<>();
    public long lastLeaseId;
    public long lastToken;
    public long lastVersion;
    public String lastValue;
    public byte[] lastNonce;
    public long lastChallengedSession;
    private final ExpandableDirectByteBuffer scratch = new ExpandableDirectByteBuffer(64 * 1024);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private int claimedLength;

    public List<String> drain()
    {
        final List<String> drained = new ArrayList<>(events);
        events.clear();
        return drained;
    }

    public MutableDirectBuffer claim(final ClientSession session, final int length)
    {
        claimedLength = length;
        scratch.checkLimit(length);
        return scratch;
    }

    public int claimOffset()
    {
        return 0;
    }

    public void commit()
    {
        record(scratch, 0, claimedLength);
    }

    public void send(final long sessionId, final DirectBuffer buffer, final int offset, final int length)
    {
        record(buffer, offset, length);
    }

    private void record(final DirectBuffer buffer, final int offset, final int length)
    {
        header.wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        switch (header.templateId())
        {
            case SessionChallengeDecoder.TEMPLATE_ID:
            {
                final SessionChallengeDecoder challenge = new SessionChallengeDecoder().wrap(buffer, body, blockLength, version);
                lastChallengedSession = challenge.sessionId();
                lastNonce = new byte[challenge.nonceLength()];
                challenge.getNonce(lastNonce, 0, lastNonce.length);
                break;
            }
            case SessionConnectedDecoder.TEMPLATE_ID:
            {
                final SessionConnectedDecoder connected = new SessionConnectedDecoder().wrap(buffer, body, blockLength, version);
                events.add((BooleanType.TRUE == connected.resumed() ? "RESUMED" : "OPENED") + " c=" +
                    connected.correlationId() + " s=" + connected.sessionId());
                break;
            }
            case SessionClosedDecoder.TEMPLATE_ID:
            {
                final SessionClosedDecoder closed = new SessionClosedDecoder().wrap(buffer, body, blockLength, version);
                events.add(SessionCloseReason.TIMEOUT == closed.reason() ? "TIMED OUT s=" + closed.sessionId() :
                    "CLOSED c=" + closed.correlationId() + " s=" + closed.sessionId());
                break;
            }
            case LeaseGrantedDecoder.TEMPLATE_ID:
            {
                final LeaseGrantedDecoder granted = new LeaseGrantedDecoder().wrap(buffer, body, blockLength, version);
                lastLeaseId = granted.leaseId();
                lastToken = granted.fencingToken();
                events.add("GRANTED c=" + granted.correlationId() + " s=" + granted.sessionId() + " " + granted.mode() +
                    " " + text(granted.resourceLength(), granted::getResource) + " token=" + granted.fencingToken());
                break;
            }
            case LeaseQueuedDecoder.TEMPLATE_ID:
            {
                final LeaseQueuedDecoder queued = new LeaseQueuedDecoder().wrap(buffer, body, blockLength, version);
                events.add("QUEUED c=" + queued.correlationId() + " s=" + queued.sessionId() + " at=" + queued.queuePosition());
                break;
            }
            case LeaseStatusDecoder.TEMPLATE_ID:
            {
                final LeaseStatusDecoder status = new LeaseStatusDecoder().wrap(buffer, body, blockLength, version);
                final long correlationId = status.correlationId();
                final int waiters = status.waiterCount();
                events.add("STATUS c=" + correlationId + " holders=" + status.holders().count() + " waiters=" + waiters);
                break;
            }
            case LeaseListDecoder.TEMPLATE_ID:
            {
                final LeaseListDecoder list = new LeaseListDecoder().wrap(buffer, body, blockLength, version);
                final StringBuilder line = new StringBuilder("LIST c=" + list.correlationId() + " truncated=" +
                    (BooleanType.TRUE == list.truncated()));
                for (final LeaseListDecoder.LeasesDecoder lease : list.leases())
                {
                    lease.leaseId();
                    final long holder = lease.holderSessionId();
                    lease.fencingToken();
                    lease.remainingTtlNs();
                    lease.mode();
                    line.append(' ').append(text(lease.resourceLength(), lease::getResource)).append("@s").append(holder);
                }
                events.add(line.toString());
                break;
            }
            case LeaseRenewedDecoder.TEMPLATE_ID:
            {
                final LeaseRenewedDecoder renewed = new LeaseRenewedDecoder().wrap(buffer, body, blockLength, version);
                events.add("RENEWED c=" + renewed.correlationId() + " s=" + renewed.sessionId() + " token=" +
                    renewed.fencingToken());
                break;
            }
            case LeaseReleasedDecoder.TEMPLATE_ID:
            {
                final LeaseReleasedDecoder released = new LeaseReleasedDecoder().wrap(buffer, body, blockLength, version);
                events.add("RELEASED c=" + released.correlationId() + " s=" + released.sessionId());
                break;
            }
            case LeaseExpiredDecoder.TEMPLATE_ID:
            {
                final LeaseExpiredDecoder expired = new LeaseExpiredDecoder().wrap(buffer, body, blockLength, version);
                events.add("EXPIRED s=" + expired.sessionId() + " " + resourceOf(expired) + " token=" + expired.fencingToken());
                break;
            }
            case LeaseWaitCancelledDecoder.TEMPLATE_ID:
            {
                final LeaseWaitCancelledDecoder cancelled =
                    new LeaseWaitCancelledDecoder().wrap(buffer, body, blockLength, version);
                events.add("CANCELLED c=" + cancelled.correlationId() + " acquire=" + cancelled.acquireCorrelationId() +
                    " waiting=" + (BooleanType.TRUE == cancelled.wasWaiting()));
                break;
            }
            case ValueWrittenDecoder.TEMPLATE_ID:
            {
                final ValueWrittenDecoder written = new ValueWrittenDecoder().wrap(buffer, body, blockLength, version);
                lastVersion = written.version();
                events.add("WRITTEN c=" + written.correlationId() + " v=" + written.version() + " existed=" +
                    (BooleanType.TRUE == written.existed()));
                break;
            }
            case ValueReadDecoder.TEMPLATE_ID:
            {
                final ValueReadDecoder read = new ValueReadDecoder().wrap(buffer, body, blockLength, version);
                final long correlationId = read.correlationId();
                final boolean found = BooleanType.TRUE == read.found();
                final long valueVersion = read.version();
                read.timestampNs();
                final byte[] value = new byte[read.valueLength()];
                read.getValue(value, 0, value.length);
                lastValue = found ? new String(value, StandardCharsets.UTF_8) : null;
                events.add("READ c=" + correlationId + (found ? " v=" + valueVersion + " " + lastValue : " absent"));
                break;
            }
            case ErrorDecoder.TEMPLATE_ID:
            {
                final ErrorDecoder error = new ErrorDecoder().wrap(buffer, body, blockLength, version);
                events.add("ERROR c=" + error.correlationId() + " s=" + error.sessionId() + " " + error.code());
                break;
            }
            default:
                break;
        }
    }

    private static String resourceOf(final LeaseExpiredDecoder expired)
    {
        return text(expired.resourceLength(), expired::getResource);
    }

    /**
     * Reads a var data field's bytes through its generated getter.
     */
    interface BytesGetter
    {
        int get(byte[] dst, int dstOffset, int length);
    }

    static String text(final int length, final BytesGetter getter)
    {
        final byte[] bytes = new byte[length];
        getter.get(bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
