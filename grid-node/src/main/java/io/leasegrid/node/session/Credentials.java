package io.leasegrid.node.session;

import io.leasegrid.codec.SessionKeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-client secrets for challenge-response authentication, loaded from a credentials file with one
 * {@code name:base64-secret} a line ({@code #} starts a comment). The secret never travels: a client proves it
 * knows it by answering {@code HMAC-SHA256(secret, nonce | sessionId little-endian)}.
 * <p>
 * Immutable after loading; {@link #verify} may be called from any thread.
 */
public final class Credentials
{
    private final Map<String, byte[]> secrets;

    private Credentials(final Map<String, byte[]> secrets)
    {
        this.secrets = secrets;
    }

    /**
     * Load a credentials file.
     *
     * @throws IllegalArgumentException on a malformed line, naming it.
     */
    public static Credentials load(final Path file)
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read credentials file " + file, ex);
        }
        final Map<String, byte[]> secrets = new HashMap<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final int colon = line.indexOf(':');
            if (colon <= 0 || colon == line.length() - 1)
            {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected name:base64-secret");
            }
            final byte[] secret;
            try
            {
                secret = Base64.getDecoder().decode(line.substring(colon + 1).trim());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": secret is not base64", ex);
            }
            if (secret.length < 16)
            {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": secret shorter than 16 bytes");
            }
            secrets.put(line.substring(0, colon).trim(), secret);
        }
        return new Credentials(secrets);
    }

    /**
     * @return number of clients known.
     */
    public int size()
    {
        return secrets.size();
    }

    /**
     * @return the secret of a client, or null when it is unknown. Never logged, never sent.
     */
    public byte[] secret(final String clientName)
    {
        return secrets.get(clientName);
    }

    /**
     * Check a client's answer to a challenge in constant time.
     *
     * @return true when {@code mac} proves knowledge of the client's secret.
     */
    public boolean verify(final String clientName, final byte[] nonce, final long sessionId, final byte[] mac)
    {
        final byte[] secret = secrets.get(clientName);
        if (null == secret)
        {
            return false;
        }
        return MessageDigest.isEqual(SessionKeys.newSessionProof(secret, nonce, sessionId), mac);
    }
}
