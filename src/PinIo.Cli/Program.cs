using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;
using PinIo.Cli.Jobs;
using static System.FormattableString;
using PinIo.Cli.Options;
using PinIo.Cli.Report;
using PinIo.Cli.Runner;

namespace PinIo.Cli;

/// <summary>
/// <c>pinio</c>: fio's command line over PinIo. System.CommandLine parses the program switches
/// (<c>--help</c>, <c>--version</c>, <c>--output-format</c>, <c>--output</c>, <c>--eta</c>); every
/// other token is a job option and goes, in order, to <see cref="CommandLineJobs"/>, because
/// fio's job grammar depends on the order of its options (see there). Exit status: 0, or 1 for
/// a bad option, a failed I/O or a verification mismatch.
/// </summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs pinio with <paramref name="args"/>, writing the report to <paramref name="stdout"/> (or <c>--output</c>).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var format = new Option<string>("--output-format")
        {
            Description = "Report format: normal or json",
            DefaultValueFactory = _ => "normal",
        };
        format.AcceptOnlyFromAmong("normal", "json");
        var output = new Option<FileInfo?>("--output") { Description = "Write the report to FILE instead of standard output" };
        var eta = new Option<string>("--eta")
        {
            Description = "Live progress line: auto, always or never (the progress line comes with the fio-compatible tool; pinio prints none yet)",
            DefaultValueFactory = _ => "auto",
        };
        eta.AcceptOnlyFromAmong("auto", "always", "never");
        var root = new RootCommand(HelpText()) { format, output, eta };
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
            FileInfo? file = parse.GetValue(output);
            using TextWriter report = file is null ? TextWriter.Synchronized(stdout) : new StreamWriter(file.FullName, append: false, Encoding.UTF8);
            return RunJobs(plans, parse.GetValue(format) == "json", report, stdout);
        }
        catch (OptionException e)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }
    }

    private static int RunJobs(IReadOnlyList<JobPlan> plans, bool json, TextWriter report, TextWriter stdout)
    {
        if (!json)
        {
            NormalReport.WriteStart(report, plans);
            report.Flush();
        }
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // As fio on SIGINT: stop issuing, finish what is in flight, report.
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        IReadOnlyList<JobResult> results;
        try
        {
            results = JobGroup.Run(plans, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (json)
        {
            using var buffer = new MemoryStream();
            JsonReport.Write(buffer, results, DateTimeOffset.Now);
            report.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
        {
            report.WriteLine();
            NormalReport.Write(report, results, Environment.ProcessId);
        }
        report.Flush();
        foreach (JobResult result in results.Where(r => r.VerifyFailure is not null))
        {
            stdout.WriteLine(Invariant($"pinio: {result.Plan.Name}: {result.VerifyFailure!.Message}"));
        }
        return ExitStatus(results);
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
