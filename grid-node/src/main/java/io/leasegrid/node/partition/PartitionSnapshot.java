package io.leasegrid.node.partition;

import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.node.lease.Lease;
import io.leasegrid.node.lease.LeaseTable;
import io.leasegrid.node.lease.Resource;
import io.leasegrid.node.lease.SessionLeases;
import io.leasegrid.node.lease.Waiter;
import io.leasegrid.node.value.ValueEntry;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A partition's whole state at a journal position, in a canonical byte form: the same state always encodes to the
 * same bytes, whatever order it was built in. Recovery loads the newest intact snapshot and applies the journal
 * after its position, so recovery time depends on the snapshot interval, not on the length of history.
 * <pre>
 *  magic "LGSNAP02" | partitionId | position | epoch | lastAppliedMonotonicNs | lastCheckpointNs
 *  | lastFencingToken | lastLeaseSequence | lastVersion
 *  | sessions (sorted by id):     count, then sessionId, timeoutNs, clientName, nonce
 *  | resources (sorted by name):  count, then name, mode, holderLimit,
 *  |     holders in grant order:  count, then leaseId, sessionId, attached, token, ttlNs, expiresAtNs, mode, autoRenew
 *  |     waiters in FIFO order:   count, then sessionId, correlationId, ttlNs, waitTimeoutNs, deadlineNs, mode,
 *  |                              autoRenew, holderLimit
 *  | values (sorted by key):      count, then key, version, timestampNs, value
 *  | CRC32C of everything before it
 * </pre>
 * Files are {@code snapshot-<position>.bin} in the partition's journal directory, written to a temporary file,
 * forced and renamed, so a crash leaves either the old or the new snapshot, never half of one.
 */
public final class PartitionSnapshot
{
    private static final long MAGIC = 0x32305041_4E53474CL; // "LGSNAP02" little-endian
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".bin";

    private PartitionSnapshot()
    {
    }

    /**
     * Encode a state canonically.
     *
     * @param state to encode.
     * @return its bytes.
     */
    public static byte[] encode(final PartitionState state)
    {
        final Writer out = new Writer();
        out.putLong(MAGIC);
        out.putInt(state.partitionId());
        out.putLong(state.lastAppliedPosition);
        out.putLong(state.lastEpoch);
        out.putLong(state.lastAppliedMonotonicNs);
        out.putLong(state.lastCheckpointNs);
        final LeaseTable leases = state.leases();
        out.putLong(leases.lastFencingToken());
        out.putLong(leases.lastLeaseSequence());
        out.putLong(state.values().lastVersion());

        final List<SessionLeases> sessions = new ArrayList<>();
        leases.forEachSession(sessions::add);
        sessions.sort(Comparator.comparingLong(SessionLeases::sessionId));
        out.putInt(sessions.size());
        for (final SessionLeases session : sessions)
        {
            out.putLong(session.sessionId());
            out.putLong(session.timeoutNs());
            final byte[] name = session.clientName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.putBytes(name, name.length);
            out.putBytes(session.nonce(), session.nonce().length);
        }

        final List<Resource> resources = new ArrayList<>();
        leases.forEachResource(resources::add);
        resources.sort((a, b) -> Arrays.compareUnsigned(
            a.keyBytes(), 0, a.keyLength(), b.keyBytes(), 0, b.keyLength()));
        out.putInt(resources.size());
        for (final Resource resource : resources)
        {
            out.putBytes(resource.keyBytes(), resource.keyLength());
            out.putByte(modeCode(resource.mode()));
            out.putInt(resource.holderLimit());
            out.putInt(resource.holderCount());
            for (Lease lease = resource.firstHolder(); null != lease; lease = lease.nextHolder())
            {
                out.putLong(lease.leaseId());
                out.putLong(lease.sessionId());
                out.putByte((byte)(lease.attachedToSession() ? 1 : 0));
                out.putLong(lease.fencingToken());
                out.putLong(lease.ttlNs());
                out.putLong(lease.expiresAtNs());
                out.putByte(modeCode(lease.mode()));
                out.putByte((byte)(lease.autoRenew() ? 1 : 0));
            }
            out.putInt(resource.waiterCount());
            for (Waiter waiter = resource.firstWaiter(); null != waiter; waiter = waiter.next())
            {
                out.putLong(waiter.sessionId());
                out.putLong(waiter.correlationId());
                out.putLong(waiter.ttlNs());
                out.putLong(waiter.waitTimeoutNs());
                out.putLong(waiter.deadlineNs());
                out.putByte(modeCode(waiter.mode()));
                out.putByte((byte)(waiter.autoRenew() ? 1 : 0));
                out.putInt(waiter.holderLimit());
            }
        }

        final List<ValueEntry> values = new ArrayList<>();
        state.values().forEach(values::add);
        values.sort((a, b) -> Arrays.compareUnsigned(a.keyBytes(), 0, a.keyLength(), b.keyBytes(), 0, b.keyLength()));
        out.putInt(values.size());
        final byte[] scratch = new byte[1024];
        for (final ValueEntry value : values)
        {
            out.putBytes(value.keyBytes(), value.keyLength());
            out.putLong(value.version());
            out.putLong(value.timestampNs());
            final byte[] bytes = value.valueLength() <= scratch.length ? scratch : new byte[value.valueLength()];
            value.valueBuffer().getBytes(0, bytes, 0, value.valueLength());
            out.putBytes(bytes, value.valueLength());
        }

        final CRC32C crc = new CRC32C();
        crc.update(out.buffer.byteArray(), 0, out.position);
        out.putInt((int)crc.getValue());
        return Arrays.copyOf(out.buffer.byteArray(), out.position);
    }

    /**
     * Decode a snapshot into a fresh state.
     *
     * @param bytes of the snapshot.
     * @return the state.
     * @throws IllegalStateException when the bytes are not an intact snapshot.
     */
    public static PartitionState decode(final byte[] bytes)
    {
        if (bytes.length < 12)
        {
            throw new IllegalStateException("snapshot too short");
        }
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        final UnsafeBuffer in = new UnsafeBuffer(bytes);
        if ((int)crc.getValue() != in.getInt(bytes.length - 4) || in.getLong(0) != MAGIC)
        {
            throw new IllegalStateException("snapshot is corrupt (checksum or magic mismatch)");
        }

        final Reader reader = new Reader(in);
        reader.getLong();
        final PartitionState state = new PartitionState(reader.getInt());
        state.lastAppliedPosition = reader.getLong();
        state.lastEpoch = reader.getLong();
        state.lastAppliedMonotonicNs = reader.getLong();
        state.lastCheckpointNs = reader.getLong();
        final LeaseTable leases = state.leases();
        final long lastFencingToken = reader.getLong();
        final long lastLeaseSequence = reader.getLong();
        state.values().restoreLastVersion(reader.getLong());
        leases.restoreCounters(lastFencingToken, lastLeaseSequence);

        final int sessionCount = reader.getInt();
        for (int i = 0; i < sessionCount; i++)
        {
            final long sessionId = reader.getLong();
            final long timeoutNs = reader.getLong();
            final String clientName = new String(reader.getBytes(), java.nio.charset.StandardCharsets.UTF_8);
            leases.openSession(sessionId, timeoutNs, clientName, reader.getBytes());
        }

        final int resourceCount = reader.getInt();
        final UnsafeBuffer name = new UnsafeBuffer(new byte[0]);
        for (int r = 0; r < resourceCount; r++)
        {
            final byte[] nameBytes = reader.getBytes();
            name.wrap(nameBytes);
            reader.getByte();
            final int holderLimit = reader.getInt();
            final int holderCount = reader.getInt();
            for (int h = 0; h < holderCount; h++)
            {
                final long leaseId = reader.getLong();
                final long sessionId = reader.getLong();
                final boolean attached = reader.getByte() == 1;
                final long token = reader.getLong();
                final long ttlNs = reader.getLong();
                final long expiresAtNs = reader.getLong();
                final LeaseMode mode = modeOf(reader.getByte());
                final boolean autoRenew = reader.getByte() == 1;
                leases.restoreLease(leaseId, sessionId, token, ttlNs, expiresAtNs, mode, autoRenew, holderLimit,
                    attached, name, 0, nameBytes.length);
            }
            final int waiterCount = reader.getInt();
            for (int w = 0; w < waiterCount; w++)
            {
                final long sessionId = reader.getLong();
                final long correlationId = reader.getLong();
                final long ttlNs = reader.getLong();
                final long waitTimeoutNs = reader.getLong();
                final long deadlineNs = reader.getLong();
                final LeaseMode mode = modeOf(reader.getByte());
                final boolean autoRenew = reader.getByte() == 1;
                final int waiterLimit = reader.getInt();
                leases.restoreWaiter(sessionId, correlationId, ttlNs, waitTimeoutNs, deadlineNs, mode, autoRenew,
                    waiterLimit, name, 0, nameBytes.length);
            }
        }

        state.values().restoredAt(state.lastAppliedPosition);
        final int valueCount = reader.getInt();
        for (int v = 0; v < valueCount; v++)
        {
            final byte[] key = reader.getBytes();
            final long version = reader.getLong();
            final long timestampNs = reader.getLong();
            final byte[] value = reader.getBytes();
            // Positions of single changes are not kept: the snapshot's own position stands for all of them.
            state.values().put(new UnsafeBuffer(key), 0, key.length, new UnsafeBuffer(value), 0, value.length,
                version, timestampNs, state.lastAppliedPosition);
        }
        return state;
    }

    /**
     * Write a snapshot of {@code state} to {@code dir} atomically and delete older ones but the previous.
     *
     * @return the file written.
     */
    public static File write(final PartitionState state, final File dir)
    {
        final byte[] bytes = encode(state);
        final File file = new File(dir, String.format("%s%020d%s", PREFIX, state.lastAppliedPosition, SUFFIX));
        DurableFile.replace(file, bytes);

        final File[] snapshots = list(dir);
        for (int i = 0; i < snapshots.length - 2; i++)
        {
            if (!snapshots[i].delete())
            {
                throw new IllegalStateException("cannot delete old snapshot " + snapshots[i]);
            }
        }
        return file;
    }

    /**
     * Load the newest intact snapshot of a partition.
     *
     * @return the state it holds, or null when there is none.
     */
    public static PartitionState loadLatest(final File dir)
    {
        final File[] snapshots = list(dir);
        for (int i = snapshots.length - 1; i >= 0; i--)
        {
            try
            {
                return decode(Files.readAllBytes(snapshots[i].toPath()));
            }
            catch (final IOException | RuntimeException ex)
            {
                // A damaged snapshot is passed over for the previous one: the journal after that one is kept.
            }
        }
        return null;
    }

    /**
     * Load one snapshot file.
     *
     * @throws IllegalStateException when it is not an intact snapshot.
     */
    public static PartitionState load(final File snapshot)
    {
        try
        {
            return decode(Files.readAllBytes(snapshot.toPath()));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Delete the snapshots of a partition that cover more than {@code position}: a replica discarding entries its
     * primary does not hold must not recover them from a snapshot either.
     */
    public static void deleteAfter(final File dir, final long position)
    {
        for (final File snapshot : list(dir))
        {
            if (position(snapshot) > position && !snapshot.delete())
            {
                throw new IllegalStateException("cannot delete snapshot " + snapshot);
            }
        }
    }

    /**
     * Delete the snapshots of a partition that cover less than {@code position}: a replica that installed its
     * primary's snapshot keeps nothing of its old copy.
     */
    public static void deleteBefore(final File dir, final long position)
    {
        for (final File snapshot : list(dir))
        {
            if (position(snapshot) < position && !snapshot.delete())
            {
                throw new IllegalStateException("cannot delete snapshot " + snapshot);
            }
        }
    }

    /**
     * @return the journal position a snapshot file covers up to, from its name.
     */
    public static long position(final File snapshot)
    {
        final String name = snapshot.getName();
        return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
    }

    /**
     * Snapshot files of a partition, oldest first.
     */
    public static File[] list(final File dir)
    {
        final File[] files = dir.listFiles((d, name) -> name.startsWith(PREFIX) && name.endsWith(SUFFIX));
        if (null == files)
        {
            return new File[0];
        }
        Arrays.sort(files, Comparator.comparing(File::getName));
        return files;
    }


    private static byte modeCode(final LeaseMode mode)
    {
        return null == mode ? -1 : (byte)mode.value();
    }

    private static LeaseMode modeOf(final byte code)
    {
        return code < 0 ? null : LeaseMode.get((short)code);
    }

    private static final class Writer
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
        int position;

        void putLong(final long value)
        {
            buffer.putLong(position, value);
            position += 8;
        }

        void putInt(final int value)
        {
            buffer.putInt(position, value);
            position += 4;
        }

        void putByte(final byte value)
        {
            buffer.putByte(position, value);
            position += 1;
        }

        void putBytes(final byte[] bytes, final int length)
        {
            putInt(length);
            buffer.putBytes(position, bytes, 0, length);
            position += length;
        }
    }

    private static final class Reader
    {
        private final UnsafeBuffer buffer;
        private int position;

        Reader(final UnsafeBuffer buffer)
        {
            this.buffer = buffer;
        }

        long getLong()
        {
            final long value = buffer.getLong(position);
            position += 8;
            return value;
        }

        int getInt()
        {
            final int value = buffer.getInt(position);
            position += 4;
            return value;
        }

        byte getByte()
        {
            return buffer.getByte(position++);
        }

        byte[] getBytes()
        {
            final int length = getInt();
            final byte[] bytes = new byte[length];
            buffer.getBytes(position, bytes);
            position += length;
            return bytes;
        }
    }
}
