// Follows drivers/md/dm-flakey.c, drivers/md/dm-dust.c and drivers/md/dm-delay.c (device-mapper's test targets).
using System.Globalization;
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>
/// A device that wraps another and misbehaves on purpose, after Linux's device-mapper test
/// targets: dm-flakey (up and down intervals; while down every bio fails with EIO, or writes
/// are dropped or fail, or a byte of each bio is corrupted), dm-dust (bad blocks that fail
/// reads until rewritten), dm-delay (latency per direction), and a power-cut mode (writes
/// held in a volatile cache until a flush bio; <see cref="Cut"/> keeps a random, possibly
/// torn, subset). Every random choice comes from <see cref="FaultOptions.Seed"/> and the bio's
/// number, so a run with bio-counted intervals repeats exactly; <see cref="Log"/> says what
/// it did. Limits and capacity are the inner device's; every bio is ended exactly once.
/// The caller's memory is never kept past its bio and never changed by a write: a corrupted
/// or cached write goes out from a copy the device owns.
/// </summary>
public sealed partial class FaultDevice : IBlockDevice
{
    private const string FlakeyFailure = "FaultDevice: injected I/O error (dm-flakey, device down)";
    private const string DustReadFailure = "FaultDevice: read of a bad block (dm-dust); a write over the block clears it";
    private const string DustWriteFailure = "FaultDevice: write over a bad block failed (dm-dust write failures left)";

    private static readonly Action<Bio> s_cloneEnd = OnCloneEnd;

    private readonly bool _leaveInnerOpen;
    private readonly FlakeySchedule? _flakey;
    private readonly DustMap? _dust;
    private readonly DelayQueue? _delay;
    private readonly ObjectCache<FaultIo> _ios = new(64);
    private long _sequence;
    private long _inFlight;
    private int _disposed;

    public FaultDevice(IBlockDevice inner, FaultOptions? options = null, bool leaveInnerOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        Options = options ?? new FaultOptions();
        _leaveInnerOpen = leaveInnerOpen;
        Log = new FaultLog(Options.LogCapacity);
        _flakey = Options.Flakey is { } flakey ? new FlakeySchedule(flakey, Log) : null;
        _dust = Options.Dust is { } dust ? new DustMap(dust) : null;
        Cache = Options.PowerCut is { } powerCut ? new VolatileWriteCache(this, powerCut, Options.Seed) : null;
        _delay = Options.Delay is { } delay && (delay.Read > TimeSpan.Zero || delay.Write > TimeSpan.Zero || delay.Flush > TimeSpan.Zero)
            ? new DelayQueue(delay, Execute)
            : null;
    }

    public IBlockDevice Inner { get; }

    public FaultOptions Options { get; }

    public QueueLimits Limits => Inner.Limits;

    public long Capacity => Inner.Capacity;

    /// <summary>What the device did: faults injected, cache events, and with <see cref="FaultOptions.LogEveryBio"/> every bio.</summary>
    public FaultLog Log { get; }

    /// <summary>Bios submitted so far (the last <see cref="FaultRecord.Sequence"/> given).</summary>
    public long BiosSubmitted => Interlocked.Read(ref _sequence);

    /// <summary>Bios submitted and not yet ended.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    internal VolatileWriteCache? Cache { get; }

    public void Submit(Bio bio)
    {
        ArgumentNullException.ThrowIfNull(bio);
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _inFlight);
            throw new ObjectDisposedException(nameof(FaultDevice));
        }
        FaultIo io = _ios.TryTake() ?? new FaultIo();
        io.Device = this;
        io.Bio = bio;
        io.Sequence = Interlocked.Increment(ref _sequence);
        Judge(io);
        if (_delay is not null && _delay.Delays(bio.Op))
        {
            _delay.Enqueue(io);
        }
        else
        {
            Execute(io);
        }
    }

    /// <summary>Decides, at submission and in submission order, what happens to the bio: dm-flakey first, then dm-dust.</summary>
    private void Judge(FaultIo io)
    {
        Bio bio = io.Bio!;
        io.Verdict = FaultVerdict.Pass;
        io.CorruptAt = -1;
        if (_flakey is not null && _flakey.IsDown(bio.Op))
        {
            io.Verdict = _flakey.WhileDown(bio.Op);
            if (io.Verdict is FaultVerdict.CorruptRead or FaultVerdict.CorruptWrite)
            {
                io.CorruptAt = _flakey.CorruptByte(bio.Size, Options.Seed, io.Sequence);
                io.Verdict = io.CorruptAt < 0 ? FaultVerdict.Pass : io.Verdict;
            }
        }
        if (io.Verdict == FaultVerdict.Pass && _dust is not null)
        {
            io.Verdict = _dust.Judge(bio.Op, bio.Sector, bio.Size, out bool cleared);
            if (cleared)
            {
                Record(io, FaultAction.BadBlockCleared);
            }
        }
    }

    /// <summary>Carries out the verdict: ends the bio here, or sends it (or a copy) on.</summary>
    private void Execute(FaultIo io)
    {
        switch (io.Verdict)
        {
            case FaultVerdict.Fail:
                Record(io, FaultAction.Failed);
                Finish(io, BlkStatus.IoError, Errno.EIO, FlakeyFailure);
                return;
            case FaultVerdict.BadBlockRead:
                Record(io, FaultAction.BadBlockRead);
                Finish(io, BlkStatus.IoError, Errno.EIO, DustReadFailure);
                return;
            case FaultVerdict.BadBlockWrite:
                Record(io, FaultAction.BadBlockWriteFailed);
                Finish(io, BlkStatus.IoError, Errno.EIO, DustWriteFailure);
                return;
            case FaultVerdict.Drop:
                Record(io, FaultAction.Dropped);
                Finish(io, BlkStatus.Ok, Errno.None, null);
                return;
        }
        if (Options.LogEveryBio && io.Verdict == FaultVerdict.Pass)
        {
            Record(io, FaultAction.Passed);
        }
        switch (io.Bio!.Op)
        {
            case BioOp.Write:
                ExecuteWrite(io);
                break;
            case BioOp.Read:
                io.Overlay = Cache?.Overlapping(io.Bio.Sector, io.Bio.Size / QueueLimits.SectorSize);
                Forward(io, copy: null);
                break;
            default:
                if (Cache is not null)
                {
                    Cache.Flush(io);
                }
                else
                {
                    Forward(io, copy: null);
                }
                break;
        }
    }

    private void ExecuteWrite(FaultIo io)
    {
        Bio bio = io.Bio!;
        if (io.Verdict != FaultVerdict.CorruptWrite && Cache is null)
        {
            Forward(io, copy: null);
            return;
        }
        OwnedCopy copy = OwnedCopy.Of(bio);
        if (io.Verdict == FaultVerdict.CorruptWrite)
        {
            Corrupt(io, copy.Span);
        }
        if (Cache is null)
        {
            Forward(io, copy);
            return;
        }
        Cache.Add(io.Sequence, bio.Sector, copy);
        Finish(io, BlkStatus.Ok, Errno.None, null);
    }

    /// <summary>Sends a clone to the inner device: over the caller's own pages, or over <paramref name="copy"/>.</summary>
    private void Forward(FaultIo io, OwnedCopy? copy)
    {
        Bio bio = io.Bio!;
        Bio clone = BioPool.Rent(bio.Op, bio.Sector, Inner.Limits);
        if (copy is not null)
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

    /// <summary>Ends the caller's bio and forgets it.</summary>
    internal void Finish(FaultIo io, BlkStatus status, Errno errno, string? reason)
    {
        Bio bio = io.Bio!;
        if (io.Overlay is { } overlay)
        {
            foreach (CachedWrite entry in overlay)
            {
                entry.Release();
            }
        }
        io.Copy?.Dispose();
        io.Clear();
        _ios.Return(io);
        Interlocked.Decrement(ref _inFlight);
        bio.Complete(status, status == BlkStatus.Ok ? Errno.None : errno, reason);
    }

    private void Record(FaultIo io, FaultAction action, string? detail = null)
    {
        Bio bio = io.Bio!;
        Log.Add(io.Sequence, bio.Op, bio.Sector, bio.Size / QueueLimits.SectorSize, action, detail);
    }

    /// <summary>submit_bio() to the inner device: one that throws instead of ending the bio has it ended with EIO.</summary>
    internal static void SubmitOrFail(IBlockDevice device, Bio bio)
    {
        try
        {
            device.Submit(bio);
        }
        catch (Exception) when (!bio.IsCompleted)
        {
            bio.Complete(BlkStatus.IoError, Errno.EIO, "FaultDevice: the inner device refused the bio");
        }
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
