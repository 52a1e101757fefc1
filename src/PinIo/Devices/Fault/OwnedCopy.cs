// Follows drivers/md/dm-flakey.c (clone_bio: a corrupted write goes out from pages of its own, never the submitter's).
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Devices;

/// <summary>
/// A copy of a bio's data in page-aligned native memory the device owns: what a corrupted
/// write or a cached write sends to the device, so that the submitter's buffer is never
/// changed and never held after its bio ends. No page of it is referenced or pinned: it is
/// handed to bios as memory the device holds (<see cref="BioFlags.NoPageRef"/>).
/// </summary>
internal sealed class OwnedCopy : IDisposable
{
    private nint _address;

    private OwnedCopy(int length)
    {
        Length = length;
        _address = NativeMemoryAccess.AllocPageAligned((nuint)Math.Max(length, 1));
    }

    public int Length { get; }

    public nint Address => _address;

    public Span<byte> Span => NativeMemoryAccess.Span(_address, Length);

    /// <summary>A copy of the data <paramref name="bio"/> carries.</summary>
    public static OwnedCopy Of(Bio bio)
    {
        var copy = new OwnedCopy(bio.Size);
        BioMemory.CopyOut(bio, 0, copy.Span);
        return copy;
    }

    /// <summary>Adds bytes <paramref name="offset"/>..+<paramref name="length"/> of the copy to <paramref name="bio"/>, page by page.</summary>
    public void AddTo(Bio bio, int offset, int length)
    {
        nint address = _address + offset;
        int left = length;
        while (left > 0)
        {
            int inPage = PageSize.OffsetIn(address);
            int chunk = Math.Min(left, PageSize.Bytes - inPage);
            if (!bio.AddPage(PageTable.Peek(PageSize.AlignDown(address)), chunk, inPage))
            {
                ThrowHelper.ThrowMisuse($"a {Length}-byte copy does not fit one bio of the device's limits");
            }
            address += chunk;
            left -= chunk;
        }
    }

    public void Dispose()
    {
        nint address = Interlocked.Exchange(ref _address, 0);
        if (address != 0)
        {
            NativeMemoryAccess.FreePageAligned(address);
        }
    }
}

/// <summary>The bytes a bio carries, as one run, whatever its vecs.</summary>
internal static class BioMemory
{
    /// <summary>Copies the bio's bytes from <paramref name="from"/> on into <paramref name="destination"/>.</summary>
    public static void CopyOut(Bio bio, int from, Span<byte> destination)
    {
        int position = 0;
        int end = from + destination.Length;
        foreach (BioVec vec in bio.VecSpan)
        {
            int start = Math.Max(from, position);
            int stop = Math.Min(end, position + vec.Length);
            if (start < stop)
            {
                NativeMemoryAccess.Span(vec.Address + (start - position), stop - start).CopyTo(destination[(start - from)..]);
            }
            position += vec.Length;
        }
    }

    /// <summary>Overwrites the bio's bytes from <paramref name="from"/> on with <paramref name="data"/> (a read's result).</summary>
    public static void CopyIn(Bio bio, int from, ReadOnlySpan<byte> data)
    {
        int position = 0;
        int end = from + data.Length;
        foreach (BioVec vec in bio.VecSpan)
        {
            int start = Math.Max(from, position);
            int stop = Math.Min(end, position + vec.Length);
            if (start < stop)
            {
                data.Slice(start - from, stop - start).CopyTo(NativeMemoryAccess.Span(vec.Address + (start - position), stop - start));
            }
            position += vec.Length;
        }
    }
}
