package io.leasegrid.node.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ReadAheadTest
{
    @TempDir
    Path dir;

    @Test
    void shouldDecodeLinuxDeviceNumbers()
    {
        assertEquals(8, ReadAhead.major(0x801));
        assertEquals(1, ReadAhead.minor(0x801));
        // nvme0n1 is 259:0; a large minor spills into the high bits: 253:300 is 0x10FD2C.
        assertEquals(259, ReadAhead.major(259L << 8));
        assertEquals(0, ReadAhead.minor(259L << 8));
        assertEquals(253, ReadAhead.major(0x10FD2CL));
        assertEquals(300, ReadAhead.minor(0x10FD2CL));
    }

    /**
     * Checked against the device found another way: the block device whose {@code dev} file holds the directory's
     * device number, by a scan of {@code /sys/class/block}.
     */
    @Test
    void shouldReadTheSettingOfTheDiskADirectoryIsOn() throws IOException
    {
        final long device = ((Number)Files.getAttribute(dir, "unix:dev")).longValue();
        final String number = ReadAhead.major(device) + ":" + ReadAhead.minor(device);
        Path found = null;
        final Path sysClassBlock = Paths.get("/sys/class/block");
        assumeTrue(Files.isDirectory(sysClassBlock), "no /sys/class/block here");
        try (DirectoryStream<Path> devices = Files.newDirectoryStream(sysClassBlock))
        {
            for (final Path candidate : devices)
            {
                final Path dev = candidate.resolve("dev");
                if (Files.isReadable(dev) && number.equals(Files.readString(dev).trim()))
                {
                    found = candidate.toRealPath();
                }
            }
        }
        assumeTrue(null != found, "the temp directory is not on a block device (" + number + ")");
        Path setting = found.resolve("queue/read_ahead_kb");
        if (!Files.isReadable(setting))
        {
            setting = found.getParent().resolve("queue/read_ahead_kb");
        }
        final long expected = Long.parseLong(new String(Files.readAllBytes(setting), StandardCharsets.US_ASCII).trim());

        assertEquals(setting.toRealPath(), ReadAhead.settingFile(dir).toRealPath());
        assertEquals(expected, ReadAhead.kilobytes(dir));
        final String warning = ReadAhead.warning(dir);
        if (expected > ReadAhead.WARN_ABOVE_KB)
        {
            assertNotNull(warning);
            assertTrue(warning.contains(expected + " KB"), warning);
            assertTrue(warning.contains("echo 128 > " + ReadAhead.settingFile(dir)), warning);
        }
        else
        {
            assertNull(warning);
        }
    }

    @Test
    void shouldSayNothingForAFileSystemWithoutABlockDevice() throws IOException
    {
        final Path shm = Paths.get("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm here");
        final Path inMemory = Files.createTempDirectory(shm, "leasegrid-readahead-test");
        try
        {
            assertNull(ReadAhead.settingFile(inMemory));
            assertEquals(-1, ReadAhead.kilobytes(inMemory));
            assertNull(ReadAhead.warning(inMemory));
        }
        finally
        {
            Files.delete(inMemory);
        }
    }

    @Test
    void shouldSayNothingForAPathThatDoesNotExist()
    {
        final Path missing = dir.resolve("no-such-directory");
        assertNull(ReadAhead.settingFile(missing));
        assertEquals(-1, ReadAhead.kilobytes(missing));
        assertNull(ReadAhead.warning(missing));
    }
}
