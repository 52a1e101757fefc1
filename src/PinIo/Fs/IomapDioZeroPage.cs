// Follows fs/iomap/direct-io.c (the zero folio of iomap_dio_zero) and include/linux/pgtable.h (ZERO_PAGE).
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// The zero page both file-system Direct I/O paths write where a new or unwritten block must
/// read back zero outside the bytes a request covers. One pool page, zero-filled, referenced
/// for the life of the process (so it is never freed or handed out again, and counts in
/// <see cref="PinStats.PoolPagesInUse"/> as one page from its first use). Nobody writes into it.
/// </summary>
internal static class DioZeroPage
{
    /// <summary>Most bytes one zeroing covers: a file-system block minus a logical block (64 KiB at most).</summary>
    private const int MaxZeroBytes = 64 * 1024;

    private static readonly PagePool s_pool = new(1);

    /// <summary>The zero page (ZERO_PAGE(0)).</summary>
    public static Page Page { get; } = AllocZeroed();

    /// <summary>The zero page repeated, as the vecs of a bvec iterator over up to <see cref="MaxZeroBytes"/> zeroes.</summary>
    private static readonly BioVec[] s_vecs = Repeat(MaxZeroBytes / PageSize.Bytes);

    /// <summary>Zeroes, for copying into an iterator (iov_iter_zero) without taking any page.</summary>
    public static ReadOnlySpan<byte> Bytes => Page.AsSpan();

    /// <summary>iov_iter_zero(): fills the next <paramref name="bytes"/> of <paramref name="iter"/> with zeroes by copying; takes no page.</summary>
    public static long CopyToIter(IovIter iter, long bytes)
    {
        long done = 0;
        while (done < bytes)
        {
            int n = iter.CopyToIter(Bytes[..(int)Math.Min(PageSize.Bytes, bytes - done)]);
            if (n == 0)
            {
                break;
            }
            done += n;
        }
        return done;
    }

    /// <summary>
    /// iomap_dio_zero(): writes <paramref name="bytes"/> zeroes at <paramref name="deviceOffset"/>
    /// in bios of the zero page alone (no reference taken: the page is never freed), so they are
    /// homogeneous whatever the request's own memory is. True when the device took them all.
    /// </summary>
    public static async ValueTask<bool> WriteAsync(IBlockDevice device, long deviceOffset, long bytes, CancellationToken ct)
    {
        if (bytes <= 0)
        {
            return true;
        }
        if (bytes > MaxZeroBytes)
        {
            ThrowHelper.ThrowMisuse($"zeroing {bytes} bytes: a sub-block zeroing is less than a file-system block (at most {MaxZeroBytes} bytes)");
        }
        IovIter zeroes = IovIter.Pages(IterDirection.Source, s_vecs);
        zeroes.Truncate(bytes);
        try
        {
            return await DirectIo.TransferAsync(device, BioOp.Write, deviceOffset, zeroes, bounce: false, DirectIoFlags.None, ct).ConfigureAwait(false) == bytes;
        }
        catch (DirectIoException)
        {
            return false;
        }
    }

    private static Page AllocZeroed()
    {
        Page page = s_pool.Alloc();
        page.AsSpan().Clear();
        return page;
    }

    private static BioVec[] Repeat(int count)
    {
        var vecs = new BioVec[count];
        for (int i = 0; i < count; i++)
        {
            vecs[i] = new BioVec(Page, 0, PageSize.Bytes);
        }
        return vecs;
    }
}
