package io.leasegrid.node;

/**
 * Reads settings from system properties strictly: a value that is set but does not parse is an error naming the
 * setting, never a silent default.
 */
final class Settings
{
    private Settings()
    {
    }

    static int intProperty(final String name, final int defaultValue)
    {
        final String text = System.getProperty(name);
        if (null == text)
        {
            return defaultValue;
        }
        try
        {
            return Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + text + "'");
        }
    }

    static long longProperty(final String name, final long defaultValue)
    {
        final String text = System.getProperty(name);
        if (null == text)
        {
            return defaultValue;
        }
        try
        {
            return Long.parseLong(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + text + "'");
        }
    }

    static Long longPropertyOrNull(final String name)
    {
        return null == System.getProperty(name) ? null : longProperty(name, 0);
    }

    static double doubleProperty(final String name, final double defaultValue)
    {
        final String text = System.getProperty(name);
        if (null == text)
        {
            return defaultValue;
        }
        try
        {
            return Double.parseDouble(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a number, not '" + text + "'");
        }
    }
}
