package io.leasegrid.journal;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Child process for the crash tests: appends deterministic entries and prints {@code ACK <position>} after each
 * commit, so the parent knows what was acknowledged when it kills this process with SIGKILL.
 * <p>
 * Modes: {@code stream} appends until killed (bounded by a count and a time limit); {@code mid-write} appends
 * {@code count} entries, then opens a claim, writes half of its operation, prints {@code MID-WRITE} and waits to
 * be killed.
 */
public final class JournalWriterMain
{
    static final int MID_WRITE_SALT = 77;
    private static final long TIME_LIMIT_NS = TimeUnit.SECONDS.toNanos(60);

    private JournalWriterMain()
    {
    }

    public static void main(final String[] args)
    {
        final File root = new File(args[0]);
        final int partitionId = Integer.parseInt(args[1]);
        final String mode = args[2];
        final long count = Long.parseLong(args[3]);
        final PrintStream out = new PrintStream(System.out, true);
        final long deadline = System.nanoTime() + TIME_LIMIT_NS;

        try (PartitionJournal journal = PartitionJournal.open(JournalFixtures.context(root, partitionId)))
        {
            out.println("OPEN " + journal.nextPosition());
            for (long i = 0; i < count && System.nanoTime() - deadline < 0; i++)
            {
                final long position = JournalFixtures.append(journal, 1, 0);
                out.println("ACK " + position);
            }

            if ("mid-write".equals(mode))
            {
                final byte[] operation = JournalFixtures.operation(journal.nextPosition(), MID_WRITE_SALT);
                final int offset = journal.claim(operation.length);
                journal.claimBuffer().putBytes(offset, new UnsafeBuffer(operation), 0, operation.length / 2);
                out.println("MID-WRITE " + journal.nextPosition());
                while (System.nanoTime() - deadline < 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
                System.exit(3);
            }
        }
        out.println("DONE");
    }
}
