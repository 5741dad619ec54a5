package io.leasegrid.node.value;

import io.leasegrid.node.util.BytesKeyMap;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * The values of one partition. Like the lease table it records decisions the primary took (the version of each
 * change comes from the journaled operation) and never decides. Versions come from one partition-wide counter,
 * so a key's versions keep increasing across delete and re-create. Not thread safe: owned by the shard.
 */
public final class ValueStore
{
    private final BytesKeyMap<ValueEntry> entries = new BytesKeyMap<>(1024);
    private final ArrayList<ValueEntry> free = new ArrayList<>();
    private long lastDeletePosition = -1;
    private long lastVersion;

    /**
     * @return highest version issued in the partition.
     */
    public long lastVersion()
    {
        return lastVersion;
    }

    /**
     * @return number of keys with a value.
     */
    public int size()
    {
        return entries.size();
    }

    /**
     * @return the entry for a key, or null.
     */
    public ValueEntry get(final DirectBuffer buffer, final int offset, final int length)
    {
        return entries.get(buffer, offset, length, BytesKeyMap.hash(buffer, offset, length));
    }

    /**
     * @return journal position of the latest delete, -1 when none: a read that finds no value waits until it is
     * committed, since the key's absence may be that delete's doing.
     */
    public long lastDeletePosition()
    {
        return lastDeletePosition;
    }

    /**
     * The store was restored from a snapshot taken at {@code position}: deletes up to there are no longer known one by
     * one, so that position stands for the latest of them.
     */
    public void restoredAt(final long position)
    {
        lastDeletePosition = Math.max(lastDeletePosition, position);
    }

    /**
     * Record a put.
     *
     * @return the entry now holding the value.
     */
    public ValueEntry put(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long version,
        final long timestampNs,
        final long position)
    {
        final long hash = BytesKeyMap.hash(key, keyOffset, keyLength);
        ValueEntry entry = entries.get(key, keyOffset, keyLength, hash);
        if (null == entry)
        {
            entry = free.isEmpty() ? new ValueEntry() : free.remove(free.size() - 1);
            entry.key(key, keyOffset, keyLength, hash);
            entries.add(entry, hash);
        }
        entry.value(value, valueOffset, valueLength);
        entry.version = version;
        entry.timestampNs = timestampNs;
        entry.position = position;
        lastVersion = Math.max(lastVersion, version);
        return entry;
    }

    /**
     * Record a delete; the version it consumed still counts.
     *
     * @return true if the key had a value.
     */
    public boolean delete(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long version, final long position)
    {
        lastVersion = Math.max(lastVersion, version);
        lastDeletePosition = Math.max(lastDeletePosition, position);
        final long hash = BytesKeyMap.hash(key, keyOffset, keyLength);
        final ValueEntry entry = entries.get(key, keyOffset, keyLength, hash);
        if (null == entry)
        {
            return false;
        }
        entries.remove(entry, hash);
        free.add(entry);
        return true;
    }

    /**
     * Visit every entry.
     */
    public void forEach(final Consumer<ValueEntry> consumer)
    {
        entries.forEach(consumer);
    }

    /**
     * Set the version counter, as a snapshot restores it.
     */
    public void restoreLastVersion(final long lastVersion)
    {
        this.lastVersion = lastVersion;
    }
}
