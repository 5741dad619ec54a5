package io.leasegrid.bench;

import io.leasegrid.codec.JournalEntryDescriptor;
import io.leasegrid.codec.Partitioner;
import io.leasegrid.codec.RequestFrame;
import io.leasegrid.codec.sbe.BooleanType;
import io.leasegrid.codec.internal.JournalEntryDecoder;
import io.leasegrid.codec.internal.JournalEntryEncoder;
import io.leasegrid.codec.sbe.LeaseAcquireDecoder;
import io.leasegrid.codec.sbe.LeaseAcquireEncoder;
import io.leasegrid.codec.sbe.LeaseMode;
import io.leasegrid.codec.sbe.MessageHeaderDecoder;
import io.leasegrid.codec.sbe.MessageHeaderEncoder;
import io.leasegrid.codec.sbe.ValueFencedPutDecoder;
import io.leasegrid.codec.sbe.ValueFencedPutEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Encode then decode, through flyweights over a direct buffer, the messages of the hot path: a lease acquire,
 * a fenced price put with a 64-byte value, and a journal entry with its checksum written and verified.
 * Run with {@code -prof gc} to see that nothing is allocated per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final UnsafeBuffer resource = new UnsafeBuffer("feed:{AAPL}".getBytes(StandardCharsets.US_ASCII));
    private final UnsafeBuffer key = new UnsafeBuffer("price:{AAPL}".getBytes(StandardCharsets.US_ASCII));
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[256]);

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final io.leasegrid.codec.internal.MessageHeaderEncoder internalHeaderEncoder =
        new io.leasegrid.codec.internal.MessageHeaderEncoder();
    private final LeaseAcquireEncoder acquireEncoder = new LeaseAcquireEncoder();
    private final LeaseAcquireDecoder acquireDecoder = new LeaseAcquireDecoder();
    private final ValueFencedPutEncoder putEncoder = new ValueFencedPutEncoder();
    private final ValueFencedPutDecoder putDecoder = new ValueFencedPutDecoder();
    private final JournalEntryEncoder entryEncoder = new JournalEntryEncoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private long correlationId;

    @Benchmark
    public long leaseAcquire()
    {
        acquireEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(++correlationId)
            .sessionId(7)
            .ttlNs(5_000_000_000L)
            .waitTimeoutNs(0)
            .mode(LeaseMode.EXCLUSIVE)
            .autoRenew(BooleanType.TRUE)
            .holderLimit(0)
            .putResource(resource, 0, resource.capacity());

        headerDecoder.wrap(buffer, 0);
        acquireDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
        final long sum = acquireDecoder.correlationId() + acquireDecoder.sessionId() + acquireDecoder.ttlNs() +
            acquireDecoder.waitTimeoutNs() + acquireDecoder.mode().value() + acquireDecoder.autoRenew().value() +
            acquireDecoder.holderLimit();
        final int resourceLength = acquireDecoder.resourceLength();
        final int partition = Partitioner.partition(
            buffer, acquireDecoder.limit() + LeaseAcquireDecoder.resourceHeaderLength(), resourceLength, 271);
        acquireDecoder.skipResource();
        return sum + partition;
    }

    @Benchmark
    public long fencedPricePut()
    {
        encodeFencedPut();

        headerDecoder.wrap(buffer, 0);
        putDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
        long sum = putDecoder.correlationId() + putDecoder.sessionId() + putDecoder.fencingToken();
        sum += putDecoder.getKey(scratch, 0, scratch.capacity());
        sum += putDecoder.getLeaseResource(scratch, 0, scratch.capacity());
        sum += putDecoder.getValue(scratch, 0, scratch.capacity());
        return sum;
    }

    private void encodeFencedPut()
    {
        putEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(++correlationId)
            .sessionId(7)
            .fencingToken(42)
            .putKey(key, 0, key.capacity())
            .putLeaseResource(resource, 0, resource.capacity())
            .putValue(value, 0, value.capacity());
    }

    /**
     * What every request frame of a session costs on top of its encoding: the client signs it, the node verifies it.
     */
    @Benchmark
    public long signAndVerifyFencedPut()
    {
        encodeFencedPut();
        final int length = RequestFrame.sign(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + putEncoder.encodedLength(),
            correlationId, 0x0706050403020100L, 0x0F0E0D0C0B0A0908L);
        if (!RequestFrame.verify(buffer, 0, length, 0x0706050403020100L, 0x0F0E0D0C0B0A0908L))
        {
            throw new IllegalStateException("frame did not verify");
        }
        return RequestFrame.sequence(buffer, 0, length);
    }

    @Benchmark
    public long journalEntryWithChecksum()
    {
        entryEncoder.wrapAndApplyHeader(buffer, 0, internalHeaderEncoder)
            .checksum(0)
            .partitionId(6)
            .epoch(1)
            .position(++correlationId)
            .timestampNs(correlationId * 1000)
            .monotonicNs(correlationId)
            .putOperation(value, 0, value.capacity());
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + entryEncoder.encodedLength();
        JournalEntryDescriptor.writeChecksum(buffer, 0, length);

        if (JournalEntryDescriptor.Check.VALID != JournalEntryDescriptor.check(buffer, 0, length))
        {
            throw new IllegalStateException("entry did not verify");
        }
        headerDecoder.wrap(buffer, 0);
        entryDecoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
        return entryDecoder.position() + entryDecoder.epoch() + entryDecoder.timestampNs() + entryDecoder.operationLength();
    }
}
