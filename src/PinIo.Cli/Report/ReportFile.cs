using System.Text;
using PinIo.Cli.Options;

namespace PinIo.Cli.Report;

/// <summary>
/// <c>--output FILE</c>: the report's file, opened before any job runs so that a path that
/// cannot be opened (a directory, a missing directory) stops the run at once, and written
/// through a stream that turns a failed write (<c>/proc/version</c> answers EIO) into an
/// <see cref="OptionException"/> naming the switch. After a failure the rest of the report is
/// dropped, so closing the writer does not fail a second time.
/// </summary>
internal sealed class ReportFile : Stream
{
    private readonly FileStream _file;
    private readonly string _path;
    private bool _failed;

    private ReportFile(FileStream file, string path)
    {
        _file = file;
        _path = path;
    }

    public static TextWriter Open(string path)
    {
        if (Directory.Exists(path))
        {
            throw new OptionException($"pinio: --output {path}: is a directory: name a file for the report");
        }
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new OptionException($"pinio: --output {path}: {e.Message} (name a file in a directory you can write)", e);
        }
        return new StreamWriter(new ReportFile(file, path), new UTF8Encoding(false));
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_failed)
        {
            return;
        }
        try
        {
            _file.Write(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(e);
        }
    }

    public override void Flush()
    {
        if (_failed)
        {
            return;
        }
        try
        {
            _file.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                _file.Dispose();
            }
            catch (IOException) when (_failed)
            {
                // The failure was reported; the buffered rest of the report is dropped.
            }
        }
        base.Dispose(disposing);
    }

    private OptionException Failed(Exception e)
    {
        _failed = true;
        return new OptionException($"pinio: --output {_path}: cannot write the report: {e.Message}", e);
    }
}
