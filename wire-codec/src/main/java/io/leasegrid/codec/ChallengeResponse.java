package io.leasegrid.codec;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;

/**
 * The answer a client gives to a node's authentication challenge, computed the same way on both sides:
 * {@code HMAC-SHA256(secret, nonce | sessionId little-endian)}. The secret itself never travels.
 * Stateless and thread-safe; used once per connection, so it may allocate.
 */
public final class ChallengeResponse
{
    /**
     * Length of a nonce the node sends.
     */
    public static final int NONCE_LENGTH = 32;

    private ChallengeResponse()
    {
    }

    /**
     * @param secret    shared by client and node.
     * @param nonce     the node's single-use challenge.
     * @param sessionId the node assigned to the connection.
     * @return the 32-byte answer.
     */
    public static byte[] mac(final byte[] secret, final byte[] nonce, final long sessionId)
    {
        try
        {
            final Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
            hmac.update(nonce);
            hmac.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sessionId).array());
            return hmac.doFinal();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 unavailable", ex);
        }
    }
}
