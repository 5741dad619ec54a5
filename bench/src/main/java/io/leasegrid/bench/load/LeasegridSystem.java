package io.leasegrid.bench.load;

import io.leasegrid.client.GridClient;
import io.leasegrid.client.Lease;
import io.leasegrid.client.LeaseRequest;
import io.leasegrid.codec.IdleStrategies;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * leasegrid driven through the allocation-free callback path of one shared {@link GridClient} (one client per
 * process, as an application would run it), over UDP or IPC. Each client thread waits for its answer with the
 * run's idle strategy.
 */
final class LeasegridSystem implements SystemUnderTest
{
    private static final long ANSWER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int OWN_RESOURCES = LoadPoint.MAX_DEPTH;

    private final String name;
    private final String mode;
    private final GridClient client;
    private final String idleStrategy;
    private final long[] publisherTokens = new long[Workload.SYMBOLS];
    private final LeaseRequest uncontended = LeaseRequest.exclusive(Duration.ofSeconds(30));
    private final LeaseRequest contended = LeaseRequest.exclusive(Duration.ofSeconds(30)).waitTimeout(Duration.ofSeconds(1));
    // Read-only names shared by every client thread.
    private final UnsafeBuffer[] priceKeys = new UnsafeBuffer[Workload.SYMBOLS];
    private final UnsafeBuffer[] feedResources = new UnsafeBuffer[Workload.SYMBOLS];
    private boolean publishersHeld;
    private boolean pricesLoaded;

    LeasegridSystem(final String name, final String mode, final GridClient client, final String idleStrategy)
    {
        this.name = name;
        this.mode = mode;
        this.client = client;
        this.idleStrategy = idleStrategy;
        for (int symbol = 0; symbol < Workload.SYMBOLS; symbol++)
        {
            priceKeys[symbol] = ascii(priceKey(symbol));
            feedResources[symbol] = ascii(feedResource(symbol));
        }
    }

    public String name()
    {
        return name;
    }

    public String mode()
    {
        return mode;
    }

    public boolean supports(final Workload workload, final int concurrency)
    {
        return Workload.PING != workload;
    }

    public void prepare(final Workload workload)
    {
        if ((Workload.FENCED_PUT == workload || Workload.MIXED == workload) && !publishersHeld)
        {
            // The price publisher holds one lease per symbol for the whole run; its puts are fenced by the tokens.
            for (int symbol = 0; symbol < Workload.SYMBOLS; symbol++)
            {
                final Lease lease = client.acquire(feedResource(symbol), LeaseRequest.exclusive(Duration.ofHours(1)));
                publisherTokens[symbol] = lease.fencingToken();
            }
            publishersHeld = true;
        }
        if ((Workload.GET == workload || Workload.MIXED == workload) && !pricesLoaded)
        {
            final byte[] value = new byte[Workload.VALUE_LENGTH];
            for (int symbol = 0; symbol < Workload.SYMBOLS; symbol++)
            {
                client.put(priceKey(symbol), value);
            }
            pricesLoaded = true;
        }
    }

    public Worker worker(final Workload workload, final int index)
    {
        return new LeasegridWorker(index, workload);
    }

    public void close()
    {
        client.close();
    }

    /**
     * The publisher lease of a symbol: tagged like its price key so both live in one partition (fencing needs
     * that), and named per system because the UDP and IPC systems publish through different sessions.
     */
    private String feedResource(final int symbol)
    {
        return "{" + Workload.symbolName(symbol) + "}.feed." + name;
    }

    static String priceKey(final int symbol)
    {
        return "{" + Workload.symbolName(symbol) + "}.px";
    }

    private static UnsafeBuffer ascii(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private final class LeasegridWorker implements Worker
    {
        private final int index;
        private final Workload workload;
        private final UnsafeBuffer[] ownResources = new UnsafeBuffer[OWN_RESOURCES];
        private final UnsafeBuffer hotResource;
        private final UnsafeBuffer value = new UnsafeBuffer(new byte[Workload.VALUE_LENGTH]);
        private final Answer answer = new Answer(IdleStrategies.named(idleStrategy));
        private final Answer[] batch = new Answer[LoadPoint.MAX_DEPTH];
        private final long[] batchIds = new long[LoadPoint.MAX_DEPTH];

        LeasegridWorker(final int index, final Workload workload)
        {
            this.index = index;
            this.workload = workload;
            for (int i = 0; i < OWN_RESOURCES; i++)
            {
                ownResources[i] = ascii("bench:" + index + ":" + i);
            }
            hotResource = ascii("hot:" + (index % Workload.HOT_RESOURCES));
            for (int i = 0; i < batch.length; i++)
            {
                batch[i] = new Answer(IdleStrategies.named(idleStrategy));
            }
        }

        /**
         * Pipelined leases: every acquire of the batch sent at once on the callback path, then every release as
         * the grants are in (a release names the lease id its grant carried, so it cannot leave before it).
         */
        public int executeBatch(final long firstSequence, final int depth) throws Exception
        {
            if (Workload.LEASE != workload)
            {
                return Worker.super.executeBatch(firstSequence, depth);
            }
            for (int i = 0; i < depth; i++)
            {
                final UnsafeBuffer resource = ownResources[(int)((firstSequence + i) % OWN_RESOURCES)];
                batch[i].reset();
                batchIds[i] = client.acquire(resource, 0, resource.capacity(), uncontended, batch[i]);
            }
            int granted = 0;
            for (int i = 0; i < depth; i++)
            {
                final Answer grant = batch[i];
                if (grant.await(client, ANSWER_TIMEOUT_NS, batchIds[i]))
                {
                    granted++;
                    grant.reset();
                    batchIds[i] = client.release(grant.leaseId, grant);
                }
                else
                {
                    grant.leaseId = 0;
                }
            }
            int released = 0;
            for (int i = 0; i < depth && granted > 0; i++)
            {
                if (0 != batch[i].leaseId && batch[i].await(client, ANSWER_TIMEOUT_NS, batchIds[i]))
                {
                    released++;
                }
            }
            return released;
        }

        public boolean execute(final long sequence)
        {
            switch (Workload.MIXED == workload ? Workload.mixedStep(sequence) : workload)
            {
                case LEASE:
                    return lease(ownResources[(int)(sequence % OWN_RESOURCES)], uncontended);
                case CONTENDED_LEASE:
                    return lease(hotResource, contended);
                case FENCED_PUT:
                    return fencedPut(Workload.symbol(index, sequence), sequence);
                case GET:
                    return get(Workload.symbol(index, sequence));
                default:
                    throw new IllegalStateException("leasegrid has no " + workload + " workload");
            }
        }

        private boolean lease(final UnsafeBuffer resource, final LeaseRequest request)
        {
            answer.reset();
            final long acquireId = client.acquire(resource, 0, resource.capacity(), request, answer);
            if (!answer.await(client, ANSWER_TIMEOUT_NS + request.waitTimeout().toNanos(), acquireId))
            {
                return false;
            }
            answer.reset();
            return answer.await(client, ANSWER_TIMEOUT_NS, client.release(answer.leaseId, answer));
        }

        private boolean fencedPut(final int symbol, final long sequence)
        {
            answer.reset();
            value.putLong(0, sequence);
            final UnsafeBuffer key = priceKeys[symbol];
            final UnsafeBuffer feed = feedResources[symbol];
            return answer.await(client, ANSWER_TIMEOUT_NS, client.fencedPut(key, 0, key.capacity(), feed, 0,
                feed.capacity(), publisherTokens[symbol], value, 0, value.capacity(), answer));
        }

        private boolean get(final int symbol)
        {
            answer.reset();
            final UnsafeBuffer key = priceKeys[symbol];
            return answer.await(client, ANSWER_TIMEOUT_NS, client.get(key, 0, key.capacity(), answer));
        }
    }
}
