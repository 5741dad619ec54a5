package io.leasegrid.system;

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
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.SessionKeys;
import io.leasegrid.codec.sbe.SessionAuthenticateEncoder;
import io.leasegrid.codec.sbe.SessionChallengeDecoder;
import io.leasegrid.node.shard.ShardAgent;
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
 * bytes, valid frames with lying lengths) go to a running node over UDP from an authenticated session, half of them
 * signed with the session's key so that they reach the decoders, while a well-behaved client keeps working. The node
 * must not crash or wedge, and must count what it dropped.
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
            final long[] key = new long[2];
            final long sessionId = handshake(publication, responses, key);

            final Random random = new Random(20261122);
            final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
            final long deadline = System.nanoTime() + TIME_LIMIT_NS;
            int sent = 0;
            long sequence = 1;
            for (int i = 0; i < FRAMES && System.nanoTime() - deadline < 0; i++)
            {
                int length = mutate(random, frame, sessionId);
                if (random.nextBoolean() && length + RequestFrame.TRAILER_LENGTH <= frame.capacity())
                {
                    length = RequestFrame.sign(frame, 0, length, ++sequence, key[0], key[1]);
                }
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
            long malformed = 0;
            for (final ShardAgent shard : node.shards())
            {
                malformed += shard.malformedFrames();
                dropped += shard.malformedFrames() + shard.sessions().foreignFrames();
            }
            assertTrue(sent > FRAMES / 2, "frames sent: " + sent);
            assertTrue(dropped > 0, "the node counted no dropped frame");
            assertTrue(malformed > 0, "no signed frame reached the decoders and was found malformed");
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

    private static long handshake(final Publication publication, final Subscription responses, final long[] key)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
        final SessionConnectEncoder connect = new SessionConnectEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(1).responseStreamId(4002).protocolVersion(SessionConnectEncoder.SCHEMA_VERSION)
            .clientInstanceId(77).resumeSessionId(0).clientName("fuzzer").responseChannel("aeron:ipc");
        offer(publication, buffer, MessageHeaderEncoder.ENCODED_LENGTH + connect.encodedLength());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final long[] sessionId = { 0 };
        final byte[][] nonce = { null };
        final boolean[] connected = { false };
        while (!connected[0])
        {
            assertTrue(System.nanoTime() - deadline < 0, "no handshake answer");
            responses.poll((b, offset, length, h) ->
            {
                header.wrap(b, offset);
                if (header.templateId() == SessionChallengeDecoder.TEMPLATE_ID)
                {
                    final SessionChallengeDecoder challenge = new SessionChallengeDecoder()
                        .wrap(b, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                    sessionId[0] = challenge.sessionId();
                    nonce[0] = new byte[challenge.nonceLength()];
                    challenge.getNonce(nonce[0], 0, nonce[0].length);
                }
                else if (header.templateId() == SessionConnectedDecoder.TEMPLATE_ID)
                {
                    connected[0] = true;
                }
            }, 10);
            if (null != nonce[0])
            {
                final byte[] proof = SessionKeys.newSessionProof(SessionKeys.OPEN_MODE_SECRET, nonce[0], sessionId[0]);
                final SessionAuthenticateEncoder authenticate = new SessionAuthenticateEncoder()
                    .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                    .correlationId(1).sessionId(sessionId[0]).nextSequence(1).putMac(proof, 0, proof.length);
                offer(publication, buffer, MessageHeaderEncoder.ENCODED_LENGTH + authenticate.encodedLength());
                final byte[] sessionKey = SessionKeys.sessionKey(SessionKeys.OPEN_MODE_SECRET, nonce[0], sessionId[0]);
                key[0] = SessionKeys.k0(sessionKey);
                key[1] = SessionKeys.k1(sessionKey);
                nonce[0] = null;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return sessionId[0];
    }

    private static void offer(final Publication publication, final UnsafeBuffer buffer, final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (publication.offer(buffer, 0, length) < 0)
        {
            assertTrue(System.nanoTime() - deadline < 0, "could not send the handshake");
            LockSupport.parkNanos(1_000_000);
        }
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
