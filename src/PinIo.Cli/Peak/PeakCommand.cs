using System.CommandLine;
using System.CommandLine.Parsing;
using PinIo.Cli.Options;
using PinIo.Devices;

namespace PinIo.Cli.Peak;

/// <summary>
/// <c>pinio peak [--option=value ...] TARGET</c>: the peak of PinIo's ring on TARGET, after
/// fio's t/io_uring — random reads from one ring per thread with everything registered, the
/// IOPS each second and, at the end, IOPS per core, CPU per read and kernel pins per read.
/// Options take fio's names where fio has one. Exit status 0, or 1 for a bad option or a failed read.
/// </summary>
internal static class PeakCommand
{
    public const string Name = "peak";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancel = default)
    {
        var defaults = new PeakOptions();
        var bs = Opt("bs", "SIZE", "Bytes per read, a power of two from 512 to 1m", defaults.BlockSize, t => (int)Range(ValueParsers.ParseSize(t), 512, PeakOptions.MaxBlockSize));
        var depth = Opt("iodepth", "N", "Reads in flight per thread (t/io_uring -d)", defaults.Depth, t => (int)Range(ValueParsers.ParseInt(t), 1, PeakOptions.MaxDepth));
        var submit = Opt("iodepth_batch_submit", "N", "Reads submitted per io_uring_enter (-s)", defaults.SubmitBatch, t => (int)Range(ValueParsers.ParseInt(t), 1, PeakOptions.MaxDepth));
        var complete = Opt("iodepth_batch_complete", "N", "Completions waited for once the depth is full (-c)", defaults.CompleteBatch, t => (int)Range(ValueParsers.ParseInt(t), 1, PeakOptions.MaxDepth));
        var fixedBufs = Opt("fixedbufs", "0|1", "Registered buffers, READ_FIXED: no pin per read (-B)", Bit(defaults.FixedBuffers), ParseBit);
        var registerFiles = Opt("registerfiles", "0|1", "The target registered with the ring (-F)", Bit(defaults.RegisteredFile), ParseBit);
        var noSqArray = Opt("no_sqarray", "0|1", "IORING_SETUP_NO_SQARRAY: no SQ index array (dropped where the kernel refuses it)", Bit(defaults.NoSqArray), ParseBit);
        var hipri = Opt("hipri", "0|1", "IORING_SETUP_IOPOLL: polled completions; the device needs poll queues (-p)", Bit(defaults.Polled), ParseBit);
        var sqPoll = Opt("sqthread_poll", "0|1", "IORING_SETUP_SQPOLL: a kernel thread submits", Bit(defaults.SubmissionPolling), ParseBit);
        var hugePages = Opt("hugepages", "0|1", "Buffers in transparent huge pages where the kernel has them", Bit(defaults.HugePages), ParseBit);
        var threads = Opt("numjobs", "N", "Threads, one ring and one CPU each (-n)", defaults.Threads, t => (int)Range(ValueParsers.ParseInt(t), 1, Linux.CpuAffinity.MaxCpus));
        var cpus = Opt<IReadOnlyList<int>?>("cpus_allowed", "LIST", "CPUs of the threads in order, e.g. 1 or 0-1 (default: those this process may use)", null, t => ValueParsers.ParseCpuList(t).Cpus);
        var runtime = Opt("runtime", "TIME", "How long to run (default unit s)", defaults.Runtime, t => TimeSpan.FromMicroseconds(Range(ValueParsers.ParseTimeUs(t), 1, long.MaxValue / 10)));
        var numberIos = Opt("number_ios", "N", "Stop each thread after N reads, or at the runtime if sooner (0: at the runtime)", defaults.IosPerThread, t => Range(ValueParsers.ParseInt(t), 0, long.MaxValue));
        var size = Opt("size", "SIZE", "Bytes of the target the reads fall in (default: all)", defaults.Size, t => Range(ValueParsers.ParseSize(t), 0, long.MaxValue));
        var verify = Opt("verify", "0|1", "Check each block: its 8-byte word at offset o must hold o xor 0x6b6165706b616570 ('peakpeak'), written beforehand", Bit(defaults.Verify), ParseBit);
        var seed = Opt("randseed", "N", "Seed of the offsets", defaults.Seed, t => (ulong)Range(ValueParsers.ParseInt(t), 0, long.MaxValue));
        var format = Opt("output-format", "normal|json", "The closing figures as text or one JSON object", "normal", t => t is "normal" or "json" ? t : throw new FormatException("give normal or json"));
        var target = new Argument<string>("TARGET") { Description = "A block device or file; opened read-only with O_DIRECT" };
        var command = new Command(Name, Help) { bs, depth, submit, complete, fixedBufs, registerFiles, noSqArray, hipri, sqPoll, hugePages, threads, cpus, runtime, numberIos, size, verify, seed, format, target };

        // A subcommand of the program's root, so that --help's usage line reads "pinio peak".
        var root = new RootCommand { command };
        ParseResult parse = root.Parse([Name, .. args]);
        if (parse.Action is not null || parse.Errors.Count > 0)
        {
            if (parse.Action is System.CommandLine.Invocation.ParseErrorAction error)
            {
                error.ShowHelp = false;
            }
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }
        var options = new PeakOptions
        {
            BlockSize = parse.GetValue(bs),
            Depth = parse.GetValue(depth),
            SubmitBatch = parse.GetValue(submit),
            CompleteBatch = parse.GetValue(complete),
            FixedBuffers = parse.GetValue(fixedBufs) == 1,
            RegisteredFile = parse.GetValue(registerFiles) == 1,
            NoSqArray = parse.GetValue(noSqArray) == 1,
            Polled = parse.GetValue(hipri) == 1,
            SubmissionPolling = parse.GetValue(sqPoll) == 1,
            HugePages = parse.GetValue(hugePages) == 1,
            Threads = parse.GetValue(threads),
            Cpus = parse.GetValue(cpus),
            Runtime = parse.GetValue(runtime),
            IosPerThread = parse.GetValue(numberIos),
            Size = parse.GetValue(size),
            Verify = parse.GetValue(verify) == 1,
            Seed = parse.GetValue(seed),
        };
        return Execute(parse.GetValue(target)!, options, parse.GetValue(format) == "json", stdout, stderr, cancel);
    }

    private static int Execute(string target, PeakOptions options, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        try
        {
            Action<int, long>? everySecond = json ? null : (second, ios) => { stdout.WriteLine(PeakReport.Second(second, ios)); stdout.Flush(); };
            PeakResult result = PeakLoop.Run(target, options, everySecond, cancel);
            stdout.WriteLine(json ? PeakReport.Json(target, options, result) : PeakReport.Text(target, options, result));
            return 0;
        }
        catch (DirectIoException e)
        {
            stderr.WriteLine($"pinio peak: {e.Message}");
            return 1;
        }
    }

    /// <summary>An option that takes one value, parsed by <paramref name="parse"/>; a bad value is a parse error naming the option.</summary>
    private static Option<T> Opt<T>(string name, string valueName, string help, T defaultValue, Func<string, T> parse)
    {
        var option = new Option<T>("--" + name)
        {
            Description = help,
            HelpName = valueName,
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => defaultValue,
        };
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return defaultValue;
            }
            string text = result.Tokens[0].Value;
            try
            {
                return parse(text);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                result.AddError($"pinio peak: --{name}={text}: {e.Message}");
                return defaultValue;
            }
        };
        return option;
    }

    private static int Bit(bool value) => value ? 1 : 0;

    private static int ParseBit(string text) => Bit(ValueParsers.ParseBool(text));

    private static long Range(long value, long min, long max) =>
        value >= min && value <= max ? value : throw new FormatException($"give {min} to {max}");

    private const string Help =
        "pinio peak: the peak IOPS of PinIo's io_uring ring on a target, after fio's t/io_uring. Random reads, one ring per\n" +
        "thread, each thread bound to a CPU, the target and the buffers registered, submission and reaping batched; the\n" +
        "IOPS each second, then IOPS, IOPS per core (reads per CPU second of the process), user and system CPU per\n" +
        "read, and the kernel's pins per read (/proc/vmstat nr_foll_pin_acquired, system-wide).";
}
