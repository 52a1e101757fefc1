// Follows drivers/block/brd.c (a RAM-backed block device).
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Devices;

/// <summary>How a <see cref="RamDisk"/> ends its bios.</summary>
public enum RamDiskCompletion
{
    /// <summary>Inside <see cref="IBlockDevice.Submit"/>, on the submitting thread.</summary>
    Inline,

    /// <summary>On the disk's own completion thread, concurrently with the submitter (as a real device's interrupt).</summary>
    Worker,
}

/// <summary>How to make a <see cref="RamDisk"/>.</summary>
public sealed record RamDiskOptions
{
    /// <summary>The limits the disk enforces on every bio; null for <see cref="RamDisk.DefaultLimits"/>. Validated.</summary>
    public QueueLimits? Limits { get; init; }

    /// <summary>Where bios end: inline in Submit (the default) or on the disk's completion thread.</summary>
    public RamDiskCompletion Completion { get; init; } = RamDiskCompletion.Inline;
}

/// <summary>
/// An in-memory block device: the embedded default for tests, examples and
/// <c>pinio --filename=ram:SIZE</c>. It checks every bio against its limits and ends one that
/// breaks them with <see cref="BlkStatus.Invalid"/> (counted in
/// <see cref="LimitViolations"/>), so a caller that splits wrongly is caught, not served.
/// Faults can be injected per bio, and completions held back, for tests.
/// </summary>
public sealed class RamDisk : IBlockDevice
{
    private readonly nint _memory;
    private readonly Lock _holdLock = new();
    private readonly Queue<Bio> _held = new();
    private readonly Lock _completionsLock = new();
    private RamDiskCompletions? _completions;
    private int _holds;
    private long _inFlight;
    private long _submitted;
    private long _limitViolations;
    private bool _disposed;

    /// <summary>
    /// brd: a disk of <paramref name="capacityBytes"/> bytes of zeroed native memory, ending bios
    /// inline in <see cref="Submit"/>.
    /// </summary>
    /// <param name="capacityBytes">Size in bytes, a positive multiple of the logical block size.</param>
    /// <param name="limits">The limits enforced on every bio; null for <see cref="DefaultLimits"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacityBytes"/> is not a positive
    /// multiple of the logical block size, or a limit makes no sense (<see cref="QueueLimits.Validate"/>).</exception>
    public RamDisk(long capacityBytes, QueueLimits? limits = null)
        : this(capacityBytes, new RamDiskOptions { Limits = limits })
    {
    }

    /// <summary>A disk of <paramref name="capacityBytes"/> bytes made as <paramref name="options"/> say.</summary>
    /// <param name="capacityBytes">Size in bytes, a positive multiple of the logical block size.</param>
    /// <param name="options">Limits and completion mode.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacityBytes"/> is not a positive
    /// multiple of the logical block size, or a limit makes no sense.</exception>
    public RamDisk(long capacityBytes, RamDiskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Limits = (options.Limits ?? DefaultLimits).Validate();
        if (capacityBytes <= 0 || capacityBytes % Limits.LogicalBlockSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacityBytes), $"capacity {capacityBytes} must be a positive multiple of the logical block size {Limits.LogicalBlockSize}.");
        }
        Capacity = capacityBytes;
        Completion = options.Completion;
        _memory = NativeMemoryAccess.AllocPageAligned((nuint)capacityBytes);
    }

    /// <summary>
    /// <see cref="QueueLimits.Default"/> with brd's discard limits: any range up to the largest
    /// bio, in pages. Limits passed in decide for themselves (MaxDiscardBytes 0: no discard).
    /// </summary>
    public static QueueLimits DefaultLimits { get; } = QueueLimits.Default with
    {
        MaxDiscardBytes = int.MaxValue / PageSize.Bytes * PageSize.Bytes,
        DiscardGranularity = PageSize.Bytes,
    };

    /// <summary>The validated limits every bio is checked against; a bio that breaks them ends with <see cref="BlkStatus.Invalid"/>.</summary>
    public QueueLimits Limits { get; }

    /// <summary>Size in bytes; a bio reaching past it ends with <see cref="BlkStatus.IoError"/> (EIO).</summary>
    public long Capacity { get; }

    /// <summary>Where bios end: inline in Submit, or on the disk's completion thread.</summary>
    public RamDiskCompletion Completion { get; }

    /// <summary>
    /// Decides a bio's fate before it is served: return <see cref="BlkStatus.Ok"/> to serve it,
    /// anything else to end it with that status untouched (as dm-flakey does).
    /// </summary>
    public Func<Bio, BlkStatus>? FaultInjector { get; set; }

    /// <summary>Called with every bio as it is submitted (for tests that inspect the split).</summary>
    public Action<Bio>? OnSubmit { get; set; }

    /// <summary>Bios submitted since the disk was made (a snapshot).</summary>
    public long BiosSubmitted => Interlocked.Read(ref _submitted);

    /// <summary>Bios ended with <see cref="BlkStatus.Invalid"/> because they broke <see cref="Limits"/>: 0 unless a submitter splits wrongly.</summary>
    public long LimitViolations => Interlocked.Read(ref _limitViolations);

    /// <summary>Bios submitted and not yet ended.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>
    /// Serves <paramref name="bio"/> by copying between its pages and the disk's memory (brd's
    /// submit_bio), after <see cref="OnSubmit"/> and <see cref="FaultInjector"/>, and ends it once:
    /// inline or on the completion thread as <see cref="Completion"/> says, or later when
    /// completions are held. Thread-safe; no lock while nothing is held.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The disk is disposed.</exception>
    public void Submit(Bio bio)
    {
        ArgumentNullException.ThrowIfNull(bio);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _submitted);
        // Before the bio counts as in flight: a hook that throws makes Submit throw, and the
        // disk never took the bio (the submitter ends it), so Dispose must not wait for it.
        OnSubmit?.Invoke(bio);
        Interlocked.Increment(ref _inFlight);
        // Nothing held (always, outside tests): no lock, which a thousand submitting threads
        // on two CPUs would queue on whenever its holder is preempted.
        if (Volatile.Read(ref _holds) == 0)
        {
            Dispatch(bio);
            return;
        }
        lock (_holdLock)
        {
            if (_holds > 0)
            {
                _held.Enqueue(bio);
                return;
            }
        }
        Dispatch(bio);
    }

    /// <summary>
    /// Holds every bio submitted from now on, unserved and in flight, until the returned
    /// handle is disposed: a test's way to keep a request under I/O.
    /// </summary>
    public IDisposable HoldCompletions()
    {
        lock (_holdLock)
        {
            _holds++;
        }
        return new Hold(this);
    }

    /// <summary>Copies device bytes out, bypassing bios (for checks).</summary>
    public void ReadRaw(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        NativeMemoryAccess.Span(_memory + (nint)offset, destination.Length).CopyTo(destination);
    }

    /// <summary>Writes device bytes directly, bypassing bios (to set up or corrupt contents in tests).</summary>
    public void WriteRaw(long offset, ReadOnlySpan<byte> data)
    {
        CheckRange(offset, data.Length);
        data.CopyTo(NativeMemoryAccess.Span(_memory + (nint)offset, data.Length));
    }

    /// <summary>Whether the calling thread is the disk's completion thread (a Worker disk's, once started).</summary>
    internal bool OnCompletionThread => Volatile.Read(ref _completions)?.IsCurrentThread == true;

    /// <summary>"RamDisk of N bytes", as messages about the device name it.</summary>
    public override string ToString() => $"RamDisk of {Capacity} bytes";

    /// <summary>Waits for every bio in flight (memory under I/O is never freed), then frees the disk.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        ReleaseHeld(force: true);
        SpinWait spin = default;
        while (Interlocked.Read(ref _inFlight) > 0)
        {
            if (OnCompletionThread)
            {
                // Only this thread could end them: the wait would never return.
                ThrowHelper.ThrowMisuse("RamDisk.Dispose on the disk's own completion thread (a continuation run inline) with bios still queued: dispose it from another thread.");
            }
            spin.SpinOnce();
        }
        // Nothing is in flight, so no bio can start the thread now.
        Volatile.Read(ref _completions)?.Dispose();
        NativeMemoryAccess.FreePageAligned(_memory);
    }

    private void Dispatch(Bio bio)
    {
        if (Completion == RamDiskCompletion.Inline)
        {
            Serve(bio);
        }
        else
        {
            (Volatile.Read(ref _completions) ?? StartCompletions()).Post(bio);
        }
    }

    /// <summary>The completion thread, started by the first asynchronous bio (a disk never used that way has none).</summary>
    private RamDiskCompletions StartCompletions()
    {
        lock (_completionsLock)
        {
            if (_completions is null)
            {
                Volatile.Write(ref _completions, RamDiskCompletions.Start(Serve));
            }
            return _completions;
        }
    }

    private void Serve(Bio bio)
    {
        BlkStatus status = Check(bio);
        if (status == BlkStatus.Ok && FaultInjector is { } inject)
        {
            status = inject(bio);
        }
        if (status == BlkStatus.Ok)
        {
            Transfer(bio);
        }
        Interlocked.Decrement(ref _inFlight);
        bio.Complete(status);
    }

    private BlkStatus Check(Bio bio)
    {
        if (bio.Op == BioOp.Flush)
        {
            return BlkStatus.Ok;
        }
        if (bio.Op == BioOp.Discard)
        {
            return CheckDiscard(bio);
        }
        bool fits = bio.Size > 0
            && bio.Size <= Limits.MaxSectorsBytes
            && bio.VecCount <= Limits.MaxSegments
            && bio.Size % Limits.LogicalBlockSize == 0
            && bio.Position % Limits.LogicalBlockSize == 0
            && VecsFit(bio.VecSpan);
        if (!fits)
        {
            Interlocked.Increment(ref _limitViolations);
            return BlkStatus.Invalid;
        }
        return bio.Position + bio.Size <= Capacity ? BlkStatus.Ok : BlkStatus.IoError;
    }

    /// <summary>A discard carries no pages and fits the discard limits, not the read/write ones; none at all without discard support.</summary>
    private BlkStatus CheckDiscard(Bio bio)
    {
        if (!Limits.SupportsDiscard)
        {
            return BlkStatus.NotSupported;
        }
        bool fits = bio.Size > 0
            && bio.Size <= Limits.MaxDiscardBytes
            && bio.VecCount == 0
            && bio.Size % Limits.LogicalBlockSize == 0
            && bio.Position % Limits.LogicalBlockSize == 0;
        if (!fits)
        {
            Interlocked.Increment(ref _limitViolations);
            return BlkStatus.Invalid;
        }
        return bio.Position + bio.Size <= Capacity ? BlkStatus.Ok : BlkStatus.IoError;
    }

    private bool VecsFit(ReadOnlySpan<BioVec> vecs)
    {
        foreach (BioVec vec in vecs)
        {
            if (vec.Length > Limits.MaxSegmentSize || (vec.Address & (Limits.DmaAlignment - 1)) != 0)
            {
                return false;
            }
        }
        return true;
    }

    private void Transfer(Bio bio)
    {
        nint device = _memory + (nint)bio.Position;
        if (bio.Op == BioOp.Discard)
        {
            // brd frees the pages; a freed page reads as zeroes.
            NativeMemoryAccess.Span(device, bio.Size).Clear();
            return;
        }
        foreach (BioVec vec in bio.VecSpan)
        {
            if (bio.Op == BioOp.Read)
            {
                NativeMemoryAccess.Copy(device, vec.Address, vec.Length);
            }
            else
            {
                NativeMemoryAccess.Copy(vec.Address, device, vec.Length);
            }
            device += vec.Length;
        }
    }

    private void ReleaseHeld(bool force)
    {
        List<Bio> release = [];
        lock (_holdLock)
        {
            if (force)
            {
                _holds = 0;
            }
            if (_holds > 0)
            {
                return;
            }
            while (_held.Count > 0)
            {
                release.Add(_held.Dequeue());
            }
        }
        foreach (Bio bio in release)
        {
            Dispatch(bio);
        }
    }

    private void CheckRange(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || offset + length > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} is outside the disk's {Capacity} bytes.");
        }
    }

    private sealed class Hold(RamDisk disk) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }
            lock (disk._holdLock)
            {
                disk._holds--;
            }
            disk.ReleaseHeld(force: false);
        }
    }
}
