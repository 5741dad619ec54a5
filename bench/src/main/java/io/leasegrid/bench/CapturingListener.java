package io.leasegrid.bench;

import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.node.shard.ShardListener;
import org.agrona.DirectBuffer;

/**
 * Keeps the last answer of a shard in fields, allocation free, so a benchmark can chain requests and check them.
 */
final class CapturingListener implements ShardListener
{
    long lastLeaseId;
    long lastToken;
    long lastVersion;
    int lastValueLength;
    ErrorCode lastError;
    long answers;

    public void onSessionOpened(final long correlationId, final long sessionId)
    {
        answers++;
    }

    public void onSessionClosed(final long correlationId, final long sessionId)
    {
        answers++;
    }

    public void onSessionTimedOut(final long sessionId)
    {
    }

    public void onLeaseGranted(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs,
        final LeaseMode mode, final DirectBuffer resource, final int offset, final int length)
    {
        lastLeaseId = leaseId;
        lastToken = fencingToken;
        answers++;
    }

    public void onLeaseStatus(
        final long correlationId, final long sessionId, final io.leasegrid.node.lease.Resource resource,
        final DirectBuffer name, final int offset, final int length, final long nowNs)
    {
        answers++;
    }

    public void onLeaseQueued(final long correlationId, final long sessionId, final int queuePosition)
    {
        answers++;
    }

    public void onLeaseRenewed(
        final long correlationId, final long sessionId, final long leaseId, final long fencingToken, final long ttlNs)
    {
        answers++;
    }

    public void onLeaseReleased(final long correlationId, final long sessionId, final long leaseId)
    {
        answers++;
    }

    public void onLeaseExpired(
        final long sessionId, final long leaseId, final long fencingToken, final DirectBuffer resource, final int offset,
        final int length)
    {
        answers++;
    }

    public void onValueWritten(
        final long correlationId, final long sessionId, final long version, final long timestampNs, final boolean existed)
    {
        lastVersion = version;
        answers++;
    }

    public void onValueRead(
        final long correlationId, final long sessionId, final boolean found, final long version, final long timestampNs,
        final DirectBuffer value, final int offset, final int length)
    {
        lastVersion = version;
        lastValueLength = length;
        answers++;
    }

    public void onError(final long correlationId, final long sessionId, final ErrorCode code, final int requestTemplateId)
    {
        lastError = code;
        answers++;
    }
}
