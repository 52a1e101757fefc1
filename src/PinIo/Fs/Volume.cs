// Follows fs/super.c (mount_bdev, sync_filesystem) for a file system of PinIo's own; layout after BlueFS.
using System.Security.Cryptography;
using System.Text;
using PinIo.Block;

namespace PinIo.Fs;

/// <summary>
/// Files on a block device: a flat namespace of named files with extent maps, a block
/// allocator and a checksummed metadata journal replayed at <see cref="Mount"/> (the design
/// is BlueFS's: a superblock pointing at a metadata log, compacted into a second area when it
/// fills). Metadata changes are in memory at once and durable at <see cref="SyncAsync"/> or
/// a file's <see cref="VolumeFile.FlushAsync"/>; data is written and flushed before the
/// metadata that points at it (ordered mode), so a power cut at any moment leaves a volume
/// that mounts, passes <see cref="Check"/> and shows no byte another file held. The device
/// stays the caller's: disposing the volume commits the journal and leaves the device open.
/// </summary>
public sealed partial class Volume : IDisposable, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly MetadataIo _io;
    private readonly VolumeMetadata _metadata;
    private readonly Journal _journal;
    private readonly PageCache _pageCache;
    private int _disposed;

    private Volume(IBlockDevice device, VolumeOptions options, MetadataIo io, VolumeMetadata metadata, Superblock sb, long tail, long nextSequence)
    {
        Device = device;
        Options = options;
        _io = io;
        _metadata = metadata;
        _journal = new Journal(_lock, metadata, io, sb, tail, nextSequence);
        BlockSize = sb.BlockSize;
        BlockShift = System.Numerics.BitOperations.Log2((uint)sb.BlockSize);
        _pageCache = new PageCache(this, options.PageCacheBytes);
    }

    /// <summary>The device the volume lives on; it stays open after the volume is disposed (its owner disposes it).</summary>
    public IBlockDevice Device { get; }

    /// <summary>The options in force: <see cref="VolumeOptions.BlockSize"/> as the superblock records it, the rest as given.</summary>
    public VolumeOptions Options { get; }

    /// <summary>The file-system block in bytes: the unit of allocation.</summary>
    public int BlockSize { get; }

    /// <summary>log2 of <see cref="BlockSize"/> (a power of two): block arithmetic on the Direct I/O path shifts rather than divides.</summary>
    internal int BlockShift { get; }

    /// <summary>Bytes of data blocks (the device less the superblocks and log areas).</summary>
    public long TotalBytes => _metadata.Superblock.DataBlocks * BlockSize;

    /// <summary>Bytes free for files, counting blocks freed by changes not yet committed (they are free once a commit ends).</summary>
    public long FreeBytes
    {
        get
        {
            lock (_lock)
            {
                return (_metadata.FreeSpace.FreeBlocks + _metadata.FreeSpace.BusyBlocks) * BlockSize;
            }
        }
    }

    /// <summary>The largest file in bytes: writes, extensions and allocations past it fail with EFBIG.</summary>
    public static long MaxFileLength => VolumeGeometry.MaxFileBytes;

    /// <summary>The names of the files, in ordinal order.</summary>
    public IReadOnlyList<string> Files
    {
        get
        {
            lock (_lock)
            {
                return [.. _metadata.Files.Select(f => f.Name).Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The page cache's counters and its cached and dirty bytes now.</summary>
    public PageCacheStats PageCacheStats => _pageCache.Snapshot();

    internal PageCache PageCache => _pageCache;

    internal Lock MetadataLock => _lock;

    internal VolumeMetadata Metadata => _metadata;

    internal Journal Journal => _journal;

    internal MetadataIo MetadataIo => _io;

    /// <summary>
    /// Makes an empty volume on <paramref name="device"/>: both superblock copies, an empty
    /// log, every data block free. Whatever the device held before is never visible through a
    /// file: blocks are allocated unwritten and read as zeroes until written. The superblocks are
    /// flushed before it returns. The volume does not own <paramref name="device"/>.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: <see cref="VolumeOptions.BlockSize"/> is not a
    /// power of two from 4 KiB to 64 KiB at least the device's logical block, or another option is
    /// invalid. <see cref="Errno.ENOSPC"/>: the device is too small for the superblocks and the log.
    /// The device's errno when writing or flushing the superblocks fails.</exception>
    public static Volume Format(IBlockDevice device, VolumeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        options ??= new VolumeOptions();
        CheckOptions(options);
        int blockSize = options.BlockSize;
        int logical = device.Limits.LogicalBlockSize;
        if (!VolumeGeometry.IsValidBlockSize(blockSize) || blockSize < logical)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"volume block size {blockSize} is not a power of two from {VolumeGeometry.MinBlockSize} to {VolumeGeometry.MaxBlockSize} " +
                $"at least the device's logical block of {logical} bytes: choose one that is");
        }
        long totalBlocks = device.Capacity / blockSize;
        long logArea = VolumeGeometry.LogAreaBlocks(totalBlocks, blockSize);
        if (totalBlocks <= 2 + 2 * logArea)
        {
            ThrowHelper.ThrowDirectIo(Errno.ENOSPC, $"a device of {device.Capacity} bytes is too small for a volume with {blockSize}-byte blocks: " +
                $"it needs more than {(2 + 2 * logArea) * blockSize} bytes for the superblocks and the log");
        }
        var sb = new Superblock
        {
            BlockSize = blockSize,
            TotalBlocks = totalBlocks,
            LogAreaBlocks = logArea,
            Generation = 1,
            LogEpoch = 1,
            ActiveArea = 0,
            LogStartSequence = 1,
            VolumeId = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)),
        };
        var io = new MetadataIo(device);
        try
        {
            // Generation 0 and 1 describe the same empty volume: both copies valid from the start.
            RunSync(Journal.WriteSuperblockAsync(io, sb with { Generation = 0 }, CancellationToken.None));
            RunSync(Journal.WriteSuperblockAsync(io, sb, CancellationToken.None));
            RunSync(io.FlushAsync(CancellationToken.None));
            return new Volume(device, options, io, new VolumeMetadata(sb), sb, tail: 0, nextSequence: 1);
        }
        catch
        {
            io.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the volume on <paramref name="device"/>: takes the newer valid superblock,
    /// replays the journal up to the first transaction that fails its checksum or sequence
    /// (a commit the power cut tore), then compacts the log into the other area so that
    /// nothing past that point can ever replay. <see cref="VolumeOptions.BlockSize"/> is
    /// ignored: the superblock has it. The volume does not own <paramref name="device"/>.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: no valid superblock (not formatted, or
    /// both copies damaged), or the device is smaller or has larger logical blocks than the one the
    /// volume was formatted on. The device's errno when reading or writing the log fails.</exception>
    public static Volume Mount(IBlockDevice device, VolumeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        options ??= new VolumeOptions();
        CheckOptions(options);
        var io = new MetadataIo(device);
        try
        {
            Superblock sb = ChooseSuperblock(RunSync(Journal.ReadSuperblocksAsync(io, CancellationToken.None)));
            if (sb.TotalBlocks * sb.BlockSize > device.Capacity || sb.BlockSize < device.Limits.LogicalBlockSize)
            {
                ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"the volume needs {sb.TotalBlocks * sb.BlockSize} bytes with {sb.BlockSize}-byte blocks; the device has {device.Capacity} " +
                    $"bytes with {device.Limits.LogicalBlockSize}-byte logical blocks: mount it on the device it was formatted on");
            }
            if (sb.LogAreaBlocks * sb.BlockSize > VolumeGeometry.MaxLogAreaBytes)
            {
                ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"the volume's log area of {sb.LogAreaBlocks} blocks is larger than this PinIo reads ({VolumeGeometry.MaxLogAreaBytes} bytes): the superblock is damaged");
            }
            var metadata = new VolumeMetadata(sb);
            byte[] area = new byte[sb.LogAreaBlocks * sb.BlockSize];
            RunSync(io.ReadAsync(sb.LogAreaStart(sb.ActiveArea) * sb.BlockSize, area, CancellationToken.None));
            ReplayResult replay = JournalTransaction.Replay(area, sb, metadata, io.LogicalBlock);
            var volume = new Volume(device, options, io, metadata, sb, replay.EndOffset, replay.NextSequence);
            RunSync(volume._journal.CommitAsync(forceCompaction: true, CancellationToken.None));
            return volume;
        }
        catch
        {
            io.Dispose();
            throw;
        }
    }

    private static void CheckOptions(VolumeOptions options)
    {
        if (!Enum.IsDefined(options.DirectIoPath))
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"DirectIoPath {(int)options.DirectIoPath} is not one of Iomap, Legacy");
        }
        if (options.PageCacheBytes < 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"PageCacheBytes {options.PageCacheBytes} is negative: give the cache's size in bytes, or 0 for the default of {PageCache.DefaultBytes >> 20} MiB");
        }
    }

    private static Superblock ChooseSuperblock((Superblock? Sb, string? Problem)[] copies)
    {
        Superblock? best = null;
        foreach ((Superblock? sb, _) in copies)
        {
            if (sb is not null && (best is null || sb.Generation > best.Generation))
            {
                best = sb;
            }
        }
        if (best is null)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"no valid PinIo volume superblock on the device (copy 0: {copies[0].Problem}; copy 1: {copies[1].Problem}): format it first, or mount the right device");
        }
        return best;
    }

    /// <summary>
    /// Creates an empty file and opens it (durable at the next <see cref="SyncAsync"/> or the
    /// file's flush). Thread-safe. Dispose the returned handle.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the name is empty, holds a NUL or is not
    /// valid Unicode. <see cref="Errno.ENAMETOOLONG"/>: more than the volume's limit of UTF-8 bytes.
    /// <see cref="Errno.EEXIST"/>: a file of that name exists.</exception>
    /// <exception cref="ObjectDisposedException">The volume is disposed.</exception>
    public VolumeFile Create(string name)
    {
        CheckName(name);
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_metadata.Find(name) is not null)
            {
                ThrowHelper.ThrowDirectIo(Errno.EEXIST, $"a file named \"{name}\" exists on the volume: open it, or delete it first");
            }
            long id = _metadata.NextFileId;
            _journal.Apply(JournalRecord.Create(id, name));
            return OpenLocked(_metadata.Find(id)!);
        }
    }

    /// <summary>Opens a handle on an existing file; any number may be open at once. Thread-safe. Dispose the returned handle.</summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the name is empty, holds a NUL or is not
    /// valid Unicode. <see cref="Errno.ENAMETOOLONG"/>: more than the volume's limit of UTF-8 bytes.
    /// <see cref="Errno.ENOENT"/>: no file of that name.</exception>
    /// <exception cref="ObjectDisposedException">The volume is disposed.</exception>
    public VolumeFile Open(string name)
    {
        CheckName(name);
        lock (_lock)
        {
            ThrowIfDisposed();
            return OpenLocked(_metadata.Find(name) ?? throw NoSuchFile(name));
        }
    }

    /// <summary>True when a file named <paramref name="name"/> exists (committed or not). Thread-safe.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public bool Exists(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_lock)
        {
            return _metadata.Find(name) is not null;
        }
    }

    /// <summary>
    /// Removes a file and frees its blocks (reusable once the deletion is committed). EBUSY
    /// while a <see cref="VolumeFile"/> of it is open: Direct I/O in flight must never land in
    /// blocks another file got. Durable at the next <see cref="SyncAsync"/>. Thread-safe.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the name is empty, holds a NUL or is not
    /// valid Unicode. <see cref="Errno.ENAMETOOLONG"/>: more than the volume's limit of UTF-8 bytes.
    /// <see cref="Errno.ENOENT"/>: no file of that name. <see cref="Errno.EBUSY"/>: a handle on it is open.</exception>
    /// <exception cref="ObjectDisposedException">The volume is disposed.</exception>
    public void Delete(string name)
    {
        CheckName(name);
        FileCache? cache;
        lock (_lock)
        {
            cache = _metadata.Find(name) is { } found ? Volatile.Read(ref found.Cache) : null;
        }
        // No writeback of the file may run while its blocks are freed: it would map them again.
        using (cache?.LockWriteback())
        lock (_lock)
        {
            ThrowIfDisposed();
            VolumeInode inode = _metadata.Find(name) ?? throw NoSuchFile(name);
            if (inode.OpenCount > 0)
            {
                ThrowHelper.ThrowDirectIo(Errno.EBUSY, $"\"{name}\" is open ({inode.OpenCount} handles): dispose its VolumeFile objects before deleting it");
            }
            _journal.Apply(JournalRecord.Delete(inode.Id));
        }
    }

    /// <summary>
    /// Makes every change durable (creations, deletions, sizes, extents), with the data they
    /// depend on: syncfs. Writes back every dirty cached page first, then commits the journal:
    /// data is flushed before the metadata that points at it (ordered mode).
    /// </summary>
    /// <exception cref="DirectIoException">The device's errno (EIO, ENOSPC, ...) when writeback or the commit fails.</exception>
    /// <exception cref="ObjectDisposedException">The volume is disposed.</exception>
    public async ValueTask SyncAsync(CancellationToken ct = default)
    {
        ThrowIfDisposed();
        await _pageCache.WritebackAllAsync(ct).ConfigureAwait(false);
        await _journal.CommitAsync(forceCompaction: false, ct).ConfigureAwait(false);
    }

    /// <summary>Commits when the pending transaction has grown large, so that a log area always holds it.</summary>
    internal ValueTask CommitIfLargeAsync(CancellationToken ct) =>
        _journal.PendingBytes > _journal.AreaBytes / 4 ? _journal.CommitAsync(forceCompaction: false, ct) : ValueTask.CompletedTask;

    internal void Close(VolumeInode inode)
    {
        lock (_lock)
        {
            inode.OpenCount--;
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private VolumeFile OpenLocked(VolumeInode inode)
    {
        inode.OpenCount++;
        return new VolumeFile(this, inode);
    }

    private static DirectIoException NoSuchFile(string name) =>
        new(Errno.ENOENT, $"no file named \"{name}\" on the volume: create it first (Volume.Files lists what there is)");

    private static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, "a file name must be non-empty and hold no NUL character");
        }
        int bytes;
        try
        {
            bytes = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            throw new DirectIoException(Errno.EINVAL, $"the file name \"{name}\" is not valid Unicode (a lone surrogate): it cannot be stored as UTF-8");
        }
        if (bytes > VolumeGeometry.MaxNameBytes)
        {
            ThrowHelper.ThrowDirectIo(Errno.ENAMETOOLONG, $"the file name is {bytes} bytes of UTF-8; the most is {VolumeGeometry.MaxNameBytes}: use a shorter name");
        }
    }

    /// <summary>Runs a metadata I/O to its end from a synchronous API (Format, Mount, Check, Dispose).</summary>
    internal static void RunSync(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            ThrowIfWaitWouldHang(task.IsCompleted);
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    internal static T RunSync<T>(ValueTask<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return task.Result;
        }
        ThrowIfWaitWouldHang(task.IsCompleted);
        return task.AsTask().GetAwaiter().GetResult();
    }

    private static void ThrowIfWaitWouldHang(bool completed)
    {
        if (!completed)
        {
            CompletionContext.ThrowIfCurrent("A synchronous Volume call (Format, Mount, Check, Dispose)");
        }
    }

    /// <summary>
    /// Commits the journal (an orderly unmount) unless the volume is shut down, then frees its
    /// buffers. The device stays open. Refused on a device's completion thread when the commit
    /// has I/O to wait for (it could only end on that thread): the commit then goes on when the
    /// thread returns, and the buffers are freed when it ends.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // A Task, not a ValueTask: a refused Dispose hands it on to FreeWhenEndedAsync.
        Task commit = CommitForUnmountAsync().AsTask();
        if (!commit.IsCompleted && CompletionContext.IsCurrent)
        {
            _ = FreeWhenEndedAsync(commit);
            CompletionContext.ThrowIfCurrent("Volume.Dispose (it commits the journal)");
        }
        try
        {
            commit.GetAwaiter().GetResult();
        }
        finally
        {
            FreeBuffers();
        }
    }

    /// <summary>The commit a refused Dispose left running: its outcome has no caller left to take it.</summary>
    private async Task FreeWhenEndedAsync(Task commit)
    {
        try
        {
            await commit.ConfigureAwait(false);
        }
        catch (Exception e) when (e is DirectIoException or OperationCanceledException)
        {
            // The caller already has the refusal; the volume is gone either way.
        }
        finally
        {
            FreeBuffers();
        }
    }

    private void FreeBuffers()
    {
        _pageCache.Dispose();
        _io.Dispose();
        _journal.Dispose();
    }

    /// <summary>Drops the volume without committing, as a power cut does (tests: the device is then cut and mounted afresh).</summary>
    internal void DisposeWithoutCommit()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            FreeBuffers();
        }
    }

    /// <summary>
    /// <see cref="Dispose"/> without blocking: stops background writeback, writes every dirty
    /// cache page back and commits the journal (an orderly unmount), then frees the cache.
    /// The device stays open. Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            await CommitForUnmountAsync().ConfigureAwait(false);
        }
        finally
        {
            FreeBuffers();
        }
    }

    /// <summary>A clean unmount: the flusher stops, every dirty page is written back, the journal commits. Nothing when the journal is shut down.</summary>
    private async ValueTask CommitForUnmountAsync()
    {
        _pageCache.StopBackgroundWriteback();
        await _pageCache.DrainReadaheadAsync().ConfigureAwait(false);
        // Read-ahead ends on the device's ring thread, where the wait may have gone on; unmount
        // leaves it, as it ends by closing that ring.
        await Task.Yield();
        if (_journal.IsShutDown)
        {
            return;
        }
        await _pageCache.WritebackAllAsync(CancellationToken.None).ConfigureAwait(false);
        await _journal.CommitAsync(forceCompaction: false, CancellationToken.None).ConfigureAwait(false);
    }
}
