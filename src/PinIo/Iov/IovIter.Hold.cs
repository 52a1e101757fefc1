using System.Buffers;

namespace PinIo.Iov;

public sealed partial class IovIter
{
    /// <summary>
    /// GC-pins the user memory still ahead in an <see cref="IterKind.Iovec"/> iterator (nothing
    /// for other kinds), until the hold is disposed. Managed memory can move until it is pinned:
    /// a check of <see cref="Alignment"/> on memory that moves before its pages are pinned passes
    /// for an address the bios never see (the kernel refuses the request with EINVAL). Linux
    /// has no such gap — a user address does not move — so the hold makes the check and the
    /// pin see one address: take it before the check, dispose it once the bios hold their own pins.
    /// </summary>
    internal UserMemoryHold HoldUserMemory()
    {
        if (Kind != IterKind.Iovec || _count == 0)
        {
            return default;
        }
        var hold = new UserMemoryHold();
        long size = _count;
        for (int seg = _seg; size > 0; seg++)
        {
            Memory<byte> segment = UserSegment(seg);
            long len = Math.Min(segment.Length - (seg == _seg ? _segOffset : 0), size);
            if (len > 0)
            {
                hold.Add(segment.Pin());
                size -= len;
            }
        }
        return hold;
    }
}

/// <summary>The GC pins of <see cref="IovIter.HoldUserMemory"/>: the first inline, more in a pooled array.</summary>
internal struct UserMemoryHold : IDisposable
{
    private MemoryHandle _first;
    private MemoryHandle[]? _more;
    private int _count;

    public void Add(MemoryHandle handle)
    {
        if (_count == 0)
        {
            _first = handle;
        }
        else
        {
            if (_more is null || _count - 1 == _more.Length)
            {
                MemoryHandle[] grown = ArrayPool<MemoryHandle>.Shared.Rent(Math.Max(4, _count * 2));
                _more?.AsSpan(0, _count - 1).CopyTo(grown);
                if (_more is not null)
                {
                    ArrayPool<MemoryHandle>.Shared.Return(_more, clearArray: true);
                }
                _more = grown;
            }
            _more[_count - 1] = handle;
        }
        _count++;
    }

    public void Dispose()
    {
        if (_count == 0)
        {
            return;
        }
        _first.Dispose();
        if (_more is not null)
        {
            for (int i = 0; i < _count - 1; i++)
            {
                _more[i].Dispose();
            }
            ArrayPool<MemoryHandle>.Shared.Return(_more, clearArray: true);
            _more = null;
        }
        _count = 0;
    }
}
