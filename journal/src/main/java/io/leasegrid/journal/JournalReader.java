package io.leasegrid.journal;

import io.leasegrid.codec.JournalEntryDescriptor;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads a partition journal forward by position, checking every entry: checksum, header, partition and that
 * positions follow each other with no gap. A bad entry throws {@link JournalCorruptionException} and is never
 * skipped; the reader stays at that position.
 * <p>
 * Not thread safe: used on the thread that owns its journal. Allocates nothing per entry.
 */
public final class JournalReader implements AutoCloseable
{
    private final PartitionJournal journal;
    private final ExcerptTailer tailer;
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private long nextPosition;
    private long nextIndex = -1;
    private int truncationCount;
    private boolean closed;

    JournalReader(final PartitionJournal journal, final ExcerptTailer tailer, final long fromPosition)
    {
        this.journal = journal;
        this.tailer = tailer;
        seek(fromPosition);
    }

    /**
     * @return position of the next entry this reader hands out.
     */
    public long nextPosition()
    {
        return nextPosition;
    }

    /**
     * Move to {@code position}.
     *
     * @param position in [{@link PartitionJournal#firstPosition()}, {@link PartitionJournal#nextPosition()}].
     */
    public void seek(final long position)
    {
        journal.ensureOpen();
        if (position < journal.firstPosition() || position > journal.nextPosition())
        {
            throw new IllegalArgumentException("position " + position + " is outside [" + journal.firstPosition() +
                ", " + journal.nextPosition() + "] of partition " + journal.partitionId());
        }
        nextPosition = position;
        nextIndex = -1;
        truncationCount = journal.truncationCount();
    }

    /**
     * Hand up to {@code limit} entries to {@code handler}.
     *
     * @param handler receiving each entry.
     * @param limit   most entries to read.
     * @return how many entries were handed out; 0 at the end of the journal.
     * @throws JournalCorruptionException when the next entry is not intact or out of sequence.
     */
    public int poll(final EntryHandler handler, final int limit)
    {
        journal.ensureOpen();
        if (truncationCount != journal.truncationCount())
        {
            nextPosition = Math.min(nextPosition, journal.lowestCutSince(truncationCount));
            truncationCount = journal.truncationCount();
            nextIndex = -1;
        }
        if (nextPosition < journal.firstPosition())
        {
            throw new IllegalStateException("position " + nextPosition + " of partition " + journal.partitionId() +
                " is no longer retained; first is " + journal.firstPosition());
        }

        int read = 0;
        while (read < limit && nextPosition < journal.nextPosition())
        {
            final long index = journal.indexOf(nextPosition);
            if (index != nextIndex && !tailer.moveToIndex(index))
            {
                nextIndex = -1;
                throw new JournalCorruptionException(journal.partitionId(), nextPosition, index, "entry is missing");
            }

            try (DocumentContext context = tailer.readingDocument())
            {
                if (!context.isPresent() || context.index() != index)
                {
                    nextIndex = -1;
                    throw new JournalCorruptionException(journal.partitionId(), nextPosition, index, "entry is missing");
                }

                final Bytes<?> bytes = context.wire().bytes();
                final long readPosition = bytes.readPosition();
                final int length = (int)bytes.readRemaining();
                if (length > 0)
                {
                    buffer.wrap(bytes.addressForRead(readPosition, length), length);
                }
                final JournalEntryDescriptor.Check check = length > 0 ?
                    JournalEntryDescriptor.check(buffer, 0, length) : JournalEntryDescriptor.Check.TOO_SHORT;
                if (JournalEntryDescriptor.Check.VALID != check)
                {
                    nextIndex = -1;
                    throw new JournalCorruptionException(journal.partitionId(), nextPosition, index, check.name());
                }

                headerDecoder.wrap(buffer, 0);
                entryDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
                if (entryDecoder.position() != nextPosition || entryDecoder.partitionId() != journal.partitionId())
                {
                    nextIndex = -1;
                    throw new JournalCorruptionException(journal.partitionId(), nextPosition, index,
                        "entry holds partition " + entryDecoder.partitionId() + " position " + entryDecoder.position());
                }

                // Should the handler throw, the tailer has still moved on: re-seek on the next poll.
                nextIndex = -1;
                handler.onEntry(entryDecoder, buffer, 0, length);
            }

            nextIndex = index + 1;
            nextPosition++;
            read++;
        }
        return read;
    }

    /**
     * Release the reader's tailer. Idempotent.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            tailer.close();
        }
    }
}
