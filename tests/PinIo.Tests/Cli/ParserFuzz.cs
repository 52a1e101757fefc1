using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Tests.Cli;

/// <summary>
/// Inputs for pinio's option parser and job-file reader, and what became of each. An input is a
/// command line of job options (some of whose tokens name job files the input carries), and the
/// job files: random lines, or an example job file mutated — lines dropped, duplicated, swapped,
/// options from the option table with random values (sizes, suffixes, percentages, ranges,
/// huge numbers, empty values, Unicode), random bytes. Each is parsed and planned in process
/// (<see cref="CommandLineJobs.Parse"/>, <see cref="JobPlan.Resolve"/>), which opens no device:
/// planning only probes a file that exists, read-only, for its size — so every filename the
/// fuzzer gives is a <c>ram:</c> target or a path in its scratch directory. The outcome must be
/// a result or an <see cref="OptionException"/>, whose message is pinio's one line.
/// </summary>
internal sealed class ParserFuzz
{
    private static readonly string[] s_names = [.. OptionTable.All.SelectMany(o => o.Aliases.Prepend(o.Name))];

    private static readonly string[] s_values =
    [
        "", "0", "1", "-1", "2", "4k", "4K", "4KiB", "4kb", "512", "511", "1m", "64m", "1g", "16t", "1p", "99e", "8z", "k", "0k",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "2147483647", "2147483648", "4294967296", "-9223372036854775808",
        "99999999999999999999999", "0x10", "0x", "0xffffffffffffffffff", "0X1F", "1.5", "0.5k", "nan", "inf", "-inf", "1e30", "1e-3",
        "50%", "100%", "101%", "0%", "-5%", "%", "1.5%", "4k-64k", "64k-4k", "4k-", "-4k", "4k,64k", "4k,", ",4k", ",,", "4k,8k,16k",
        "4k/50:8k/50", "4k/50:", "4k/150", "4k/-1", "/", ":", "4k/50:8k/60", "4k/", "read", "write", "randread", "randwrite", "rw", "randrw",
        "readwrite", "trim", "read:4k", "write:3", "randrw:", "rw:-1", "ram:1m", "ram:", "ram:0", "ram:4097", "ram:16t", "ram:-1", "ram:1e",
        "1-3", "0-1000000", "3-1", "0,2-3", "^1", "1s", "1ms", "5us", "10m", "10h", "2d", "99999999999d", "1ns", "-1s", "\uff14k", "\u00e9",
        "\u0000", "\ud83d\ude00", "${HOME}", "$pagesize", "$mb_memory", "$ncpus", "${NOPE", "$", "'x'", "\"str\"", "\"", "pattern", "crc32c",
        "md5", "sha256", "xxhash", "crc32c-intel", "meta", "zipf:1.2", "zipf:0", "zipf", "pareto:0.5", "pareto:1", "normal:50", "normal:-1",
        "random", "gauss:5", "io_uring", "psync", "libaio", "dotnet", "sync", "pvsync2", "null", "json", "normal", "terse", "json+", "1,2",
        "0xdeadbeef", "'ab'0x0a", "1 255", "a b", " ", "\t", "=", "==", "[x]", "global", "name", "include",
    ];

    private static readonly string[] s_mutations = ["drop", "duplicate", "swap", "option", "bytes", "truncate", "section"];

    private readonly string _scratch;
    private readonly string[] _examples;
    private int _fileNumber;

    public ParserFuzz(string scratch, string[] examples)
    {
        _scratch = scratch;
        _examples = examples;
    }

    public enum Outcome
    {
        Result,
        NamedError,
        Unhandled,
    }

    /// <summary>One input: the command-line tokens and the job files they name (path, text).</summary>
    public sealed record Input(string[] Tokens, (string Path, string Text)[] Files)
    {
        public override string ToString() =>
            $"pinio {string.Join(' ', Tokens.Select(Quote))}" + string.Concat(Files.Select(f => $"{Environment.NewLine}--- {f.Path}:{Environment.NewLine}{f.Text}"));

        private static string Quote(string token) => "'" + token.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Inputs: a command line of options, with a job file (random or a mutated example) a third of the time.</summary>
    public Gen<Input> Inputs() =>
        Gen.Select(Gen.Int[0, 3], CommandLine(), JobFileText(), Gen.Bool, TypedOption().Array[1, 5]).Select((kind, tokens, text, includeFile, typed) =>
        {
            if (kind == 1)
            {
                return new Input(tokens, []);
            }
            if (kind >= 2)
            {
                // Options of the right kind only: most reach planning.
                return new Input(["--filename=ram:1m", .. typed.Select(pair => $"--{pair.Name}={pair.Value}")], []);
            }
            string path = Path.Combine(_scratch, string.Create(CultureInfo.InvariantCulture, $"job{Interlocked.Increment(ref _fileNumber)}.fio"));
            (string, string)[] files = [(path, text)];
            string[] withFile = includeFile ? [.. tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal) && !t.StartsWith("--name", StringComparison.Ordinal)), path] : [path];
            return new Input(withFile, files);
        });

    /// <summary>Parses and plans <paramref name="input"/>; the exception when it ended in anything but a result or an <see cref="OptionException"/>.</summary>
    public static (Outcome Outcome, Exception? Error) Classify(Input input)
    {
        (Outcome outcome, Exception? error, _) = Plan(input);
        return (outcome, error);
    }

    private static (Outcome Outcome, Exception? Error, IReadOnlyList<JobPlan>? Plans) Plan(Input input)
    {
        foreach ((string path, string text) in input.Files)
        {
            File.WriteAllText(path, text);
        }
        try
        {
            JobSet set = CommandLineJobs.Parse(input.Tokens, MainJob.Options());
            IReadOnlyList<JobPlan> plans = JobPlan.Resolve(set);
            return plans.Count > 0 ? (Outcome.Result, null, plans) : (Outcome.Unhandled, new InvalidOperationException("no plans and no error"), null);
        }
        catch (OptionException e)
        {
            // One line, which fio's "Did you mean" hint or its indented list of valid values may follow.
            string[] lines = e.Message.Split(Environment.NewLine);
            bool named = lines[0].StartsWith("pinio: ", StringComparison.Ordinal) && lines[0].Length > "pinio: ".Length
                && lines.Skip(1).All(l => l.StartsWith("Did you mean", StringComparison.Ordinal) || l.StartsWith(' '));
            return named ? (Outcome.NamedError, null, null) : (Outcome.Unhandled, new InvalidOperationException($"an error that is not pinio's one line: {e.Message}", e), null);
        }
#pragma warning disable CA1031 // the fuzzer's point: anything else is counted and reported
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (Outcome.Unhandled, e, null);
        }
        finally
        {
            foreach ((string path, _) in input.Files)
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>
    /// The counts of a run over <paramref name="count"/> inputs (or until <paramref name="limit"/>),
    /// and the first few unhandled inputs. With <paramref name="dump"/>, every
    /// <paramref name="every"/>-th input that is safe to run as a whole process (it fails in
    /// planning, or its targets are small RAM disks) is written there for bench/fuzz-cli.sh,
    /// with program switches (--output, --output-format, --eta, --lat-plot) of its own.
    /// </summary>
    public Counts Run(int count, TimeSpan limit, string? seed = null, string? dump = null, int every = 50)
    {
        var counts = new Counts();
        var clock = Stopwatch.StartNew();
        var switches = ProgramSwitches(dump ?? _scratch);
        int dumped = 0;
        Gen.Select(Inputs(), switches).Sample((input, programSwitches) =>
        {
            if (clock.Elapsed > limit)
            {
                return;
            }
            (Outcome outcome, Exception? error, IReadOnlyList<JobPlan>? plans) = Plan(input);
            counts.Add(outcome, input, error);
            if (dump is not null && counts.Inputs % every == 0 && outcome != Outcome.Unhandled && SafeToRun(input, plans))
            {
                Dump(dump, ++dumped, input, programSwitches);
            }
        }, iter: count, threads: 1, seed: seed);
        return counts;
    }

    /// <summary>Runs that touch no file: planning failed, or every target is a RAM disk of at most 64 MiB.</summary>
    private static bool SafeToRun(Input input, IReadOnlyList<JobPlan>? plans) =>
        !input.Tokens.Any(t => t.Contains('\0', StringComparison.Ordinal)) && (plans is null || plans.All(p => p.Target is RamTarget { Bytes: <= 64L << 20 } && p.Options.Get(Opt.Directory) is null));

    private static void Dump(string dump, int number, Input input, string[] programSwitches)
    {
        string name = number.ToString("D5", CultureInfo.InvariantCulture);
        var tokens = new List<string>(programSwitches);
        foreach (string token in input.Tokens)
        {
            int file = Array.FindIndex(input.Files, f => f.Path == token);
            if (file < 0)
            {
                tokens.Add(token);
                continue;
            }
            string copy = Path.Combine(dump, $"{name}-{file}.fio");
            File.WriteAllText(copy, input.Files[file].Text);
            tokens.Add(copy);
        }
        File.WriteAllText(Path.Combine(dump, name + ".args"), string.Join('\0', tokens) + "\0");
    }

    private static Gen<string[]> ProgramSwitches(string dir) =>
        Gen.OneOf(
            Gen.Const(Array.Empty<string>()),
            Gen.OneOf("--output-format=json", "--output-format=normal,json", "--output-format=terse", "--output-format=xml", "--output-format=", "--minimal",
                "--eta=never", "--eta=bad", $"--output={Path.Combine(dir, "out.txt")}", $"--output={dir}", "--output=/proc/version",
                $"--output={Path.Combine(dir, "nope", "o.txt")}", "--output", $"--lat-plot={Path.Combine(dir, "lat.svg")}", "--lat-plot=/proc/version/x.svg")
                .Array[1, 2]);

    private Gen<string[]> CommandLine() =>
        Gen.Frequency(
            (4, (IGen<string>)TypedOption().Select(pair => $"--{pair.Name}={pair.Value}")),
            (3, Gen.Select(OptionName(), Value(), Gen.Int[0, 9]).Select((name, value, form) => form switch
            {
                0 => "--" + name,
                1 => name,
                _ => $"--{name}={value}",
            })),
            (1, Value().Select(v => "--name=" + v)),
            (1, Filename().Select(f => "--filename=" + f)),
            (1, Gen.Const("--name=j")))
        .Array[0, 12]
        .Select(tokens => tokens.Select(t => t == "-" ? "--" : t).ToArray());

    private Gen<string> JobFileText() =>
        Gen.Frequency(
            (3, (IGen<string>)MutatedExample()),
            (2, RandomJobFile()),
            (1, Gen.Byte.Array[0, 300].Select(bytes => Encoding.Latin1.GetString(bytes))));

    private Gen<string> RandomJobFile() =>
        Gen.Frequency((4, (IGen<string>)OptionLine()), (1, SectionLine()), (1, Gen.Const("[global]")), (1, IncludeLine()), (1, Gen.String[0, 20])).Array[0, 15]
            .Select(lines => string.Join('\n', lines));

    private Gen<string> MutatedExample() =>
        Gen.Select(Gen.Int[0, _examples.Length - 1], Gen.Select(Gen.OneOf(s_mutations), Gen.Int[0, 1000], OptionLine()).Array[1, 6])
            .Select((which, mutations) =>
            {
                List<string> lines = [.. File.ReadAllText(_examples[which]).Split('\n')];
                foreach ((string mutation, int at, string line) in mutations)
                {
                    Mutate(lines, mutation, at, line);
                }
                return string.Join('\n', lines);
            });

    private static void Mutate(List<string> lines, string mutation, int at, string line)
    {
        int i = lines.Count == 0 ? 0 : at % lines.Count;
        switch (mutation)
        {
            case "drop" when lines.Count > 0:
                lines.RemoveAt(i);
                break;
            case "duplicate" when lines.Count > 0:
                lines.Insert(i, lines[i]);
                break;
            case "swap" when lines.Count > 1:
                int j = (i + 1 + (at / 7)) % lines.Count;
                (lines[i], lines[j]) = (lines[j], lines[i]);
                break;
            case "bytes" when lines.Count > 0:
                lines[i] = lines[i].Insert(lines[i].Length == 0 ? 0 : at % lines[i].Length, ((char)(at % 0x3000)).ToString());
                break;
            case "truncate" when lines.Count > 0:
                lines[i] = lines[i][..(lines[i].Length == 0 ? 0 : at % lines[i].Length)];
                break;
            case "section":
                lines.Insert(i, at % 3 == 0 ? "[global]" : at % 3 == 1 ? "[" : $"[job{at}]");
                break;
            default:
                lines.Insert(i, line);
                break;
        }
    }

    private Gen<string> OptionLine() =>
        Gen.Select(OptionName(), Value(), Gen.Int[0, 9], Filename(), TypedOption()).Select((name, value, form, filename, typed) => form switch
        {
            0 => name,
            8 or 9 => $"{typed.Name}={typed.Value}",
            1 => $"{name} = {value}",
            2 => "filename=" + filename,
            3 => $"  {name}={value}  ; comment",
            _ => $"{name}={value}",
        });

    private static Gen<string> SectionLine() => Value().Select(v => $"[{v}]");

    private Gen<string> IncludeLine() =>
        Gen.OneOf("include", "include ", "include /dev/zero", "include /nonexistent/x.fio", $"include {_scratch}", "include job1.fio", "include\tx");

    /// <summary>ram: targets and paths in the scratch directory only: planning probes a file that exists, and nothing else should be probed.</summary>
    private Gen<string> Filename() =>
        Gen.Frequency(
            (4, (IGen<string>)Value().Select(v => "ram:" + v)),
            (2, Gen.OneOf("ram:1m", "ram:64m", "ram:16t", "ram:4k", "ram:1g", "")),
            (2, Gen.String[0, 8].Select(s => Path.Combine(_scratch, "f" + new string([.. s.Where(c => c != '/' && c != '\0')])))),
            (1, Gen.Const(_scratch)));

    private static Gen<string> OptionName() =>
        Gen.Frequency(
            (8, (IGen<string>)Gen.OneOf(s_names)),
            (1, Gen.String[0, 12]),
            (1, Gen.Select(Gen.OneOf(s_names), Gen.Int[0, 3]).Select((n, k) => k switch { 0 => n.ToUpperInvariant(), 1 => n + "x", 2 => n[..^1], _ => " " + n })));

    /// <summary>An option of the table with a value of its kind most of the time: inputs that get past the parser to planning.</summary>
    private static Gen<(string Name, string Value)> TypedOption() =>
        Gen.Select(Gen.Int[0, OptionTable.All.Count - 1], Gen.Int[0, 9], Value(), Gen.Int[0, int.MaxValue]).Select((index, roll, any, pick) =>
        {
            OptionDef option = OptionTable.All[index];
            if (option.Name == "filename")
            {
                // Paths are Filename()'s: planning probes a file that exists.
                return (option.Name, roll < 8 ? "ram:1m" : "ram:" + any);
            }
            string[] pool = option.Kind switch
            {
                OptionKind.Size => ["4k", "1m", "0", "512", "8k", "64k", "1g", "16t", "9223372036854775807", "1.5k", "-1", "50%", "2m", "3k"],
                OptionKind.Int => ["0", "1", "2", "8", "-1", "100", "4096", "65536", "65537", "2147483648", "0x10", "9223372036854775807"],
                OptionKind.Bool or OptionKind.Flag => ["0", "1", "2", "true", "", "-1"],
                OptionKind.Time => ["1", "0", "1ms", "10ms", "1us", "2s", "99999999999d", "-1", "1h"],
                OptionKind.PercentList => ["50", "1:50:99", "99.9:99.99", "0", "100", "101", "50:", ":"],
                OptionKind.Choice => [.. option.Choices.Select(c => c.Value)],
                _ => s_values,
            };
            return (option.Name, roll < 8 && pool.Length > 0 ? pool[pick % pool.Length] : any);
        });

    private static Gen<string> Value() =>
        Gen.Frequency(
            (6, (IGen<string>)Gen.OneOf(s_values)),
            (2, Gen.Select(Gen.Long, Gen.OneOf("", "k", "m", "g", "t", "p", "%", "s", "ms", "us", "KiB", "b")).Select((n, suffix) => n.ToString(CultureInfo.InvariantCulture) + suffix)),
            (2, Gen.OneOf(OptionTable.All.SelectMany(o => o.Choices.Select(c => c.Value)).ToArray())),
            (1, Gen.Select(Gen.OneOf(s_values), Gen.OneOf(s_values), Gen.OneOf(",", ":", "/", "-", "%", " ")).Select((a, b, sep) => a + sep + b)),
            (1, Gen.String[0, 16]));

    /// <summary>What a fuzz run found.</summary>
    internal sealed class Counts
    {
        private readonly List<string> _unhandled = [];

        public long Inputs { get; private set; }

        public long Results { get; private set; }

        public long NamedErrors { get; private set; }

        public long Unhandled { get; private set; }

        public IReadOnlyList<string> FirstUnhandled => _unhandled;

        public void Add(Outcome outcome, Input input, Exception? error)
        {
            Inputs++;
            switch (outcome)
            {
                case Outcome.Result:
                    Results++;
                    break;
                case Outcome.NamedError:
                    NamedErrors++;
                    break;
                default:
                    Unhandled++;
                    if (_unhandled.Count < 5)
                    {
                        _unhandled.Add($"{error}{Environment.NewLine}from: {input}");
                    }
                    break;
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"inputs={Inputs} results={Results} named_errors={NamedErrors} unhandled={Unhandled}");
    }
}
