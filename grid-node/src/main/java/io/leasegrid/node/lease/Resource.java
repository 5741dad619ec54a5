package io.leasegrid.node.lease;

import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.util.BytesKeyMap;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A lockable name in a partition while it has holders or waiters; it disappears when it has neither. Its holders
 * all share one mode (and, when shared, one holder limit); its waiters queue in arrival order.
 */
public final class Resource implements BytesKeyMap.Entry
{
    byte[] name = new byte[32];
    int nameLength;
    long nameHash;
    final UnsafeBuffer nameBuffer = new UnsafeBuffer(name);
    LeaseMode mode;
    int holderLimit;
    int holderCount;
    Lease firstHolder;
    Lease lastHolder;
    int waiterCount;
    Waiter firstWaiter;
    Waiter lastWaiter;

    public byte[] keyBytes()
    {
        return name;
    }

    public int keyLength()
    {
        return nameLength;
    }

    /**
     * @return buffer over the name; valid bytes are {@code [0, nameLength())}.
     */
    public DirectBuffer nameBuffer()
    {
        return nameBuffer;
    }

    /**
     * @return length of the name in bytes.
     */
    public int nameLength()
    {
        return nameLength;
    }

    /**
     * The one compatibility rule: whether a request in {@code mode} with {@code holderLimit} may hold the resource
     * alongside its current holders. Exclusive holds alone; shared holders share with the same limit, up to it.
     */
    public boolean canHold(final LeaseMode mode, final int holderLimit)
    {
        if (0 == holderCount)
        {
            return true;
        }
        return LeaseMode.SHARED == mode && LeaseMode.SHARED == this.mode &&
            this.holderLimit == holderLimit && (0 == holderLimit || holderCount < holderLimit);
    }

    /**
     * @return mode of the current holders, or null when none.
     */
    public LeaseMode mode()
    {
        return mode;
    }

    /**
     * @return holder limit of the current shared holders, 0 for none.
     */
    public int holderLimit()
    {
        return holderLimit;
    }

    /**
     * @return number of holders.
     */
    public int holderCount()
    {
        return holderCount;
    }

    /**
     * @return first holder, or null.
     */
    public Lease firstHolder()
    {
        return firstHolder;
    }

    /**
     * @return number of waiters.
     */
    public int waiterCount()
    {
        return waiterCount;
    }

    /**
     * @return first waiter in line, or null.
     */
    public Waiter firstWaiter()
    {
        return firstWaiter;
    }

    void name(final DirectBuffer buffer, final int offset, final int length, final long hash)
    {
        if (name.length < length)
        {
            name = new byte[Math.max(length, name.length * 2)];
            nameBuffer.wrap(name);
        }
        buffer.getBytes(offset, name, 0, length);
        nameLength = length;
        nameHash = hash;
    }

    void reset()
    {
        mode = null;
        holderLimit = 0;
        holderCount = 0;
        firstHolder = null;
        lastHolder = null;
        waiterCount = 0;
        firstWaiter = null;
        lastWaiter = null;
    }
}
