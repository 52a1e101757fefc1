using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// A Volume mounted for one run on the device underneath it, and the job files opened in it
/// (one <see cref="VolumeFile"/> per name, shared by the jobs naming it). Disposing syncs the
/// Volume (a clean unmount: what the jobs wrote is durable in the image) and closes it all.
/// </summary>
internal sealed class MountedVolume : IDisposable
{
    private readonly Dictionary<string, VolumeFile> _files = new(StringComparer.Ordinal);

    public MountedVolume(IBlockDevice device, Volume volume, bool formatted)
    {
        Device = device;
        Volume = volume;
        Formatted = formatted;
    }

    public IBlockDevice Device { get; }

    /// <summary>Opens <paramref name="target"/>'s device and formats (volram, or an image of zeroes) or mounts the Volume on it.</summary>
    public static MountedVolume Mount(VolumeTarget target, long fixedBufferBytes) => Mount(target, fixedBufferBytes, writebackInterval: null);

    /// <summary><see cref="Mount(VolumeTarget, long)"/> with the background flusher's interval (null: the library's default; tests turn it off to see what a job itself wrote back).</summary>
    internal static MountedVolume Mount(VolumeTarget target, long fixedBufferBytes, TimeSpan? writebackInterval)
    {
        IBlockDevice device = target.Open(fixedBufferBytes);
        try
        {
            var options = new VolumeOptions
            {
                DirectIoPath = target.Path,
                PageCacheBytes = target.CacheBytes,
                WritebackInterval = writebackInterval ?? new VolumeOptions().WritebackInterval,
            };
            bool fresh = target.Device is RamTarget || ReadsAsZeroes(device);
            return new MountedVolume(device, fresh ? Volume.Format(device, options) : Volume.Mount(device, options), fresh);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public Volume Volume { get; }

    /// <summary>Whether this run formatted the Volume (volram, or an image of zeroes) rather than mounting one.</summary>
    public bool Formatted { get; }

    /// <summary>The job's file, created when missing and extended as fio extends a file: allocated (unwritten, reading as zeroes; fallocate=none: a hole) up to the job's size.</summary>
    public IJobIo OpenFile(VolumeTarget target)
    {
        if (!_files.TryGetValue(target.FileName, out VolumeFile? file))
        {
            file = Volume.Exists(target.FileName) ? Volume.Open(target.FileName) : Volume.Create(target.FileName);
            _files.Add(target.FileName, file);
        }
        if (file.Length < target.WantedBytes)
        {
            if (target.Fallocate)
            {
                file.AllocateAsync(0, target.WantedBytes).AsTask().GetAwaiter().GetResult();
            }
            file.SetLengthAsync(target.WantedBytes).AsTask().GetAwaiter().GetResult();
        }
        if (target.Buffered)
        {
            // The cache's pages are taken at its first use: here, before the job, as fio
            // allocates its memory before measuring (not a 1.7 s first write of a 640 MiB cache).
            _ = Volume.PageCache.Pool;
            file.Advise(target.Hint switch
            {
                FadviseHint.Sequential => FileAccessAdvice.Sequential,
                FadviseHint.Random => FileAccessAdvice.Random,
                _ => FileAccessAdvice.Normal,
            });
        }
        return new VolumeFileJobIo(file, target.Buffered);
    }

    /// <summary>Whether the device's first 4 KiB are all zero: a new or wiped image, which pinio formats.</summary>
    public static bool ReadsAsZeroes(IBlockDevice device)
    {
        const int Probe = 4096;
        if (device.Capacity < Probe)
        {
            return false;
        }
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        try
        {
            IovIter iter = IovIter.Pages(IterDirection.Dest, [new BioVec(page, 0, Probe)]);
            DirectIo.ReadAsync(device, 0, iter).AsTask().GetAwaiter().GetResult();
            return !page.AsSpan()[..Probe].ContainsAnyExcept((byte)0);
        }
        finally
        {
            page.Put();
        }
    }

    public void Dispose()
    {
        try
        {
            Volume.SyncAsync().AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            foreach (VolumeFile file in _files.Values)
            {
                file.Dispose();
            }
            Volume.Dispose();
            Device.Dispose();
        }
    }
}

/// <summary>
/// A job's file inside a Volume: the file's own Direct I/O (IomapDio or LegacyDirectIo, as the
/// Volume was mounted), continuations inline where the file allows it, as on a raw device; with
/// <paramref name="buffered"/> (direct=0) the job's reads and writes go through the page cache
/// instead (the layout stays Direct).
/// </summary>
internal sealed class VolumeFileJobIo(VolumeFile file, bool buffered) : IBufferedJobIo
{
    public VolumeFile File => file;

    public bool Buffered => buffered;

    public PageCacheStats CacheStats => file.Volume.PageCacheStats;

    public ValueTask<long> ReadAsync(long offset, IovIter iter) => file.ReadAsync(offset, iter, DirectIoFlags.InlineCompletion);

    public ValueTask<long> WriteAsync(long offset, IovIter iter) => file.WriteAsync(offset, iter, DirectIoFlags.InlineCompletion);

    /// <summary>A file's trim is a punched hole (fio's trim on a file: fallocate PUNCH_HOLE | KEEP_SIZE).</summary>
    public async ValueTask<long> TrimAsync(long offset, int length)
    {
        await file.PunchHoleAsync(offset, length).ConfigureAwait(false);
        return length;
    }

    public ValueTask<int> ReadBufferedAsync(long offset, Memory<byte> buffer) => file.ReadBufferedAsync(offset, buffer, DirectIoFlags.InlineCompletion);

    public ValueTask<int> WriteBufferedAsync(long offset, ReadOnlyMemory<byte> buffer) => file.WriteBufferedAsync(offset, buffer);

    public ValueTask FlushAsync() => file.FlushAsync();

    /// <summary>fio's invalidate (POSIX_FADV_DONTNEED): dirty pages are written back, then the clean ones nobody holds leave the cache.</summary>
    public async ValueTask InvalidateCacheAsync() => await file.DropCacheAsync().ConfigureAwait(false);
}
