namespace PinIo.Cli.Options;

/// <summary>The jobs of one run, and its global options as the report lists them (the command line's and every job file's [global] sections').</summary>
internal sealed record JobSet(JobOptions Global, IReadOnlyList<JobOptions> Jobs);

/// <summary>
/// fio's command-line job grammar: <c>--opt=value</c> (or <c>--opt value</c>) tokens in
/// order; options before the first <c>--name</c> are global, and each <c>--name</c> starts a
/// new job that inherits the global options as they stand. This is a job-file format written
/// on one line (fio turns it into the same job list as <c>[global]</c> and <c>[name]</c>
/// sections), not a generic command line: the meaning of <c>--rw</c> depends on which
/// <c>--name</c> came before it, an ordering that System.CommandLine's option model does not
/// keep. So System.CommandLine parses the program switches and hands the rest, in order, here.
/// Tokens that are not options are job files (<c>pinio a.fio b.fio</c>), read as fio's
/// parse_options does: after the whole command line, the command line's global options being
/// the defaults that each file's <c>[global]</c> and job sections start from, the command
/// line's own jobs first, and each file after the first separated from the jobs before it by a
/// stonewall. Unlike fio, which starts the second and later files from its built-in defaults,
/// every file starts from the command line's global options.
/// </summary>
internal static class CommandLineJobs
{
    /// <summary>
    /// Parses the tokens. With no <c>--name</c> and no job file, the options apply over
    /// <paramref name="preset"/> (pinio's main job); otherwise jobs start from fio's defaults as
    /// fio's do. Throws <see cref="OptionException"/> for an unknown option, a bad value, a job
    /// file that cannot be read or holds no job.
    /// </summary>
    public static JobSet Parse(IReadOnlyList<string> tokens, JobOptions preset)
    {
        var global = new JobOptions();
        var jobs = new List<JobOptions>();
        var files = new List<string>();
        JobOptions current = global;
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (token == "-" || !token.StartsWith('-'))
            {
                files.Add(token);
                continue;
            }
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new OptionException($"pinio: unrecognized option '{token}'");
            }
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? token[2..] : token[2..eq];
            string? value = eq < 0 ? null : token[(eq + 1)..];
            if (!OptionTable.TryFind(name, out OptionDef option))
            {
                string? hint = OptionTable.Suggest(name);
                throw new OptionException($"pinio: unrecognized option '{token}'" + (hint is null ? "" : $"{Environment.NewLine}Did you mean {hint}?"));
            }
            if (value is null && !option.ValueOptional && i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = tokens[++i];
            }
            if (option == Opt.Name)
            {
                if (value == "global")
                {
                    // fio: --name=global goes back to the global options.
                    current = global;
                    continue;
                }
                current = global.Clone();
                jobs.Add(current);
            }
            current.Set(option.Name, value);
        }
        // The global options the report lists (fio's "global options"): the command line's and every [global] section's.
        JobOptions reported = global.Clone();
        for (int f = 0; f < files.Count; f++)
        {
            JobOptions fileGlobal = global.Clone();
            IReadOnlyList<JobOptions> fromFile = JobFile.Read(files[f], fileGlobal, stonewallFirstJob: f > 0);
            if (fromFile.Count == 0)
            {
                throw new OptionException($"pinio: no job defined in {files[f]} (a job is a [name] section other than [global])");
            }
            jobs.AddRange(fromFile);
            foreach (var (key, text) in fileGlobal.Written)
            {
                reported.Set(key, text);
            }
        }
        if (jobs.Count == 0)
        {
            JobOptions main = preset.Clone();
            foreach (var (key, text) in global.Written)
            {
                main.Set(key, text);
            }
            jobs.Add(main);
        }
        return new JobSet(reported, jobs);
    }
}
