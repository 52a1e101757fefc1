using System.Diagnostics;
using System.Globalization;
using System.Text;
using PinIo.Cli.Report;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Plot;

/// <summary>One histogram of the picture: a job (or a group-reported block) in one direction.</summary>
internal sealed record PlotSeries(string Job, string Direction, LatencyHistogram Histogram)
{
    public string Label => $"{Job} {Direction}";

    /// <summary>The series of the report's blocks: each block's read and write completion latencies that have samples.</summary>
    public static IReadOnlyList<PlotSeries> From(IReadOnlyList<ThreadStat> blocks)
    {
        var series = new List<PlotSeries>();
        foreach (ThreadStat block in blocks)
        {
            string job = block.Members.Count > 1 ? $"{block.Name} ({block.Members.Count} jobs)" : block.Name;
            foreach (IoDir dir in IoDirs.All)
            {
                LatencyHistogram histogram = block.Stats[dir].ClatHistogram;
                if (histogram.Count > 0)
                {
                    series.Add(new PlotSeries(job, IoDirs.Name(dir), histogram));
                }
            }
        }
        return series;
    }
}

/// <summary>
/// <c>--lat-plot FILE</c>: the completion-latency distribution as a picture. Each job and
/// direction is one series: its latency histogram regrouped into 20 bins a decade on a log
/// latency axis, drawn as a filled step outline, the height of a bin the share of the series'
/// I/Os in it, so that series of different sizes compare; p50, p99 and p99.9 are marked with
/// dashed lines in the series' colour and named in the legend. Under it, on the same latency
/// axis, a tail panel draws each series' share of I/Os slower than each latency on a log
/// scale, where the rare slow completions that a histogram flattens to nothing show. The SVG is written by hand (no
/// dependency); a <c>.png</c> name is rendered from it with <c>rsvg-convert</c> when that
/// program is installed.
/// </summary>
internal static class LatencyPlot
{
    public const int BinsPerDecade = 20;
    public static readonly double[] MarkedPercentiles = [50, 99, 99.9];

    private const int Width = 1120;
    private const int Height = 800;
    private const double Left = 84;

    /// <summary>The column right of the plot that holds the legend, so that it hides no bar and no mark.</summary>
    private const double Right = 336;
    private const double Top = 78;

    /// <summary>Bottom of the histogram's plot area.</summary>
    private const double MainBottom = 430;

    /// <summary>The tail panel (share of I/Os slower than a latency, log scale) under the histogram.</summary>
    private const double TailTop = 482;
    private const double TailBottom = 724;
    private const string Font = "DejaVu Sans, Helvetica, Arial, sans-serif";

    private static readonly string[] s_palette = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"];
    private static readonly string[] s_dashes = ["6,4", "2,3", "10,3,2,3"];

    /// <summary>Writes the picture of <paramref name="blocks"/> to <paramref name="path"/> (.svg, or .png through rsvg-convert).</summary>
    public static void Write(string path, IReadOnlyList<ThreadStat> blocks)
    {
        string svg = Svg(PlotSeries.From(blocks));
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            File.WriteAllText(path, svg, new UTF8Encoding(false));
            return;
        }
        string temp = Path.Combine(Path.GetTempPath(), $"pinio-plot-{Environment.ProcessId}-{Guid.NewGuid():N}.svg");
        try
        {
            File.WriteAllText(temp, svg, new UTF8Encoding(false));
            RenderPng(temp, path);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The SVG document for <paramref name="series"/>.</summary>
    public static string Svg(IReadOnlyList<PlotSeries> series)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"{Font}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"34\" font-size=\"20\" font-weight=\"bold\" fill=\"#222\">Completion latency (clat)</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"56\" font-size=\"12.5\" fill=\"#666\">{Escape($"pinio · share of each series' I/Os per bin ({BinsPerDecade} bins a decade) · dashed lines: p50, p99, p99.9")}</text>\n");
        if (series.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" font-size=\"16\" fill=\"#666\" text-anchor=\"middle\">no I/O completed</text>\n</svg>\n");
            return svg.ToString();
        }

        (double lo, double hi) = Range(series);
        var binned = series.Select(s => Bin(s.Histogram, lo, hi)).ToList();
        double peak = binned.Max(b => b.Max());
        double yMax = NiceCeiling(peak * 1.08);
        double plotW = Width - Left - Right;
        double plotH = MainBottom - Top;
        double X(double ns) => Left + ((Math.Log10(ns) - lo) / (hi - lo) * plotW);
        double Y(double percent) => Top + plotH - (percent / yMax * plotH);

        WriteAxes(svg, lo, hi, yMax, X, Y);
        for (int i = 0; i < series.Count; i++)
        {
            WriteSeries(svg, series[i], binned[i], lo, i, X, Y);
        }
        WriteTail(svg, series, lo, hi, X);
        WriteLegend(svg, series);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The log10 latency range to show: the decades' 1-2-5 steps around every sample of every series.</summary>
    public static (double Lo, double Hi) Range(IReadOnlyList<PlotSeries> series)
    {
        long min = long.MaxValue;
        long max = 0;
        foreach (PlotSeries s in series)
        {
            for (int b = 0; b < LatencyHistogram.BucketCount; b++)
            {
                if (s.Histogram[b] > 0)
                {
                    min = Math.Min(min, Math.Max(1, LatencyHistogram.LowerBound(b)));
                    max = Math.Max(max, LatencyHistogram.UpperBound(b));
                }
            }
        }
        double lo = StepBelow(min);
        double hi = StepAbove(Math.Max(max, min + 1));
        if (hi - lo < 1)
        {
            hi = lo + 1;
        }
        return (lo, hi);
    }

    /// <summary>Percent of the histogram's samples in each display bin between 10^lo and 10^hi.</summary>
    public static double[] Bin(LatencyHistogram histogram, double lo, double hi)
    {
        int bins = (int)Math.Round((hi - lo) * BinsPerDecade);
        var shares = new double[bins];
        if (histogram.Count == 0)
        {
            return shares;
        }
        for (int b = 0; b < LatencyHistogram.BucketCount; b++)
        {
            long count = histogram[b];
            if (count == 0)
            {
                continue;
            }
            double at = Math.Log10(Math.Max(1, LatencyHistogram.ValueOf(b)));
            int bin = Math.Clamp((int)Math.Floor((at - lo) * BinsPerDecade), 0, bins - 1);
            shares[bin] += count * 100.0 / histogram.Count;
        }
        return shares;
    }

    /// <summary>"850 ns", "84.5 µs", "3.46 ms", "1.20 s": three significant digits in the unit that fits.</summary>
    public static string Latency(double ns)
    {
        (double value, string unit) = ns switch
        {
            < 1e3 => (ns, "ns"),
            < 1e6 => (ns / 1e3, "µs"),
            < 1e9 => (ns / 1e6, "ms"),
            _ => (ns / 1e9, "s"),
        };
        string text = value >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture)
            : value >= 10 ? value.ToString("F1", CultureInfo.InvariantCulture)
            : value.ToString("F2", CultureInfo.InvariantCulture);
        return $"{text} {unit}";
    }

    private static void WriteAxes(StringBuilder svg, double lo, double hi, double yMax, Func<double, double> x, Func<double, double> y)
    {
        double bottom = y(0);
        double top = y(yMax);
        double left = x(Math.Pow(10, lo));
        double right = x(Math.Pow(10, hi));
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(left)}\" y=\"{F(top)}\" width=\"{F(right - left)}\" height=\"{F(bottom - top)}\" fill=\"#fafafa\" stroke=\"none\"/>\n");
        svg.Append("<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
        double yStep = yMax / 5;
        for (int i = 1; i <= 5; i++)
        {
            double yy = y(i * yStep);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left)}\" y1=\"{F(yy)}\" x2=\"{F(right)}\" y2=\"{F(yy)}\"/>\n");
        }
        List<(double Ns, bool Major)> ticks = XTicks(lo, hi);
        foreach ((double ns, bool major) in ticks)
        {
            double xx = x(ns);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(xx)}\" y1=\"{F(top)}\" x2=\"{F(xx)}\" y2=\"{F(bottom)}\"{(major ? "" : " stroke=\"#efefef\"")}/>\n");
        }
        svg.Append("</g>\n");
        svg.Append("<g class=\"axes\" stroke=\"#444\" stroke-width=\"1.2\" fill=\"none\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left)}\" y1=\"{F(bottom)}\" x2=\"{F(right)}\" y2=\"{F(bottom)}\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left)}\" y1=\"{F(top)}\" x2=\"{F(left)}\" y2=\"{F(bottom)}\"/>\n");
        svg.Append("</g>\n");
        svg.Append("<g class=\"ticks\" font-size=\"12\" fill=\"#333\">\n");
        bool labelMinor = hi - lo <= 3.01;
        foreach ((double ns, bool major) in ticks)
        {
            double xx = x(ns);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(xx)}\" y1=\"{F(bottom)}\" x2=\"{F(xx)}\" y2=\"{F(bottom + (major ? 6 : 3))}\" stroke=\"#444\"/>\n");
            if (major || labelMinor)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(xx)}\" y=\"{F(bottom + 20)}\" text-anchor=\"middle\"{(major ? "" : " fill=\"#777\"")}>{Escape(TickLabel(ns))}</text>\n");
            }
        }
        for (int i = 0; i <= 5; i++)
        {
            double value = i * yStep;
            double yy = y(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left - 5)}\" y1=\"{F(yy)}\" x2=\"{F(left)}\" y2=\"{F(yy)}\" stroke=\"#444\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left - 9)}\" y=\"{F(yy + 4)}\" text-anchor=\"end\">{Escape(Percent(value, yStep))}</text>\n");
        }
        svg.Append("</g>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(24 {F((top + bottom) / 2)}) rotate(-90)\" font-size=\"14\" fill=\"#222\" text-anchor=\"middle\">I/Os in bin (% of the series)</text>\n");
    }

    private static void WriteSeries(StringBuilder svg, PlotSeries s, double[] shares, double lo, int index, Func<double, double> x, Func<double, double> y)
    {
        string color = s_palette[index % s_palette.Length];
        double baseY = y(0);
        var outline = new StringBuilder();
        int first = Array.FindIndex(shares, v => v > 0);
        int last = Array.FindLastIndex(shares, v => v > 0);
        double Edge(int bin) => x(Math.Pow(10, lo + ((double)bin / BinsPerDecade)));
        outline.Append(CultureInfo.InvariantCulture, $"M{F(Edge(first))},{F(baseY)}");
        for (int b = first; b <= last; b++)
        {
            double yy = y(shares[b]);
            outline.Append(CultureInfo.InvariantCulture, $" L{F(Edge(b))},{F(yy)} L{F(Edge(b + 1))},{F(yy)}");
        }
        outline.Append(CultureInfo.InvariantCulture, $" L{F(Edge(last + 1))},{F(baseY)}");
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-job=\"{Escape(s.Job)}\" data-dir=\"{s.Direction}\" data-ios=\"{s.Histogram.Count}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{outline} Z\" fill=\"{color}\" fill-opacity=\"0.22\" stroke=\"none\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{outline}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>\n");
        long[] marks = s.Histogram.Percentiles(MarkedPercentiles);
        double top = Top;
        double lastLabelEnd = double.MinValue;
        double drop = 0;
        for (int m = 0; m < marks.Length; m++)
        {
            double xx = x(Math.Max(1, marks[m]));
            string name = PercentileName(MarkedPercentiles[m]);
            // A label that would run into the one before it goes a little lower.
            drop = xx + 3 < lastLabelEnd ? drop + 11 : 0;
            double labelY = top + 12 + (index * 14) + drop;
            lastLabelEnd = xx + 3 + (name.Length * 6.5);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"percentile\" data-p=\"{name}\" x1=\"{F(xx)}\" y1=\"{F(baseY)}\" x2=\"{F(xx)}\" y2=\"{F(labelY + 2)}\" stroke=\"{color}\" stroke-width=\"1.3\" stroke-dasharray=\"{s_dashes[m % s_dashes.Length]}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(xx + 3)}\" y=\"{F(labelY)}\" font-size=\"11\" fill=\"{color}\">{name}</text>\n");
        }
        svg.Append("</g>\n");
    }

    /// <summary>
    /// The tail panel: for each series the share of its I/Os slower than each latency, on a log
    /// scale from 100% down past one I/O, so that the rare slow completions the histogram
    /// cannot show have a height; where a series crosses the 50%, 1% and 0.1% guides are its
    /// p50, p99 and p99.9.
    /// </summary>
    private static void WriteTail(StringBuilder svg, IReadOnlyList<PlotSeries> series, double lo, double hi, Func<double, double> x)
    {
        long most = series.Max(s => s.Histogram.Count);
        double floorExp = Math.Min(-2, Math.Floor(Math.Log10(100.0 / most)));
        double top = TailTop;
        double bottom = TailBottom;
        double Y(double percent) => top + ((2 - Math.Log10(Math.Max(percent, Math.Pow(10, floorExp)))) / (2 - floorExp) * (bottom - top));
        double left = x(Math.Pow(10, lo));
        double right = x(Math.Pow(10, hi));

        svg.Append("<g class=\"tail\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(left)}\" y=\"{F(top)}\" width=\"{F(right - left)}\" height=\"{F(bottom - top)}\" fill=\"#fafafa\" stroke=\"none\"/>\n");
        List<(double Ns, bool Major)> ticks = XTicks(lo, hi);
        foreach ((double ns, bool major) in ticks)
        {
            double xx = x(ns);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(xx)}\" y1=\"{F(top)}\" x2=\"{F(xx)}\" y2=\"{F(bottom)}\" stroke=\"{(major ? "#e3e3e3" : "#efefef")}\"/>\n");
        }
        for (double e = 2; e >= floorExp; e--)
        {
            double yy = Y(Math.Pow(10, e));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left - 5)}\" y1=\"{F(yy)}\" x2=\"{F(right)}\" y2=\"{F(yy)}\" stroke=\"#e3e3e3\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left - 9)}\" y=\"{F(yy + 4)}\" font-size=\"12\" fill=\"#333\" text-anchor=\"end\">{Escape(Math.Pow(10, e).ToString("0.#########", CultureInfo.InvariantCulture))}%</text>\n");
        }
        for (int m = 0; m < MarkedPercentiles.Length; m++)
        {
            double yy = Y(100 - MarkedPercentiles[m]);
            string name = PercentileName(MarkedPercentiles[m]);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"guide\" data-p=\"{name}\" x1=\"{F(left)}\" y1=\"{F(yy)}\" x2=\"{F(right)}\" y2=\"{F(yy)}\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"{s_dashes[m % s_dashes.Length]}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(right - 4)}\" y=\"{F(yy - 4)}\" font-size=\"11\" fill=\"#777\" text-anchor=\"end\">{name}</text>\n");
        }
        for (int i = 0; i < series.Count; i++)
        {
            LatencyHistogram h = series[i].Histogram;
            string color = s_palette[i % s_palette.Length];
            var path = new StringBuilder();
            long done = 0;
            bool started = false;
            for (int b = 0; b < LatencyHistogram.BucketCount && done < h.Count; b++)
            {
                if (h[b] == 0)
                {
                    continue;
                }
                if (!started)
                {
                    path.Append(CultureInfo.InvariantCulture, $"M{F(x(Math.Max(1, LatencyHistogram.LowerBound(b))))},{F(Y(100))}");
                    started = true;
                }
                done += h[b];
                double slower = (h.Count - done) * 100.0 / h.Count;
                path.Append(CultureInfo.InvariantCulture, $" H{F(x(LatencyHistogram.UpperBound(b)))} V{F(done == h.Count ? bottom : Y(slower))}");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"exceedance\" data-job=\"{Escape(series[i].Job)}\" data-dir=\"{series[i].Direction}\" d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left)}\" y1=\"{F(bottom)}\" x2=\"{F(right)}\" y2=\"{F(bottom)}\" stroke=\"#444\" stroke-width=\"1.2\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left)}\" y1=\"{F(top)}\" x2=\"{F(left)}\" y2=\"{F(bottom)}\" stroke=\"#444\" stroke-width=\"1.2\"/>\n");
        bool labelMinor = hi - lo <= 3.01;
        foreach ((double ns, bool major) in ticks)
        {
            double xx = x(ns);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(xx)}\" y1=\"{F(bottom)}\" x2=\"{F(xx)}\" y2=\"{F(bottom + (major ? 6 : 3))}\" stroke=\"#444\"/>\n");
            if (major || labelMinor)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(xx)}\" y=\"{F(bottom + 20)}\" font-size=\"12\" text-anchor=\"middle\" fill=\"{(major ? "#333" : "#777")}\">{Escape(TickLabel(ns))}</text>\n");
            }
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + 8)}\" y=\"{F(top - 10)}\" font-size=\"13\" fill=\"#444\">{Escape("Tail: share of I/Os slower than each latency (log scale)")}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(24 {F((top + bottom) / 2)}) rotate(-90)\" font-size=\"14\" fill=\"#222\" text-anchor=\"middle\">I/Os slower</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F((left + right) / 2)}\" y=\"{Height - 26}\" font-size=\"14\" fill=\"#222\" text-anchor=\"middle\">completion latency (log scale)</text>\n");
        svg.Append("</g>\n");
    }

    private static void WriteLegend(StringBuilder svg, IReadOnlyList<PlotSeries> series)
    {
        double left = Width - Right + 18;
        double width = Right - 36;
        double top = Top;
        double rowHeight = 40;
        double keyTop = top + 14 + (series.Count * rowHeight);
        double height = keyTop - top + 70;
        svg.Append("<g class=\"legend\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(left)}\" y=\"{F(top)}\" width=\"{F(width)}\" height=\"{F(height)}\" rx=\"6\" fill=\"#ffffff\" stroke=\"#d0d0d0\"/>\n");
        for (int i = 0; i < series.Count; i++)
        {
            PlotSeries s = series[i];
            string color = s_palette[i % s_palette.Length];
            long[] marks = s.Histogram.Percentiles(MarkedPercentiles);
            string title = $"{Shorten(s.Label, 30)} · {Count(s.Histogram.Count)} I/Os";
            string detail = string.Join(" · ", MarkedPercentiles.Select((p, m) => $"{PercentileName(p)} {Latency(marks[m])}"));
            double yy = top + 24 + (i * rowHeight);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(left + 12)}\" y=\"{F(yy - 11)}\" width=\"14\" height=\"14\" fill=\"{color}\" fill-opacity=\"0.35\" stroke=\"{color}\" stroke-width=\"1.5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + 34)}\" y=\"{F(yy + 1)}\" font-size=\"13\" fill=\"#222\">{Escape(title)}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + 34)}\" y=\"{F(yy + 17)}\" font-size=\"11\" fill=\"#555\">{Escape(detail)}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left + 12)}\" y1=\"{F(keyTop)}\" x2=\"{F(left + width - 12)}\" y2=\"{F(keyTop)}\" stroke=\"#e3e3e3\"/>\n");
        for (int m = 0; m < MarkedPercentiles.Length; m++)
        {
            double x = left + 14 + (m * 82);
            double y = keyTop + 22;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(y - 4)}\" x2=\"{F(x + 26)}\" y2=\"{F(y - 4)}\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"{s_dashes[m % s_dashes.Length]}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 31)}\" y=\"{F(y)}\" font-size=\"11\" fill=\"#555\">{PercentileName(MarkedPercentiles[m])}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + 14)}\" y=\"{F(keyTop + 44)}\" font-size=\"11\" fill=\"#777\">{Escape("p99: 99% of the series' I/Os completed")}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + 14)}\" y=\"{F(keyTop + 58)}\" font-size=\"11\" fill=\"#777\">{Escape("within that latency")}</text>\n");
        svg.Append("</g>\n");
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static List<(double Ns, bool Major)> XTicks(double lo, double hi)
    {
        var ticks = new List<(double, bool)>();
        for (int decade = (int)Math.Floor(lo); decade <= (int)Math.Ceiling(hi); decade++)
        {
            foreach (int step in (int[])[1, 2, 5])
            {
                double ns = step * Math.Pow(10, decade);
                double at = Math.Log10(ns);
                if (at >= lo - 1e-9 && at <= hi + 1e-9)
                {
                    ticks.Add((ns, step == 1));
                }
            }
        }
        return ticks;
    }

    private static string TickLabel(double ns) => ns switch
    {
        < 1e3 => $"{ns:0} ns",
        < 1e6 => $"{ns / 1e3:0} µs",
        < 1e9 => $"{ns / 1e6:0} ms",
        _ => $"{ns / 1e9:0} s",
    };

    private static double StepBelow(double ns)
    {
        double decade = Math.Floor(Math.Log10(ns));
        double mantissa = ns / Math.Pow(10, decade);
        double step = mantissa >= 5 ? 5 : mantissa >= 2 ? 2 : 1;
        return Math.Log10(step) + decade;
    }

    private static double StepAbove(double ns)
    {
        double decade = Math.Floor(Math.Log10(ns));
        double mantissa = ns / Math.Pow(10, decade);
        double step = mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10;
        return Math.Log10(step) + decade;
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double step in (double[])[1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static string Percent(double value, double step) =>
        (step >= 1 ? value.ToString("0", CultureInfo.InvariantCulture) : step >= 0.1 ? value.ToString("0.0", CultureInfo.InvariantCulture) : value.ToString("0.00", CultureInfo.InvariantCulture)) + "%";

    private static string PercentileName(double p) => "p" + p.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Count(long n) => n switch
    {
        >= 10_000_000 => (n / 1e6).ToString("0", CultureInfo.InvariantCulture) + "M",
        >= 1_000_000 => (n / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (n / 1e3).ToString("0", CultureInfo.InvariantCulture) + "k",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);

    private static void RenderPng(string svgPath, string pngPath)
    {
        var start = new ProcessStartInfo("rsvg-convert")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--format=png", "--zoom=2", "--output", pngPath, svgPath])
        {
            start.ArgumentList.Add(arg);
        }
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new NotSupportedException("a .png picture is rendered from the SVG by rsvg-convert, which is not installed (apt-get install librsvg2-bin); ask for a .svg instead");
        }
        using (process)
        {
            string error = process!.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new IOException($"rsvg-convert failed: {error.Trim()}");
            }
        }
    }
}
