package io.leasegrid.bench.load;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * A short JMH pass with the GC profiler over the end-to-end round trips and the shard and codec hot paths, so
 * the report shows allocation per operation next to the load figures. Short on purpose: the dedicated
 * {@code bin/leasegrid jmh} runs are the precise ones.
 */
final class JmhFigures
{
    private JmhFigures()
    {
    }

    static List<String> run() throws Exception
    {
        final Options options = new OptionsBuilder()
            .include("io.leasegrid.bench.ClientRoundTripBenchmark")
            .include("io.leasegrid.bench.CodecBenchmark")
            .include("io.leasegrid.bench.ShardBenchmark")
            .param("liveLeases", "10000")
            .addProfiler(GCProfiler.class)
            .forks(1)
            .warmupIterations(2)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(3)
            .measurementTime(TimeValue.seconds(1))
            .build();
        final Collection<RunResult> results = new Runner(options).run();
        final List<String> rows = new ArrayList<>();
        for (final RunResult result : results)
        {
            final Result<?> primary = result.getPrimaryResult();
            final Result<?> allocated = result.getSecondaryResults().get("gc.alloc.rate.norm");
            final String params = result.getParams().getParamsKeys().isEmpty() ? "" :
                " " + result.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + result.getParams().getParam(k)).toList();
            rows.add(String.format(Locale.ROOT, "| %s%s | %.1f | %.1f | %s | %s |",
                result.getParams().getBenchmark().replace("io.leasegrid.bench.", ""), params, primary.getScore(),
                primary.getScoreError(), primary.getScoreUnit(),
                null == allocated ? "-" : String.format(Locale.ROOT, "%.2f", allocated.getScore())));
        }
        return rows;
    }
}
