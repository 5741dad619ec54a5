package io.leasegrid.client;

import io.aeron.Publication;

import java.util.concurrent.CompletableFuture;

/**
 * The client's session with one shard of the node: the publication its requests go out on and the session id
 * the shard gave it.
 */
final class ShardConnection
{
    final int streamId;
    final Publication publication;
    volatile CompletableFuture<ShardConnection> ready = new CompletableFuture<>();
    volatile long sessionId;
    volatile long keepAliveIntervalNs;
    volatile long sessionTimeoutNs;
    volatile long connectCorrelationId;
    long lastReconnectAttemptNs;
    volatile boolean established;
    long lastKeepAliveSentNs;
    volatile long lastHeardNs;

    ShardConnection(final int streamId, final Publication publication)
    {
        this.streamId = streamId;
        this.publication = publication;
    }
}
