package io.leasegrid.client;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.ValuePutDecoder;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a shard session's proxy writes: signed frames with rising sequences, and no request refused because the log
 * happened to rotate to its next term under it.
 */
class ShardSessionProxyTest
{
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0F0E0D0C0B0A0908L;

    @TempDir
    File dir;

    private MediaDriver driver;
    private Aeron aeron;

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(aeron, driver);
    }

    @Test
    void shouldSendEveryRequestAcrossTermRotationsSignedAndInOrder()
    {
        driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir, "aeron").getPath())
            .threadingMode(ThreadingMode.SHARED)
            .ipcTermBufferLength(64 * 1024)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        final Subscription shard = aeron.addSubscription("aeron:ipc", 1001);
        final ExclusivePublication publication = aeron.addExclusivePublication("aeron:ipc", 1001);
        while (!publication.isConnected())
        {
            Thread.onSpinWait();
        }
        final ShardSessionProxy proxy = new ShardSessionProxy(publication);
        proxy.key(K0, K1);
        final UnsafeBuffer key = new UnsafeBuffer("price:{AAPL}".getBytes(StandardCharsets.US_ASCII));
        final UnsafeBuffer value = new UnsafeBuffer(new byte[100]);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final ValuePutDecoder put = new ValuePutDecoder();
        final long[] received = { 0 };
        final FragmentHandler node = (buffer, offset, length, frameHeader) ->
        {
            assertTrue(RequestFrame.verify(buffer, offset, length, K0, K1), "a frame did not verify");
            assertEquals(received[0] + 1, RequestFrame.sequence(buffer, offset, length));
            header.wrap(buffer, offset);
            put.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            assertEquals(received[0] + 1, put.correlationId());
            received[0]++;
        };

        // 64 KiB terms of frames of about 200 bytes: a rotation every few hundred requests, dozens of them here.
        // Back pressure (the node behind) is a fair refusal; a rotation of the log is not.
        final int requests = 20_000;
        for (int i = 1; i <= requests; i++)
        {
            long result;
            while (Publication.BACK_PRESSURED == (result = proxy.put(i, 7, key, 0, key.capacity(), value, 0,
                value.capacity())))
            {
                shard.poll(node, 100);
            }
            assertTrue(result > 0, "request " + i + " refused: " + result);
            shard.poll(node, 10);
        }
        while (received[0] < requests)
        {
            shard.poll(node, 100);
        }
        assertEquals(requests, received[0]);
    }
}
