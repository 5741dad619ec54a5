package io.leasegrid.node.status;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Layout of a node's memory-mapped status file, readable live by other processes:
 * <pre>
 *  0        4         8                12             16         24        28         32
 *  +--------+---------+----------------+--------------+----------+---------+----------+-------------------+
 *  | magic  | version | metadataLength | valuesLength | node pid | state   | reserved | counters metadata |
 *  +--------+---------+----------------+--------------+----------+---------+----------+-------------------+
 *  | counter values | alerts (distinct error log) | errors (distinct error log) |
 *  +----------------+-----------------------------+-----------------------------+
 * </pre>
 * state is {@link #RUNNING} while the node serves and {@link #STOPPED} once it closed cleanly; a node killed with
 * SIGKILL leaves {@link #RUNNING} behind, with a pid that no longer runs.
 * The file is {@code <leasegrid.dir>/status.dat}; it is written by the node and only read by tools.
 */
public final class StatusFile implements AutoCloseable
{
    /** File name inside the node directory. */
    public static final String FILE_NAME = "status.dat";
    static final int MAGIC = 0x5453474C; // "LGST"
    static final int VERSION = 2;
    static final int HEADER_LENGTH = 32;
    static final int PID_OFFSET = 16;
    static final int STATE_OFFSET = 24;
    static final int MAX_COUNTERS = 8192;

    /** The node serves. */
    public static final int RUNNING = 1;
    /** The node closed cleanly. */
    public static final int STOPPED = 2;
    static final int METADATA_LENGTH = MAX_COUNTERS * CountersReader.METADATA_LENGTH;
    static final int VALUES_LENGTH = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    static final int ALERTS_LENGTH = 1024 * 1024;
    static final int ERRORS_LENGTH = 1024 * 1024;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;
    private final UnsafeBuffer alerts;
    private final UnsafeBuffer errors;

    private StatusFile(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        header = new UnsafeBuffer(whole, 0, HEADER_LENGTH);
        if (whole.getInt(0) != MAGIC || whole.getInt(4) != VERSION)
        {
            IoUtil.unmap(mapped);
            throw new IllegalStateException("not a leasegrid status file (or another version)");
        }
        final int metadataLength = whole.getInt(8);
        final int valuesLength = whole.getInt(12);
        metadata = new UnsafeBuffer(whole, HEADER_LENGTH, metadataLength);
        values = new UnsafeBuffer(whole, HEADER_LENGTH + metadataLength, valuesLength);
        alerts = new UnsafeBuffer(whole, HEADER_LENGTH + metadataLength + valuesLength, ALERTS_LENGTH);
        errors = new UnsafeBuffer(whole, HEADER_LENGTH + metadataLength + valuesLength + ALERTS_LENGTH, ERRORS_LENGTH);
    }

    /**
     * Create (or replace) the status file of a node.
     */
    public static StatusFile create(final File nodeDir)
    {
        final File file = new File(nodeDir, FILE_NAME);
        IoUtil.ensureDirectoryExists(nodeDir, "node directory");
        IoUtil.deleteIfExists(file);
        final long length = (long)HEADER_LENGTH + METADATA_LENGTH + VALUES_LENGTH + ALERTS_LENGTH + ERRORS_LENGTH;
        final MappedByteBuffer mapped = IoUtil.mapNewFile(file, length);
        final UnsafeBuffer header = new UnsafeBuffer(mapped);
        header.putInt(8, METADATA_LENGTH);
        header.putInt(12, VALUES_LENGTH);
        header.putLong(PID_OFFSET, ProcessHandle.current().pid());
        header.putInt(STATE_OFFSET, RUNNING);
        header.putInt(4, VERSION);
        header.putIntVolatile(0, MAGIC);
        return new StatusFile(mapped);
    }

    /**
     * Map a running (or stopped) node's status file for reading.
     */
    public static StatusFile open(final File nodeDir)
    {
        final File file = new File(nodeDir, FILE_NAME);
        if (!file.exists())
        {
            throw new IllegalStateException("no status file at " + file + ": is a node running with this directory?");
        }
        return new StatusFile(IoUtil.mapExistingFile(file, FileChannel.MapMode.READ_ONLY, FILE_NAME));
    }

    /**
     * @return pid of the node that created the file.
     */
    public long pid()
    {
        return header.getLongVolatile(PID_OFFSET);
    }

    /**
     * @return {@link #RUNNING} or {@link #STOPPED}.
     */
    public int state()
    {
        return header.getIntVolatile(STATE_OFFSET);
    }

    /**
     * Record a clean stop; called by the node as the last thing before it unmaps the file.
     */
    public void markStopped()
    {
        header.putIntVolatile(STATE_OFFSET, STOPPED);
    }

    public UnsafeBuffer metadata()
    {
        return metadata;
    }

    public UnsafeBuffer values()
    {
        return values;
    }

    public UnsafeBuffer alerts()
    {
        return alerts;
    }

    /**
     * @return the node's error log: failures with their stack traces, one entry per distinct error.
     */
    public UnsafeBuffer errors()
    {
        return errors;
    }

    /**
     * @return a reader of the counters.
     */
    public CountersReader counters()
    {
        return new CountersReader(metadata, values);
    }

    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
