package io.leasegrid.bench.load;

/**
 * What one operation of a load run does. Every system under test implements each workload it supports with its
 * own natural commands; the descriptions say how, so a reader can judge the comparison.
 */
public enum Workload
{
    PING("transport floor: one 64-byte message to an echo service and back"),
    LEASE("uncontended lease: acquire an exclusive lease on a resource no one else uses, then release it"),
    CONTENDED_LEASE("contended lease: every 4th client shares one of 4 hot resources; acquire (waiting up to 1 s) then release"),
    FENCED_PUT("price put: a 64-byte value for one of 1,000 symbols, fenced by the publisher's lease token"),
    GET("price get: read one of 1,000 symbols"),
    MIXED("trading-day mix: 12 gets, 6 fenced puts and 2 lease acquire+release in every 20 operations");

    /** Symbols for the price workloads. */
    public static final int SYMBOLS = 1_000;
    /** Hot resources of the contended workload. */
    public static final int HOT_RESOURCES = 4;
    /** Price value size. */
    public static final int VALUE_LENGTH = 64;

    private final String description;

    Workload(final String description)
    {
        this.description = description;
    }

    public String description()
    {
        return description;
    }

    public String fileName()
    {
        return name().toLowerCase().replace('_', '-');
    }

    /**
     * Which single-operation workload operation {@code sequence} of the mixed workload is.
     */
    public static Workload mixedStep(final long sequence)
    {
        final int slot = (int)(sequence % 20);
        return slot < 12 ? GET : slot < 18 ? FENCED_PUT : LEASE;
    }

    /**
     * The symbol a worker touches in operation {@code sequence}: spread over all symbols, different per worker.
     */
    public static int symbol(final int worker, final long sequence)
    {
        return (int)((sequence * 7919 + worker * 104_729L) % SYMBOLS);
    }

    public static String symbolName(final int symbol)
    {
        return String.format("SYM%04d", symbol);
    }
}
