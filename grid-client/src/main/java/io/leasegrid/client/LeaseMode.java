package io.leasegrid.client;

/**
 * How a lease holds its resource.
 */
public enum LeaseMode
{
    /** One holder at a time. */
    EXCLUSIVE,
    /** Many holders at once, up to a holder limit when one is set (a semaphore). */
    SHARED;

    /**
     * @return the mode of a raw wire value: 1 is shared, anything else exclusive.
     */
    static LeaseMode ofWire(final int raw)
    {
        return 1 == raw ? SHARED : EXCLUSIVE;
    }
}
