package io.leasegrid.node.value;

import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.sbe.ErrorCode;
import io.leasegrid.codec.sbe.ValueCompareAndSetDecoder;
import io.leasegrid.codec.sbe.ValueDeleteDecoder;
import io.leasegrid.codec.sbe.ValueFencedPutDecoder;
import io.leasegrid.codec.sbe.ValueGetDecoder;
import io.leasegrid.codec.sbe.ValuePutDecoder;
import io.leasegrid.node.RequestLimits;
import io.leasegrid.node.egress.EgressPublisher;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.LeaseTable;
import io.leasegrid.node.partition.Partition;
import io.leasegrid.node.partition.PartitionLog;
import io.leasegrid.node.session.ClientSession;
import io.leasegrid.node.status.Alerts;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.NanoClock;

/**
 * The value rules, decided as a partition's primary: versions strictly increase per partition, a compare-and-set
 * writes only over the version it names, and a fenced put writes only while its token is the live lease's of the
 * session that sends it. Each write goes through the {@link PartitionLog} and is answered with its position.
 * <p>
 * Owned by the shard's thread; allocates nothing.
 */
public final class ValueDecider
{
    private final RequestLimits limits;
    private final int partitionCount;
    private final PartitionLog log;
    private final EgressPublisher egress;
    private final NanoClock clock;
    private final Alerts alerts;

    public ValueDecider(
        final RequestLimits limits,
        final int partitionCount,
        final PartitionLog log,
        final EgressPublisher egress,
        final NanoClock clock,
        final Alerts alerts)
    {
        this.limits = limits;
        this.partitionCount = partitionCount;
        this.log = log;
        this.egress = egress;
        this.clock = clock;
        this.alerts = alerts;
    }

    /**
     * Put a value; its version is the partition's next.
     */
    public void put(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        if (isValid(partition, session, correlationId, keyLength, valueLength, ValuePutDecoder.TEMPLATE_ID))
        {
            write(partition, session, correlationId, key, keyOffset, keyLength, value, valueOffset, valueLength,
                ValuePutDecoder.TEMPLATE_ID);
        }
    }

    /**
     * Read a value.
     */
    public void get(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength)
    {
        if (!isValid(partition, session, correlationId, keyLength, 0, ValueGetDecoder.TEMPLATE_ID))
        {
            return;
        }
        final ValueEntry entry = partition.state().values().get(key, keyOffset, keyLength);
        // The answer waits only for the change it shows to commit (the put it reads, or a delete that may explain
        // the absence), not for unrelated writes to the partition.
        if (null == entry)
        {
            egress.valueRead(partition, partition.state().values().lastDeletePosition(), session, correlationId, false,
                0, 0, key, keyOffset, 0);
        }
        else
        {
            egress.valueRead(partition, entry.position(), session, correlationId, true, entry.version(),
                entry.timestampNs(), entry.valueBuffer(), 0, entry.valueLength());
        }
    }

    /**
     * Delete a value; deleting an absent key changes nothing and says so.
     */
    public void delete(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength)
    {
        if (!isValid(partition, session, correlationId, keyLength, 0, ValueDeleteDecoder.TEMPLATE_ID))
        {
            return;
        }
        final ValueStore values = partition.state().values();
        if (null == values.get(key, keyOffset, keyLength))
        {
            egress.valueWritten(partition, partition.appendPosition(), session, correlationId, 0, 0, false);
            return;
        }
        final long version = values.lastVersion() + 1;
        final long position = log.delete(partition, version, key, keyOffset, keyLength);
        if (PartitionLog.FAILED == position)
        {
            failed(session, correlationId, ValueDeleteDecoder.TEMPLATE_ID);
            return;
        }
        egress.valueWritten(partition, position, session, correlationId, version, log.lastTimestampNs(), true);
    }

    /**
     * Put only while the key's version is {@code expectedVersion} (0: the key is absent).
     */
    public void compareAndSet(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final long expectedVersion,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final int template = ValueCompareAndSetDecoder.TEMPLATE_ID;
        if (!isValid(partition, session, correlationId, keyLength, valueLength, template))
        {
            return;
        }
        final ValueEntry entry = partition.state().values().get(key, keyOffset, keyLength);
        if ((null == entry ? 0 : entry.version()) != expectedVersion)
        {
            egress.error(partition, partition.appendPosition(), session, correlationId, ErrorCode.VERSION_MISMATCH, template);
            return;
        }
        write(partition, session, correlationId, key, keyOffset, keyLength, value, valueOffset, valueLength, template);
    }

    /**
     * Put only while {@code fencingToken} is the token of a live lease on {@code leaseResource} held by this session;
     * the resource must share the key's partition.
     */
    public void fencedPut(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final long fencingToken,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer leaseResource,
        final int resourceOffset,
        final int resourceLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        final int template = ValueFencedPutDecoder.TEMPLATE_ID;
        if (!isValid(partition, session, correlationId, keyLength, valueLength, template))
        {
            return;
        }
        final ErrorCode badResource = limits.nameError(resourceLength);
        if (null != badResource)
        {
            egress.error(partition, partition.appendPosition(), session, correlationId, badResource, template);
            return;
        }
        if (Partitioner.partition(leaseResource, resourceOffset, resourceLength, partitionCount) != partition.partitionId())
        {
            egress.error(partition, partition.appendPosition(), session, correlationId, ErrorCode.FENCE_NOT_COLOCATED, template);
            return;
        }
        final LeaseTable leases = partition.state().leases();
        final Lease holder = leases.liveHolderWithToken(
            leases.resource(leaseResource, resourceOffset, resourceLength), fencingToken, clock.nanoTime());
        if (null == holder)
        {
            egress.error(partition, partition.appendPosition(), session, correlationId, ErrorCode.FENCING_TOKEN_REJECTED,
                template);
            return;
        }
        if (holder.sessionId() != session.sessionId())
        {
            // The token is live but another session holds it: a token read from status() is not a licence to write.
            egress.error(partition, partition.appendPosition(), session, correlationId, ErrorCode.NOT_LEASE_HOLDER, template);
            return;
        }
        write(partition, session, correlationId, key, keyOffset, keyLength, value, valueOffset, valueLength, template);
    }

    private void write(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final int template)
    {
        final ValueStore values = partition.state().values();
        final boolean existed = null != values.get(key, keyOffset, keyLength);
        final long version = values.lastVersion() + 1;
        final long position = log.put(partition, version, key, keyOffset, keyLength, value, valueOffset, valueLength);
        if (PartitionLog.FAILED == position)
        {
            failed(session, correlationId, template);
            return;
        }
        egress.valueWritten(partition, position, session, correlationId, version, log.lastTimestampNs(), existed);
    }

    private boolean isValid(
        final Partition partition,
        final ClientSession session,
        final long correlationId,
        final int keyLength,
        final int valueLength,
        final int template)
    {
        ErrorCode invalid = limits.nameError(keyLength);
        if (null == invalid)
        {
            invalid = limits.valueError(valueLength);
        }
        if (null != invalid)
        {
            egress.error(partition, partition.appendPosition(), session, correlationId, invalid, template);
            return false;
        }
        return true;
    }

    private void failed(final ClientSession session, final long correlationId, final int template)
    {
        alerts.raise(Alerts.Kind.PARTITION_FAILED);
        egress.error(null, 0, session, correlationId, ErrorCode.INTERNAL_ERROR, template);
    }
}
