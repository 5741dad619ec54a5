package io.leasegrid.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestFrameTest
{
    private static final byte[] SECRET = "a-secret-of-at-least-16-bytes".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE = new byte[SessionKeys.NONCE_LENGTH];

    @Test
    void shouldVerifyOnlyAnUntouchedFrameUnderItsOwnKey()
    {
        final byte[] key = SessionKeys.sessionKey(SECRET, NONCE, 42);
        final long k0 = SessionKeys.k0(key);
        final long k1 = SessionKeys.k1(key);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        buffer.putStringWithoutLengthAscii(8, "release lease 7");
        final int length = RequestFrame.sign(buffer, 8, 15, 99, k0, k1);

        assertEquals(15 + RequestFrame.TRAILER_LENGTH, length);
        assertTrue(RequestFrame.verify(buffer, 8, length, k0, k1));
        assertEquals(99, RequestFrame.sequence(buffer, 8, length));
        assertEquals(15, RequestFrame.messageLength(length));

        final byte[] otherKey = SessionKeys.sessionKey(SECRET, NONCE, 43);
        assertFalse(RequestFrame.verify(buffer, 8, length, SessionKeys.k0(otherKey), SessionKeys.k1(otherKey)));
        for (int i = 0; i < length; i++)
        {
            final byte original = buffer.getByte(8 + i);
            buffer.putByte(8 + i, (byte)(original ^ 1));
            assertFalse(RequestFrame.verify(buffer, 8, length, k0, k1), "flipped bit in byte " + i);
            buffer.putByte(8 + i, original);
        }
        assertFalse(RequestFrame.verify(buffer, 8, 7, k0, k1));
    }

    @Test
    void shouldDeriveKeysAndProofsThatDependOnEveryInput()
    {
        final byte[] key = SessionKeys.sessionKey(SECRET, NONCE, 1);
        assertEquals(SessionKeys.KEY_LENGTH, key.length);
        assertArrayEquals(key, SessionKeys.sessionKey(SECRET, NONCE, 1));
        assertNotEquals(SessionKeys.k0(key), SessionKeys.k0(SessionKeys.sessionKey(SECRET, NONCE, 2)));
        final byte[] otherNonce = NONCE.clone();
        otherNonce[0] = 1;
        assertNotEquals(SessionKeys.k0(key), SessionKeys.k0(SessionKeys.sessionKey(SECRET, otherNonce, 1)));
        assertFalse(java.util.Arrays.equals(
            SessionKeys.resumeProof(key, NONCE, 1, 10), SessionKeys.resumeProof(key, NONCE, 1, 11)));
        assertFalse(java.util.Arrays.equals(
            SessionKeys.newSessionProof(SECRET, NONCE, 1), SessionKeys.newSessionProof(SessionKeys.OPEN_MODE_SECRET, NONCE, 1)));
    }
}
