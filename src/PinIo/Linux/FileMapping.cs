// Follows mm/mmap.c and mm/msync.c in their use by a file mapping's owner (fio's engines/mmap.c maps a job's file so).
using Microsoft.Win32.SafeHandles;

namespace PinIo.Linux;

/// <summary>
/// A shared mapping of a file range (MAP_SHARED), read and written as memory: stores reach the
/// file through the page cache, <see cref="Sync"/> (msync) makes them durable. Internal to
/// PinIo and its CLI (ioengine=mmap); the mapping is the caller's until <see cref="Dispose"/>.
/// A store past the file's end faults (SIGBUS), so the file must cover the range first.
/// </summary>
internal sealed unsafe class FileMapping : IDisposable
{
    // The system's page size (Linux/ sits below Mm/, so not Mm's PageSize): mmap, msync and madvise take whole pages.
    private static readonly long s_pageMask = Environment.SystemPageSize - 1;

    private void* _address;
    private readonly nuint _length;
    private readonly int _skew;

    private FileMapping(void* address, nuint length, int skew)
    {
        _address = address;
        _length = length;
        _skew = skew;
    }

    /// <summary>Bytes of the file range mapped.</summary>
    public long Length => (long)_length - _skew;

    /// <summary>
    /// Maps <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/>
    /// (any offset: the mapping starts at the page below it). Throws <see cref="DirectIoException"/>
    /// (ENODEV: a file that cannot be mapped, such as a device without mmap).
    /// </summary>
    public static FileMapping Map(SafeFileHandle file, long offset, long length, bool writable, string path)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        int skew = (int)(offset & s_pageMask);
        nuint mapped = (nuint)(length + skew);
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            int prot = Interop.PROT_READ | (writable ? Interop.PROT_WRITE : 0);
            Errors.Check(Interop.Mmap(mapped, prot, Interop.MAP_SHARED, (int)file.DangerousGetHandle(), offset - skew, out void* address), "mmap", path);
            return new FileMapping(address, mapped, skew);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>The mapped bytes at <paramref name="offset"/> (from the start of the range); valid until <see cref="Dispose"/>.</summary>
    public Span<byte> Slice(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_address is null, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Length);
        return new Span<byte>((byte*)_address + _skew + offset, length);
    }

    /// <summary>msync of the bytes at <paramref name="offset"/>: MS_SYNC waits until they are written, MS_ASYNC only starts it.</summary>
    public void Sync(long offset, long length, bool wait)
    {
        (nint start, nuint bytes) = Pages(offset, length);
        Errors.Check(Interop.Msync((void*)start, bytes, wait ? Interop.MS_SYNC : Interop.MS_ASYNC), "msync");
    }

    /// <summary>The bytes at <paramref name="offset"/> written back (MS_SYNC) and unmapped from this process (MADV_DONTNEED), so the next access faults them in again.</summary>
    public void Drop(long offset, long length)
    {
        (nint start, nuint bytes) = Pages(offset, length);
        Errors.Check(Interop.Msync((void*)start, bytes, Interop.MS_SYNC), "msync");
        Errors.Check(Interop.Madvise((void*)start, bytes, Interop.MADV_DONTNEED), "madvise");
    }

    /// <summary>The whole pages holding the bytes at <paramref name="offset"/> (msync and madvise take page-aligned ranges).</summary>
    private (nint Start, nuint Bytes) Pages(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_address is null, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Length);
        long start = (offset + _skew) & ~s_pageMask;
        long end = offset + _skew + length;
        return ((nint)((byte*)_address + start), (nuint)(end - start));
    }

    /// <summary>madvise over the whole mapping (MADV_SEQUENTIAL, MADV_RANDOM...): read-ahead as the access pattern wants.</summary>
    public void Advise(int advice)
    {
        ObjectDisposedException.ThrowIf(_address is null, this);
        Errors.Check(Interop.Madvise(_address, _length, advice), "madvise");
    }

    public void Dispose()
    {
        if (_address is null)
        {
            return;
        }
        _ = Interop.Munmap(_address, _length);
        _address = null;
    }
}
