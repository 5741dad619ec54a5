package io.leasegrid.bench.load;

/**
 * One client thread's view of a system: runs one operation of the workload to its end.
 */
public interface Worker extends AutoCloseable
{
    /**
     * Run operation {@code sequence} and wait for its answer.
     *
     * @return true when it succeeded as the workload expects (granted, written, read).
     */
    boolean execute(long sequence) throws Exception;

    default void close() throws Exception
    {
    }
}
