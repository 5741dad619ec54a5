package io.leasegrid.transport;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriverDirectoriesTest
{
    @TempDir
    File base;

    @Test
    void shouldRemoveOnlyOldDirectoriesOfTheKindThatNoLiveDriverUses() throws IOException
    {
        final long old = System.currentTimeMillis() - 2 * DriverDirectories.LEFTOVER_AGE_MS;
        final File killedLongAgo = directory("leasegrid-node-a", old);
        Files.writeString(new File(killedLongAgo, "cnc.dat").toPath(), "not a live driver");
        killedLongAgo.setLastModified(old);
        // Killed while its driver was starting: the driver file's version never set. Must not block for a minute.
        final File killedStarting = directory("leasegrid-node-c", old);
        Files.write(new File(killedStarting, "cnc.dat").toPath(), new byte[4096]);
        killedStarting.setLastModified(old);
        final File justCreated = directory("leasegrid-node-b", System.currentTimeMillis());
        final File otherKind = directory("aeron-root", old);

        try (MediaDriver live = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(new File(base, "leasegrid-node-live").getPath())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)))
        {
            final File liveDir = new File(live.aeronDirectoryName());
            assertTrue(liveDir.setLastModified(old));

            final long startNs = System.nanoTime();
            assertEquals(2, DriverDirectories.removeLeftovers(base, "leasegrid-node-"));
            assertTrue(System.nanoTime() - startNs < 5_000_000_000L, "the sweep waited on a driver file");

            assertFalse(killedLongAgo.exists(), "a leftover of a killed node");
            assertFalse(killedStarting.exists(), "a leftover of a node killed while starting");
            assertTrue(justCreated.exists(), "a driver may be starting in it");
            assertTrue(otherKind.exists(), "not ours");
            assertTrue(liveDir.exists(), "its driver is alive");
        }
    }

    private File directory(final String name, final long lastModified)
    {
        final File dir = new File(base, name);
        assertTrue(dir.mkdir());
        assertTrue(dir.setLastModified(lastModified));
        return dir;
    }
}
