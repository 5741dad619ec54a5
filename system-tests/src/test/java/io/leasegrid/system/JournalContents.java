package io.leasegrid.system;

import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.MessageHeaderEncoder;
import io.leasegrid.codec.internal.ValuePutOpDecoder;
import io.leasegrid.codec.internal.ValuePutOpEncoder;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.partition.OperationApplier;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.partition.PartitionState;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a node's journal of one partition holds, read from its files read-only while the node runs or after it died.
 */
final class JournalContents
{
    private JournalContents()
    {
    }

    /**
     * @return true when the journal holds a put of {@code key} at {@code version}.
     */
    static boolean holdsPut(final File nodeDir, final int partitionId, final String key, final long version)
    {
        final byte[] wanted = key.getBytes(StandardCharsets.UTF_8);
        final boolean[] found = new boolean[1];
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final ValuePutOpDecoder put = new ValuePutOpDecoder();
        replay(nodeDir, partitionId, (entry, buffer, offset, length) ->
        {
            final int operation = entry.limit() + JournalEntryDecoder.operationHeaderLength();
            header.wrap(buffer, operation);
            if (ValuePutOpDecoder.TEMPLATE_ID == header.templateId())
            {
                put.wrap(buffer, operation + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                final byte[] keyBytes = new byte[put.keyLength()];
                put.getKey(keyBytes, 0, keyBytes.length);
                found[0] |= put.version() == version && Arrays.equals(wanted, keyBytes);
            }
        });
        return found[0];
    }

    /**
     * @return every entry of the journal, each as its bytes, in position order.
     */
    static List<byte[]> entries(final File nodeDir, final int partitionId)
    {
        final List<byte[]> entries = new ArrayList<>();
        replay(nodeDir, partitionId, (entry, buffer, offset, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            entries.add(bytes);
        });
        return entries;
    }

    /**
     * @return the partition's state rebuilt from the whole journal with the node's own applier, in the canonical
     * snapshot encoding: equal bytes mean equal leases, waiters, sessions and values.
     */
    static byte[] canonicalState(final File nodeDir, final int partitionId)
    {
        final PartitionState snapshot = PartitionSnapshot.loadLatest(
            JournalContext.partitionDir(new File(nodeDir, "journal"), partitionId));
        final PartitionState state = null == snapshot ? new PartitionState(partitionId) : snapshot;
        final OperationApplier applier = new OperationApplier();
        replay(nodeDir, partitionId, state.lastAppliedPosition() + 1, (entry, buffer, offset, length) -> applier.apply(
            state, entry.position(), entry.epoch(), entry.timestampNs(), entry.monotonicNs(), buffer,
            entry.limit() + JournalEntryDecoder.operationHeaderLength()));
        return PartitionSnapshot.encode(state);
    }

    /**
     * Append a put to a stopped node's journal as if its primary had sent it in the journal's last epoch: the
     * uncommitted tail a primary that then lost it would leave on one replica.
     *
     * @return the position it was appended at.
     */
    static long appendPut(final File nodeDir, final int partitionId, final String key, final String value, final long version)
    {
        final ExpandableArrayBuffer operation = new ExpandableArrayBuffer();
        final ValuePutOpEncoder put = new ValuePutOpEncoder();
        put.wrapAndApplyHeader(operation, 0, new MessageHeaderEncoder()).version(version);
        final byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        final byte[] valueBytes = value.getBytes(StandardCharsets.UTF_8);
        put.putKey(keyBytes, 0, keyBytes.length).putValue(valueBytes, 0, valueBytes.length);
        try (PartitionJournal journal = PartitionJournal.open(new JournalContext()
            .journalDir(new File(nodeDir, "journal").getPath()).partitionId(partitionId)))
        {
            return journal.append(journal.lastEpoch(), System.currentTimeMillis() * 1_000_000L, System.nanoTime(),
                operation, 0, MessageHeaderEncoder.ENCODED_LENGTH + put.encodedLength());
        }
    }

    /**
     * @return the first position the journal still holds (0 until snapshots let older files go).
     */
    static long firstPosition(final File nodeDir, final int partitionId)
    {
        try (PartitionJournal journal = PartitionJournal.open(new JournalContext()
            .journalDir(new File(nodeDir, "journal").getPath()).partitionId(partitionId).readOnly(true)))
        {
            return journal.firstPosition();
        }
    }

    private interface Visitor
    {
        void onEntry(JournalEntryDecoder entry, DirectBuffer buffer, int offset, int length);
    }

    private static void replay(final File nodeDir, final int partitionId, final Visitor visitor)
    {
        replay(nodeDir, partitionId, -1, visitor);
    }

    /**
     * Visit the journal's entries from {@code fromPosition} on, or from its first when that is -1.
     */
    private static void replay(final File nodeDir, final int partitionId, final long fromPosition, final Visitor visitor)
    {
        final File journalDir = new File(nodeDir, "journal");
        if (!JournalContext.partitionDir(journalDir, partitionId).isDirectory())
        {
            return;
        }
        try (PartitionJournal journal = PartitionJournal.open(new JournalContext()
            .journalDir(journalDir.getPath()).partitionId(partitionId).readOnly(true)))
        {
            // A replica that installed its primary's snapshot and took nothing since holds no entry on disk yet.
            final long from = Math.max(fromPosition, journal.firstPosition());
            if (from < journal.nextPosition())
            {
                journal.replay(from, visitor::onEntry);
            }
        }
    }
}
