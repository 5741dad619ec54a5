package io.leasegrid.node.util;

import io.leasegrid.codec.KeyHash;
import org.agrona.DirectBuffer;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Open-addressing map from a byte-string key to an entry that holds its own key bytes, so lookups by a key in a
 * {@link DirectBuffer} (straight off the wire or the journal) neither copy nor allocate.
 * <p>
 * Linear probing over a power-of-two table; removal shifts later entries back so no tombstones build up. Each
 * slot keeps the key's 64-bit hash beside the entry, so a probe compares bytes only when hashes match.
 * Not thread safe: owned by one shard thread.
 *
 * @param <E> entry type.
 */
public final class BytesKeyMap<E extends BytesKeyMap.Entry>
{
    /**
     * An entry that carries its key.
     */
    public interface Entry
    {
        /**
         * @return array holding the key from index 0.
         */
        byte[] keyBytes();

        /**
         * @return length of the key in bytes.
         */
        int keyLength();
    }

    private static final float LOAD_FACTOR = 0.6f;

    private Object[] entries;
    private long[] hashes;
    private int mask;
    private int size;
    private int resizeThreshold;

    /**
     * @param initialCapacity expected number of entries.
     */
    public BytesKeyMap(final int initialCapacity)
    {
        final int capacity = Integer.highestOneBit(Math.max(8, (int)(initialCapacity / LOAD_FACTOR)) * 2 - 1);
        allocate(capacity);
    }

    /**
     * @return number of entries.
     */
    public int size()
    {
        return size;
    }

    /**
     * Hash of a key as this map computes it.
     *
     * @param buffer holding the key.
     * @param offset of the key.
     * @param length of the key.
     * @return the hash.
     */
    public static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        return KeyHash.hash(buffer, offset, length);
    }

    /**
     * Find the entry for a key.
     *
     * @param buffer holding the key.
     * @param offset of the key.
     * @param length of the key.
     * @param hash   of the key, from {@link #hash(DirectBuffer, int, int)}.
     * @return the entry or null.
     */
    @SuppressWarnings("unchecked")
    public E get(final DirectBuffer buffer, final int offset, final int length, final long hash)
    {
        int index = slot(hash);
        Object entry;
        while (null != (entry = entries[index]))
        {
            if (hashes[index] == hash && sameKey((E)entry, buffer, offset, length))
            {
                return (E)entry;
            }
            index = (index + 1) & mask;
        }
        return null;
    }

    /**
     * Add an entry whose key is not in the map yet.
     *
     * @param entry to add.
     * @param hash  of its key.
     */
    public void add(final E entry, final long hash)
    {
        int index = slot(hash);
        while (null != entries[index])
        {
            index = (index + 1) & mask;
        }
        entries[index] = entry;
        hashes[index] = hash;
        if (++size > resizeThreshold)
        {
            resize();
        }
    }

    /**
     * Remove an entry by identity.
     *
     * @param entry to remove.
     * @param hash  of its key.
     * @return true if it was in the map.
     */
    public boolean remove(final E entry, final long hash)
    {
        int index = slot(hash);
        Object candidate;
        while (null != (candidate = entries[index]))
        {
            if (candidate == entry)
            {
                entries[index] = null;
                size--;
                shiftBack(index);
                return true;
            }
            index = (index + 1) & mask;
        }
        return false;
    }

    /**
     * Visit every entry, in table order.
     *
     * @param consumer of each entry.
     */
    @SuppressWarnings("unchecked")
    public void forEach(final Consumer<E> consumer)
    {
        final Object[] entries = this.entries;
        for (final Object entry : entries)
        {
            if (null != entry)
            {
                consumer.accept((E)entry);
            }
        }
    }

    /**
     * Remove every entry.
     */
    public void clear()
    {
        Arrays.fill(entries, null);
        size = 0;
    }

    private int slot(final long hash)
    {
        return (int)((hash * 0x9E3779B97F4A7C15L) >>> 33) & mask;
    }

    private void shiftBack(final int removedIndex)
    {
        int gap = removedIndex;
        int index = (removedIndex + 1) & mask;
        Object entry;
        while (null != (entry = entries[index]))
        {
            final int home = slot(hashes[index]);
            // Move the entry into the gap unless its home lies cyclically in (gap, index].
            if ((index > gap && (home <= gap || home > index)) || (index < gap && home <= gap && home > index))
            {
                entries[gap] = entry;
                hashes[gap] = hashes[index];
                entries[index] = null;
                gap = index;
            }
            index = (index + 1) & mask;
        }
    }

    private void resize()
    {
        final Object[] oldEntries = entries;
        final long[] oldHashes = hashes;
        allocate(oldEntries.length * 2);
        for (int i = 0; i < oldEntries.length; i++)
        {
            final Object entry = oldEntries[i];
            if (null != entry)
            {
                int index = slot(oldHashes[i]);
                while (null != entries[index])
                {
                    index = (index + 1) & mask;
                }
                entries[index] = entry;
                hashes[index] = oldHashes[i];
            }
        }
    }

    private void allocate(final int capacity)
    {
        entries = new Object[capacity];
        hashes = new long[capacity];
        mask = capacity - 1;
        resizeThreshold = (int)(capacity * LOAD_FACTOR);
    }

    private static boolean sameKey(final Entry entry, final DirectBuffer buffer, final int offset, final int length)
    {
        if (entry.keyLength() != length)
        {
            return false;
        }
        final byte[] key = entry.keyBytes();
        for (int i = 0; i < length; i++)
        {
            if (key[i] != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }
}
