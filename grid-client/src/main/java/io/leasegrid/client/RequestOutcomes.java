package io.leasegrid.client;

/**
 * What the duty cycle does with the outcome of a request, and the requests it makes on its own (renewals, releases,
 * cancels): the client does them, tests of the duty cycle record them.
 */
interface RequestOutcomes
{
    void complete(PendingRequest request, Object value);

    void fail(PendingRequest request, ErrorCode code, String message);

    void sendRelease(ShardSession session, long leaseId, Lease lease);

    void sendRenewal(Lease lease);

    /**
     * @return false when the renewal could not be sent.
     */
    boolean sendConfirmingRenewal(Lease lease, PendingRequest acquire);

    void sendCancelWait(ShardSession session, long acquireCorrelationId);

    /**
     * @return the client a new lease handle belongs to.
     */
    GridClient client();
}
