package io.leasegrid.bench.load;

import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A latency-by-percentile plot of several systems at one point, as a PNG: the x axis spreads the tail
 * (1/(1-p): 10 is p90, 100 is p99, 1000 is p99.9), both axes logarithmic.
 */
final class PercentilePlot
{
    private static final double MAX_X = 1e5;

    private PercentilePlot()
    {
    }

    static void write(final String title, final List<RunResult> results, final File png) throws IOException
    {
        final XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
            .xAxisTitle("percentile, as 1/(1-p): 2 = p50, 10 = p90, 100 = p99, 1000 = p99.9, 10000 = p99.99")
            .yAxisTitle("latency (microseconds)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (final RunResult result : results)
        {
            if (0 == result.histogram().getTotalCount())
            {
                continue;
            }
            final List<Double> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (final HistogramIterationValue value : result.histogram().percentiles(5))
            {
                final double percentile = value.getPercentileLevelIteratedTo();
                final double spread = 1.0 / (1.0 - Math.min(percentile / 100.0, 1.0 - 1.0 / MAX_X));
                x.add(spread);
                y.add(Math.max(0.1, value.getValueIteratedTo() / 1_000.0));
            }
            chart.addSeries(result.system() + (result.saturated() ? " (saturated)" : ""), x, y)
                .setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, png.getPath(), BitmapEncoder.BitmapFormat.PNG);
    }
}
