package io.leasegrid.bench.load;

/**
 * A system the harness drives: leasegrid over a transport, Redis in a durability mode, or the raw transport.
 * It sets itself up for a workload, then hands out one {@link Worker} per client thread.
 */
public interface SystemUnderTest extends AutoCloseable
{
    String name();

    /**
     * The durability (or transport) the figures of this system were taken with, for the report.
     */
    String mode();

    boolean supports(Workload workload, int concurrency);

    /**
     * Load the data a workload needs (prices to read, publisher leases for fenced puts). Cold path.
     */
    void prepare(Workload workload) throws Exception;

    /**
     * A worker for one client thread; each has its own connection where the system has connections.
     */
    Worker worker(Workload workload, int index) throws Exception;

    void close() throws Exception;
}
