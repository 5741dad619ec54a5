package io.leasegrid.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A value as the grid holds it: bytes, version and the primary's timestamp of the change. Immutable.
 */
public final class ValueRecord
{
    private final byte[] value;
    private final long version;
    private final long timestampNs;

    /**
     * @param value       the bytes, copied.
     * @param version     of the change that wrote them.
     * @param timestampNs primary's epoch time of that change.
     */
    public ValueRecord(final byte[] value, final long version, final long timestampNs)
    {
        this.value = value.clone();
        this.version = version;
        this.timestampNs = timestampNs;
    }

    /**
     * @return a copy of the bytes.
     */
    public byte[] value()
    {
        return value.clone();
    }

    /**
     * @return the bytes as UTF-8 text.
     */
    public String valueAsString()
    {
        return new String(value, StandardCharsets.UTF_8);
    }

    /**
     * @return version of the change, strictly increasing per partition.
     */
    public long version()
    {
        return version;
    }

    /**
     * @return primary's epoch time of the change, in nanoseconds.
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    public String toString()
    {
        return "ValueRecord{" + value.length + " bytes, version " + version + ", " +
            Instant.ofEpochSecond(0, timestampNs) + "}";
    }
}
