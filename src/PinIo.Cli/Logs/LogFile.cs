namespace PinIo.Cli.Logs;

/// <summary>
/// One log file, open for the whole run. Lines arrive in whole chunks from each job's
/// <see cref="SampleLog"/> buffer and are written under a lock, because jobs with
/// per_job_logs=0 share the file: a chunk never interleaves with another, though the chunks of
/// such jobs do (fio instead writes each job's log whole when the job ends). Unbuffered: the
/// chunks are the buffer.
/// </summary>
internal sealed class LogFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Lock _gate = new();

    /// <summary>Creates (or truncates) the file, or with <paramref name="append"/> opens it to add at its end; throws what the open throws.</summary>
    public LogFile(string path, bool append)
    {
        Path = path;
        _stream = new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public string Path { get; }

    /// <summary>Writes whole lines; throws the write's <see cref="IOException"/>.</summary>
    public void Append(ReadOnlySpan<byte> lines)
    {
        lock (_gate)
        {
            _stream.Write(lines);
        }
    }

    public void Dispose() => _stream.Dispose();
}
