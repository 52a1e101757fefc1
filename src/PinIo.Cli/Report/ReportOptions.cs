using System.Globalization;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Report;

/// <summary>
/// The job options that shape a job's report, as fio reads them: <c>group_reporting</c>,
/// <c>clat_percentiles</c> (default on), <c>lat_percentiles</c> (default off) and
/// <c>percentile_list</c> (sorted, printed with as many decimals as its most precise entry, at
/// least the default's two when the list is the default). Read from the text the job wrote, so
/// that the report honours these options whichever part of the option table defines them; an
/// option a job did not set keeps fio's default.
/// </summary>
internal sealed record ReportOptions
{
    public static readonly double[] DefaultPercentiles = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99];

    public bool GroupReporting { get; init; }

    public bool ClatPercentiles { get; init; } = true;

    public bool LatPercentiles { get; init; }

    /// <summary>Ascending, each in (0, 100].</summary>
    public IReadOnlyList<double> Percentiles { get; init; } = DefaultPercentiles;

    /// <summary>Decimals printed after a percentile (fio's percentile_precision).</summary>
    public int PercentilePrecision { get; init; } = 2;

    public static ReportOptions From(JobPlan plan)
    {
        IReadOnlyList<KeyValuePair<string, string>> written = plan.Options.Written;
        string? listText = Find(written, Opt.PercentileList.Name);
        double[] list = [.. plan.Get(Opt.PercentileList).Where(p => p > 0 && p <= 100).Order()];
        return new ReportOptions
        {
            GroupReporting = Flag(written, Opt.GroupReporting.Name, false),
            ClatPercentiles = Flag(written, Opt.ClatPercentiles.Name, true),
            LatPercentiles = Flag(written, Opt.LatPercentiles.Name, false),
            Percentiles = list,
            PercentilePrecision = listText is null ? 2 : Precision(listText),
        };
    }

    /// <summary>The most decimals any entry of a written percentile list has ("50:99.999" → 3).</summary>
    public static int Precision(string list)
    {
        int precision = 0;
        foreach (string entry in list.Split([':', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dot = entry.IndexOf('.', StringComparison.Ordinal);
            if (dot >= 0)
            {
                precision = Math.Max(precision, entry.Length - dot - 1);
            }
        }
        return Math.Min(precision, 6);
    }

    private static string? Find(IReadOnlyList<KeyValuePair<string, string>> written, string name)
    {
        for (int i = written.Count - 1; i >= 0; i--)
        {
            if (string.Equals(written[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return written[i].Value;
            }
        }
        return null;
    }

    private static bool Flag(IReadOnlyList<KeyValuePair<string, string>> written, string name, bool fallback)
    {
        string? text = Find(written, name);
        if (text is null)
        {
            return fallback;
        }
        string value = text.Trim().ToLowerInvariant();
        return value is not ("0" or "false" or "no" or "off") && !(long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n == 0);
    }
}
