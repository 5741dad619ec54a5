package io.leasegrid.client;

/**
 * A value as the grid holds it: bytes, version and the primary's timestamp of the change.
 */
public final class ValueRecord
{
    private final byte[] value;
    private final long version;
    private final long timestampNs;

    public ValueRecord(final byte[] value, final long version, final long timestampNs)
    {
        this.value = value;
        this.version = version;
        this.timestampNs = timestampNs;
    }

    public byte[] value()
    {
        return value.clone();
    }

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
}
