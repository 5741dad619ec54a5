package io.leasegrid.node.status;

import io.leasegrid.codec.sbe.ErrorCode;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One shard's counters. Each is written only by the shard's thread (single writer), read by anyone.
 */
public final class ShardCounters
{
    private static final String[][] REQUEST_TYPES =
    {
        { "5", "keep_alive" }, { "7", "session_close" }, { "20", "acquire" }, { "23", "renew" }, { "25", "release" }, { "27", "status" },
        { "29", "list" }, { "32", "cancel_wait" },
        { "40", "put" }, { "41", "get" }, { "42", "delete" }, { "43", "compare_and_set" }, { "44", "fenced_put" },
        { "80", "partition_map" },
    };

    private final CountersManager manager;
    private final int shardId;
    private final AtomicCounter[] counters = new AtomicCounter[CounterType.values().length];
    private final AtomicCounter[] requestsByTemplate = new AtomicCounter[128];
    private final AtomicCounter[] errorsByCode = new AtomicCounter[256];

    /**
     * Allocate a shard's counters; call from one thread at start.
     */
    public ShardCounters(final CountersManager manager, final int shardId)
    {
        this.manager = manager;
        this.shardId = shardId;
        for (final CounterType type : CounterType.values())
        {
            if (CounterType.REQUESTS_BY_TYPE != type && CounterType.ERRORS_BY_CODE != type && !type.perPartition() &&
                !type.perNode())
            {
                counters[type.ordinal()] = allocate(manager, type, shardId, 0, type.metricName());
            }
        }
        for (final String[] request : REQUEST_TYPES)
        {
            final int templateId = Integer.parseInt(request[0]);
            requestsByTemplate[templateId] = allocate(
                manager, CounterType.REQUESTS_BY_TYPE, shardId, templateId, "requests " + request[1]);
        }
        for (final ErrorCode code : ErrorCode.values())
        {
            if (ErrorCode.NULL_VAL != code)
            {
                errorsByCode[code.value()] = allocate(manager, CounterType.ERRORS_BY_CODE, shardId, code.value(), "errors " + code);
            }
        }
    }

    private static AtomicCounter allocate(
        final CountersManager manager, final CounterType type, final int shardId, final int subId, final String name)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        key.putInt(0, shardId);
        key.putInt(4, subId);
        final byte[] label = ("shard-" + shardId + " " + name).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final int id = manager.allocate(type.typeId(), key, 0, 8, new UnsafeBuffer(label), 0, label.length);
        return new AtomicCounter(manager.valuesBuffer(), id, manager);
    }

    /**
     * Allocate a counter of the node rather than of a shard (its key's shard is -1), labelled {@code node <name>}.
     *
     * @param subId tells it from the node's other counters of the type, e.g. the member's node id.
     */
    public static AtomicCounter allocateNodeCounter(
        final CountersManager manager, final CounterType type, final int subId, final String name)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        key.putInt(0, -1);
        key.putInt(4, subId);
        final byte[] label = ("node " + name).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final int id = manager.allocate(type.typeId(), key, 0, 8, new UnsafeBuffer(label), 0, label.length);
        return new AtomicCounter(manager.valuesBuffer(), id, manager);
    }

    /**
     * Allocate one more counter of this shard, e.g. one per partition; from the shard's thread at start.
     *
     * @param subId tells it from the shard's other counters of the type, e.g. the partition id.
     */
    public AtomicCounter allocate(final CounterType type, final int subId, final String name)
    {
        return allocate(manager, type, shardId, subId, name);
    }

    /**
     * Count a request of a message type; types without a counter are counted only in the total.
     */
    public void countRequest(final int templateId)
    {
        counters[CounterType.REQUESTS.ordinal()].incrementRelease();
        if (templateId >= 0 && templateId < requestsByTemplate.length && null != requestsByTemplate[templateId])
        {
            requestsByTemplate[templateId].incrementRelease();
        }
    }

    /**
     * Count a typed error.
     */
    public void countError(final ErrorCode code)
    {
        counters[CounterType.ERRORS.ordinal()].incrementRelease();
        final AtomicCounter counter = errorsByCode[code.value() & 0xFF];
        if (null != counter)
        {
            counter.incrementRelease();
        }
    }

    /**
     * @return the counter of a type.
     */
    public AtomicCounter counter(final CounterType type)
    {
        return counters[type.ordinal()];
    }

    public void increment(final CounterType type)
    {
        counters[type.ordinal()].incrementRelease();
    }

    public void set(final CounterType type, final long value)
    {
        counters[type.ordinal()].setRelease(value);
    }
}
