// Follows drivers/md/dm-flakey.c (flakey_end_io, corrupt_bio_data) and drivers/md/dm.c (a clone goes down; its end ends the original).
using System.Globalization;
using PinIo.Block;

namespace PinIo.Devices;

public sealed partial class FaultDevice
{
    /// <summary>Sends a clone to the inner device: over the caller's own pages, or over <paramref name="copy"/>.</summary>
    private void Forward(FaultIo io, OwnedCopy? copy)
    {
        Bio bio = io.Bio!;
        Bio clone = BioPool.Rent(bio.Op, bio.Sector, Inner.Limits);
        clone.Priority = bio.Priority;
        if (bio.Op == BioOp.Discard)
        {
            clone.SetDiscardSize(bio.Size);
        }
        else if (copy is not null)
        {
            io.Copy = copy;
            copy.AddTo(clone, 0, copy.Length);
        }
        else
        {
            foreach (Iov.BioVec vec in bio.VecSpan)
            {
                if (!clone.AddPage(vec.Page, vec.Length, vec.Offset))
                {
                    ThrowHelper.ThrowMisuse($"a clone of {bio} does not fit the inner device's limits");
                }
            }
        }
        clone.Private = io;
        clone.EndIo = s_cloneEnd;
        SubmitOrFail(Inner, clone);
    }

    private static void OnCloneEnd(Bio clone)
    {
        var io = (FaultIo)clone.Private!;
        (BlkStatus status, Errno errno, string? reason) = (clone.Status, clone.Error, clone.FailureReason);
        clone.ReleasePages(markDirty: false);
        BioPool.Return(clone);
        FaultDevice device = io.Device!;
        if (status == BlkStatus.Ok && io.Bio!.Op == BioOp.Read)
        {
            ApplyOverlay(io);
            if (io.Verdict == FaultVerdict.CorruptRead)
            {
                device.CorruptRead(io);
            }
        }
        device.Finish(io, status, errno, reason);
    }

    /// <summary>Cached writes are newer than the device: a read sees them over what it read, oldest first.</summary>
    private static void ApplyOverlay(FaultIo io)
    {
        if (io.Overlay is null)
        {
            return;
        }
        Bio bio = io.Bio!;
        foreach (CachedWrite entry in io.Overlay)
        {
            long from = Math.Max(bio.Sector, entry.Sector);
            long to = Math.Min(bio.Sector + (bio.Size / QueueLimits.SectorSize), entry.Sector + entry.Sectors);
            int length = (int)(to - from) * QueueLimits.SectorSize;
            ReadOnlySpan<byte> data = entry.Data.Span.Slice((int)(from - entry.Sector) * QueueLimits.SectorSize, length);
            BioMemory.CopyIn(bio, (int)(from - bio.Sector) * QueueLimits.SectorSize, data);
        }
    }

    private void CorruptRead(FaultIo io)
    {
        Span<byte> one = stackalloc byte[1];
        BioMemory.CopyOut(io.Bio!, io.CorruptAt, one);
        Corrupt(io, one, at: 0);
        BioMemory.CopyIn(io.Bio!, io.CorruptAt, one);
    }

    private void Corrupt(FaultIo io, Span<byte> data, int at = -1)
    {
        int index = at < 0 ? io.CorruptAt : at;
        byte before = data[index];
        data[index] = Options.Flakey!.Corrupt!.Value ?? (byte)~before;
        Record(io, FaultAction.Corrupted, string.Create(CultureInfo.InvariantCulture,
            $"byte {io.CorruptAt} of the bio (device offset {io.Bio!.Position + io.CorruptAt}) 0x{before:x2} -> 0x{data[index]:x2}"));
    }
}

/// <summary>One bio on its way through a <see cref="FaultDevice"/>: what was decided for it and what it holds.</summary>
internal sealed class FaultIo
{
    public FaultDevice? Device { get; set; }

    public Bio? Bio { get; set; }

    public long Sequence { get; set; }

    public FaultVerdict Verdict { get; set; }

    public int CorruptAt { get; set; } = -1;

    /// <summary>The device's own copy a corrupted write went out from.</summary>
    public OwnedCopy? Copy { get; set; }

    /// <summary>Cached writes a read lays over what it read.</summary>
    public List<CachedWrite>? Overlay { get; set; }

    public void Clear()
    {
        Device = null;
        Bio = null;
        Copy = null;
        Overlay = null;
    }
}
