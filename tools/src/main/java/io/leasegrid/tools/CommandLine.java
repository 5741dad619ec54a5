package io.leasegrid.tools;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One command's arguments, declared and parsed strictly: its positional arguments in order (required, then optional),
 * its options ({@code --name VALUE}) and flags ({@code --name}). Anything else is refused, extra arguments included;
 * {@code --help} anywhere asks for the command's help. Values are checked against their ranges by the accessors, with
 * messages that name the argument and the range.
 */
final class CommandLine
{
    /**
     * The command's help was asked for.
     */
    static final class HelpRequested extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        HelpRequested()
        {
            super(null, null, false, false);
        }
    }

    private final String usage;
    private final String description;
    private final List<String> required = new ArrayList<>();
    private final List<String> optional = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();
    private final Map<String, String> flags = new LinkedHashMap<>();
    private final List<String> positionals = new ArrayList<>();
    private final Map<String, String> values = new LinkedHashMap<>();

    /**
     * @param usage       {@code bin/leasegrid ...} synopsis.
     * @param description what the command does, for {@code --help}.
     */
    CommandLine(final String usage, final String description)
    {
        this.usage = usage;
        this.description = description;
    }

    CommandLine required(final String name)
    {
        required.add(name);
        return this;
    }

    CommandLine optional(final String name)
    {
        optional.add(name);
        return this;
    }

    /**
     * @param name        with its dashes, e.g. {@code --dir}.
     * @param description of its value, for {@code --help}.
     */
    CommandLine option(final String name, final String description)
    {
        options.put(name, description);
        return this;
    }

    CommandLine flag(final String name, final String description)
    {
        flags.put(name, description);
        return this;
    }

    String usage()
    {
        return "usage: " + usage;
    }

    /**
     * @return the full help: usage, description and options.
     */
    String help()
    {
        final StringBuilder text = new StringBuilder(usage()).append(System.lineSeparator()).append(System.lineSeparator())
            .append(description).append(System.lineSeparator());
        if (!options.isEmpty() || !flags.isEmpty())
        {
            text.append(System.lineSeparator());
            options.forEach((name, what) -> text.append(String.format("  %-18s %s%n", name + " V", what)));
            flags.forEach((name, what) -> text.append(String.format("  %-18s %s%n", name, what)));
        }
        return text.toString();
    }

    /**
     * Parse the arguments after the command's name.
     *
     * @return this.
     * @throws UsageException for anything the command does not take.
     * @throws HelpRequested  when {@code --help} or {@code -h} is among them.
     */
    CommandLine parse(final String[] args)
    {
        for (final String arg : args)
        {
            if ("--help".equals(arg) || "-h".equals(arg))
            {
                throw new HelpRequested();
            }
        }
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (arg.startsWith("--"))
            {
                if (flags.containsKey(arg))
                {
                    values.put(arg, "true");
                }
                else if (options.containsKey(arg))
                {
                    if (i + 1 >= args.length)
                    {
                        throw new UsageException(arg + " needs a value (" + options.get(arg) + ")");
                    }
                    values.put(arg, args[++i]);
                }
                else
                {
                    throw new UsageException("unknown option " + arg);
                }
            }
            else
            {
                positionals.add(arg);
            }
        }
        if (positionals.size() < required.size())
        {
            throw new UsageException("missing " + required.get(positionals.size()));
        }
        if (positionals.size() > required.size() + optional.size())
        {
            throw new UsageException("unexpected argument '" + positionals.get(required.size() + optional.size()) + "'");
        }
        return this;
    }

    /**
     * @return a positional argument by its name, or null when an optional one was not given.
     */
    String positional(final String name)
    {
        int index = required.indexOf(name);
        if (index < 0)
        {
            index = optional.indexOf(name);
            index = index < 0 ? -1 : required.size() + index;
        }
        if (index < 0)
        {
            throw new IllegalArgumentException("no positional argument " + name);
        }
        return index < positionals.size() ? positionals.get(index) : null;
    }

    String option(final String name)
    {
        return values.get(name);
    }

    boolean has(final String name)
    {
        return values.containsKey(name);
    }

    /**
     * @return a whole number given as {@code what} (a positional name or an option), within its range.
     */
    static long number(final String what, final String text, final long min, final long max)
    {
        final long value;
        try
        {
            value = Long.parseLong(text.replace("_", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException(what + " must be a whole number from " + min + " to " + max + ", not '" + text + "'");
        }
        if (value < min || value > max)
        {
            throw new UsageException(what + " must be from " + min + " to " + max + ", not " + value);
        }
        return value;
    }

    /**
     * @return a key or resource name within the grid's bounds: 1 to 256 bytes of UTF-8.
     */
    static String name(final String what, final String text)
    {
        final int length = text.getBytes(StandardCharsets.UTF_8).length;
        if (length < 1 || length > 256)
        {
            throw new UsageException(what + " must be 1 to 256 bytes of UTF-8, not " + length);
        }
        return text;
    }

    /**
     * @return a value within the grid's bounds: at most 64 KiB of UTF-8.
     */
    static byte[] value(final String what, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 64 * 1024)
        {
            throw new UsageException(what + " must be at most 65536 bytes, not " + bytes.length);
        }
        return bytes;
    }
}
