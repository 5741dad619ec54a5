package io.leasegrid.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Encodes every message of both schemas (client and internal) with every field set, decodes it, and checks every
 * field came back, with variable-length fields empty, typical and at their maximum size. The message list is read
 * from the schema files themselves, so a message added to a schema is covered without touching this test.
 */
class ProtocolRoundTripTest
{
    private static final String CLIENT_SCHEMA = "/leasegrid-protocol.xml";
    private static final String INTERNAL_SCHEMA = "/leasegrid-internal.xml";

    enum VarSize
    {
        EMPTY, TYPICAL, MAXIMUM
    }

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024 * 1024));
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * 1024 * 1024));

    static Stream<Arguments> messages() throws Exception
    {
        final List<Arguments> arguments = new ArrayList<>();
        for (final String schema : List.of(CLIENT_SCHEMA, INTERNAL_SCHEMA))
        {
            final String codecPackage = schemaPackage(schema);
            for (final String message : schemaMessageNames(schema))
            {
                for (final VarSize size : VarSize.values())
                {
                    arguments.add(Arguments.of(codecPackage + message, size));
                }
            }
        }
        return arguments.stream();
    }

    /**
     * Every message name in the schema, read from the schema file itself.
     */
    static List<String> schemaMessageNames(final String schema) throws Exception
    {
        final List<String> names = new ArrayList<>();
        try (InputStream in = ProtocolRoundTripTest.class.getResourceAsStream(schema))
        {
            final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            final NodeList messages = factory.newDocumentBuilder().parse(in)
                .getElementsByTagNameNS("http://fixprotocol.io/2016/sbe", "message");
            for (int i = 0; i < messages.getLength(); i++)
            {
                names.add(((Element)messages.item(i)).getAttribute("name"));
            }
        }
        return names;
    }

    static String schemaPackage(final String schema) throws Exception
    {
        try (InputStream in = ProtocolRoundTripTest.class.getResourceAsStream(schema))
        {
            final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            return factory.newDocumentBuilder().parse(in).getDocumentElement().getAttribute("package") + ".";
        }
    }

    @Test
    void shouldFindEveryMessageOfBothSchemas() throws Exception
    {
        final List<String> clientMessages = schemaMessageNames(CLIENT_SCHEMA);
        final List<String> internalMessages = schemaMessageNames(INTERNAL_SCHEMA);
        assertEquals(32, clientMessages.size(), clientMessages.toString());
        assertEquals(20, internalMessages.size(), internalMessages.toString());
        for (final String name : clientMessages)
        {
            Class.forName("io.leasegrid.codec.sbe." + name + "Encoder");
            Class.forName("io.leasegrid.codec.sbe." + name + "Decoder");
        }
        for (final String name : internalMessages)
        {
            Class.forName("io.leasegrid.codec.internal." + name + "Encoder");
            Class.forName("io.leasegrid.codec.internal." + name + "Decoder");
        }
    }

    @ParameterizedTest(name = "{0} with {1} variable fields")
    @MethodSource("messages")
    void shouldRoundTripEveryField(final String message, final VarSize size) throws Exception
    {
        final Class<?> encoderClass = Class.forName(message + "Encoder");
        final Class<?> decoderClass = Class.forName(message + "Decoder");
        final String codecPackage = encoderClass.getPackageName() + ".";
        final Class<?> headerEncoderClass = Class.forName(codecPackage + "MessageHeaderEncoder");
        final Class<?> headerDecoderClass = Class.forName(codecPackage + "MessageHeaderDecoder");
        final Object encoder = encoderClass.getConstructor().newInstance();
        final Object decoder = decoderClass.getConstructor().newInstance();

        encoderClass.getMethod("wrapAndApplyHeader", MutableDirectBuffer.class, int.class, headerEncoderClass)
            .invoke(encoder, buffer, 0, headerEncoderClass.getConstructor().newInstance());
        final long written = fill(encoder, 1, size, 2);
        final int encodedLength = (int)encoderClass.getMethod("encodedLength").invoke(encoder);

        final Object header = headerDecoderClass.getConstructor().newInstance();
        headerDecoderClass.getMethod("wrap", DirectBuffer.class, int.class).invoke(header, buffer, 0);
        assertEquals(encoderClass.getField("TEMPLATE_ID").getInt(null),
            (int)headerDecoderClass.getMethod("templateId").invoke(header));
        assertEquals(encoderClass.getField("SCHEMA_ID").getInt(null),
            (int)headerDecoderClass.getMethod("schemaId").invoke(header));

        decoderClass.getMethod("wrapAndApplyHeader", DirectBuffer.class, int.class, headerDecoderClass)
            .invoke(decoder, buffer, 0, header);
        final long read = verify(decoder, 1, size);
        assertEquals(written, read, "number of fields read back");
        assertEquals(encodedLength, (int)decoderClass.getMethod("encodedLength").invoke(decoder));
        assertTrue(written > 0);
    }

    /**
     * Sets every field of a message or group element in schema order; returns how many fields it set.
     */
    private long fill(final Object flyweight, final long seed, final VarSize size, final int groupCount) throws Exception
    {
        long count = 0;
        long fieldSeed = seed;
        for (final Field field : fields(flyweight.getClass(), true))
        {
            fieldSeed = fieldSeed * 31 + field.id;
            switch (field.kind)
            {
                case PRIMITIVE:
                    field.accessor.invoke(flyweight, valueFor(flyweight.getClass(), field, fieldSeed));
                    break;

                case VAR_DATA:
                {
                    final int length = varLength(flyweight.getClass(), field, size);
                    for (int i = 0; i < length; i++)
                    {
                        scratch.putByte(i, (byte)(fieldSeed + i));
                    }
                    field.accessor.invoke(flyweight, scratch, 0, length);
                    break;
                }

                case GROUP:
                {
                    final Object group = field.accessor.invoke(flyweight, groupCount);
                    final Method next = group.getClass().getMethod("next");
                    for (int i = 0; i < groupCount; i++)
                    {
                        next.invoke(group);
                        count += fill(group, fieldSeed + i, size, groupCount);
                    }
                    break;
                }
            }
            count++;
        }
        return count;
    }

    private long verify(final Object flyweight, final long seed, final VarSize size) throws Exception
    {
        long count = 0;
        long fieldSeed = seed;
        for (final Field field : fields(flyweight.getClass(), false))
        {
            fieldSeed = fieldSeed * 31 + field.id;
            switch (field.kind)
            {
                case PRIMITIVE:
                {
                    final Class<?> encoderType = encoderTypeOf(flyweight.getClass());
                    final Field encoderField = findField(encoderType, field.name);
                    assertEquals(valueFor(encoderType, encoderField, fieldSeed), field.accessor.invoke(flyweight),
                        flyweight.getClass().getSimpleName() + "." + field.name);
                    break;
                }

                case VAR_DATA:
                {
                    final int expectedLength = varLength(encoderTypeOf(flyweight.getClass()), field, size);
                    final int length = (int)field.accessor.invoke(flyweight, scratch, 0, scratch.capacity());
                    assertEquals(expectedLength, length, field.name + " length");
                    for (int i = 0; i < length; i++)
                    {
                        if (scratch.getByte(i) != (byte)(fieldSeed + i))
                        {
                            throw new AssertionError(field.name + " differs at byte " + i);
                        }
                    }
                    break;
                }

                case GROUP:
                {
                    final Object group = field.accessor.invoke(flyweight);
                    assertEquals(2, (int)group.getClass().getMethod("count").invoke(group), field.name + " count");
                    final Method next = group.getClass().getMethod("next");
                    for (int i = 0; i < 2; i++)
                    {
                        next.invoke(group);
                        count += verify(group, fieldSeed + i, size);
                    }
                    break;
                }
            }
            count++;
        }
        return count;
    }

    private static Class<?> encoderTypeOf(final Class<?> decoderType) throws ClassNotFoundException
    {
        return Class.forName(decoderType.getName().replace("Decoder", "Encoder"));
    }

    private static int varLength(final Class<?> encoderType, final Field field, final VarSize size) throws Exception
    {
        switch (size)
        {
            case EMPTY:
                return 0;
            case TYPICAL:
                return 17;
            default:
                final int headerLength = (int)encoderType.getMethod(field.name + "HeaderLength").invoke(null);
                return 2 == headerLength ? 65534 : 1024 * 1024;
        }
    }

    private static Object valueFor(final Class<?> encoderType, final Field field, final long seed) throws Exception
    {
        final Class<?> type = field.valueType;
        if (type.isEnum())
        {
            final Object[] constants = type.getEnumConstants();
            final List<Object> valid = new ArrayList<>();
            for (final Object constant : constants)
            {
                if (!"NULL_VAL".equals(((Enum<?>)constant).name()))
                {
                    valid.add(constant);
                }
            }
            return valid.get((int)Math.floorMod(seed, valid.size()));
        }

        final long min = ((Number)encoderType.getMethod(field.name + "MinValue").invoke(null)).longValue();
        final long max = ((Number)encoderType.getMethod(field.name + "MaxValue").invoke(null)).longValue();
        final long span = max - min;
        final long value = span <= 0 ? min : min + Math.floorMod(seed * 0x9E3779B97F4A7C15L, Math.min(span, Long.MAX_VALUE));
        if (type == long.class)
        {
            return value;
        }
        if (type == int.class)
        {
            return (int)value;
        }
        if (type == short.class)
        {
            return (short)value;
        }
        if (type == byte.class)
        {
            return (byte)value;
        }
        throw new IllegalStateException("unexpected field type " + type + " of " + field.name);
    }

    enum Kind
    {
        PRIMITIVE, VAR_DATA, GROUP
    }

    static final class Field
    {
        final String name;
        final long id;
        final Kind kind;
        final Method accessor;
        final Class<?> valueType;

        Field(final String name, final long id, final Kind kind, final Method accessor, final Class<?> valueType)
        {
            this.name = name;
            this.id = id;
            this.kind = kind;
            this.accessor = accessor;
            this.valueType = valueType;
        }
    }

    private static Field findField(final Class<?> type, final String name) throws Exception
    {
        for (final Field field : fields(type, true))
        {
            if (field.name.equals(name))
            {
                return field;
            }
        }
        throw new IllegalStateException("no field " + name + " in " + type);
    }

    /**
     * Fields of a generated flyweight in schema order, found through the static {@code <name>Id()} methods.
     */
    private static List<Field> fields(final Class<?> type, final boolean encoder) throws Exception
    {
        final List<Field> fields = new ArrayList<>();
        for (final Method method : type.getMethods())
        {
            final String methodName = method.getName();
            if (!Modifier.isStatic(method.getModifiers()) || method.getParameterCount() != 0 ||
                !methodName.endsWith("Id") || methodName.startsWith("sbe"))
            {
                continue;
            }

            final String groupSuffix = encoder ? "" : "Decoder";
            String name = methodName.substring(0, methodName.length() - 2);
            final long id = ((Number)method.invoke(null)).longValue();
            if (!encoder && name.endsWith(groupSuffix) && hasMethod(type, name.substring(0, name.length() - 7), 0))
            {
                name = name.substring(0, name.length() - 7);
                fields.add(new Field(name, id, Kind.GROUP, type.getMethod(name), null));
                continue;
            }

            if (encoder)
            {
                final Method count = findMethod(type, name + "Count", int.class);
                if (null != count)
                {
                    fields.add(new Field(name, id, Kind.GROUP, count, null));
                    continue;
                }
                final String put = "put" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
                final Method putData = findMethod(type, put, DirectBuffer.class, int.class, int.class);
                if (null != putData)
                {
                    fields.add(new Field(name, id, Kind.VAR_DATA, putData, null));
                    continue;
                }
                for (final Method setter : type.getMethods())
                {
                    if (setter.getName().equals(name) && setter.getParameterCount() == 1 &&
                        setter.getReturnType() == type)
                    {
                        fields.add(new Field(name, id, Kind.PRIMITIVE, setter, setter.getParameterTypes()[0]));
                        break;
                    }
                }
            }
            else
            {
                final String get = "get" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
                final Method getData = findMethod(type, get, MutableDirectBuffer.class, int.class, int.class);
                if (null != getData)
                {
                    fields.add(new Field(name, id, Kind.VAR_DATA, getData, null));
                    continue;
                }
                final Method getter = findMethod(type, name);
                if (null != getter)
                {
                    fields.add(new Field(name, id, Kind.PRIMITIVE, getter, getter.getReturnType()));
                }
            }
        }
        fields.sort(Comparator.comparingLong(field -> field.id));
        return fields;
    }

    private static boolean hasMethod(final Class<?> type, final String name, final int parameterCount)
    {
        for (final Method method : type.getMethods())
        {
            if (method.getName().equals(name) && method.getParameterCount() == parameterCount)
            {
                return true;
            }
        }
        return false;
    }

    private static Method findMethod(final Class<?> type, final String name, final Class<?>... parameterTypes)
    {
        try
        {
            return type.getMethod(name, parameterTypes);
        }
        catch (final NoSuchMethodException ex)
        {
            return null;
        }
    }
}
