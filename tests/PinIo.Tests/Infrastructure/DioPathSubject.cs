using PinIo.Fs;
using PinIo.Iov;

namespace PinIo.Tests.Infrastructure;

/// <summary>The two Direct I/O paths of a file system, so one test runs over both.</summary>
public enum DioPath
{
    Iomap,
    Legacy,
}

internal static class DioPaths
{
    public static ValueTask<long> ReadAsync(this DioPath path, IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags = DirectIoFlags.None, CancellationToken ct = default) =>
        path == DioPath.Iomap ? IomapDio.ReadAsync(inode, offset, iter, flags, ct) : LegacyDirectIo.ReadAsync(inode, offset, iter, flags, ct);

    public static ValueTask<long> WriteAsync(this DioPath path, IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags = DirectIoFlags.None, CancellationToken ct = default) =>
        path == DioPath.Iomap ? IomapDio.WriteAsync(inode, offset, iter, flags, ct) : LegacyDirectIo.WriteAsync(inode, offset, iter, flags, ct);
}
