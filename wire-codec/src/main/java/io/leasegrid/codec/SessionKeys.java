package io.leasegrid.codec;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * The secrets of a session, computed the same way by client and node from the client's secret and the node's
 * single-use challenge nonce; the secret itself never travels.
 * <ul>
 *     <li>proof of a new session: {@code HMAC-SHA256(secret, nonce | sessionId)};</li>
 *     <li>session key: the first 16 bytes of {@code HMAC-SHA256(secret, "leasegrid-session-key" | nonce | sessionId)},
 *     the SipHash key that signs every request frame of the session ({@link RequestFrame});</li>
 *     <li>proof of a resumed session: {@code HMAC-SHA256(sessionKey, nonce | sessionId | nextSequence)}, which only
 *     the client that authenticated the session can give, whichever connection it now comes from.</li>
 * </ul>
 * Numbers are little-endian. In open development mode there is no secret and {@link #OPEN_MODE_SECRET} stands in
 * for it: the code path is the same, the protection is none.
 * <p>
 * Stateless and thread-safe; used at connect time only, so it may allocate.
 */
public final class SessionKeys
{
    /**
     * Length of a nonce the node sends.
     */
    public static final int NONCE_LENGTH = 32;

    /**
     * Length of a session key.
     */
    public static final int KEY_LENGTH = 16;

    /**
     * The stand-in secret of open development mode: public, so it protects nothing.
     */
    public static final byte[] OPEN_MODE_SECRET = "leasegrid-open-development-mode".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] KEY_LABEL = "leasegrid-session-key".getBytes(StandardCharsets.US_ASCII);

    private SessionKeys()
    {
    }

    /**
     * @param secret    shared by client and node.
     * @param nonce     the node's single-use challenge.
     * @param sessionId the node assigned.
     * @return the 32-byte answer that opens a new session.
     */
    public static byte[] newSessionProof(final byte[] secret, final byte[] nonce, final long sessionId)
    {
        return hmac(secret, nonce, littleEndian(sessionId));
    }

    /**
     * @param secret    shared by client and node.
     * @param nonce     the challenge the session was opened with.
     * @param sessionId of the session.
     * @return the session's 16-byte key.
     */
    public static byte[] sessionKey(final byte[] secret, final byte[] nonce, final long sessionId)
    {
        final byte[] full = hmac(secret, KEY_LABEL, nonce, littleEndian(sessionId));
        final byte[] key = new byte[KEY_LENGTH];
        System.arraycopy(full, 0, key, 0, KEY_LENGTH);
        return key;
    }

    /**
     * @param sessionKey   of the session being resumed.
     * @param nonce        the node's challenge to the resume.
     * @param sessionId    of the session.
     * @param nextSequence of the client's next request frame.
     * @return the 32-byte answer that re-attaches a session.
     */
    public static byte[] resumeProof(final byte[] sessionKey, final byte[] nonce, final long sessionId, final long nextSequence)
    {
        return hmac(sessionKey, nonce, littleEndian(sessionId), littleEndian(nextSequence));
    }

    /**
     * @return the first 8 bytes of a session key as the little-endian long SipHash takes.
     */
    public static long k0(final byte[] sessionKey)
    {
        return ByteBuffer.wrap(sessionKey).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    /**
     * @return the last 8 bytes of a session key as the little-endian long SipHash takes.
     */
    public static long k1(final byte[] sessionKey)
    {
        return ByteBuffer.wrap(sessionKey).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
    }

    private static byte[] littleEndian(final long value)
    {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value).array();
    }

    private static byte[] hmac(final byte[] key, final byte[]... parts)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (final byte[] part : parts)
            {
                mac.update(part);
            }
            return mac.doFinal();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 unavailable", ex);
        }
    }
}
