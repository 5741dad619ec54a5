package io.leasegrid.client;

import java.util.ArrayList;
import java.util.List;

/**
 * Records what the duty cycle hands back and asks for, in place of a client.
 */
final class RecordingOutcomes implements RequestOutcomes
{
    final List<String> events = new ArrayList<>();
    final List<Object> completed = new ArrayList<>();
    final List<ErrorCode> failed = new ArrayList<>();
    final List<Lease> renewals = new ArrayList<>();
    final List<PendingRequest> confirming = new ArrayList<>();

    public void complete(final PendingRequest request, final Object value)
    {
        completed.add(value);
        events.add("complete " + request.kind + " " + value);
    }

    public void fail(final PendingRequest request, final ErrorCode code, final String message)
    {
        failed.add(code);
        events.add("fail " + request.kind + " " + code);
    }

    public void sendRelease(final ShardSession session, final long leaseId, final Lease lease)
    {
        events.add("release " + leaseId);
    }

    public void sendRenewal(final Lease lease)
    {
        renewals.add(lease);
        events.add("renew " + lease.leaseId());
    }

    public boolean sendConfirmingRenewal(final Lease lease, final PendingRequest acquire)
    {
        confirming.add(acquire);
        events.add("confirm " + lease.leaseId());
        return true;
    }

    public void sendCancelWait(final ShardSession session, final long acquireCorrelationId)
    {
        events.add("cancel " + acquireCorrelationId);
    }

    public GridClient client()
    {
        return null;
    }
}
