package io.leasegrid.codec;

import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.JournalEntryEncoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.checksum.Crc32c;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Binary layout and integrity checks of a {@code JournalEntry}: the unit of a partition's journal and of
 * replication.
 * <pre>
 *   0               8            12            16          24           32            40            48      52
 *  +---------------+------------+-------------+-----------+------------+-------------+-------------+-------+--------+
 *  | messageHeader |  checksum  | partitionId |   epoch   |  position  | timestampNs | monotonicNs | opLen | op ... |
 *  +---------------+------------+-------------+-----------+------------+-------------+-------------+-------+--------+
 *                               |&lt;========================= covered by the CRC32C checksum ========================&gt;|
 * </pre>
 * The header is not in the checksum; it is checked by value instead (schema id, template id, block length,
 * and the total length it implies), so every byte of an entry is either checksummed or validated.
 * <p>
 * Stateless and thread-safe.
 */
public final class JournalEntryDescriptor
{
    /**
     * Offset of the checksum field from the start of the entry.
     */
    public static final int CHECKSUM_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH + JournalEntryEncoder.checksumEncodingOffset();

    /**
     * Offset of the first checksummed byte from the start of the entry.
     */
    public static final int CHECKSUMMED_OFFSET = CHECKSUM_OFFSET + BitUtil.SIZE_OF_INT;

    /**
     * Length of an entry with an empty operation.
     */
    public static final int MIN_LENGTH =
        MessageHeaderDecoder.ENCODED_LENGTH + JournalEntryEncoder.BLOCK_LENGTH + JournalEntryEncoder.operationHeaderLength();

    /**
     * Outcome of {@link #check(DirectBuffer, int, int)}.
     */
    public enum Check
    {
        /** Header, length and checksum all agree. */
        VALID,
        /** Fewer bytes than the smallest entry. */
        TOO_SHORT,
        /** Schema id is not leasegrid's, or template is not a journal entry. */
        NOT_A_JOURNAL_ENTRY,
        /** Block length is smaller than this version's, or the operation length disagrees with the entry length. */
        BAD_LENGTH,
        /** The checksum does not match the bytes. */
        BAD_CHECKSUM
    }

    private JournalEntryDescriptor()
    {
    }

    /**
     * Total length an entry with an operation of {@code operationLength} bytes encodes to.
     *
     * @param operationLength in bytes.
     * @return entry length in bytes.
     */
    public static int entryLength(final int operationLength)
    {
        return MIN_LENGTH + operationLength;
    }

    /**
     * CRC32C of the checksummed bytes of an entry.
     *
     * @param buffer holding the entry.
     * @param offset of the entry.
     * @param length of the entry, at least {@link #CHECKSUMMED_OFFSET}.
     * @return the checksum.
     */
    public static int computeChecksum(final DirectBuffer buffer, final int offset, final int length)
    {
        final int from = offset + CHECKSUMMED_OFFSET;
        final int count = length - CHECKSUMMED_OFFSET;
        final byte[] array = buffer.byteArray();
        if (null == array)
        {
            // Direct and memory-mapped buffers: the intrinsic over the raw address, no allocation.
            return Crc32c.INSTANCE.compute(buffer.addressOffset(), from, count);
        }

        final CRC32C crc = new CRC32C();
        crc.update(array, (int)(buffer.addressOffset() - BufferUtil.ARRAY_BASE_OFFSET) + from, count);
        return (int)crc.getValue();
    }

    /**
     * Compute and store the checksum of an encoded entry. Call it last, once every other byte is written.
     *
     * @param buffer holding the entry.
     * @param offset of the entry.
     * @param length of the entry.
     */
    public static void writeChecksum(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.putInt(offset + CHECKSUM_OFFSET, computeChecksum(buffer, offset, length), ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Check that {@code length} bytes at {@code offset} hold exactly one intact journal entry.
     *
     * @param buffer holding the entry.
     * @param offset of the entry.
     * @param length of the record that should hold it.
     * @return {@link Check#VALID} or what is wrong.
     */
    public static Check check(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MIN_LENGTH)
        {
            return Check.TOO_SHORT;
        }

        final int schemaId = buffer.getShort(offset + MessageHeaderDecoder.schemaIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int templateId = buffer.getShort(offset + MessageHeaderDecoder.templateIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (schemaId != JournalEntryDecoder.SCHEMA_ID || templateId != JournalEntryDecoder.TEMPLATE_ID)
        {
            return Check.NOT_A_JOURNAL_ENTRY;
        }

        final int blockLength = buffer.getShort(offset + MessageHeaderDecoder.blockLengthEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int operationLengthOffset = MessageHeaderDecoder.ENCODED_LENGTH + blockLength;
        if (blockLength < JournalEntryDecoder.BLOCK_LENGTH ||
            operationLengthOffset + JournalEntryDecoder.operationHeaderLength() > length)
        {
            return Check.BAD_LENGTH;
        }

        final long operationLength = buffer.getInt(offset + operationLengthOffset, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
        if (operationLengthOffset + JournalEntryDecoder.operationHeaderLength() + operationLength != length)
        {
            return Check.BAD_LENGTH;
        }

        final int stored = buffer.getInt(offset + CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN);
        return stored == computeChecksum(buffer, offset, length) ? Check.VALID : Check.BAD_CHECKSUM;
    }
}
