using System.Globalization;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// The option parser and job-file reader never end in anything but a plan or pinio's one-line
/// error: random and mutated command lines and job files (<see cref="ParserFuzz"/>), a few
/// seconds' worth here; bench/fuzz-cli.sh runs the same test over 10,000 inputs
/// (PINIO_FUZZ_INPUTS), prints the counts (PINIO_FUZZ_REPORT) and runs every 50th input as a
/// whole pinio process (PINIO_FUZZ_DUMP, PINIO_FUZZ_PROCESS_EVERY). The crashes the fuzzer found
/// stay as regression cases below.
/// </summary>
public sealed class ParserFuzzTests : PinBalancedTest, IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void EveryInputEndsInAPlanOrANamedError()
    {
        string? inputs = Environment.GetEnvironmentVariable("PINIO_FUZZ_INPUTS");
        int count = inputs is null ? 3000 : int.Parse(inputs, CultureInfo.InvariantCulture);
        TimeSpan limit = inputs is null ? TimeSpan.FromSeconds(4) : TimeSpan.MaxValue;
        var fuzz = new ParserFuzz(_dir.Path, JobFiles());

        string? dump = Environment.GetEnvironmentVariable("PINIO_FUZZ_DUMP");
        string? every = Environment.GetEnvironmentVariable("PINIO_FUZZ_PROCESS_EVERY");
        ParserFuzz.Counts counts = fuzz.Run(count, limit, Environment.GetEnvironmentVariable("PINIO_FUZZ_SEED"), dump is { Length: > 0 } ? dump : null,
            every is null ? 50 : int.Parse(every, CultureInfo.InvariantCulture));

        if (Environment.GetEnvironmentVariable("PINIO_FUZZ_REPORT") is { Length: > 0 } report)
        {
            File.WriteAllText(report, counts + Environment.NewLine + string.Join(Environment.NewLine + Environment.NewLine, counts.FirstUnhandled));
        }
        Assert.True(counts.Inputs >= 100, $"only {counts.Inputs} inputs in {limit}");
        Assert.True(counts.Results > 0 && counts.NamedErrors > 0, $"the inputs reach one outcome only: {counts}");
        Assert.True(counts.Unhandled == 0, $"{counts}{Environment.NewLine}{string.Join(Environment.NewLine + Environment.NewLine, counts.FirstUnhandled)}");
    }

    /// <summary>What the fuzzer found: each ended in an exception other than pinio's error before its fix.</summary>
    [Theory]
    [InlineData("--filename=ram:1m", "--io_size=9223372036854775807", "--loops=2")]
    [InlineData("")]
    [InlineData("--filename=")]
    public void InputsTheFuzzerFoundEndInAPlanOrANamedError(params string[] tokens)
    {
        (ParserFuzz.Outcome outcome, Exception? error) = ParserFuzz.Classify(new ParserFuzz.Input(tokens, []));

        Assert.True(outcome != ParserFuzz.Outcome.Unhandled, error?.ToString());
    }

    /// <summary>A job whose buffers or verify log cannot fit in memory is refused when planned, naming the option, not when they are allocated.</summary>
    [Theory]
    [InlineData("iodepth=65536 buffers of bs=1048576", "--filename=ram:1m", "--bs=1m", "--iodepth=65536")]
    [InlineData("lower iodepth or bs", "--filename=ram:2g", "--bs=1g", "--iodepth=65536")]
    public void AJobThatCannotFitInMemoryIsRefusedWhenPlanned(string expected, params string[] options)
    {
        var e = Assert.Throws<PinIo.Cli.Options.OptionException>(() => TestJobs.Plan(options));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    public new void Dispose()
    {
        _dir.Dispose();
        base.Dispose();
    }

    /// <summary>The job files to mutate: examples/ and bench/jobs/.</summary>
    private static string[] JobFiles()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "examples")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
            {
                return [.. Directory.GetFiles(Path.Combine(dir.FullName, "examples"), "*.fio"), .. Directory.GetFiles(Path.Combine(dir.FullName, "bench", "jobs"), "*.fio")];
            }
        }
        throw new DirectoryNotFoundException($"no examples/ directory above {AppContext.BaseDirectory}");
    }
}
