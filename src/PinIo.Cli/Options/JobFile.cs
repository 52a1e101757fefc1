// Follows fio's init.c (__parse_jobs_ini) and options.c (option_dup_subs) in meaning, not in code.
namespace PinIo.Cli.Options;

/// <summary>
/// fio's job-file format, an INI dialect. <c>[global]</c> sections change the options every
/// later job starts from; any other <c>[name]</c> starts a job named <c>name</c> that begins as a
/// copy of the global options as they stand at that point. Lines hold <c>option=value</c> or a
/// bare <c>option</c> (a flag), with blanks around them ignored; lines whose first non-blank
/// character is <c>;</c> or <c>#</c> are comments; <c>include FILE</c> inside a section reads the
/// options of FILE (relative to the including file when not found as given) as if written
/// there. In values, <c>${VAR}</c> and <c>$VAR</c> become the environment variable (empty when
/// unset, as fio does) and fio's keywords <c>$pagesize</c>, <c>$mb_memory</c> and
/// <c>$ncpus</c> the machine's values. An option pinio does not know, a bad value and a line
/// outside any section are errors naming the file and the line.
/// </summary>
internal static class JobFile
{
    private const int MaxIncludeDepth = 8;

    /// <summary>A job file (or an include) longer than this is refused: fio's are a few KiB.</summary>
    internal const int MaxFileBytes = 1 << 20;

    /// <summary>
    /// Reads the jobs of <paramref name="path"/> (<c>-</c> for standard input), starting from
    /// <paramref name="global"/>, which <c>[global]</c> sections change in place. When
    /// <paramref name="stonewallFirstJob"/>, the file's first job waits for every job before it,
    /// as fio separates the second and later job files of a command line.
    /// </summary>
    public static IReadOnlyList<JobOptions> Read(string path, JobOptions global, bool stonewallFirstJob = false)
    {
        if (path.Length == 0)
        {
            throw new OptionException("pinio: a job file name is empty (''): name a job file, or - for standard input");
        }
        string text;
        try
        {
            text = ReadText(path, "job file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new OptionException($"pinio: unable to open '{path}' job file: {e.Message}", e);
        }
        return Parse(text, path, global, stonewallFirstJob, Environment.GetEnvironmentVariable, file => ReadText(file, "include file"));
    }

    /// <summary>
    /// The text of a job or include file (<c>-</c>: standard input), read up to
    /// <see cref="MaxFileBytes"/>: a device or a stream that never ends (<c>/dev/zero</c>) is
    /// refused at the limit instead of filling memory.
    /// </summary>
    internal static string ReadText(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new OptionException($"pinio: '{path}' is a directory, not a {what}");
        }
        using Stream stream = path == "-" ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        byte[] buffer = new byte[MaxFileBytes + 1];
        int length = 0;
        int read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }
        if (length > MaxFileBytes)
        {
            throw new OptionException($"pinio: {what} '{path}' is larger than {MaxFileBytes >> 20} MiB: name a job file (is it a device or a stream?)");
        }
        return new System.Text.UTF8Encoding(false).GetString(buffer, 0, length);
    }

    /// <summary>
    /// Parses job-file <paramref name="text"/>; <paramref name="path"/> names it in errors and
    /// anchors relative includes. <paramref name="environment"/> resolves <c>$VAR</c>;
    /// <paramref name="readInclude"/> returns the text of an included file.
    /// </summary>
    public static IReadOnlyList<JobOptions> Parse(
        string text,
        string path,
        JobOptions global,
        bool stonewallFirstJob,
        Func<string, string?> environment,
        Func<string, string> readInclude)
    {
        var jobs = new List<JobOptions>();
        JobOptions? section = null;
        bool stonewall = stonewallFirstJob;
        var context = new Context(path, environment, readInclude);
        int lineNumber = 0;
        foreach (string raw in SplitLines(text))
        {
            lineNumber++;
            string line = StripComment(raw).Trim();
            if (IsEmptyOrComment(line))
            {
                continue;
            }
            if (line.StartsWith('['))
            {
                string name = SectionName(line, path, lineNumber);
                if (name.StartsWith("global", StringComparison.Ordinal))
                {
                    section = global;
                    continue;
                }
                section = global.Clone();
                section.Set("name", name);
                if (stonewall)
                {
                    section.Set("stonewall", null);
                    stonewall = false;
                }
                jobs.Add(section);
                continue;
            }
            if (section is null)
            {
                throw new OptionException($"pinio: option <{line}> outside of [] job section in {path} line {lineNumber}");
            }
            ApplyLine(section, line, context, path, lineNumber, depth: 0);
        }
        return jobs;
    }

    /// <summary>
    /// fio's strip_blank_end: a job file's line ends at its first ';' or '#', wherever it is
    /// (<c>numjobs=4 ; four jobs</c>, also inside a value). A command line's values keep theirs.
    /// </summary>
    private static string StripComment(string line)
    {
        int comment = line.AsSpan().IndexOfAny(';', '#');
        return comment < 0 ? line : line[..comment];
    }

    /// <summary>fio's is_empty_or_comment: blank, or a ';' or '#' before anything else.</summary>
    private static bool IsEmptyOrComment(string line) => line.Length == 0 || line[0] is ';' or '#';

    private static string SectionName(string line, string path, int lineNumber)
    {
        int close = line.IndexOf(']', StringComparison.Ordinal);
        string name = close < 0 ? "" : line[1..close].Trim();
        if (name.Length == 0)
        {
            throw new OptionException($"pinio: bad section header '{line}' in {path} line {lineNumber} (write [name])");
        }
        return name;
    }

    private static void ApplyLine(JobOptions section, string line, Context context, string path, int lineNumber, int depth)
    {
        if (line.StartsWith("include", StringComparison.Ordinal) && (line.Length == 7 || char.IsWhiteSpace(line[7])))
        {
            Include(section, line[7..].Trim(), context, path, lineNumber, depth);
            return;
        }
        int eq = line.IndexOf('=', StringComparison.Ordinal);
        string name = (eq < 0 ? line : line[..eq]).Trim();
        string? value = eq < 0 ? null : Substitute(line[(eq + 1)..].Trim(), context.Environment);
        if (!OptionTable.TryFind(name, out _))
        {
            string? hint = OptionTable.Suggest(name);
            throw new OptionException($"pinio: unrecognized option '{name}' in {path} line {lineNumber}" + (hint is null ? "" : $"{Environment.NewLine}Did you mean {hint}?"));
        }
        try
        {
            section.Set(name, value);
        }
        catch (OptionException e)
        {
            string message = e.Message.StartsWith("pinio: ", StringComparison.Ordinal) ? e.Message["pinio: ".Length..] : e.Message;
            throw new OptionException($"pinio: {path} line {lineNumber}: {message}", e);
        }
    }

    /// <summary>fio's include: the options of another file, which may not open sections, inserted here.</summary>
    private static void Include(JobOptions section, string file, Context context, string path, int lineNumber, int depth)
    {
        if (file.Length == 0)
        {
            throw new OptionException($"pinio: include without a file name in {path} line {lineNumber}");
        }
        if (depth >= MaxIncludeDepth)
        {
            throw new OptionException($"pinio: includes nested more than {MaxIncludeDepth} deep at {path} line {lineNumber} (an include loop?)");
        }
        string resolved = file;
        if (!File.Exists(resolved) && !Path.IsPathRooted(file) && Path.GetDirectoryName(path) is { Length: > 0 } dir)
        {
            resolved = Path.Combine(dir, file);
        }
        string text;
        try
        {
            text = context.ReadInclude(resolved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new OptionException($"pinio: unable to open include file '{file}' in {path} line {lineNumber}: {e.Message}", e);
        }
        int included = 0;
        foreach (string raw in SplitLines(text))
        {
            included++;
            string line = StripComment(raw).Trim();
            if (IsEmptyOrComment(line))
            {
                continue;
            }
            if (line.StartsWith('['))
            {
                throw new OptionException($"pinio: no new sections in included files: {resolved} line {included}");
            }
            ApplyLine(section, line, context, resolved, included, depth + 1);
        }
    }

    /// <summary>Replaces <c>${VAR}</c> and <c>$VAR</c> (and fio's <c>$pagesize</c>, <c>$mb_memory</c>, <c>$ncpus</c>) in a value.</summary>
    internal static string Substitute(string value, Func<string, string?> environment)
    {
        if (!value.Contains('$', StringComparison.Ordinal))
        {
            return value;
        }
        var result = new System.Text.StringBuilder(value.Length);
        int i = 0;
        while (i < value.Length)
        {
            char c = value[i];
            if (c != '$' || i + 1 == value.Length)
            {
                result.Append(c);
                i++;
                continue;
            }
            string name;
            if (value[i + 1] == '{')
            {
                int close = value.IndexOf('}', i + 2);
                if (close < 0)
                {
                    result.Append(c);
                    i++;
                    continue;
                }
                name = value[(i + 2)..close];
                i = close + 1;
            }
            else
            {
                int end = i + 1;
                while (end < value.Length && (char.IsAsciiLetterOrDigit(value[end]) || value[end] == '_'))
                {
                    end++;
                }
                if (end == i + 1)
                {
                    result.Append(c);
                    i++;
                    continue;
                }
                name = value[(i + 1)..end];
                i = end;
            }
            result.Append(Keyword(name) ?? environment(name) ?? "");
        }
        return result.ToString();
    }

    private static string? Keyword(string name) => name switch
    {
        "pagesize" => Environment.SystemPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "ncpus" => Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "mb_memory" => (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private static string[] SplitLines(string text) => text.Split('\n');

    private sealed record Context(string Path, Func<string, string?> Environment, Func<string, string> ReadInclude);
}
