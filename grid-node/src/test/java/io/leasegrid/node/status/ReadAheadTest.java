package io.leasegrid.node.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ReadAheadTest
{
    @TempDir
    File dir;

    @Test
    void shouldReadTheSettingOfTheDiskAJournalDirectoryIsOn() throws IOException
    {
        final FileStore store = Files.getFileStore(dir.toPath());
        assumeTrue(store.name().startsWith("/dev/"), "the temp directory is not on a block device: " + store.name());
        final String device = Paths.get(store.name()).toRealPath().getFileName().toString();
        final Path sysDevice = Paths.get("/sys/class/block", device).toRealPath();
        Path setting = sysDevice.resolve("queue/read_ahead_kb");
        if (!Files.isReadable(setting))
        {
            setting = sysDevice.getParent().resolve("queue/read_ahead_kb");
        }
        assumeTrue(Files.isReadable(setting), "no read-ahead setting for " + device);
        final long expected = Long.parseLong(new String(Files.readAllBytes(setting), StandardCharsets.US_ASCII).trim());

        assertEquals(expected, ReadAhead.kilobytes(store));
        final String warning = ReadAhead.warning(store);
        if (expected > ReadAhead.WARN_ABOVE_KB)
        {
            assertNotNull(warning);
            assertTrue(warning.contains(expected + " KB"), warning);
            assertTrue(warning.contains("read_ahead_kb"), warning);
        }
        else
        {
            assertNull(warning);
        }
    }

    @Test
    void shouldSayNothingWhereThereIsNoBlockDevice()
    {
        assertEquals(-1, ReadAhead.kilobytes(new NamedStore("tmpfs")));
        assertNull(ReadAhead.warning(new NamedStore("tmpfs")));
        assertEquals(-1, ReadAhead.kilobytes(new NamedStore("/dev/no-such-device")));
        assertNull(ReadAhead.warning(new NamedStore("/dev/no-such-device")));
    }

    private static final class NamedStore extends FileStore
    {
        private final String name;

        NamedStore(final String name)
        {
            this.name = name;
        }

        public String name()
        {
            return name;
        }

        public String type()
        {
            return "test";
        }

        public boolean isReadOnly()
        {
            return false;
        }

        public long getTotalSpace()
        {
            return 0;
        }

        public long getUsableSpace()
        {
            return 0;
        }

        public long getUnallocatedSpace()
        {
            return 0;
        }

        public boolean supportsFileAttributeView(final Class<? extends FileAttributeView> type)
        {
            return false;
        }

        public boolean supportsFileAttributeView(final String name)
        {
            return false;
        }

        public <V extends FileStoreAttributeView> V getFileStoreAttributeView(final Class<V> type)
        {
            return null;
        }

        public Object getAttribute(final String attribute)
        {
            return null;
        }
    }
}
