package io.leasegrid.system;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.leasegrid.client.ErrorCode;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.GridException;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.sbe.LeaseReleaseEncoder;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.ValuePutDecoder;
import io.leasegrid.codec.sbe.ValuePutEncoder;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.node.shard.ShardAgent;
import io.leasegrid.node.status.StatusFile;
import io.leasegrid.test.Await;
import io.leasegrid.test.FreePorts;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.ErrorLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process that shares Alice's media driver reads her request frames off the shard's stream and writes its own into
 * it: releases and puts in her session without a valid tag, and a verbatim replay of one of her own frames. None may
 * act in her session: her lease stays hers, her value stays hers, and the node counts every such frame.
 */
@Timeout(120)
class HostileProcessTest
{
    @TempDir
    File dir;

    @Test
    void shouldLetNoOtherProcessActInASession() throws Exception
    {
        final GridNodeContext nodeContext = new GridNodeContext()
            .dir(new File(dir, "node").getPath())
            .endpoint("127.0.0.1:" + FreePorts.udp())
            .partitions(16);
        GridNode node = null;
        GridClient alice = null;
        GridClient bob = null;
        Aeron mallory = null;
        try
        {
            node = GridNode.launch(nodeContext);
            final GridNode running = node;
            final GridClientContext ipc = new GridClientContext()
                .aeronDir(node.context().aeronDir())
                .requestChannel("aeron:ipc")
                .connectTimeout(Duration.ofSeconds(20));
            mallory = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.context().aeronDir()));
            final Subscription spy = mallory.addSubscription("aeron:ipc", nodeContext.streamBase());
            final ExclusivePublication forger = mallory.addExclusivePublication("aeron:ipc", nodeContext.streamBase());

            alice = GridClient.connect(ipc);
            bob = GridClient.connect(ipc);
            final GridClient bobClient = bob;
            final long aliceSession = alice.sessionIds()[0];
            final Lease lease = alice.acquire("alice:{r}", LeaseRequest.exclusive(Duration.ofSeconds(30)));
            alice.put("alice:{v}", bytes("first"));

            // Mallory reads Alice's put off the shard's stream, frame and all.
            final UnsafeBuffer captured = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            final int[] capturedLength = { 0 };
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            Await.until(10_000, "Mallory saw Alice's put", () ->
            {
                spy.poll((buffer, offset, length, h) ->
                {
                    header.wrap(buffer, offset);
                    if (ValuePutDecoder.TEMPLATE_ID == header.templateId() && 0 == capturedLength[0])
                    {
                        captured.putBytes(0, buffer, offset, length);
                        capturedLength[0] = length;
                    }
                }, 100);
                return capturedLength[0] > 0;
            });
            alice.put("alice:{v}", bytes("second"));

            final long droppedBefore = foreignFrames(running);
            final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            // 1. A release of Alice's lease in her session, with no tag at all.
            int length = release(frame, aliceSession, lease.leaseId());
            offer(forger, frame, length);
            // 2. The same with a made-up tag and a sequence far ahead.
            length = RequestFrame.sign(frame, 0, length, Long.MAX_VALUE / 2, 12345, 67890);
            offer(forger, frame, length);
            // 3. A put of her value in her session with a made-up tag.
            length = put(frame, aliceSession, "alice:{v}", "mallory");
            length = RequestFrame.sign(frame, 0, length, 1_000_000, 1, 1);
            offer(forger, frame, length);
            // 4. Alice's own earlier put, replayed byte for byte: its tag is good, its sequence is spent.
            offer(forger, captured, capturedLength[0]);

            Await.until(10_000, "the node counted the forged and replayed frames",
                () -> foreignFrames(running) - droppedBefore >= 4);
            assertTrue(lease.isValid());
            assertEquals("second", alice.get("alice:{v}").valueAsString(), "a forged or replayed put was applied");
            assertEquals(ErrorCode.LEASE_UNAVAILABLE, assertThrows(GridException.class,
                () -> bobClient.acquire("alice:{r}", LeaseRequest.exclusive(Duration.ofSeconds(1)))).code());
            assertEquals(aliceSession, bob.status("alice:{r}").holders().get(0).sessionId());
            assertTrue(alerts(nodeContext).contains("FORGED_FRAME"), "no FORGED_FRAME alert: " + alerts(nodeContext));
            lease.release();
        }
        finally
        {
            CloseHelper.quietCloseAll(alice, bob, mallory, node);
        }
    }

    private static String alerts(final GridNodeContext context)
    {
        final StringBuilder text = new StringBuilder();
        try (StatusFile status = StatusFile.open(new File(context.dir())))
        {
            ErrorLogReader.read(status.alerts(), (count, first, last, event) -> text.append(event).append('\n'));
        }
        return text.toString();
    }

    /**
     * @return frames the node dropped: without a proof (too short to hold one) or with one that failed.
     */
    private static long foreignFrames(final GridNode node)
    {
        long count = 0;
        for (final ShardAgent shard : node.shards())
        {
            count += shard.sessions().foreignFrames() + shard.malformedFrames();
        }
        return count;
    }

    private static int release(final UnsafeBuffer frame, final long sessionId, final long leaseId)
    {
        final LeaseReleaseEncoder release = new LeaseReleaseEncoder().wrapAndApplyHeader(frame, 0, new MessageHeaderEncoder())
            .correlationId(7).sessionId(sessionId).leaseId(leaseId);
        return MessageHeaderEncoder.ENCODED_LENGTH + release.encodedLength();
    }

    private static int put(final UnsafeBuffer frame, final long sessionId, final String key, final String value)
    {
        final ValuePutEncoder put = new ValuePutEncoder().wrapAndApplyHeader(frame, 0, new MessageHeaderEncoder())
            .correlationId(8).sessionId(sessionId).putKey(bytes(key), 0, key.length()).putValue(bytes(value), 0, value.length());
        return MessageHeaderEncoder.ENCODED_LENGTH + put.encodedLength();
    }

    private static void offer(final ExclusivePublication publication, final UnsafeBuffer frame, final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (publication.offer(frame, 0, length) < 0)
        {
            assertTrue(System.nanoTime() - deadline < 0, "could not send the forged frame");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
