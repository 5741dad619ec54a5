package io.leasegrid.journal;

/**
 * A journal entry that should be intact is not: a checksum, header or length mismatch, or a position out of
 * sequence. It is never skipped silently; this exception names where it is so an operator can act.
 */
public final class JournalCorruptionException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int partitionId;
    private final long position;
    private final long queueIndex;

    /**
     * @param partitionId of the journal.
     * @param position    logical position of the bad entry (the position expected at that place).
     * @param queueIndex  Chronicle Queue index of the bad excerpt, or -1 if unknown.
     * @param reason      what is wrong.
     */
    public JournalCorruptionException(final int partitionId, final long position, final long queueIndex, final String reason)
    {
        super("journal of partition " + partitionId + " is corrupt at position " + position +
            " (queue index 0x" + Long.toHexString(queueIndex) + "): " + reason);
        this.partitionId = partitionId;
        this.position = position;
        this.queueIndex = queueIndex;
    }

    /**
     * @return partition of the corrupt journal.
     */
    public int partitionId()
    {
        return partitionId;
    }

    /**
     * @return logical position of the corrupt entry.
     */
    public long position()
    {
        return position;
    }

    /**
     * @return Chronicle Queue index of the corrupt excerpt, or -1 if unknown.
     */
    public long queueIndex()
    {
        return queueIndex;
    }
}
