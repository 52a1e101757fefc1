using PinIo.Block;
using PinIo.Fs;
using PinIo.Iov;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// Where a job's Direct I/O goes: the runner's only I/O calls. A raw device goes through
/// <see cref="DirectIo"/> (<see cref="DeviceJobIo"/>); a file inside a Volume through the file's
/// own Direct I/O (<c>VolumeFileJobIo</c>), which maps its offsets before any bio is built.
/// </summary>
internal interface IJobIo
{
    ValueTask<long> ReadAsync(long offset, IovIter iter);

    ValueTask<long> WriteAsync(long offset, IovIter iter);

    /// <summary>A trim of <paramref name="length"/> bytes: a device's discard, a file's punched hole. Returns the bytes trimmed.</summary>
    ValueTask<long> TrimAsync(long offset, int length);

    /// <summary>fsync: on a device a flush bio; on a file its data, the metadata reaching it, then a flush bio.</summary>
    ValueTask FlushAsync();
}

/// <summary>Direct I/O whose requests carry an I/O priority to the device (prio, cmdprio_*): a raw device's.</summary>
internal interface IPrioritizedJobIo
{
    ValueTask<long> ReadAsync(long offset, IovIter iter, IoPriority priority);

    ValueTask<long> WriteAsync(long offset, IovIter iter, IoPriority priority);
}

/// <summary>A file with a page cache (a Volume's): buffered I/O through it when <see cref="Buffered"/>, and its counters.</summary>
internal interface IBufferedJobIo : IJobIo
{
    /// <summary>direct=0: the job's main-phase I/O takes the memory methods below, not the iterators.</summary>
    bool Buffered { get; }

    /// <summary>The cache's counters now (the whole Volume's: jobs on one Volume share them).</summary>
    PageCacheStats CacheStats { get; }

    ValueTask<int> ReadBufferedAsync(long offset, Memory<byte> buffer);

    ValueTask<int> WriteBufferedAsync(long offset, ReadOnlyMemory<byte> buffer);

    /// <summary>invalidate=1: the file's cached pages dropped before the job.</summary>
    ValueTask InvalidateCacheAsync();
}

/// <summary>A raw device: <see cref="DirectIo"/>, continuations inline on the completing thread (the runner's continuations only hand the slot over).</summary>
internal sealed class DeviceJobIo(IBlockDevice device) : IJobIo, IPrioritizedJobIo
{
    public ValueTask<long> ReadAsync(long offset, IovIter iter, IoPriority priority) => DirectIo.ReadAsync(device, offset, iter, DirectIoFlags.InlineCompletion, priority);

    public ValueTask<long> WriteAsync(long offset, IovIter iter, IoPriority priority) => DirectIo.WriteAsync(device, offset, iter, DirectIoFlags.InlineCompletion, priority);

    public ValueTask<long> ReadAsync(long offset, IovIter iter) => DirectIo.ReadAsync(device, offset, iter, DirectIoFlags.InlineCompletion);

    /// <summary>The slot's read or write with the slot itself as the completion (a kiocb's ki_complete): no ValueTask per I/O. True when it ended in the call.</summary>
    public bool Start(IoSlot slot, IovIter iter) =>
        DirectIo.Start(device, slot.IsWrite ? BioOp.Write : BioOp.Read, slot.Offset, iter, slot.Priority, slot, out slot.Result, out slot.Failure);

    public ValueTask<long> WriteAsync(long offset, IovIter iter) => DirectIo.WriteAsync(device, offset, iter, DirectIoFlags.InlineCompletion);

    /// <summary>Resumes where the last discard bio ends, as reads and writes do: on a polled ring, inside the job thread's reap.</summary>
    public async ValueTask<long> TrimAsync(long offset, int length)
    {
        await BlkLib.IssueDiscardCoreAsync(device, offset, length, inlineContinuations: true, CancellationToken.None).ConfigureAwait(false);
        return length;
    }

    public ValueTask FlushAsync() => DirectIo.FlushAsync(device);
}
