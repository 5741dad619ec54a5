package io.leasegrid.node.shard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session and request rules on a shard driven by hand: who may answer through which response channel, and what a
 * session's well-formed but nonsensical request gets.
 */
class SessionRulesTest
{
    @TempDir
    File dir;

    @Test
    void shouldGiveAResponseChannelToOneClientInstanceEvenWhenTwoAuthenticateTogether()
    {
        try (ShardHarness grid = new ShardHarness(dir))
        {
            grid.nextSessionId(1);
            grid.frames.connect(1, 100, 0, 7, "a", "aeron:ipc");
            final byte[] nonceOfA = grid.listener.lastNonce;
            grid.nextSessionId(2);
            grid.frames.connect(2, 200, 0, 7, "b", "aeron:ipc");
            final byte[] nonceOfB = grid.listener.lastNonce;

            grid.frames.authenticateNew(1, 1, nonceOfA);
            grid.frames.authenticateNew(2, 2, nonceOfB);
            assertEquals(List.of("OPENED c=1 s=1", "ERROR c=2 s=2 RESPONSE_CHANNEL_IN_USE"), grid.events());

            // Once the owner is gone, the channel and stream are free for another instance.
            grid.frames.close(3, 1);
            grid.nextSessionId(3);
            grid.frames.connect(4, 200, 0, 7, "b", "aeron:ipc");
            grid.frames.authenticateNew(4, 3, grid.listener.lastNonce);
            assertEquals(List.of("CLOSED c=3 s=1", "OPENED c=4 s=3"), grid.events());
        }
    }

    @Test
    void shouldAnswerAListOfAPartitionThatDoesNotExistWithATypedError()
    {
        try (ShardHarness grid = new ShardHarness(dir))
        {
            grid.open(1);
            grid.events();
            grid.frames.list(2, 1, ShardHarness.PARTITION_COUNT, 0, 10, "");
            grid.frames.list(3, 1, -2, 0, 10, "");
            grid.frames.list(4, 1, Integer.MAX_VALUE, 0, 10, "");
            grid.frames.list(5, 1, -1, 0, 10, "");
            assertEquals(List.of("ERROR c=2 s=1 INVALID_ARGUMENT", "ERROR c=3 s=1 INVALID_ARGUMENT",
                "ERROR c=4 s=1 INVALID_ARGUMENT", "LIST c=5 truncated=false"), grid.events());
        }
    }
}
