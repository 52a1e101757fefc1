// Follows mm/fadvise.c (generic_fadvise: POSIX_FADV_DONTNEED).
namespace PinIo.Fs;

public sealed partial class VolumeFile
{
    /// <summary>
    /// posix_fadvise(POSIX_FADV_DONTNEED) on file bytes [<paramref name="offset"/>,
    /// <paramref name="offset"/> + <paramref name="length"/>) (a length of 0: to the end of the
    /// file): the range's dirty pages are written back, then its clean pages leave the cache,
    /// so that the next buffered read goes to the device. Pages that are mapped, pinned or in
    /// use stay, as in the kernel. Returns the pages dropped.
    /// </summary>
    public async ValueTask<int> DropCacheAsync(long offset = 0, long length = 0, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        if (offset < 0 || length < 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"{nameof(DropCacheAsync)} on \"{Name}\": offset {offset} and length {length} must not be negative");
        }
        long end = length == 0 || offset > long.MaxValue - length ? long.MaxValue : offset + length;
        if (Volatile.Read(ref _inode.Cache) is not { } cache)
        {
            return 0;
        }
        await cache.WritebackAsync(offset, end, ct).ConfigureAwait(false);
        return cache.DropClean(offset, end);
    }
}
