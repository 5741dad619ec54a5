package io.leasegrid.journal;

import io.leasegrid.codec.internal.JournalEntryDecoder;
import org.agrona.DirectBuffer;

/**
 * Receives journal entries, in position order, from {@link JournalReader#poll(EntryHandler, int)} and
 * {@link PartitionJournal#replay(long, EntryHandler)}.
 * <p>
 * The buffer is a view of the journal's memory-mapped file valid only during the call: copy what must outlive it.
 */
@FunctionalInterface
public interface EntryHandler
{
    /**
     * One intact entry.
     *
     * @param entry  decoder wrapped over the entry: partitionId, epoch, position, timestampNs and the operation.
     * @param buffer holding the whole encoded entry, for passing it on unchanged (replication).
     * @param offset of the entry in the buffer.
     * @param length of the entry in bytes.
     */
    void onEntry(JournalEntryDecoder entry, DirectBuffer buffer, int offset, int length);
}
