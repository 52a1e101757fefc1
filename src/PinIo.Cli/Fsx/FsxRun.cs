// After the idea of xfstests' ltp/fsx.c (a random operation stream checked against a model); no code of it.
using System.Diagnostics;
using PinIo.Block;
using PinIo.Cli.Runner;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Fsx;

/// <summary>
/// One fsx run: a RAM disk formatted as a Volume, one file in it, and the operation stream of
/// <see cref="FsxOpGenerator"/> applied to both the file (through the Volume's Direct I/O path)
/// and <see cref="FsxModel"/>. Every read is compared with the model byte for byte, the
/// file's length after every operation, and the whole file after a remount. Reads and writes
/// alternate between user memory (pinned per I/O) and pool pages (a Bvec iterator, not
/// pinned), so both kinds of bio are built. The first mismatch, or an error, stops the run.
/// </summary>
internal sealed partial class FsxRun : IDisposable
{
    public const string FileName = "fsx.file";

    private readonly FsxOptions _options;
    private readonly VolumeOptions _volumeOptions;
    private readonly FsxModel _model;
    private readonly FsxOpLog _log;
    private readonly FsxOpGenerator _generator;
    private readonly PagePool _pool;
    private readonly BlockBuffer _userBuffer;
    private readonly BlockBuffer _pageBuffer;
    private readonly long[] _counts = new long[Enum.GetValues<FsxOpKind>().Length];
    private Volume _volume;
    private VolumeFile _file;
    private long _useUserMemory;

    public FsxRun(FsxOptions options)
    {
        _options = options;
        _volumeOptions = new VolumeOptions
        {
            BlockSize = options.FsBlock,
            DirectIoPath = options.Path,
            // Each mount takes its cache's memory anew at the first buffered use: the library's
            // 64 MiB default made that 90% of a run's time.
            PageCacheBytes = options.CacheBytes > 0 ? options.CacheBytes : 4 * options.MaxFileBytes,
        };
        _model = new FsxModel(options.MaxFileBytes);
        _durable = _model.Snapshot();
        _log = new FsxOpLog(options.LogOps);
        _generator = new FsxOpGenerator(options);
        Disk = new RamDisk(options.DeviceBytes, new QueueLimits { LogicalBlockSize = options.LogicalBlock, DmaAlignment = options.LogicalBlock });
        if (options.PowerCut)
        {
            Fault = NewFaultDevice();
        }
        int pages = 2 * PageSize.PagesSpanned(0, options.MaxIoBytes);
        _pool = new PagePool(pages);
        _userBuffer = BlockBuffer.FromNative(_pool, options.MaxIoBytes) ?? throw new InvalidOperationException("a fresh pool has no room for fsx's buffer");
        _pageBuffer = BlockBuffer.FromPool(_pool, options.MaxIoBytes) ?? throw new InvalidOperationException("a fresh pool has no run of pages for fsx's buffer");
        try
        {
            FillStale();
            _volume = Volume.Format(Device, _volumeOptions);
            _file = _volume.Create(FileName);
            // The file's creation is durable before the first cut.
            Wait(_volume.SyncAsync());
        }
        catch
        {
            _volume?.Dispose();
            ReleaseBuffersAndDevices();
            throw;
        }
    }

    /// <summary>The RAM disk under the Volume (a test writes garbage into it to see fsx fail).</summary>
    public RamDisk Disk { get; }

    public VolumeFile File => _file;

    /// <summary>Called before each operation (tests).</summary>
    public Action<FsxRun, FsxOp>? BeforeOp { get; init; }

    private IBlockDevice Device => (IBlockDevice?)Fault ?? Disk;

    /// <summary>Runs the stream to its end or to the first mismatch, printing the log and the failure to <paramref name="output"/>.</summary>
    public FsxResult Run(TextWriter output, CancellationToken ct = default)
    {
        long start = Stopwatch.GetTimestamp();
        string? failure = null;
        long done = 0;
        while (done < _options.Ops && failure is null && !ct.IsCancellationRequested)
        {
            FsxOp op = _generator.Next(_model.Size);
            BeforeOp?.Invoke(this, op);
            long badOffset = -1;
            try
            {
                failure = Apply(op, out badOffset) ?? CheckLength();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
            {
                failure = $"{FsxOp.Name(op.Kind)} failed: {e.GetType().Name}: {e.Message}";
            }
            _log.Add(op, _model.Size);
            _counts[(int)op.Kind]++;
            done++;
            if (_options.Verbose)
            {
                output.WriteLine(op.Describe(_model.Size));
            }
            if (failure is not null)
            {
                output.WriteLine($"fsx: MISMATCH at operation {op.Index} (seed {_options.Seed}, path {_options.Path.ToString().ToLowerInvariant()}): {failure}");
                _log.Print(output, badOffset);
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new FsxResult(_options, done, [.. _counts], seconds, failure is null ? 0 : 1, failure);
    }

    private string? Apply(FsxOp op, out long badOffset)
    {
        badOffset = -1;
        switch (op.Kind)
        {
            case FsxOpKind.Read:
                return Read(op.Offset, (int)op.Length, out badOffset);
            case FsxOpKind.Write:
                return Write(op);
            case FsxOpKind.Truncate:
                Wait(_file.SetLengthAsync(op.Offset));
                _model.Truncate(op.Offset);
                NoteChange(op.Offset, op.SizeBefore, op.SizeBefore);
                return null;
            case FsxOpKind.Allocate:
                Wait(_file.AllocateAsync(op.Offset, op.Length));
                _model.Allocate(op.Offset, op.Length);
                NoteChange(op.Offset, op.End, op.SizeBefore);
                return null;
            case FsxOpKind.PunchHole:
                Wait(_file.PunchHoleAsync(op.Offset, op.Length));
                _model.PunchHole(op.Offset, op.Length);
                NoteChange(op.Offset, op.End, op.SizeBefore);
                return null;
            case FsxOpKind.Flush:
                Wait(_file.FlushAsync());
                NoteFlushed();
                return null;
            case FsxOpKind.Remount:
                Remount();
                return CheckWholeFile(out badOffset);
            case FsxOpKind.BufRead:
                return BufferedRead(op, out badOffset);
            case FsxOpKind.BufWrite:
                return BufferedWrite(op);
            case FsxOpKind.MapRead:
                return MappedRead(op, out badOffset);
            case FsxOpKind.MapWrite:
                return MappedWrite(op);
            default:
                return CutAndRemount(out badOffset);
        }
    }

    private string? Write(FsxOp op)
    {
        BlockBuffer buffer = NextBuffer();
        Span<byte> data = buffer.Span[..(int)op.Length];
        FsxOpGenerator.Fill(data, op.Index, op.Offset);
        IovIter iter = buffer.WriteIter;
        BlockBuffer.Shorten(iter, (int)op.Length);
        long written;
        try
        {
            written = Wait(_file.WriteAsync(op.Offset, iter));
        }
        finally
        {
            BlockBuffer.Rewind(iter);
        }
        _model.Write(op.Offset, data[..(int)written]);
        NoteChange(op.Offset, op.End, op.SizeBefore);
        return written == op.Length ? null : $"write of {op.Length} bytes at 0x{op.Offset:x} wrote {written}";
    }

    private string? Read(long offset, int length, out long badOffset)
    {
        badOffset = -1;
        BlockBuffer buffer = NextBuffer();
        Span<byte> data = buffer.Span[..length];
        data.Fill(0xEE);
        IovIter iter = buffer.ReadIter;
        BlockBuffer.Shorten(iter, length);
        long read;
        try
        {
            read = Wait(_file.ReadAsync(offset, iter));
        }
        finally
        {
            BlockBuffer.Rewind(iter);
        }
        return Compare(offset, length, data, read, out badOffset);
    }

    /// <summary>A read of <paramref name="length"/> at <paramref name="offset"/> that returned <paramref name="read"/> bytes into <paramref name="data"/>, against the model.</summary>
    private string? Compare(long offset, int length, ReadOnlySpan<byte> data, long read, out long badOffset)
    {
        badOffset = -1;
        long expected = _model.ReadableBytes(offset, length);
        if (read != expected)
        {
            badOffset = offset + Math.Min(read, expected);
            return $"read of {length} bytes at 0x{offset:x} returned {read} bytes, the model has {expected} (length 0x{_model.Size:x})";
        }
        int wrong = data[..(int)read].CommonPrefixLength(_model.Bytes(offset, read));
        if (wrong == read)
        {
            return null;
        }
        badOffset = offset + wrong;
        return $"read of {length} bytes at 0x{offset:x}: first wrong byte at file offset 0x{badOffset:x}: 0x{data[wrong]:x2}, the model has 0x{_model.Bytes(badOffset, 1)[0]:x2}"
            + $"{(data[wrong] == 0xEE ? " (the read did not fill it)" : "")}; {WrongBytes(data[..(int)read], offset)} wrong bytes in the read";
    }

    private int WrongBytes(ReadOnlySpan<byte> data, long offset)
    {
        ReadOnlySpan<byte> model = _model.Bytes(offset, data.Length);
        int wrong = 0;
        for (int i = 0; i < data.Length; i++)
        {
            wrong += data[i] != model[i] ? 1 : 0;
        }
        return wrong;
    }

    private string? CheckLength() =>
        _file.Length == _model.Size ? null : $"the file's length is 0x{_file.Length:x}, the model's 0x{_model.Size:x}";

    /// <summary>Every byte of the file, in the largest reads, against the model.</summary>
    private string? CheckWholeFile(out long badOffset)
    {
        badOffset = -1;
        string? failure = CheckLength();
        for (long offset = 0; failure is null && offset < _model.Size; offset += _options.MaxIoBytes)
        {
            failure = Read(offset, _options.MaxIoBytes, out badOffset);
        }
        return failure;
    }

    /// <summary>A clean unmount (sync, close) and a mount of the same device: what the Volume wrote must be all it needs.</summary>
    private void Remount()
    {
        _file.Dispose();
        Wait(_volume.SyncAsync());
        _volume.Dispose();
        _volume = Volume.Mount(Device, _volumeOptions);
        _file = _volume.Open(FileName);
    }

    private BlockBuffer NextBuffer() => (_useUserMemory++ & 1) == 0 ? _userBuffer : _pageBuffer;

    private static long Wait(ValueTask<long> pending) => pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask pending)
    {
        if (pending.IsCompleted)
        {
            pending.GetAwaiter().GetResult();
            return;
        }
        pending.AsTask().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        try
        {
            _file.Dispose();
            _volume.Dispose();
        }
        finally
        {
            ReleaseBuffersAndDevices();
        }
    }

    private void ReleaseBuffersAndDevices()
    {
        _userBuffer.Release();
        _pageBuffer.Release();
        _pool.Dispose();
        Fault?.Dispose();
        Disk.Dispose();
    }
}

/// <summary>What a run did: operations by kind, how fast, mismatches (0 or 1: the run stops at the first) and the first failure.</summary>
internal sealed record FsxResult(FsxOptions Options, long Ops, long[] CountsByKind, double Seconds, long Mismatches, string? Failure)
{
    public double OpsPerSecond => Seconds > 0 ? Ops / Seconds : 0;

    /// <summary>fsx's closing line: seed, path, operations by kind, rate, mismatches.</summary>
    public string Summary()
    {
        string kinds = string.Join(' ', Enum.GetValues<FsxOpKind>()
            .Where(k => CountsByKind[(int)k] > 0 || k < FsxOpKind.PowerCut)
            .Select(k => $"{FsxOp.Name(k)}={CountsByKind[(int)k]}"));
        return System.FormattableString.Invariant(
            $"fsx: seed={Options.Seed} path={Options.Path.ToString().ToLowerInvariant()} lb={Options.LogicalBlock} fsb={Options.FsBlock} ops={Ops} ({kinds}) {OpsPerSecond:F0} ops/s {Seconds:F1} s mismatches={Mismatches}");
    }
}
