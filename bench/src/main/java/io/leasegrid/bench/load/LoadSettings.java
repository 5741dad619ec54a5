package io.leasegrid.bench.load;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Settings of a harness run, each with a system-property override. The defaults run the full comparison in about
 * ten minutes on a 2-core machine.
 */
public final class LoadSettings
{
    public static final String WARMUP_PROP_NAME = "leasegrid.bench.warmup.s";
    public static final String DURATION_PROP_NAME = "leasegrid.bench.duration.s";
    public static final String WORKLOADS_PROP_NAME = "leasegrid.bench.workloads";
    public static final String SYSTEMS_PROP_NAME = "leasegrid.bench.systems";
    public static final String CONCURRENCY_PROP_NAME = "leasegrid.bench.concurrency";
    public static final String LEASE_RATES_PROP_NAME = "leasegrid.bench.lease.rates";
    public static final String PIPELINE_DEPTH_PROP_NAME = "leasegrid.bench.pipeline.depth";
    public static final String PIPELINE_CONCURRENCY_PROP_NAME = "leasegrid.bench.pipeline.concurrency";
    public static final String FIXED_RATE_PROP_NAME = "leasegrid.bench.fixed.rate";
    public static final String OPEN_LOOP_CLIENTS_PROP_NAME = "leasegrid.bench.open.clients";
    public static final String P99_BUDGET_PROP_NAME = "leasegrid.bench.p99.budget.us";
    public static final String OUTPUT_DIR_PROP_NAME = "leasegrid.bench.out";
    public static final String SUMMARY_FILE_PROP_NAME = "leasegrid.bench.summary";
    public static final String JMH_PROP_NAME = "leasegrid.bench.jmh";
    public static final String IDLE_STRATEGY_PROP_NAME = "leasegrid.bench.idle.strategy";
    public static final String REDIS_SERVER_PROP_NAME = "leasegrid.bench.redis.server";
    public static final String JVM_OPTIONS_PROP_NAME = "leasegrid.jvm.options";
    public static final String NODE_JVM_ARGS_PROP_NAME = "leasegrid.bench.node.jvm.args";

    final long warmupNs = TimeUnit.SECONDS.toNanos(Long.getLong(WARMUP_PROP_NAME, 2));
    final long durationNs = TimeUnit.SECONDS.toNanos(Long.getLong(DURATION_PROP_NAME, 5));
    final List<Workload> workloads = workloads(System.getProperty(WORKLOADS_PROP_NAME, "all"));
    final String systems = System.getProperty(SYSTEMS_PROP_NAME, "all");
    final int[] concurrency = ints(System.getProperty(CONCURRENCY_PROP_NAME, "1,4,16"));
    final int[] leaseRates = ints(System.getProperty(LEASE_RATES_PROP_NAME, "2000,5000,10000,20000"));
    final int pipelineDepth = Integer.getInteger(PIPELINE_DEPTH_PROP_NAME, 16);
    final int[] pipelineConcurrency = ints(System.getProperty(PIPELINE_CONCURRENCY_PROP_NAME, "1,4"));
    final int fixedRate = Integer.getInteger(FIXED_RATE_PROP_NAME, 5_000);
    final int openLoopClients = Integer.getInteger(OPEN_LOOP_CLIENTS_PROP_NAME, 16);
    final long p99BudgetUs = Long.getLong(P99_BUDGET_PROP_NAME, 1_000);
    final File outputDir = new File(System.getProperty(OUTPUT_DIR_PROP_NAME, "bench/results"));
    final File summaryFile = new File(System.getProperty(SUMMARY_FILE_PROP_NAME, "bench/RESULTS.md"));
    final boolean jmh = Boolean.parseBoolean(System.getProperty(JMH_PROP_NAME, "true"));
    final String idleStrategy = System.getProperty(IDLE_STRATEGY_PROP_NAME, "backoff");
    final String redisServer = System.getProperty(REDIS_SERVER_PROP_NAME, "redis-server");
    /** Extra flags for the node's JVM, space separated: a profiler, for example JFR. */
    final List<String> nodeJvmArgs = words(System.getProperty(NODE_JVM_ARGS_PROP_NAME, ""));

    /**
     * The points to measure, in order: each is run against every system that supports it, back to back, so the
     * systems see the same machine weather.
     */
    List<LoadPoint> plan()
    {
        final List<LoadPoint> points = new ArrayList<>();
        for (final Workload workload : workloads)
        {
            switch (workload)
            {
                case PING:
                    points.add(point(workload, 1, 0));
                    points.add(point(workload, 1, 2_000));
                    // The transport alone at the rate of the tail goal: what open loop costs before leasegrid does any work.
                    points.add(point(workload, 1, Report.HEADLINE_RATE));
                    break;
                case LEASE:
                    for (final int clients : concurrency)
                    {
                        points.add(point(workload, clients, 0));
                    }
                    for (final int rate : leaseRates)
                    {
                        points.add(point(workload, openLoopClients, rate));
                    }
                    for (final int clients : pipelineDepth > 1 ? pipelineConcurrency : new int[0])
                    {
                        points.add(new LoadPoint(workload, clients, 0, warmupNs, durationNs, pipelineDepth));
                    }
                    break;
                case CONTENDED_LEASE:
                    points.add(point(workload, openLoopClients, 0));
                    break;
                default:
                    points.add(point(workload, concurrency[concurrency.length / 2], 0));
                    points.add(point(workload, openLoopClients, fixedRate));
                    break;
            }
        }
        return points;
    }

    boolean includes(final String system)
    {
        return "all".equals(systems) || Arrays.asList(systems.split(",")).contains(system);
    }

    static String jvmOptionsFile()
    {
        final String path = System.getProperty(JVM_OPTIONS_PROP_NAME, "bin/jvm.options");
        if (!new File(path).isFile())
        {
            throw new IllegalStateException(JVM_OPTIONS_PROP_NAME + " must name bin/jvm.options: " + path);
        }
        return path;
    }

    String describe()
    {
        return "warmup " + TimeUnit.NANOSECONDS.toSeconds(warmupNs) + " s, measured " +
            TimeUnit.NANOSECONDS.toSeconds(durationNs) + " s per point; closed-loop concurrency " +
            Arrays.toString(concurrency) + "; lease open-loop rates " + Arrays.toString(leaseRates) + " ops/s with " +
            openLoopClients + " clients; lease pipelined " + pipelineDepth + " deep with " +
            Arrays.toString(pipelineConcurrency) + " clients, closed loop; other workloads open loop at " + fixedRate + " ops/s; p99 budget " +
            p99BudgetUs + " us; idle strategy " + idleStrategy;
    }

    private LoadPoint point(final Workload workload, final int clients, final long rate)
    {
        return new LoadPoint(workload, clients, rate, warmupNs, durationNs);
    }

    private static List<Workload> workloads(final String names)
    {
        if ("all".equals(names))
        {
            return List.of(Workload.values());
        }
        final List<Workload> workloads = new ArrayList<>();
        for (final String name : names.split(","))
        {
            workloads.add(Workload.valueOf(name.trim().toUpperCase().replace('-', '_')));
        }
        return workloads;
    }

    private static List<String> words(final String text)
    {
        final List<String> words = new ArrayList<>();
        for (final String word : text.trim().split("\\s+"))
        {
            if (!word.isEmpty())
            {
                words.add(word);
            }
        }
        return words;
    }

    private static int[] ints(final String list)
    {
        return list.isBlank() ? new int[0] :
            Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }
}
