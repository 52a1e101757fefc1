using System.CommandLine;
using System.Diagnostics;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;
using PinIo.Cli.Jobs;
using static System.FormattableString;
using PinIo.Cli.Options;
using PinIo.Cli.Plot;
using PinIo.Cli.Progress;
using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;

namespace PinIo.Cli;

/// <summary>
/// <c>pinio</c>: fio's command line over PinIo. System.CommandLine parses the program switches
/// (<c>--help</c>, <c>--version</c>, <c>--output-format</c>, <c>--minimal</c>, <c>--output</c>,
/// <c>--eta</c>, <c>--lat-plot</c>); every
/// other token is a job option and goes, in order, to <see cref="CommandLineJobs"/>, because
/// fio's job grammar depends on the order of its options (see there). Exit status: 0, or 1 for
/// a bad option, a failed I/O or a verification mismatch.
/// </summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args, Console.Out, Console.Error, stdoutIsTerminal: !Console.IsOutputRedirected);

    /// <summary>Runs pinio with <paramref name="args"/>, writing the report to <paramref name="stdout"/> (or <c>--output</c>).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, stdoutIsTerminal: false);

    /// <summary>
    /// As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="stdoutIsTerminal"/> says whether --eta=auto shows
    /// the progress line; <paramref name="stop"/> stops the run as SIGINT does (without it, SIGINT and SIGTERM do).
    /// </summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool stdoutIsTerminal, RunStop? stop = null)
    {
        if (args.Length > 0 && args[0] == Fsx.FsxCommand.Name)
        {
            return Fsx.FsxCommand.Run(args[1..], stdout, stderr);
        }
        if (args.Length > 0 && args[0] == Peak.PeakCommand.Name)
        {
            return Peak.PeakCommand.Run(args[1..], stdout, stderr);
        }
        long programStart = Stopwatch.GetTimestamp();
        var format = new Option<string>("--output-format")
        {
            Description = "Report format: normal, json, json+ or terse, or several separated by commas (normal,json)",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "normal",
        };
        format.Validators.Add(result =>
        {
            string text = result.GetValueOrDefault<string>() ?? "";
            if (!ReportContext.TryParseFormats(text, out _, out string? bad))
            {
                result.AddError($"pinio: unknown output format '{bad ?? text}' (use normal, json, json+ or terse, comma-separated)");
            }
        });
        var minimal = new Option<bool>("--minimal") { Description = "Terse output: fio's semicolon-separated terse line (version 3) per job" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the report to FILE instead of standard output", HelpName = "FILE" };
        var eta = new Option<string>("--eta")
        {
            Description = "Live progress line: auto (when standard output is a terminal), always or never",
            DefaultValueFactory = _ => "auto",
        };
        eta.AcceptOnlyFromAmong("auto", "always", "never");
        var latPlot = new Option<FileInfo?>("--lat-plot")
        {
            Description = "Draw the completion-latency distribution (one series per job and direction, p50/p99/p99.9 marked) in FILE: .svg, or .png (rendered by rsvg-convert)",
            HelpName = "FILE",
        };
        var root = new RootCommand(HelpText()) { format, minimal, output, eta, latPlot };
        root.TreatUnmatchedTokensAsErrors = false;
        foreach (Option option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersion();
            }
        }

        ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Action is ParseErrorAction parseError)
        {
            // fio answers a bad switch with one line, not the whole help.
            parseError.ShowHelp = false;
        }
        if (parse.Action is not null || parse.Errors.Count > 0)
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }
        try
        {
            JobSet set = CommandLineJobs.Parse(parse.UnmatchedTokens, MainJob.Options());
            IReadOnlyList<JobPlan> plans = JobPlan.Resolve(set);
            foreach (string note in plans.SelectMany(p => p.Notes.Select(n => $"pinio: {p.Name}: {n}")).Distinct())
            {
                // Where pinio runs a job differently from fio, it says so (fio prints its notes the same way).
                stderr.WriteLine(note);
            }
            if (!ReportContext.TryParseFormats(parse.GetValue(format) ?? "normal", out OutputFormats formats, out _))
            {
                formats = OutputFormats.Normal;
            }
            if (parse.GetValue(minimal))
            {
                formats = OutputFormats.Terse;
            }
            var settings = new RunSettings(
                formats,
                Enum.Parse<EtaMode>(parse.GetValue(eta) ?? "auto", ignoreCase: true),
                stdoutIsTerminal,
                parse.GetValue(output)?.FullName,
                parse.GetValue(latPlot)?.FullName,
                set.Global.Written,
                programStart);
            return RunJobs(plans, settings, stdout, stderr, stop);
        }
        catch (OptionException e)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }
    }

    /// <summary>The program-level switches of one run.</summary>
    private sealed record RunSettings(
        OutputFormats Formats,
        EtaMode Eta,
        bool StdoutIsTerminal,
        string? OutputPath,
        string? LatPlotPath,
        IReadOnlyList<KeyValuePair<string, string>> GlobalOptions,
        long ProgramStart);

    private static int RunJobs(IReadOnlyList<JobPlan> plans, RunSettings settings, TextWriter stdout, TextWriter stderr, RunStop? stop)
    {
        bool normal = (settings.Formats & OutputFormats.Normal) != 0;
        bool reportOnStdout = settings.OutputPath is null;
        using TextWriter report = reportOnStdout ? TextWriter.Synchronized(stdout) : ReportFile.Open(settings.OutputPath!);
        // As fio on SIGINT or SIGTERM: stop issuing, finish what is in flight, report, exit 128.
        using RunStop? signals = stop is null ? RunStop.OnSignals(stderr) : null;
        RunStop runStop = stop ?? signals!;
        if (normal)
        {
            NormalReport.WriteStart(report, plans);
            report.Flush();
        }
        IReadOnlyList<JobResult> results;
        JobProgress[] counters = [.. plans.Select(_ => new JobProgress())];
        ProgressPrinter? progress = ProgressPrinter.ShouldShow(settings.Eta, settings.StdoutIsTerminal, settings.Formats, reportOnStdout)
            ? new ProgressPrinter(stdout, plans, counters, settings.ProgramStart)
            : null;
        var disks = new DiskWatch(plans.Select(p => p.Target.Filename).Where(f => !f.StartsWith(Target.RamPrefix, StringComparison.OrdinalIgnoreCase)).Distinct());
        try
        {
            progress?.Start();
            results = JobGroup.Run(plans, counters, runStop.Token);
        }
        finally
        {
            // The normal report begins with a newline, which ends the progress line as fio's does.
            progress?.Stop(endLine: !(reportOnStdout && normal && (settings.Formats & (OutputFormats.Json | OutputFormats.Terse)) == 0));
            progress?.Dispose();
        }

        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build(results);
        IReadOnlyList<GroupStats> groups = GroupStats.From(blocks);
        var context = new ReportContext
        {
            Time = DateTimeOffset.Now,
            ElapsedSeconds = ((Stopwatch.GetTimestamp() - settings.ProgramStart) * 1000 / Stopwatch.Frequency + 999) / 1000,
            GlobalOptions = settings.GlobalOptions,
            Disks = disks.Finish(),
        };
        // Composed first, written whole: a thousand jobs' reports written line by line to the
        // console, which flushes every write, took seconds of system calls.
        var body = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        // fio's order when several formats are asked for: terse, json, normal.
        if ((settings.Formats & OutputFormats.Terse) != 0)
        {
            TerseReport.Write(body, blocks, groups, context);
        }
        if ((settings.Formats & OutputFormats.Json) != 0)
        {
            JsonReport.Write(body, blocks, groups, context, plus: (settings.Formats & OutputFormats.JsonPlus) != 0);
        }
        if (normal)
        {
            NormalReport.Write(body, blocks, groups, context);
        }
        report.Write(body.ToString());
        report.Flush();
        if (settings.LatPlotPath is { } plotPath)
        {
            try
            {
                LatencyPlot.Write(plotPath, blocks);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                stderr.WriteLine(Invariant($"pinio: --lat-plot {plotPath}: {e.Message}"));
                return 1;
            }
        }
        foreach (JobResult result in results.Where(r => r.VerifyFailure is not null))
        {
            stderr.WriteLine(Invariant($"pinio: {result.Plan.Name}: {result.VerifyFailure!.Message}"));
        }
        return runStop.Signal is null ? ExitStatus(results) : RunStop.ExitStatus;
    }

    /// <summary>1 when any job failed (an I/O error or a verification mismatch), as fio's exit status.</summary>
    internal static int ExitStatus(IEnumerable<JobResult> results) => results.Any(r => r.Error != 0) ? 1 : 0;

    private static string HelpText()
    {
        var text = new StringBuilder();
        text.AppendLine("pinio: fio's jobs and report over PinIo's Direct I/O, with the pages pinned per I/O.");
        text.AppendLine();
        text.AppendLine("Without a --name, pinio runs its main job (4 KiB random reads at iodepth 32 on a 1 GiB embedded");
        text.AppendLine("RAM disk for 5 s) with any job options given applied to it. With --name, jobs are built as fio");
        text.AppendLine("builds them: options before the first --name are global, each --name starts a job.");
        text.AppendLine("Job files are read as fio reads them: pinio job1.fio [job2.fio ...] ([global] and job");
        text.AppendLine("sections, stonewall/new_group, include, $ENV); see examples/.");
        text.AppendLine("pinio fsx [--seed=N --ops=N --path=iomap|legacy ...] runs the file-system exerciser on a Volume");
        text.AppendLine("(pinio fsx --help).");
        text.AppendLine("pinio peak [--iodepth=N --fixedbufs=0|1 ...] TARGET measures the peak IOPS per core of PinIo's ring, after");
        text.AppendLine("fio's t/io_uring (pinio peak --help).");
        text.AppendLine();
        text.AppendLine("Job options (fio's names and meanings; write --name=value):");
        foreach (OptionDef option in OptionTable.All)
        {
            string names = string.Join(", ", new[] { option.Name }.Concat(option.Aliases));
            string value = option.Default is null ? "" : $" (default {option.Default})";
            text.Append("  --").Append(names.PadRight(18)).Append(' ').Append(option.Help).AppendLine(value);
            if (option.Choices.Count > 0)
            {
                text.Append(' ', 23).AppendLine(string.Join(", ", option.Choices.Select(c => c.Value)));
            }
        }
        return text.ToString().TrimEnd();
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(NormalReport.Version);
            return 0;
        }
    }
}
