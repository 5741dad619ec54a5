package io.leasegrid.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.core.OS;
import net.openhft.posix.MAdviseFlag;
import net.openhft.posix.PosixAPI;

/**
 * How a journal's writer asks the kernel for the pages it is about to write: no read-ahead around them, and a window
 * of them made present ahead of the writer in one call.
 * <p>
 * Why: a journal file is sparse, so the writer's first touch of each page is a page fault, and on a fault in a
 * shared file mapping Linux reads around it by the device's {@code read_ahead_kb}. For a hole, "reading" means
 * zero-filling page cache on the faulting thread. Cloud disks often set 8 MiB; a shard appending to hundreds of
 * partition journals then spent a quarter of its cycles in the kernel's {@code memset} ({@code perf}, UDP pipelined
 * load) and stalled for seconds in {@code ManyJournalsAppendBenchmark}. With {@code MADV_RANDOM} on the writer's
 * mappings a fault fills only its own page. A fault per 4 KiB page is still a trap into the kernel every twenty-odd
 * entries (a tenth of the shard's cycles in the same profile), so the writer also asks for the next
 * {@value #POPULATE_WINDOW_BYTES} bytes with {@code MADV_POPULATE_WRITE} (Linux 5.14+) when it gets within half of
 * that of the end of what is present: one call instead of sixteen faults.
 * <p>
 * Chronicle maps a journal file chunk by chunk; each chunk is its own mapping and is advised once, the first time the
 * writer lands in it. Chunks the writer never enters keep read-ahead: recovery and the tools read whole files front to
 * back, and read-ahead is what makes that fast. Readers in the writer's process share its mappings (Chronicle keeps
 * one per chunk), so a reader of the chunk being written faults page by page; those pages are in memory already.
 * A refused call (an old kernel) is counted, never thrown: the write goes on and faults its pages in as it would
 * have anyway.
 * <p>
 * Not thread safe: owned by the journal's writer. Allocation free.
 */
final class WriteMappingAdvice
{
    /** Sixteen 4 KiB pages: a call costs microseconds on the writer's thread, never enough to show in a tail. */
    static final long POPULATE_WINDOW_BYTES = 64 * 1024;

    private static final int MADV_POPULATE_WRITE = 23;
    private static final int EINVAL = 22;
    private static final long PAGE_SIZE = OS.pageSize();
    private static final long PAGE_MASK = ~(PAGE_SIZE - 1);

    private final boolean enabled;
    private BytesStore<?, ?> chunk;
    private long chunkEnd;
    private long presentUntil;
    private boolean populateRefused;
    private int refusals;

    /**
     * @param enabled false to leave the writer's mappings as the kernel makes them (read-ahead on).
     */
    WriteMappingAdvice(final boolean enabled)
    {
        this.enabled = enabled;
    }

    /**
     * Called before each write: advise the chunk the writer is in if it is new, and make the pages ahead present.
     *
     * @param bytes   the writer's bytes, positioned in the chunk.
     * @param address where the writer is about to write.
     */
    void beforeWrite(final Bytes<?> bytes, final long address)
    {
        if (!enabled)
        {
            return;
        }
        final BytesStore<?, ?> store = bytes.bytesStore();
        if (store != chunk)
        {
            enterChunk(store, address);
        }
        if (address + POPULATE_WINDOW_BYTES / 2 > presentUntil && presentUntil < chunkEnd && !populateRefused)
        {
            // A large entry can carry the writer past the window: start again from where it is, not behind it.
            presentUntil = Math.max(presentUntil, address & PAGE_MASK);
            final long length = Math.min(POPULATE_WINDOW_BYTES, chunkEnd - presentUntil);
            final PosixAPI posix = PosixAPI.posix();
            if (0 != posix.madvise(presentUntil, length, MADV_POPULATE_WRITE))
            {
                refusals++;
                // A kernel older than 5.14 does not know the advice: stop asking. Other refusals concern only this
                // window, whose pages then fault in as the writer reaches them.
                populateRefused = EINVAL == posix.lastError();
            }
            presentUntil += length;
        }
    }

    /**
     * @return calls the kernel refused, fully or in part.
     */
    int refusals()
    {
        return refusals;
    }

    private void enterChunk(final BytesStore<?, ?> store, final long address)
    {
        chunk = store;
        chunkEnd = 0;
        presentUntil = 0;
        if (store instanceof MappedBytesStore)
        {
            final MappedBytesStore mapped = (MappedBytesStore)store;
            // A chunk's store covers file positions [start, capacity): capacity is where it ends in the file, not
            // its length. Advising from the base address by capacity would reach into whatever is mapped after it.
            final long start = mapped.addressForRead(mapped.start());
            final long length = mapped.capacity() - mapped.start();
            chunkEnd = start + length;
            // The page being written is present already: Chronicle wrote the entry's header there.
            presentUntil = (address & PAGE_MASK) + PAGE_SIZE;
            if (0 != PosixAPI.posix().madvise(start, length, MAdviseFlag.MADV_RANDOM))
            {
                refusals++;
            }
        }
    }
}
