package io.leasegrid.node.partition;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LeadEpochTest
{
    @TempDir
    File dir;

    @Test
    void shouldReadZeroUntilAnEpochIsRecordedAndThenTheLatest()
    {
        assertEquals(0, LeadEpoch.read(dir));
        LeadEpoch.write(dir, 7);
        LeadEpoch.write(dir, 8);
        assertEquals(8, LeadEpoch.read(dir));
        assertFalse(new File(dir, LeadEpoch.FILE_NAME + ".tmp").exists());
    }

    @Test
    void shouldRefuseToGuessWhenTheRecordIsDamaged() throws Exception
    {
        Files.write(new File(dir, LeadEpoch.FILE_NAME).toPath(), "x1".getBytes(StandardCharsets.US_ASCII));
        assertThrows(IllegalStateException.class, () -> LeadEpoch.read(dir));
    }
}
