package io.leasegrid.node.shard;

import io.aeron.Publication;
import java.util.ArrayList;

/**
 * A client connection as a shard knows it: where to answer, which Aeron image its requests must arrive on (so
 * another client cannot speak for it), and whether it has authenticated.
 */
final class SessionLink
{
    final long sessionId;
    final int imageSessionId;
    final Publication publication;
    final String clientName;
    final byte[] nonce;
    boolean authenticated;
    long createdNs;
    String publicationKey;
    final ArrayList<byte[]> outbox = new ArrayList<>();

    SessionLink(
        final long sessionId,
        final int imageSessionId,
        final Publication publication,
        final String clientName,
        final byte[] nonce)
    {
        this.sessionId = sessionId;
        this.imageSessionId = imageSessionId;
        this.publication = publication;
        this.clientName = clientName;
        this.nonce = nonce;
    }
}
