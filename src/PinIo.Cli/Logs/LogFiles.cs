using PinIo.Cli.Options;

namespace PinIo.Cli.Logs;

/// <summary>
/// The log files of a run, opened together before any job starts, so that a log that cannot be
/// written stops the run before its I/O and names the file; each path is opened once, however
/// many jobs write to it. The caller disposes the set once every job writing to it has ended.
/// </summary>
internal sealed class LogFiles : IDisposable
{
    private readonly Dictionary<string, LogFile> _byFullPath = new(StringComparer.Ordinal);

    private LogFiles()
    {
    }

    /// <summary>Opens every log of <paramref name="plans"/> (one per job); throws <see cref="OptionException"/> naming the job and the file that cannot be opened, having closed those it had opened.</summary>
    public static LogFiles Open(IEnumerable<LogPlan> plans)
    {
        var files = new LogFiles();
        try
        {
            foreach (LogPlan plan in plans)
            {
                foreach (string path in plan.Paths())
                {
                    files.OpenOne(plan, path);
                }
            }
            return files;
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>The open file of <paramref name="path"/>, one of the paths the plans named.</summary>
    public LogFile Get(string path) => _byFullPath[System.IO.Path.GetFullPath(path)];

    public void Dispose()
    {
        foreach (LogFile file in _byFullPath.Values)
        {
            file.Dispose();
        }
        _byFullPath.Clear();
    }

    private void OpenOne(LogPlan plan, string path)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        if (_byFullPath.ContainsKey(fullPath))
        {
            return;
        }
        try
        {
            _byFullPath.Add(fullPath, new LogFile(path, plan.Append));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionException($"pinio: job '{plan.JobName}': cannot write the log {path}: {e.Message}", e);
        }
    }
}
