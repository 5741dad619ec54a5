package io.leasegrid.node.shard;

import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.LeaseMode;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records what a shard says as readable lines, and the last grant's lease id and token.
 */
final class RecordingListener implements ShardListener
{
    final List<String> events = new ArrayList<>();
    long lastLeaseId;
    long lastToken;
    long lastVersion;
    String lastValue;

    List<String> drain()
    {
        final List<String> drained = new ArrayList<>(events);
        events.clear();
        return drained;
    }

    public void onSessionOpened(final long correlationId, final long sessionId)
    {
        events.add("OPENED c=" + correlationId + " s=" + sessionId);
    }

    public void onSessionClosed(final long correlationId, final long sessionId)
    {
        events.add("CLOSED c=" + correlationId + " s=" + sessionId);
    }

    public void onSessionTimedOut(final long sessionId)
    {
        events.add("TIMED OUT s=" + sessionId);
    }

    public void onLeaseGranted(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs,
        final LeaseMode mode, final DirectBuffer resource, final int offset, final int length)
    {
        lastLeaseId = leaseId;
        lastToken = fencingToken;
        events.add("GRANTED c=" + correlationId + " s=" + sessionId + " " + mode + " " + text(resource, offset, length) +
            " token=" + fencingToken);
    }

    public void onLeaseStatus(
        final long correlationId, final long sessionId, final io.leasegrid.node.lease.Resource resource,
        final DirectBuffer name, final int offset, final int length, final long nowNs)
    {
        events.add("STATUS c=" + correlationId + " holders=" + (null == resource ? 0 : resource.holderCount()) +
            " waiters=" + (null == resource ? 0 : resource.waiterCount()));
    }

    public void onLeaseQueued(final long correlationId, final long sessionId, final int queuePosition)
    {
        events.add("QUEUED c=" + correlationId + " s=" + sessionId + " at=" + queuePosition);
    }

    public void onLeaseRenewed(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs)
    {
        events.add("RENEWED c=" + correlationId + " s=" + sessionId + " token=" + fencingToken);
    }

    public void onLeaseReleased(final long correlationId, final long sessionId, final long leaseId)
    {
        events.add("RELEASED c=" + correlationId + " s=" + sessionId);
    }

    public void onLeaseExpired(
        final long sessionId, final long leaseId, final long fencingToken, final DirectBuffer resource, final int offset,
        final int length)
    {
        events.add("EXPIRED s=" + sessionId + " " + text(resource, offset, length) + " token=" + fencingToken);
    }

    public void onValueWritten(
        final long correlationId, final long sessionId, final long version, final long timestampNs, final boolean existed)
    {
        lastVersion = version;
        events.add("WRITTEN c=" + correlationId + " v=" + version + " existed=" + existed);
    }

    public void onValueRead(
        final long correlationId, final long sessionId, final boolean found, final long version, final long timestampNs,
        final DirectBuffer value, final int offset, final int length)
    {
        lastValue = found ? text(value, offset, length) : null;
        events.add("READ c=" + correlationId + (found ? " v=" + version + " " + lastValue : " absent"));
    }

    public void onError(final long correlationId, final long sessionId, final ErrorCode code, final int requestTemplateId)
    {
        events.add("ERROR c=" + correlationId + " s=" + sessionId + " " + code);
    }

    private static String text(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
