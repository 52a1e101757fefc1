using PinIo.Block;
using PinIo.Fs;
using PinIo.Iov;

namespace PinIo.Cli.Runner;

/// <summary>
/// Where a job's Direct I/O goes: the runner's only I/O calls. A raw device goes through
/// <see cref="DirectIo"/> (<see cref="DeviceJobIo"/>); a file inside a Volume through the file's
/// own Direct I/O (<c>VolumeFileJobIo</c>), which maps its offsets before any bio is built.
/// </summary>
internal interface IJobIo
{
    ValueTask<long> ReadAsync(long offset, IovIter iter);

    ValueTask<long> WriteAsync(long offset, IovIter iter);

    /// <summary>fsync: on a device a flush bio; on a file its data, the metadata reaching it, then a flush bio.</summary>
    ValueTask FlushAsync();
}

/// <summary>A raw device: <see cref="DirectIo"/>, continuations inline on the completing thread (the runner's continuations only hand the slot over).</summary>
internal sealed class DeviceJobIo(IBlockDevice device) : IJobIo
{
    public ValueTask<long> ReadAsync(long offset, IovIter iter) => DirectIo.ReadAsync(device, offset, iter, DirectIoFlags.InlineCompletion);

    public ValueTask<long> WriteAsync(long offset, IovIter iter) => DirectIo.WriteAsync(device, offset, iter, DirectIoFlags.InlineCompletion);

    public ValueTask FlushAsync() => DirectIo.FlushAsync(device);
}
