package io.leasegrid.codec;

import io.leasegrid.codec.internal.JournalEntryEncoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.ValuePutEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static io.leasegrid.codec.JournalEntryDescriptor.Check;
import static org.junit.jupiter.api.Assertions.assertEquals;

class JournalEntryDescriptorTest
{
    private final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final UnsafeBuffer heap = new UnsafeBuffer(new byte[256]);

    @Test
    void shouldAcceptAnIntactEntryInDirectAndHeapBuffers()
    {
        for (final UnsafeBuffer buffer : new UnsafeBuffer[]{ direct, heap })
        {
            final int length = encode(buffer, 3, "abcdef");
            assertEquals(JournalEntryDescriptor.entryLength(6), length);
            assertEquals(Check.VALID, JournalEntryDescriptor.check(buffer, 3, length));
        }
    }

    @Test
    void shouldComputeStandardCrc32cOverEverythingAfterTheChecksumField()
    {
        final int length = encode(direct, 0, "xyz");
        final byte[] copy = new byte[length];
        direct.getBytes(0, copy);
        final CRC32C reference = new CRC32C();
        reference.update(copy, JournalEntryDescriptor.CHECKSUMMED_OFFSET, length - JournalEntryDescriptor.CHECKSUMMED_OFFSET);

        assertEquals((int)reference.getValue(), direct.getInt(JournalEntryDescriptor.CHECKSUM_OFFSET));
        assertEquals((int)reference.getValue(), JournalEntryDescriptor.computeChecksum(heapCopy(copy), 0, length));
    }

    @Test
    void shouldDetectEveryFlippedBitAfterTheHeader()
    {
        final int length = encode(direct, 0, "operation");
        for (int i = MessageHeaderEncoder.ENCODED_LENGTH; i < length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                final byte original = direct.getByte(i);
                direct.putByte(i, (byte)(original ^ (1 << bit)));
                final Check check = JournalEntryDescriptor.check(direct, 0, length);
                assertEquals(true, check != Check.VALID, "flip at byte " + i + " bit " + bit);
                direct.putByte(i, original);
            }
        }
        assertEquals(Check.VALID, JournalEntryDescriptor.check(direct, 0, length));
    }

    @Test
    void shouldRejectWrongHeaderAndLength()
    {
        final int length = encode(direct, 0, "op");
        assertEquals(Check.TOO_SHORT, JournalEntryDescriptor.check(direct, 0, JournalEntryDescriptor.MIN_LENGTH - 1));
        assertEquals(Check.BAD_LENGTH, JournalEntryDescriptor.check(direct, 0, length - 1));
        assertEquals(Check.BAD_LENGTH, JournalEntryDescriptor.check(direct, 0, length + 1));

        direct.putShort(2, (short)ValuePutEncoder.TEMPLATE_ID);
        assertEquals(Check.NOT_A_JOURNAL_ENTRY, JournalEntryDescriptor.check(direct, 0, length));
        direct.putShort(2, (short)JournalEntryEncoder.TEMPLATE_ID);
        direct.putShort(4, (short)1);
        assertEquals(Check.NOT_A_JOURNAL_ENTRY, JournalEntryDescriptor.check(direct, 0, length));
        direct.putShort(4, (short)JournalEntryEncoder.SCHEMA_ID);
        direct.putShort(0, (short)(JournalEntryEncoder.BLOCK_LENGTH - 1));
        assertEquals(Check.BAD_LENGTH, JournalEntryDescriptor.check(direct, 0, length));
    }

    private static UnsafeBuffer heapCopy(final byte[] bytes)
    {
        return new UnsafeBuffer(bytes.clone());
    }

    private static int encode(final UnsafeBuffer buffer, final int offset, final String operation)
    {
        final JournalEntryEncoder encoder = new JournalEntryEncoder()
            .wrapAndApplyHeader(buffer, offset, new MessageHeaderEncoder())
            .partitionId(7)
            .epoch(2)
            .position(41)
            .timestampNs(1_700_000_000_000_000_000L)
            .monotonicNs(99);
        final byte[] bytes = operation.getBytes();
        encoder.putOperation(bytes, 0, bytes.length);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        JournalEntryDescriptor.writeChecksum(buffer, offset, length);
        return length;
    }
}
