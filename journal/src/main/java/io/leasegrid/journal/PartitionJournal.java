package io.leasegrid.journal;

import io.leasegrid.codec.JournalEntryDescriptor;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.JournalEntryEncoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.NavigableSet;

/**
 * The append-only, checksummed journal of one partition, stored in one Chronicle Queue with one appender.
 * <p>
 * Every entry is a {@code JournalEntry} (see {@link JournalEntryDescriptor}) with a dense logical
 * <em>position</em> (0, 1, 2, ...), the epoch of the primary that wrote it, the primary's epoch and monotonic
 * timestamps, a CRC32C checksum, and one operation. Positions, not Chronicle indices, are what replicas agree on.
 * <p>
 * <b>Crash safety.</b> Chronicle publishes an excerpt's header only when it is complete, so a process killed
 * mid-write leaves no visible partial entry and the next append takes its place. Entries that are visible but fail
 * their checksum at the end of the journal (a torn tail, as after a power cut) are discarded on open and counted in
 * {@link #tornEntriesDiscarded()}. A bad entry with intact entries after it is never skipped: reading it throws
 * {@link JournalCorruptionException} naming its position.
 * <p>
 * <b>Truncation.</b> Chronicle cannot remove written excerpts, so {@link #truncateAfter(long)} records the
 * discarded index range in a small side file (written and forced before it takes effect) and readers skip it.
 * <p>
 * <b>Threading.</b> Not thread safe. One thread (the shard's) owns the journal, its single appender, and the
 * readers it creates. Other processes read a journal by opening it {@link JournalContext#readOnly(boolean)}.
 * <p>
 * <b>Allocation.</b> {@link #claim(int)}/{@link #commit(long, long, long)}, {@link #append} and {@link JournalReader#poll}
 * allocate nothing in steady state: entries are encoded and decoded in place in the memory-mapped file.
 * <p>
 * Long because opening (tail validation, torn-entry discard, truncation ranges), appending and reading share one
 * Chronicle Queue and one position index that must stay consistent; more than a third of it is this documentation.
 */
public final class PartitionJournal implements AutoCloseable
{
    private final int partitionId;
    private final boolean readOnly;
    private final File dir;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final ExcerptTailer scanTailer;
    private final DiscardedRanges discarded;
    private final PositionIndex positionIndex = new PositionIndex();
    private final RollCycle rollCycle;
    private final EpochClock wallClock;
    private final WriteMappingAdvice writeMappingAdvice;
    private long cycleTimeMs;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final JournalEntryEncoder entryEncoder = new JournalEntryEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private final UnsafeBuffer claimBuffer = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer scanBuffer = new UnsafeBuffer(0, 0);

    private DocumentContext claimContext;
    private int claimLength;
    private long firstPosition;
    private long nextPosition;
    private long lastEpoch;
    private int tornEntriesDiscarded;
    private long scanPosition;
    private long scanEpoch;
    private int truncationCount;
    private long[] truncationCuts = new long[4];
    private boolean closed;

    private PartitionJournal(final JournalContext context)
    {
        partitionId = context.partitionId();
        readOnly = context.readOnly();
        dir = context.partitionDir();

        if (readOnly)
        {
            if (!dir.isDirectory())
            {
                throw new IllegalArgumentException("no journal for partition " + partitionId + " at " + dir);
            }
        }
        else if (!dir.isDirectory() && !dir.mkdirs())
        {
            throw new IllegalStateException("cannot create journal directory " + dir);
        }

        wallClock = context.epochClock();
        writeMappingAdvice = new WriteMappingAdvice(!context.readAhead());
        queue = SingleChronicleQueueBuilder.binary(dir)
            .rollCycle(context.rollCycle())
            .blockSize(context.blockSize())
            .timeoutMS(context.lockTimeoutMs())
            .timeProvider(this::cycleTimeMs)
            .readOnly(readOnly)
            .build();
        // A journal keeps the roll cycle it was created with, whatever the context now asks for.
        rollCycle = queue.rollCycle();
        final int lastCycle = queue.lastCycle();
        if (Integer.MIN_VALUE != lastCycle)
        {
            cycleTimeMs = Math.max(cycleTimeMs, (long)lastCycle * rollCycle.lengthInMillis());
        }

        try
        {
            discarded = DiscardedRanges.load(dir, readOnly);
            scanTailer = queue.createTailer();
            appender = readOnly ? null : queue.createAppender();
            recoverTail();
            buildPositionIndex();
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw ex;
        }
    }

    /**
     * The time that decides the roll cycle an entry lands in: the wall clock, but never earlier than the newest cycle
     * already written. Chronicle cannot append to a cycle it has closed, so a wall clock stepped back (by NTP, by hand,
     * or a restart on a machine whose clock is behind) must not send an append there.
     */
    private long cycleTimeMs()
    {
        final long now = wallClock.time();
        if (now > cycleTimeMs)
        {
            cycleTimeMs = now;
        }
        return cycleTimeMs;
    }

    /**
     * Open (creating if needed) a partition's journal and recover its tail.
     *
     * @param context settings; concluded here.
     * @return the open journal.
     * @throws JournalCorruptionException when positions do not line up.
     */
    public static PartitionJournal open(final JournalContext context)
    {
        return new PartitionJournal(context.conclude());
    }

    /**
     * @return partition of this journal.
     */
    public int partitionId()
    {
        return partitionId;
    }

    /**
     * @return directory holding this journal's files.
     */
    public File directory()
    {
        return dir;
    }

    /**
     * @return first position still held: 0 unless old cycles were deleted; equal to {@link #nextPosition()} when empty.
     */
    public long firstPosition()
    {
        return firstPosition;
    }

    /**
     * @return position the next appended entry will get; one past the last entry.
     */
    public long nextPosition()
    {
        return nextPosition;
    }

    /**
     * @return epoch of the last entry, 0 when the journal is empty.
     */
    public long lastEpoch()
    {
        return lastEpoch;
    }

    /**
     * @return calls about the writer's mappings the kernel refused, see {@link WriteMappingAdvice}; for tests.
     */
    int writeAdviceRefusals()
    {
        return writeMappingAdvice.refusals();
    }

    /**
     * @return entries found torn at the end of the journal and discarded when it was opened.
     */
    public int tornEntriesDiscarded()
    {
        return tornEntriesDiscarded;
    }

    /**
     * Start an entry whose operation is {@code operationLength} bytes: encode the operation into
     * {@link #claimBuffer()} at the returned offset, then {@link #commit(long, long, long)} or {@link #abort()}.
     * The entry is written in place in the memory-mapped file.
     *
     * @param operationLength of the operation in bytes.
     * @return offset in {@link #claimBuffer()} at which to encode the operation.
     * @throws IllegalStateException    when a claim is already open or the journal is read-only or closed.
     * @throws IllegalArgumentException when the entry would exceed {@link JournalConfiguration#MAX_ENTRY_LENGTH}.
     */
    public int claim(final int operationLength)
    {
        ensureWritable();
        if (null != claimContext)
        {
            throw new IllegalStateException("a claim is already open: commit or abort it first");
        }
        if (operationLength < 0 || JournalEntryDescriptor.entryLength(operationLength) > JournalConfiguration.MAX_ENTRY_LENGTH)
        {
            throw new IllegalArgumentException("operation length out of range: " + operationLength);
        }

        final int length = JournalEntryDescriptor.entryLength(operationLength);
        final DocumentContext context = appender.writingDocument();
        final Bytes<?> bytes = context.wire().bytes();
        if (length > bytes.writeRemaining())
        {
            // Past writeRemaining the region is not contiguous: writing there would corrupt other mappings.
            context.rollbackOnClose();
            context.close();
            throw new IllegalStateException("entry of " + length + " bytes exceeds the contiguous region of " +
                bytes.writeRemaining() + " bytes: raise the journal block size");
        }

        final long writePosition = bytes.writePosition();
        final long address = bytes.addressForWrite(writePosition);
        writeMappingAdvice.beforeWrite(bytes, address);
        claimBuffer.wrap(address, length);
        bytes.writeSkip(length);

        entryEncoder.wrapAndApplyHeader(claimBuffer, 0, headerEncoder).checksum(0).partitionId(partitionId);
        claimBuffer.putInt(JournalEntryDescriptor.MIN_LENGTH - JournalEntryEncoder.operationHeaderLength(),
            operationLength, ByteOrder.LITTLE_ENDIAN);

        claimContext = context;
        claimLength = length;
        return JournalEntryDescriptor.MIN_LENGTH;
    }

    /**
     * @return buffer over the entry of the open claim, valid until commit or abort.
     */
    public MutableDirectBuffer claimBuffer()
    {
        return claimBuffer;
    }

    /**
     * Finish the open claim: stamp position, epoch, timestamp and checksum, and publish the entry.
     *
     * @param epoch       of the primary that decided the operation; never below {@link #lastEpoch()}.
     * @param timestampNs primary's epoch time of the decision, in nanoseconds.
     * @param monotonicNs primary's monotonic time of the decision, in nanoseconds.
     * @return position of the entry.
     */
    public long commit(final long epoch, final long timestampNs, final long monotonicNs)
    {
        if (null == claimContext)
        {
            throw new IllegalStateException("no open claim");
        }
        if (epoch < lastEpoch)
        {
            abort();
            throw new IllegalArgumentException("epoch " + epoch + " is below the journal's last epoch " + lastEpoch);
        }

        entryEncoder.epoch(epoch).position(nextPosition).timestampNs(timestampNs).monotonicNs(monotonicNs);
        JournalEntryDescriptor.writeChecksum(claimBuffer, 0, claimLength);
        return publishClaim(epoch);
    }

    /**
     * @return buffer over the whole entry the last append published (header, fields and operation), for sending it
     * on unchanged; valid until the next claim or append.
     */
    public DirectBuffer lastEntry()
    {
        return claimBuffer;
    }

    /**
     * @return length of {@link #lastEntry()} in bytes.
     */
    public int lastEntryLength()
    {
        return claimLength;
    }

    /**
     * Give up the open claim; nothing of it becomes visible. Does nothing when no claim is open.
     */
    public void abort()
    {
        if (null != claimContext)
        {
            final DocumentContext context = claimContext;
            claimContext = null;
            context.rollbackOnClose();
            context.close();
        }
    }

    /**
     * Create the file of the current roll cycle now if it does not exist yet, writing no entry. Chronicle creates
     * it on the first write of a cycle otherwise, which costs milliseconds (file, header, first index) on the
     * writer's thread; a shard calls this for every partition when it starts.
     */
    public void prepareCycle()
    {
        claim(0);
        abort();
    }

    /**
     * Append an entry holding a copy of an encoded operation.
     *
     * @param epoch       of the primary that decided the operation.
     * @param timestampNs primary's epoch time of the decision, in nanoseconds.
     * @param monotonicNs primary's monotonic time of the decision, in nanoseconds.
     * @param operation   buffer holding the encoded operation (an SBE message with its header).
     * @param offset      of the operation.
     * @param length      of the operation in bytes.
     * @return position of the entry.
     */
    public long append(
        final long epoch,
        final long timestampNs,
        final long monotonicNs,
        final DirectBuffer operation,
        final int offset,
        final int length)
    {
        final int operationOffset = claim(length);
        try
        {
            claimBuffer.putBytes(operationOffset, operation, offset, length);
            return commit(epoch, timestampNs, monotonicNs);
        }
        catch (final RuntimeException ex)
        {
            abort();
            throw ex;
        }
    }

    /**
     * Append an entry already encoded and checksummed elsewhere, as a replica does with its primary's entries.
     * It must be intact, of this partition, at exactly {@link #nextPosition()}, and of an epoch no lower than the
     * last one.
     *
     * @param entry  buffer holding the encoded entry.
     * @param offset of the entry.
     * @param length of the entry in bytes.
     * @return position of the entry.
     * @throws IllegalArgumentException when the entry breaks one of those rules.
     */
    public long appendEntry(final DirectBuffer entry, final int offset, final int length)
    {
        ensureWritable();
        final JournalEntryDescriptor.Check check = JournalEntryDescriptor.check(entry, offset, length);
        if (JournalEntryDescriptor.Check.VALID != check)
        {
            throw new IllegalArgumentException("entry rejected: " + check);
        }

        headerDecoder.wrap(entry, offset);
        entryDecoder.wrap(entry, offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
        final long epoch = entryDecoder.epoch();
        if (entryDecoder.partitionId() != partitionId || entryDecoder.position() != nextPosition || epoch < lastEpoch)
        {
            throw new IllegalArgumentException("entry rejected: partition " + entryDecoder.partitionId() +
                " position " + entryDecoder.position() + " epoch " + epoch + ", expected partition " + partitionId +
                " position " + nextPosition + " epoch >= " + lastEpoch);
        }

        claim(length - JournalEntryDescriptor.MIN_LENGTH);
        claimBuffer.putBytes(0, entry, offset, length);
        return publishClaim(epoch);
    }

    /**
     * A reader positioned at {@code fromPosition}, owned by this journal's thread. It sees later appends.
     *
     * @param fromPosition first position to read, in [{@link #firstPosition()}, {@link #nextPosition()}].
     * @return the reader; close it when done.
     */
    public JournalReader reader(final long fromPosition)
    {
        ensureOpen();
        return new JournalReader(this, queue.createTailer(), fromPosition);
    }

    /**
     * Hand every entry from {@code fromPosition} to the end to {@code handler}, in order.
     *
     * @param fromPosition first position to replay.
     * @param handler      receiving each entry.
     * @return how many entries were replayed.
     * @throws JournalCorruptionException on the first entry that is not intact.
     */
    public long replay(final long fromPosition, final EntryHandler handler)
    {
        long replayed = 0;
        try (JournalReader reader = reader(fromPosition))
        {
            int read;
            while ((read = reader.poll(handler, Integer.MAX_VALUE)) > 0)
            {
                replayed += read;
            }
        }
        return replayed;
    }

    /**
     * Discard every entry after {@code position}, as a replica must with the uncommitted tail of a deposed
     * primary. The next append gets {@code position + 1}. Readers past the cut move back to it.
     *
     * @param position last position to keep; {@code firstPosition() - 1} keeps nothing.
     */
    public void truncateAfter(final long position)
    {
        ensureWritable();
        if (null != claimContext)
        {
            throw new IllegalStateException("cannot truncate while a claim is open");
        }
        if (position < firstPosition - 1 || position >= nextPosition)
        {
            throw new IllegalArgumentException("position " + position + " is outside [" + (firstPosition - 1) + ", " +
                (nextPosition - 1) + "]");
        }
        if (position == nextPosition - 1)
        {
            return;
        }

        final long fromIndex = positionIndex.indexOf(position + 1);
        discarded.add(fromIndex, queue.lastIndex() + 1);
        positionIndex.truncateAfter(position);
        nextPosition = position + 1;
        // Epochs of entries before firstPosition went with their files; an empty journal starts from 0.
        lastEpoch = position >= firstPosition ? readEpochAt(position) : 0;
        if (truncationCount == truncationCuts.length)
        {
            truncationCuts = Arrays.copyOf(truncationCuts, truncationCount * 2);
        }
        truncationCuts[truncationCount++] = nextPosition;
    }

    /**
     * Delete the journal files whose entries all lie before {@code position}, once a snapshot covers them. The
     * current file is never deleted. Readers must already be past the deleted entries.
     *
     * @param position first position that must stay readable.
     * @return how many files were deleted.
     */
    public int deleteCyclesBefore(final long position)
    {
        ensureWritable();
        if (position > nextPosition)
        {
            throw new IllegalArgumentException("position " + position + " is beyond the journal's end " + nextPosition);
        }

        final int lastCycle = queue.lastCycle();
        if (lastCycle == Integer.MIN_VALUE)
        {
            return 0;
        }

        final NavigableSet<Long> cycles = queue.listCyclesBetween(queue.firstCycle(), lastCycle);
        int deleted = 0;
        long newFirstPosition = firstPosition;
        for (final Long boxedCycle : cycles)
        {
            final int cycle = boxedCycle.intValue();
            if (cycle >= lastCycle)
            {
                break;
            }
            final long firstPositionAfter = firstPositionAfterCycle(cycle);
            if (firstPositionAfter > position)
            {
                break;
            }

            final File file = fileForCycle(cycle);
            if (file.exists() && !file.delete())
            {
                throw new IllegalStateException("cannot delete journal file " + file);
            }
            deleted++;
            newFirstPosition = firstPositionAfter;
        }

        if (deleted > 0)
        {
            queue.refreshDirectoryListing();
            firstPosition = newFirstPosition;
            positionIndex.dropBefore(firstPosition);
            discarded.dropBefore(queue.firstIndex());
        }
        return deleted;
    }

    /**
     * Close the journal, aborting any open claim. Idempotent.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            try
            {
                abort();
            }
            finally
            {
                scanTailer.close();
                if (null != appender)
                {
                    appender.close();
                }
                queue.close();
            }
        }
    }

    /**
     * @return true once closed.
     */
    public boolean isClosed()
    {
        return closed;
    }

    long indexOf(final long position)
    {
        return positionIndex.indexOf(position);
    }

    int truncationCount()
    {
        return truncationCount;
    }

    /**
     * Lowest position any truncation since the {@code sinceCount}-th one cut the journal back to.
     */
    long lowestCutSince(final int sinceCount)
    {
        long lowest = Long.MAX_VALUE;
        for (int i = sinceCount; i < truncationCount; i++)
        {
            lowest = Math.min(lowest, truncationCuts[i]);
        }
        return lowest;
    }

    void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("journal of partition " + partitionId + " is closed");
        }
    }

    private void ensureWritable()
    {
        ensureOpen();
        if (readOnly)
        {
            throw new IllegalStateException("journal of partition " + partitionId + " is open read-only");
        }
    }

    private long publishClaim(final long epoch)
    {
        final DocumentContext context = claimContext;
        final long index = context.index();
        claimContext = null;
        context.close();

        positionIndex.onEntry(index, nextPosition);
        lastEpoch = epoch;
        return nextPosition++;
    }

    /**
     * Discard visible entries at the end that fail their checks: a torn write.
     */
    private void recoverTail()
    {
        final long lastIndex = queue.lastIndex();
        if (lastIndex < 0)
        {
            return;
        }

        long tornFrom = -1;
        int torn = 0;
        scanTailer.direction(TailerDirection.BACKWARD).toEnd();
        try
        {
            while (true)
            {
                try (DocumentContext context = scanTailer.readingDocument())
                {
                    if (!context.isPresent())
                    {
                        break;
                    }
                    final long index = context.index();
                    if (discarded.skip(index) != index)
                    {
                        continue;
                    }
                    if (JournalEntryDescriptor.Check.VALID == checkCurrent(context))
                    {
                        break;
                    }
                    tornFrom = index;
                    torn++;
                }
            }
        }
        finally
        {
            scanTailer.direction(TailerDirection.FORWARD);
        }

        if (torn > 0)
        {
            discarded.add(tornFrom, lastIndex + 1);
            tornEntriesDiscarded = torn;
        }
    }

    /**
     * Rebuild the position index from the first entry of each stretch of kept excerpts: one read per roll cycle
     * and discarded range, not per entry.
     */
    private void buildPositionIndex()
    {
        positionIndex.clear();
        long expectedNext = -1;
        final int lastCycle = queue.lastCycle();
        if (lastCycle != Integer.MIN_VALUE)
        {
            for (final Long boxedCycle : queue.listCyclesBetween(queue.firstCycle(), lastCycle))
            {
                final int cycle = boxedCycle.intValue();
                final long excerpts = scanTailer.excerptsInCycle(cycle);
                if (excerpts <= 0)
                {
                    continue;
                }

                final long cycleEnd = rollCycle.toIndex(cycle, excerpts);
                long index = rollCycle.toIndex(cycle, 0);
                while (index < cycleEnd)
                {
                    index = discarded.skip(index);
                    if (index >= cycleEnd)
                    {
                        break;
                    }

                    final long stretchEnd = stretchEnd(index, cycleEnd);
                    final long startPosition = firstPositionOfStretch(index, stretchEnd, expectedNext);
                    positionIndex.onEntry(index, startPosition);
                    expectedNext = startPosition + (stretchEnd - index);
                    index = stretchEnd;
                }
            }
        }

        if (expectedNext < 0)
        {
            nextPosition = 0;
            firstPosition = 0;
            lastEpoch = 0;
            return;
        }

        nextPosition = expectedNext;
        firstPosition = positionIndex.runStartPosition(0);
        final long lastIndex = positionIndex.indexOf(nextPosition - 1);
        if (JournalEntryDescriptor.Check.VALID != readAt(lastIndex) || scanPosition != nextPosition - 1)
        {
            throw new JournalCorruptionException(partitionId, nextPosition - 1, lastIndex,
                "last entry does not hold the position its place implies (found " + scanPosition + ")");
        }
        lastEpoch = scanEpoch;
    }

    private long stretchEnd(final long index, final long cycleEnd)
    {
        return Math.min(cycleEnd, discarded.nextStartAfter(index));
    }

    private long firstPositionOfStretch(final long from, final long to, final long expectedNext)
    {
        for (long index = from; index < to; index++)
        {
            if (JournalEntryDescriptor.Check.VALID == readAt(index))
            {
                return scanPosition - (index - from);
            }
        }
        if (expectedNext < 0)
        {
            throw new JournalCorruptionException(partitionId, 0, from, "no intact entry to position the journal by");
        }
        return expectedNext;
    }

    /**
     * @param position of an entry the journal holds, in [{@link #firstPosition()}, {@link #nextPosition()}).
     * @return the epoch of the primary that wrote it.
     */
    public long epochAt(final long position)
    {
        ensureOpen();
        if (position < firstPosition || position >= nextPosition)
        {
            throw new IllegalArgumentException("position " + position + " is outside [" + firstPosition + ", " +
                nextPosition + ") of partition " + partitionId);
        }
        return readEpochAt(position);
    }

    /**
     * Where a copy that ends in {@code epoch} can agree with this journal at most: epochs never decrease along a
     * journal, so this is a binary search over the entries held, a few reads. Cold path (a replica rejoining).
     *
     * @param epoch of a copy's last entry.
     * @return the last position held whose entry's epoch is at most {@code epoch}; {@code firstPosition() - 1} when
     * every entry held is of a later epoch.
     */
    public long lastPositionOfEpochAtMost(final long epoch)
    {
        ensureOpen();
        long low = firstPosition - 1;
        long high = nextPosition - 1;
        while (low < high)
        {
            final long mid = low + (high - low + 1) / 2;
            if (readEpochAt(mid) <= epoch)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }

    /**
     * Make an empty journal continue after {@code position}: a replica that installed its primary's snapshot up to
     * there takes the entries after it. Nothing is written: the first entry appended fixes the position on disk
     * (positions are read from entries), and until then the snapshot file is what says where the partition stands.
     *
     * @param position last position the snapshot covers; the next append gets {@code position + 1}.
     * @param epoch    of the entry at {@code position}.
     * @throws IllegalStateException when the journal holds entries: discard them first with {@link #truncateAfter}.
     */
    public void startAfter(final long position, final long epoch)
    {
        ensureWritable();
        if (nextPosition != firstPosition || null != claimContext)
        {
            throw new IllegalStateException("journal of partition " + partitionId + " holds entries [" + firstPosition +
                ", " + nextPosition + "): discard them before it starts after " + position);
        }
        if (position < -1)
        {
            throw new IllegalArgumentException("position " + position + " is below -1");
        }
        firstPosition = position + 1;
        nextPosition = position + 1;
        lastEpoch = epoch;
    }

    private long readEpochAt(final long position)
    {
        final long index = positionIndex.indexOf(position);
        if (JournalEntryDescriptor.Check.VALID != readAt(index))
        {
            throw new JournalCorruptionException(partitionId, position, index, "entry is not intact");
        }
        return scanEpoch;
    }

    private long firstPositionAfterCycle(final int cycle)
    {
        for (int run = 0; run < positionIndex.runCount(); run++)
        {
            if (rollCycle.toCycle(positionIndex.runStartIndex(run)) > cycle)
            {
                return positionIndex.runStartPosition(run);
            }
        }
        return nextPosition;
    }

    private File fileForCycle(final int cycle)
    {
        final String name = DateTimeFormatter.ofPattern(rollCycle.format())
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochMilli(cycle * (long)rollCycle.lengthInMillis() + queue.epoch()));
        return new File(dir, name + SingleChronicleQueue.SUFFIX);
    }

    private JournalEntryDescriptor.Check readAt(final long index)
    {
        if (!scanTailer.moveToIndex(index))
        {
            return null;
        }
        try (DocumentContext context = scanTailer.readingDocument())
        {
            if (!context.isPresent() || context.index() != index)
            {
                return null;
            }
            return checkCurrent(context);
        }
    }

    private JournalEntryDescriptor.Check checkCurrent(final DocumentContext context)
    {
        final Bytes<?> bytes = context.wire().bytes();
        final long readPosition = bytes.readPosition();
        final int length = (int)bytes.readRemaining();
        if (length <= 0)
        {
            return JournalEntryDescriptor.Check.TOO_SHORT;
        }
        scanBuffer.wrap(bytes.addressForRead(readPosition, length), length);
        final JournalEntryDescriptor.Check check = JournalEntryDescriptor.check(scanBuffer, 0, length);
        if (JournalEntryDescriptor.Check.VALID == check)
        {
            headerDecoder.wrap(scanBuffer, 0);
            entryDecoder.wrap(scanBuffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
            scanPosition = entryDecoder.position();
            scanEpoch = entryDecoder.epoch();
        }
        return check;
    }
}
