package io.leasegrid.system;

import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.ValuePutOpDecoder;
import io.leasegrid.journal.JournalContext;
import io.leasegrid.journal.PartitionJournal;
import io.leasegrid.node.partition.OperationApplier;
import io.leasegrid.node.partition.PartitionSnapshot;
import io.leasegrid.node.partition.PartitionState;
import org.agrona.DirectBuffer;

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
        final PartitionState state = new PartitionState(partitionId);
        final OperationApplier applier = new OperationApplier();
        replay(nodeDir, partitionId, (entry, buffer, offset, length) -> applier.apply(state, entry.position(),
            entry.epoch(), entry.timestampNs(), entry.monotonicNs(), buffer,
            entry.limit() + JournalEntryDecoder.operationHeaderLength()));
        return PartitionSnapshot.encode(state);
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
        final File journalDir = new File(nodeDir, "journal");
        if (!JournalContext.partitionDir(journalDir, partitionId).isDirectory())
        {
            return;
        }
        try (PartitionJournal journal = PartitionJournal.open(new JournalContext()
            .journalDir(journalDir.getPath()).partitionId(partitionId).readOnly(true)))
        {
            journal.replay(journal.firstPosition(), visitor::onEntry);
        }
    }
}
