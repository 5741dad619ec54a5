package io.leasegrid.node.it;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.leasegrid.client.GridClient;
import io.leasegrid.client.GridClientContext;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.sbe.LeaseAcquireEncoder;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.SessionConnectEncoder;
import io.leasegrid.codec.sbe.SessionConnectedDecoder;
import io.leasegrid.codec.sbe.ValueFencedPutEncoder;
import io.leasegrid.codec.sbe.ValuePutEncoder;
import io.leasegrid.node.GridNode;
import io.leasegrid.node.GridNodeContext;
import io.leasegrid.node.shard.ShardNetworkAgent;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded fuzz run: random and mutated frames (wrong schema, version or template, truncated, oversized, random
 * bytes, valid frames with lying lengths) go to a running node over UDP from an authenticated session, while a
 * well-behaved client keeps working. The node must not crash or wedge, and must count what it dropped.
 */
@Timeout(120)
class MalformedFrameFuzzTest
{
    private static final int FRAMES = 20_000;
    private static final long TIME_LIMIT_NS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    File dir;

    @Test
    void shouldSurviveMalformedFramesAndKeepServing() throws Exception
    {
        final GridNodeContext context = new GridNodeContext()
            .dir(new File(dir, "node").getPath())
            .endpoint("127.0.0.1:" + freeUdpPort())
            .partitions(16)
            .sessionTimeoutMs(30_000);
        GridNode node = null;
        Aeron aeron = null;
        GridClient client = null;
        try
        {
            node = GridNode.launch(context);
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(context.aeronDir()));
            client = GridClient.connect(new GridClientContext()
                .aeronDir(context.aeronDir())
                .requestChannel("aeron:ipc")
                .responseChannel("aeron:ipc")
                .responseStreamId(4001)
                .connectTimeout(Duration.ofSeconds(20)));

            final Publication publication = aeron.addPublication(context.requestChannel(), context.streamBase());
            final Subscription responses = aeron.addSubscription("aeron:ipc", 4002);
            awaitConnected(publication);
            final long sessionId = handshake(publication, responses);

            final Random random = new Random(20261122);
            final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
            final long deadline = System.nanoTime() + TIME_LIMIT_NS;
            int sent = 0;
            for (int i = 0; i < FRAMES && System.nanoTime() - deadline < 0; i++)
            {
                final int length = mutate(random, frame, sessionId);
                if (publication.offer(frame, 0, length) > 0)
                {
                    sent++;
                }
                if (i % 1_000 == 0)
                {
                    // The well-behaved client is served throughout.
                    final byte[] value = ("v" + i).getBytes();
                    client.put("steady", value);
                    assertArrayEquals(value, client.get("steady").value());
                }
            }

            final Lease lease = client.acquire("after-fuzz", LeaseRequest.exclusive(Duration.ofSeconds(5)));
            assertTrue(lease.isValid());
            lease.release();

            long dropped = 0;
            for (final ShardNetworkAgent shard : node.shards())
            {
                dropped += shard.malformedFrames() + shard.foreignFrames();
            }
            assertTrue(sent > FRAMES / 2, "frames sent: " + sent);
            assertTrue(dropped > 0, "the node counted no dropped frame");
        }
        finally
        {
            CloseHelper.quietCloseAll(client, aeron, node);
        }
    }

    private static int mutate(final Random random, final UnsafeBuffer frame, final long sessionId)
    {
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        int length;
        switch (random.nextInt(6))
        {
            case 0:
            {
                length = random.nextInt(2_000);
                for (int i = 0; i < length; i++)
                {
                    frame.putByte(i, (byte)random.nextInt());
                }
                return length;
            }
            case 1:
            {
                final LeaseAcquireEncoder acquire = new LeaseAcquireEncoder().wrapAndApplyHeader(frame, 0, header)
                    .correlationId(random.nextLong()).sessionId(sessionId).ttlNs(random.nextLong())
                    .waitTimeoutNs(random.nextLong()).mode(LeaseMode.SHARED).autoRenew(BooleanType.TRUE)
                    .holderLimit(random.nextInt()).putResource(new byte[random.nextInt(300)], 0, 0);
                length = MessageHeaderEncoder.ENCODED_LENGTH + acquire.encodedLength();
                break;
            }
            case 2:
            {
                final int keyLength = 1 + random.nextInt(40);
                final int valueLength = random.nextInt(2_000);
                final ValuePutEncoder put = new ValuePutEncoder().wrapAndApplyHeader(frame, 0, header)
                    .correlationId(random.nextLong()).sessionId(sessionId)
                    .putKey(new byte[keyLength], 0, keyLength)
                    .putValue(new byte[valueLength], 0, valueLength);
                length = MessageHeaderEncoder.ENCODED_LENGTH + put.encodedLength();
                break;
            }
            default:
            {
                final ValueFencedPutEncoder put = new ValueFencedPutEncoder().wrapAndApplyHeader(frame, 0, header)
                    .correlationId(random.nextLong()).sessionId(sessionId).fencingToken(random.nextLong())
                    .putKey(new byte[8], 0, 8).putLeaseResource(new byte[8], 0, 8).putValue(new byte[64], 0, 64);
                length = MessageHeaderEncoder.ENCODED_LENGTH + put.encodedLength();
                break;
            }
        }

        // Then damage it: truncate, lie about lengths, change schema, version or template, flip bytes.
        switch (random.nextInt(7))
        {
            case 0:
                return random.nextInt(length + 1);
            case 1:
                frame.putShort(MessageHeaderDecoder.schemaIdEncodingOffset(), (short)random.nextInt());
                return length;
            case 2:
                frame.putShort(MessageHeaderDecoder.versionEncodingOffset(), (short)random.nextInt());
                return length;
            case 3:
                frame.putShort(MessageHeaderDecoder.templateIdEncodingOffset(), (short)random.nextInt(120));
                return length;
            case 4:
                frame.putShort(MessageHeaderDecoder.blockLengthEncodingOffset(), (short)random.nextInt());
                return length;
            case 5:
                for (int i = 0; i < 4; i++)
                {
                    final int at = random.nextInt(Math.max(1, length));
                    frame.putByte(at, (byte)random.nextInt());
                }
                return length;
            default:
                frame.putInt(length - 4 - random.nextInt(Math.min(length, 8)), random.nextInt());
                return length;
        }
    }

    private static long handshake(final Publication publication, final Subscription responses)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
        final SessionConnectEncoder connect = new SessionConnectEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(1).responseStreamId(4002).protocolVersion(0).clientName("fuzzer").responseChannel("aeron:ipc");
        final long[] sessionId = { 0 };
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + connect.encodedLength()) < 0)
        {
            assertTrue(System.nanoTime() - deadline < 0, "could not send the handshake");
            LockSupport.parkNanos(1_000_000);
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final SessionConnectedDecoder connected = new SessionConnectedDecoder();
        while (0 == sessionId[0])
        {
            assertTrue(System.nanoTime() - deadline < 0, "no handshake answer");
            responses.poll((b, offset, length, h) ->
            {
                header.wrap(b, offset);
                if (header.templateId() == SessionConnectedDecoder.TEMPLATE_ID)
                {
                    connected.wrap(b, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                    sessionId[0] = connected.sessionId();
                }
            }, 10);
            LockSupport.parkNanos(1_000_000);
        }
        return sessionId[0];
    }

    private static void awaitConnected(final Publication publication)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!publication.isConnected())
        {
            assertTrue(System.nanoTime() - deadline < 0, "publication did not connect");
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static int freeUdpPort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
