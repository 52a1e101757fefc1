// Follows block/fops.c (a bio's vecs as the iovecs of one transfer) and lib/iov_iter.c (advancing past a short transfer).
using PinIo.Block;
using PinIo.Iov;
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Devices;

/// <summary>What the file engines do with a bio's memory: iovecs, short transfers, the tail past end of file.</summary>
internal static unsafe class BioTransfer
{
    /// <summary>Writes the bio's vecs from byte <paramref name="skip"/> on as iovecs; returns how many.</summary>
    public static int FillIoVecs(ReadOnlySpan<BioVec> vecs, int skip, IoVec* iov)
    {
        int count = 0;
        foreach (BioVec vec in vecs)
        {
            if (skip >= vec.Length)
            {
                skip -= vec.Length;
                continue;
            }
            iov[count++] = new IoVec(vec.Address + skip, (nuint)(vec.Length - skip));
            skip = 0;
        }
        return count;
    }

    /// <summary>Whether the vecs are one range of memory, each starting where the last ended (a bio split only by MaxSegmentSize).</summary>
    public static bool IsOneRange(ReadOnlySpan<BioVec> vecs)
    {
        for (int i = 1; i < vecs.Length; i++)
        {
            if (vecs[i].Address != vecs[i - 1].Address + vecs[i - 1].Length)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A read that met the end of the file leaves the rest of the bio as it was: clear it, so
    /// the caller sees zeroes past the end (as a block device reads a hole) and never stale data.
    /// </summary>
    public static void ZeroFrom(Bio bio, int done) => ZeroRange(bio, done, bio.Size);

    /// <summary>Clears bytes <paramref name="from"/> to <paramref name="to"/> of the bio's memory.</summary>
    public static void ZeroRange(Bio bio, int from, int to)
    {
        int position = 0;
        foreach (BioVec vec in bio.VecSpan)
        {
            int start = Math.Max(from, position);
            int end = Math.Min(to, position + vec.Length);
            if (start < end)
            {
                NativeMemoryAccess.Span(vec.Address + (start - position), end - start).Clear();
            }
            position += vec.Length;
        }
    }

    /// <summary>
    /// Ends a bio with the outcome of its syscalls: <paramref name="error"/> is a negative errno,
    /// or 0. <paramref name="reason"/>, when the engine knows more than the errno says, goes
    /// with the failure (<see cref="Bio.FailureReason"/>).
    /// </summary>
    public static void Complete(FileDevice device, Bio bio, int error, string? reason = null)
    {
        if (error < 0)
        {
            var errno = (Errno)(-error);
            bio.Complete(BlkStatusExtensions.FromErrno(errno), errno, reason);
            return;
        }
        if (bio.Op == BioOp.Write)
        {
            device.NoteWritten(bio.Position + bio.Size);
        }
        bio.Complete(BlkStatus.Ok);
    }
}
