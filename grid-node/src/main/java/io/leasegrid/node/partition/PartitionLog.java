package io.leasegrid.node.partition;

import io.leasegrid.codec.internal.BooleanType;
import io.leasegrid.codec.internal.CheckpointKind;
import io.leasegrid.codec.internal.LeaseEndOpEncoder;
import io.leasegrid.codec.internal.LeaseEndReason;
import io.leasegrid.codec.internal.LeaseGrantOpEncoder;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.codec.internal.LeaseRenewOpEncoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.SessionCloseOpEncoder;
import io.leasegrid.codec.internal.SessionCloseReason;
import io.leasegrid.codec.internal.SessionOpenOpEncoder;
import io.leasegrid.codec.internal.TimeCheckpointOpEncoder;
import io.leasegrid.codec.internal.ValueDeleteOpEncoder;
import io.leasegrid.codec.internal.ValuePutOpEncoder;
import io.leasegrid.codec.internal.WaiterEnqueueOpEncoder;
import io.leasegrid.codec.internal.WaiterLeaveOpEncoder;
import io.leasegrid.codec.internal.WaiterLeaveReason;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.Waiter;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.NanoClock;

/**
 * The one write path of a shard's partitions: each decision is encoded as an operation, appended to the partition's
 * journal and applied to its state through the {@link OperationApplier} (the code recovery runs), and its journal
 * position returned, which is what the decision's answer waits on.
 * <p>
 * A failure while appending or applying leaves the partition's state in doubt: the partition is marked
 * {@link PartitionRole#FAILED}, the error goes to the error log, and the call returns {@link #FAILED}. Only a
 * partition's primary writes: a failed partition, a replica and one still recovering take no writes (also
 * {@link #FAILED}).
 * <p>
 * Time comes from the shard's clocks, cached once per duty cycle. Owned by the shard's thread; allocates nothing
 * per operation.
 */
public final class PartitionLog
{
    /**
     * Returned instead of a position when the write did not happen.
     */
    public static final long FAILED = -1;

    private final NanoClock nanoClock;
    private final NanoClock epochNanoClock;
    private final ErrorHandler errorHandler;
    private final OperationApplier applier = new OperationApplier();
    private final ExpandableDirectByteBuffer opBuffer = new ExpandableDirectByteBuffer(128 * 1024);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final LeaseGrantOpEncoder grant = new LeaseGrantOpEncoder();
    private final LeaseRenewOpEncoder renew = new LeaseRenewOpEncoder();
    private final LeaseEndOpEncoder end = new LeaseEndOpEncoder();
    private final WaiterEnqueueOpEncoder enqueue = new WaiterEnqueueOpEncoder();
    private final WaiterLeaveOpEncoder leave = new WaiterLeaveOpEncoder();
    private final ValuePutOpEncoder put = new ValuePutOpEncoder();
    private final ValueDeleteOpEncoder delete = new ValueDeleteOpEncoder();
    private final TimeCheckpointOpEncoder checkpoint = new TimeCheckpointOpEncoder();
    private final SessionOpenOpEncoder sessionOpen = new SessionOpenOpEncoder();
    private final SessionCloseOpEncoder sessionClose = new SessionCloseOpEncoder();
    private long lastTimestampNs;

    /**
     * @param nanoClock      monotonic time of decisions (TTLs, deadlines), cached per duty cycle.
     * @param epochNanoClock wall-clock time stamped on entries and values, cached per duty cycle.
     * @param errorHandler   the error log, for writes that fail.
     */
    public PartitionLog(final NanoClock nanoClock, final NanoClock epochNanoClock, final ErrorHandler errorHandler)
    {
        this.nanoClock = nanoClock;
        this.epochNanoClock = epochNanoClock;
        this.errorHandler = errorHandler;
    }

    /**
     * @return the lease the last {@link #grant} created.
     */
    public Lease lastGranted()
    {
        return applier.lastGranted();
    }

    /**
     * @return the waiter the last {@link #enqueue} created.
     */
    public Waiter lastEnqueued()
    {
        return applier.lastEnqueued();
    }

    /**
     * @return wall-clock time of the last entry written.
     */
    public long lastTimestampNs()
    {
        return lastTimestampNs;
    }

    public long grant(
        final Partition partition,
        final long leaseId,
        final long sessionId,
        final long fencingToken,
        final long ttlNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final long correlationId,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        grant.wrapAndApplyHeader(opBuffer, 0, header)
            .leaseId(leaseId)
            .sessionId(sessionId)
            .fencingToken(fencingToken)
            .ttlNs(ttlNs)
            .mode(mode)
            .autoRenew(autoRenew ? BooleanType.TRUE : BooleanType.FALSE)
            .holderLimit(LeaseMode.SHARED == mode ? holderLimit : 0)
            .correlationId(correlationId)
            .putResource(resource, offset, length);
        return append(partition, grant.encodedLength());
    }

    public long renew(final Partition partition, final long leaseId, final long ttlNs)
    {
        renew.wrapAndApplyHeader(opBuffer, 0, header).leaseId(leaseId).ttlNs(ttlNs);
        return append(partition, renew.encodedLength());
    }

    public long end(final Partition partition, final long leaseId, final LeaseEndReason reason)
    {
        end.wrapAndApplyHeader(opBuffer, 0, header).leaseId(leaseId).reason(reason);
        return append(partition, end.encodedLength());
    }

    public long enqueue(
        final Partition partition,
        final long sessionId,
        final long correlationId,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        enqueue.wrapAndApplyHeader(opBuffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .ttlNs(ttlNs)
            .waitTimeoutNs(waitTimeoutNs)
            .mode(mode)
            .autoRenew(autoRenew ? BooleanType.TRUE : BooleanType.FALSE)
            .holderLimit(holderLimit)
            .putResource(resource, offset, length);
        return append(partition, enqueue.encodedLength());
    }

    public long leave(
        final Partition partition,
        final long sessionId,
        final long correlationId,
        final WaiterLeaveReason reason,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        leave.wrapAndApplyHeader(opBuffer, 0, header)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .reason(reason)
            .putResource(resource, offset, length);
        return append(partition, leave.encodedLength());
    }

    public long put(
        final Partition partition,
        final long version,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        put.wrapAndApplyHeader(opBuffer, 0, header)
            .version(version)
            .putKey(key, keyOffset, keyLength)
            .putValue(value, valueOffset, valueLength);
        return append(partition, put.encodedLength());
    }

    public long delete(
        final Partition partition, final long version, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        delete.wrapAndApplyHeader(opBuffer, 0, header).version(version).putKey(key, keyOffset, keyLength);
        return append(partition, delete.encodedLength());
    }

    public long checkpoint(final Partition partition, final CheckpointKind kind)
    {
        checkpoint.wrapAndApplyHeader(opBuffer, 0, header).kind(kind);
        return append(partition, checkpoint.encodedLength());
    }

    public long openSession(
        final Partition partition, final long sessionId, final long timeoutNs, final String clientName, final byte[] nonce)
    {
        sessionOpen.wrapAndApplyHeader(opBuffer, 0, header)
            .sessionId(sessionId)
            .sessionTimeoutNs(timeoutNs)
            .clientName(clientName)
            .putNonce(nonce, 0, nonce.length);
        return append(partition, sessionOpen.encodedLength());
    }

    public long closeSession(final Partition partition, final long sessionId, final SessionCloseReason reason)
    {
        sessionClose.wrapAndApplyHeader(opBuffer, 0, header).sessionId(sessionId).reason(reason);
        return append(partition, sessionClose.encodedLength());
    }

    /**
     * Apply an entry read back from the journal during recovery, through the same applier.
     */
    public void replay(
        final PartitionState state,
        final long position,
        final long epoch,
        final long timestampNs,
        final long monotonicNs,
        final DirectBuffer buffer,
        final int offset)
    {
        applier.apply(state, position, epoch, timestampNs, monotonicNs, buffer, offset);
    }

    private long append(final Partition partition, final int bodyLength)
    {
        if (PartitionRole.PRIMARY != partition.role())
        {
            // Only a primary writes: a failed partition, and one that stopped leading (a timer or a session's end
            // that reaches it after the control plane moved it) must not put entries of its own into its copy.
            return FAILED;
        }
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + bodyLength;
        final long nowNs = nanoClock.nanoTime();
        lastTimestampNs = epochNanoClock.nanoTime();
        try
        {
            final long position = partition.journal().append(partition.epoch(), lastTimestampNs, nowNs, opBuffer, 0, length);
            applier.apply(partition.state(), position, partition.epoch(), lastTimestampNs, nowNs, opBuffer, 0);
            partition.onAppended(position);
            return position;
        }
        catch (final RuntimeException ex)
        {
            partition.fail();
            errorHandler.onError(new IllegalStateException(
                "partition " + partition.partitionId() + " failed on a write and answers no more requests", ex));
            return FAILED;
        }
    }
}
