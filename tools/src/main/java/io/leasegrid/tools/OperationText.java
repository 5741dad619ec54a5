package io.leasegrid.tools;

import io.leasegrid.codec.internal.LeaseEndOpDecoder;
import io.leasegrid.codec.internal.LeaseGrantOpDecoder;
import io.leasegrid.codec.internal.LeaseRenewOpDecoder;
import io.leasegrid.codec.internal.MessageHeaderDecoder;
import io.leasegrid.codec.internal.SessionCloseOpDecoder;
import io.leasegrid.codec.internal.SessionKeepAliveOpDecoder;
import io.leasegrid.codec.internal.SessionOpenOpDecoder;
import io.leasegrid.codec.internal.TimeCheckpointOpDecoder;
import io.leasegrid.codec.internal.ValueDeleteOpDecoder;
import io.leasegrid.codec.internal.ValuePutOpDecoder;
import io.leasegrid.codec.internal.WaiterEnqueueOpDecoder;
import io.leasegrid.codec.internal.WaiterLeaveOpDecoder;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes one journaled operation into named fields, for people (text) and programs (JSON lines). Cold path.
 */
final class OperationText
{
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final LeaseGrantOpDecoder grant = new LeaseGrantOpDecoder();
    private final LeaseRenewOpDecoder renew = new LeaseRenewOpDecoder();
    private final LeaseEndOpDecoder end = new LeaseEndOpDecoder();
    private final WaiterEnqueueOpDecoder enqueue = new WaiterEnqueueOpDecoder();
    private final WaiterLeaveOpDecoder leave = new WaiterLeaveOpDecoder();
    private final ValuePutOpDecoder put = new ValuePutOpDecoder();
    private final ValueDeleteOpDecoder delete = new ValueDeleteOpDecoder();
    private final TimeCheckpointOpDecoder checkpoint = new TimeCheckpointOpDecoder();
    private final SessionOpenOpDecoder sessionOpen = new SessionOpenOpDecoder();
    private final SessionCloseOpDecoder sessionClose = new SessionCloseOpDecoder();
    private final SessionKeepAliveOpDecoder keepAlive = new SessionKeepAliveOpDecoder();

    /**
     * @return the operation's name and fields, in schema order.
     */
    Map<String, Object> fields(final DirectBuffer buffer, final int offset)
    {
        header.wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        final Map<String, Object> fields = new LinkedHashMap<>();
        switch (header.templateId())
        {
            case LeaseGrantOpDecoder.TEMPLATE_ID:
                grant.wrap(buffer, body, blockLength, version);
                fields.put("op", "grant");
                fields.put("leaseId", grant.leaseId());
                fields.put("session", grant.sessionId());
                fields.put("token", grant.fencingToken());
                fields.put("ttlNs", grant.ttlNs());
                fields.put("mode", grant.mode().name());
                fields.put("autoRenew", grant.autoRenew().name());
                fields.put("holderLimit", grant.holderLimit());
                fields.put("correlationId", grant.correlationId());
                fields.put("resource", text(grant.resourceLength(), grant::getResource));
                break;
            case LeaseRenewOpDecoder.TEMPLATE_ID:
                renew.wrap(buffer, body, blockLength, version);
                fields.put("op", "renew");
                fields.put("leaseId", renew.leaseId());
                fields.put("ttlNs", renew.ttlNs());
                break;
            case LeaseEndOpDecoder.TEMPLATE_ID:
                end.wrap(buffer, body, blockLength, version);
                fields.put("op", "end");
                fields.put("leaseId", end.leaseId());
                fields.put("reason", end.reason().name());
                break;
            case WaiterEnqueueOpDecoder.TEMPLATE_ID:
                enqueue.wrap(buffer, body, blockLength, version);
                fields.put("op", "wait");
                fields.put("session", enqueue.sessionId());
                fields.put("correlationId", enqueue.correlationId());
                fields.put("ttlNs", enqueue.ttlNs());
                fields.put("waitTimeoutNs", enqueue.waitTimeoutNs());
                fields.put("mode", enqueue.mode().name());
                fields.put("autoRenew", enqueue.autoRenew().name());
                fields.put("holderLimit", enqueue.holderLimit());
                fields.put("resource", text(enqueue.resourceLength(), enqueue::getResource));
                break;
            case WaiterLeaveOpDecoder.TEMPLATE_ID:
                leave.wrap(buffer, body, blockLength, version);
                fields.put("op", "leave");
                fields.put("session", leave.sessionId());
                fields.put("correlationId", leave.correlationId());
                fields.put("reason", leave.reason().name());
                fields.put("resource", text(leave.resourceLength(), leave::getResource));
                break;
            case ValuePutOpDecoder.TEMPLATE_ID:
                put.wrap(buffer, body, blockLength, version);
                fields.put("op", "put");
                fields.put("version", put.version());
                fields.put("key", text(put.keyLength(), put::getKey));
                fields.put("value", text(put.valueLength(), put::getValue));
                break;
            case ValueDeleteOpDecoder.TEMPLATE_ID:
                delete.wrap(buffer, body, blockLength, version);
                fields.put("op", "delete");
                fields.put("version", delete.version());
                fields.put("key", text(delete.keyLength(), delete::getKey));
                break;
            case TimeCheckpointOpDecoder.TEMPLATE_ID:
                checkpoint.wrap(buffer, body, blockLength, version);
                fields.put("op", "checkpoint");
                fields.put("kind", checkpoint.kind().name());
                break;
            case SessionOpenOpDecoder.TEMPLATE_ID:
                sessionOpen.wrap(buffer, body, blockLength, version);
                fields.put("op", "session-open");
                fields.put("session", sessionOpen.sessionId());
                fields.put("timeoutNs", sessionOpen.sessionTimeoutNs());
                fields.put("client", sessionOpen.clientName());
                break;
            case SessionCloseOpDecoder.TEMPLATE_ID:
                sessionClose.wrap(buffer, body, blockLength, version);
                fields.put("op", "session-close");
                fields.put("session", sessionClose.sessionId());
                fields.put("reason", sessionClose.reason().name());
                break;
            case SessionKeepAliveOpDecoder.TEMPLATE_ID:
                keepAlive.wrap(buffer, body, blockLength, version);
                fields.put("op", "keep-alive");
                fields.put("session", keepAlive.sessionId());
                break;
            default:
                fields.put("op", "unknown-template-" + header.templateId());
                break;
        }
        return fields;
    }

    interface BytesGetter
    {
        int get(byte[] dst, int offset, int length);
    }

    /**
     * Bytes as UTF-8 text when they are printable, else as hex with a {@code 0x} prefix.
     */
    static String text(final int length, final BytesGetter getter)
    {
        final byte[] bytes = new byte[length];
        getter.get(bytes, 0, length);
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
