// Follows fio's io_u.c in one respect: an I/O carries its file (io_u->file); here the high bits of its offset name it.
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Iov;

namespace PinIo.Cli.Runner.Engines;

/// <summary>A job's files, each a device: an I/O goes to the file its offset names (<see cref="FileSetTarget.Split"/>), at the offset within it.</summary>
internal sealed class FileSetJobIo : IJobIo
{
    private readonly DeviceJobIo[] _files;

    public FileSetJobIo(IReadOnlyList<IBlockDevice> devices) => _files = [.. devices.Select(d => new DeviceJobIo(d))];

    public ValueTask<long> ReadAsync(long offset, IovIter iter)
    {
        (int file, long at) = FileSetTarget.Split(offset);
        return _files[file].ReadAsync(at, iter);
    }

    public ValueTask<long> WriteAsync(long offset, IovIter iter)
    {
        (int file, long at) = FileSetTarget.Split(offset);
        return _files[file].WriteAsync(at, iter);
    }

    public ValueTask<long> TrimAsync(long offset, int length)
    {
        (int file, long at) = FileSetTarget.Split(offset);
        return _files[file].TrimAsync(at, length);
    }

    /// <summary>Every file flushed, one after another (fio's fsync goes to the file of the I/O before it; a flush of all covers it).</summary>
    public async ValueTask FlushAsync()
    {
        foreach (DeviceJobIo file in _files)
        {
            await file.FlushAsync().ConfigureAwait(false);
        }
    }
}
