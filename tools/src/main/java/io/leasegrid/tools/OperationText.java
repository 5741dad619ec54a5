package io.leasegrid.tools;

import io.leasegrid.codec.internal.CheckpointKind;
import io.leasegrid.codec.internal.LeaseEndReason;
import io.leasegrid.codec.internal.LeaseMode;
import io.leasegrid.codec.internal.SessionCloseReason;
import io.leasegrid.codec.internal.WaiterLeaveReason;
import io.leasegrid.node.partition.OperationAdapter;
import io.leasegrid.node.partition.OperationListener;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes one journaled operation into named fields, for people (text) and programs (JSON lines), with the same
 * {@link OperationAdapter} that the node applies the journal with. Cold path.
 */
final class OperationText implements OperationListener
{
    private final OperationAdapter adapter = new OperationAdapter();
    private Map<String, Object> fields;

    /**
     * @return the operation's name and fields, in schema order.
     */
    Map<String, Object> fields(final DirectBuffer buffer, final int offset)
    {
        fields = new LinkedHashMap<>();
        final int templateId = adapter.dispatch(buffer, offset, this);
        if (-1 == templateId)
        {
            fields.put("op", "unknown-template");
        }
        return fields;
    }

    public void onLeaseGrant(
        final long leaseId,
        final long sessionId,
        final long fencingToken,
        final long ttlNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final long correlationId,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        fields.put("op", "grant");
        fields.put("leaseId", leaseId);
        fields.put("session", sessionId);
        fields.put("token", fencingToken);
        fields.put("ttlNs", ttlNs);
        fields.put("mode", mode.name());
        fields.put("autoRenew", autoRenew ? "TRUE" : "FALSE");
        fields.put("holderLimit", holderLimit);
        fields.put("correlationId", correlationId);
        fields.put("resource", text(resource, offset, length));
    }

    public void onLeaseRenew(final long leaseId, final long ttlNs)
    {
        fields.put("op", "renew");
        fields.put("leaseId", leaseId);
        fields.put("ttlNs", ttlNs);
    }

    public void onLeaseEnd(final long leaseId, final LeaseEndReason reason)
    {
        fields.put("op", "end");
        fields.put("leaseId", leaseId);
        fields.put("reason", reason.name());
    }

    public void onWaiterEnqueue(
        final long sessionId,
        final long correlationId,
        final long ttlNs,
        final long waitTimeoutNs,
        final LeaseMode mode,
        final boolean autoRenew,
        final int holderLimit,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        fields.put("op", "wait");
        fields.put("session", sessionId);
        fields.put("correlationId", correlationId);
        fields.put("ttlNs", ttlNs);
        fields.put("waitTimeoutNs", waitTimeoutNs);
        fields.put("mode", mode.name());
        fields.put("autoRenew", autoRenew ? "TRUE" : "FALSE");
        fields.put("holderLimit", holderLimit);
        fields.put("resource", text(resource, offset, length));
    }

    public void onWaiterLeave(
        final long sessionId,
        final long correlationId,
        final WaiterLeaveReason reason,
        final DirectBuffer resource,
        final int offset,
        final int length)
    {
        fields.put("op", "leave");
        fields.put("session", sessionId);
        fields.put("correlationId", correlationId);
        fields.put("reason", reason.name());
        fields.put("resource", text(resource, offset, length));
    }

    public void onValuePut(
        final long version,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        fields.put("op", "put");
        fields.put("version", version);
        fields.put("key", text(key, keyOffset, keyLength));
        fields.put("value", text(value, valueOffset, valueLength));
    }

    public void onValueDelete(final long version, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        fields.put("op", "delete");
        fields.put("version", version);
        fields.put("key", text(key, keyOffset, keyLength));
    }

    public void onTimeCheckpoint(final CheckpointKind kind)
    {
        fields.put("op", "checkpoint");
        fields.put("kind", kind.name());
    }

    public void onSessionOpen(
        final long sessionId,
        final long sessionTimeoutNs,
        final DirectBuffer clientName,
        final int nameOffset,
        final int nameLength,
        final DirectBuffer nonce,
        final int nonceOffset,
        final int nonceLength)
    {
        fields.put("op", "session-open");
        fields.put("session", sessionId);
        fields.put("timeoutNs", sessionTimeoutNs);
        fields.put("client", text(clientName, nameOffset, nameLength));
    }

    public void onSessionClose(final long sessionId, final SessionCloseReason reason)
    {
        fields.put("op", "session-close");
        fields.put("session", sessionId);
        fields.put("reason", reason.name());
    }

    /**
     * Bytes as UTF-8 text when they are printable, else as hex with a {@code 0x} prefix.
     */
    static String text(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        for (final byte b : bytes)
        {
            if (b < 0x20 || b == 0x7F)
            {
                final StringBuilder hex = new StringBuilder("0x");
                for (final byte x : bytes)
                {
                    hex.append(String.format("%02x", x));
                }
                return hex.toString();
            }
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static String json(final Map<String, Object> fields)
    {
        final StringBuilder json = new StringBuilder("{");
        for (final Map.Entry<String, Object> field : fields.entrySet())
        {
            if (json.length() > 1)
            {
                json.append(',');
            }
            json.append('"').append(field.getKey()).append("\":");
            final Object value = field.getValue();
            if (value instanceof Number)
            {
                json.append(value);
            }
            else
            {
                json.append('"').append(escape(String.valueOf(value))).append('"');
            }
        }
        return json.append('}').toString();
    }

    private static String escape(final String text)
    {
        final StringBuilder escaped = new StringBuilder();
        for (final char c : text.toCharArray())
        {
            if (c == '"' || c == '\\')
            {
                escaped.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                escaped.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
