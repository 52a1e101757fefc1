// Follows mm/fadvise.c (generic_fadvise: POSIX_FADV_NORMAL, SEQUENTIAL, RANDOM, DONTNEED).
namespace PinIo.Fs;

/// <summary>posix_fadvise's access patterns, for a handle's read-ahead (<see cref="VolumeFile.Advise"/>).</summary>
public enum FileAccessAdvice
{
    /// <summary>POSIX_FADV_NORMAL: read-ahead grows on sequential access and stays off on random access.</summary>
    Normal,

    /// <summary>POSIX_FADV_SEQUENTIAL: a sequential miss reads the largest window at once, without the ramp.</summary>
    Sequential,

    /// <summary>POSIX_FADV_RANDOM: no read-ahead; a miss reads the pages asked for.</summary>
    Random,
}

public sealed partial class VolumeFile
{
    /// <summary>
    /// posix_fadvise for this handle's buffered reads: how its read-ahead treats a miss (the
    /// kernel's FMODE_RANDOM and the doubled window of POSIX_FADV_SEQUENTIAL). Direct I/O is
    /// not affected.
    /// </summary>
    public void Advise(FileAccessAdvice advice)
    {
        ThrowIfDisposed();
        if (!Enum.IsDefined(advice))
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"{nameof(Advise)} on \"{Name}\": {advice} is not an access pattern (Normal, Sequential or Random)");
        }
        _readahead.Advice = advice;
    }

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
