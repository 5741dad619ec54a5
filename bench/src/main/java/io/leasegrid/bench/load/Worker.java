package io.leasegrid.bench.load;

/**
 * One client thread's view of a system: runs one operation of the workload to its end, or a pipelined batch.
 */
public interface Worker extends AutoCloseable
{
    /**
     * Run operation {@code sequence} and wait for its answer.
     *
     * @return true when it succeeded as the workload expects (granted, written, read).
     */
    boolean execute(long sequence) throws Exception;

    /**
     * Send operations {@code firstSequence} to {@code firstSequence + depth - 1} without waiting in between (the
     * system's own way of pipelining), then wait for all their answers. A system without pipelining runs them one
     * after another.
     *
     * @return how many of them succeeded.
     */
    default int executeBatch(final long firstSequence, final int depth) throws Exception
    {
        int succeeded = 0;
        for (int i = 0; i < depth; i++)
        {
            succeeded += execute(firstSequence + i) ? 1 : 0;
        }
        return succeeded;
    }

    default void close() throws Exception
    {
    }
}
