// Follows fio's backend.c (run_threads: setup_files runs as each job starts) in meaning, not in code.
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// The regular files the planned jobs create or write, by full path, each with the stonewall
/// segment of its first writer and the bytes it plans for the file: a later segment's job
/// may name such a file before it exists (fio sizes a job's files when the job starts).
/// </summary>
internal sealed class CreatedFiles
{
    private readonly Dictionary<string, (int RunOrder, long Bytes)> _byPath = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="plan"/>'s file when the job writes or lays it out.</summary>
    public void Add(JobPlan plan)
    {
        if (plan.Target is not FileTarget { IsBlockDevice: false, IsCharDevice: false } file)
        {
            return;
        }
        if (!plan.Rw.HasWrites() && !file.NeedsLayout && !file.Fills)
        {
            return;
        }
        string path = Path.GetFullPath(file.Filename);
        long bytes = Math.Max(file.Capacity, plan.Offset + plan.Size);
        _byPath[path] = _byPath.TryGetValue(path, out (int RunOrder, long Bytes) known)
            ? (Math.Min(known.RunOrder, plan.RunOrder), Math.Max(known.Bytes, bytes))
            : (plan.RunOrder, bytes);
    }

    /// <summary>The lookup for a job of segment <paramref name="runOrder"/>: files a job of an earlier segment creates.</summary>
    public Func<string, long?> BeforeSegment(int runOrder) =>
        path => _byPath.TryGetValue(path, out (int RunOrder, long Bytes) known) && known.RunOrder < runOrder ? known.Bytes : null;
}
