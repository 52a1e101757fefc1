// Follows drivers/md/dm-flakey.c, drivers/md/dm-dust.c and drivers/md/dm-delay.c (device-mapper's test targets).
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
    private const string PowerCutDiscard = "FaultDevice: the power-cut mode's volatile cache does not model discard (a cached write would outlive it): trim without PowerCut";
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

    /// <summary>
    /// Wraps <paramref name="inner"/> with the faults <paramref name="options"/> names (none: a
    /// pass-through). Bio-counted intervals start at the first bio submitted here.
    /// </summary>
    /// <param name="inner">The device bios go to; its limits and capacity are this device's.</param>
    /// <param name="options">The faults; null for none.</param>
    /// <param name="leaveInnerOpen">False (the default): disposing this device disposes <paramref name="inner"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
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
            ? new DelayQueue(delay, ExecuteOrFail)
            : null;
    }

    /// <summary>The wrapped device (dm's underlying device): what survives a <see cref="Cut"/> is on it.</summary>
    public IBlockDevice Inner { get; }

    /// <summary>The faults this device injects, as given (an empty <see cref="FaultOptions"/> when null was).</summary>
    public FaultOptions Options { get; }

    /// <summary>The inner device's limits: device-mapper stacks its targets' limits unchanged.</summary>
    public QueueLimits Limits => Inner.Limits;

    /// <summary>The inner device's capacity in bytes.</summary>
    public long Capacity => Inner.Capacity;

    /// <summary>Names the device it wraps, as messages about it do.</summary>
    public override string ToString() => $"FaultDevice over {Inner}";

    /// <summary>What the device did: faults injected, cache events, and with <see cref="FaultOptions.LogEveryBio"/> every bio.</summary>
    public FaultLog Log { get; }

    /// <summary>Bios submitted so far (the last <see cref="FaultRecord.Sequence"/> given).</summary>
    public long BiosSubmitted => Interlocked.Read(ref _sequence);

    /// <summary>Bios submitted and not yet ended.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    internal VolatileWriteCache? Cache { get; }

    /// <summary>
    /// Passes <paramref name="bio"/> on, or fails, drops, corrupts, delays or caches it as the
    /// options say for this bio's number (dm's map function). The bio is ended exactly once,
    /// from the inner device's completion, the delay thread, or inline for an injected failure.
    /// Thread-safe.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The device is disposed.</exception>
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
            ExecuteOrFail(io);
        }
    }

    /// <summary>
    /// <see cref="Execute"/>, ending the bio with EIO should anything throw before it was passed
    /// on (memory for a copy, say): the delay thread must not die, nor a bio stay unended.
    /// </summary>
    private void ExecuteOrFail(FaultIo io)
    {
        Bio bio = io.Bio!;
        try
        {
            Execute(io);
        }
        catch (Exception e) when (!bio.IsCompleted && io.Bio == bio)
        {
            Finish(io, BlkStatus.IoError, Errno.EIO, "FaultDevice could not pass the bio on: " + e.Message);
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
            case BioOp.Discard when Cache is not null:
                Finish(io, BlkStatus.NotSupported, Errno.EOPNOTSUPP, PowerCutDiscard);
                break;
            case BioOp.Discard:
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
