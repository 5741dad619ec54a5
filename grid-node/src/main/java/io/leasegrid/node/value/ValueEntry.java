package io.leasegrid.node.value;

import io.leasegrid.node.util.BytesKeyMap;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One key's current value, version and the primary's timestamp of the change. Its arrays grow when needed and
 * are otherwise reused, so overwriting a value of similar size allocates nothing.
 */
public final class ValueEntry implements BytesKeyMap.Entry
{
    byte[] key = new byte[16];
    int keyLength;
    long keyHash;
    byte[] value = new byte[64];
    int valueLength;
    long version;
    long timestampNs;
    long position;
    final UnsafeBuffer keyBuffer = new UnsafeBuffer(key);
    final UnsafeBuffer valueBuffer = new UnsafeBuffer(value);

    public byte[] keyBytes()
    {
        return key;
    }

    public int keyLength()
    {
        return keyLength;
    }

    /**
     * @return buffer over the key; valid bytes are {@code [0, keyLength())}.
     */
    public DirectBuffer keyBuffer()
    {
        return keyBuffer;
    }

    /**
     * @return buffer over the value; valid bytes are {@code [0, valueLength())}.
     */
    public DirectBuffer valueBuffer()
    {
        return valueBuffer;
    }

    /**
     * @return length of the value in bytes.
     */
    public int valueLength()
    {
        return valueLength;
    }

    /**
     * @return version of the value: strictly increasing per key, across deletes too.
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

    /**
     * @return journal position of the change that left this value: a read of it waits until that is committed.
     */
    public long position()
    {
        return position;
    }

    void key(final DirectBuffer buffer, final int offset, final int length, final long hash)
    {
        if (key.length < length)
        {
            key = new byte[Math.max(length, key.length * 2)];
            keyBuffer.wrap(key);
        }
        buffer.getBytes(offset, key, 0, length);
        keyLength = length;
        keyHash = hash;
    }

    void value(final DirectBuffer buffer, final int offset, final int length)
    {
        if (value.length < length)
        {
            value = new byte[Math.max(length, value.length * 2)];
            valueBuffer.wrap(value);
        }
        buffer.getBytes(offset, value, 0, length);
        valueLength = length;
    }
}
