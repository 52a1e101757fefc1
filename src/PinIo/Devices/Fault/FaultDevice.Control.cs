// Follows drivers/md/dm-dust.c (dust_message: addbadblock, removebadblock, enable, disable) and a power cut.
using PinIo.Block;

namespace PinIo.Devices;

public sealed partial class FaultDevice
{
    /// <summary>dm-dust's enable/disable: disabled, bad blocks are kept but every bio passes.</summary>
    /// <exception cref="InvalidOperationException">The device has no <see cref="FaultOptions.Dust"/>.</exception>
    public bool DustEnabled
    {
        get => DustOrThrow().Enabled;
        set => DustOrThrow().Enabled = value;
    }

    /// <summary>dm-dust's block size in bytes: the unit of the bad-block numbers.</summary>
    /// <exception cref="InvalidOperationException">The device has no <see cref="FaultOptions.Dust"/>.</exception>
    public int DustBlockSize => DustOrThrow().BlockSize;

    /// <summary>The bad blocks now, in ascending order, in <see cref="DustBlockSize"/> units (a snapshot).</summary>
    /// <exception cref="InvalidOperationException">The device has no <see cref="FaultOptions.Dust"/>.</exception>
    public IReadOnlyList<long> BadBlocks => DustOrThrow().Blocks();

    /// <summary>dm-dust's addbadblock: reads of <paramref name="block"/> fail; the first <paramref name="writeFailures"/> writes over it fail too.</summary>
    /// <exception cref="InvalidOperationException">The device has no <see cref="FaultOptions.Dust"/>.</exception>
    public void AddBadBlock(long block, int writeFailures = 0) => DustOrThrow().Add(block, writeFailures);

    /// <summary>dm-dust's removebadblock. False when the block was not bad.</summary>
    /// <exception cref="InvalidOperationException">The device has no <see cref="FaultOptions.Dust"/>.</exception>
    public bool RemoveBadBlock(long block) => DustOrThrow().Remove(block);

    /// <summary>
    /// dm-dust's queryblock: true when <paramref name="block"/> (in <see cref="DustBlockSize"/>
    /// units) is on the bad-block list; its reads fail while <see cref="DustEnabled"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The device has no <see cref="FaultOptions.Dust"/>.</exception>
    public bool IsBadBlock(long block) => DustOrThrow().Contains(block);

    /// <summary>dm-dust's clearbadblocks: every block reads again.</summary>
    /// <exception cref="InvalidOperationException">The device has no <see cref="FaultOptions.Dust"/>.</exception>
    public void ClearBadBlocks() => DustOrThrow().Clear();

    /// <summary>Bytes of acknowledged writes in the volatile cache, not yet on the inner device (power-cut mode).</summary>
    public long UnflushedBytes => Cache?.UnflushedBytes ?? 0;

    /// <summary>
    /// Cuts the power (power-cut mode): each unflushed write is kept, torn (a random subset of
    /// its logical blocks kept) or dropped, by the seed; what is kept is on the inner device
    /// when this returns, and flushes still waiting end with EIO. Afterwards the inner device
    /// holds exactly what was flushed plus the survivors; the device goes on working, its
    /// cache empty, as after a reboot. Call it between I/Os: a write racing the cut may land
    /// on either side of it.
    /// </summary>
    public FaultCutResult Cut()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return (Cache ?? throw new InvalidOperationException("FaultDevice.Cut needs the power-cut mode: set FaultOptions.PowerCut")).Cut();
    }

    /// <summary>
    /// Passes on every delayed bio, writes the volatile cache back as an orderly shutdown
    /// does, waits for every bio in flight, then disposes the inner device (unless it was to be
    /// left open) and writes the log to <see cref="FaultOptions.LogPath"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            WaitIdle();
            return;
        }
        _delay?.Dispose();
        if (Cache is not null)
        {
            WriteBackForShutdown();
        }
        WaitIdle();
        if (!_leaveInnerOpen)
        {
            Inner.Dispose();
        }
        if (Options.LogPath is { Length: > 0 } path)
        {
            using var writer = new StreamWriter(path);
            Log.WriteTo(writer);
        }
    }

    private void WaitIdle()
    {
        SpinWait spin = default;
        while (Interlocked.Read(ref _inFlight) > 0)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>A flush of the device's own through the cache, waited for; a failure is logged, not thrown, as shutdown goes on.</summary>
    private void WriteBackForShutdown()
    {
        using var done = new ManualResetEventSlim();
        Bio flush = BioPool.Rent(BioOp.Flush, 0, Limits);
        flush.Private = done;
        flush.EndIo = static b => ((ManualResetEventSlim)b.Private!).Set();
        Interlocked.Increment(ref _inFlight);
        FaultIo io = _ios.TryTake() ?? new FaultIo();
        io.Device = this;
        io.Bio = flush;
        io.Sequence = Interlocked.Increment(ref _sequence);
        io.Verdict = FaultVerdict.Pass;
        Cache!.Flush(io);
        done.Wait();
        BioPool.Return(flush);
    }

    private DustMap DustOrThrow() => _dust ?? throw new InvalidOperationException("FaultDevice has no bad blocks to manage: set FaultOptions.Dust");
}
