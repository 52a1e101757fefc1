// Follows block/blk-flush.c (REQ_PREFLUSH: what was acknowledged before a flush is on stable media when it ends)
// and a disk's volatile write cache, which destages on its own schedule and loses the rest at power-off.
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>One write held in the cache: a copy of its data, referenced by the cache and by reads that overlay it.</summary>
internal sealed class CachedWrite(VolatileWriteCache cache, long sequence, long order, long sector, OwnedCopy data)
{
    private int _references = 1;

    public VolatileWriteCache Cache { get; } = cache;

    public long Sequence { get; } = sequence;

    /// <summary>Order of arrival in the cache: a flush covers every write that arrived before it.</summary>
    public long Order { get; } = order;

    public long Sector { get; } = sector;

    public int Sectors => Data.Length / QueueLimits.SectorSize;

    public OwnedCopy Data { get; } = data;

    public bool Early { get; set; }

    public bool Overlaps(long sector, int sectors) => Sector < sector + sectors && sector < Sector + Sectors;

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Data.Dispose();
        }
    }
}

/// <summary>
/// The power-cut mode's volatile cache. Writes complete into it; a flush writes back every
/// write that arrived before it, oldest first and one at a time (so a later write over the
/// same sectors always lands last), then sends a flush to the device and only then ends.
/// With <see cref="PowerCutOptions.EarlyWriteBack"/> a write may make the cache write back one
/// entry at random on its own — never one with an older entry over the same sectors still
/// cached. Reads see the cache over the device. <see cref="Cut"/> loses it.
/// </summary>
internal sealed partial class VolatileWriteCache(FaultDevice device, PowerCutOptions options, ulong seed)
{
    private const string WriteBackFailure = "FaultDevice: writing the volatile cache back to the device failed, so data acknowledged before this flush is not durable";

    private readonly Lock _lock = new();
    private readonly List<CachedWrite> _entries = [];
    private readonly Queue<(FaultIo Io, long Barrier)> _flushes = new();
    private long _arrivals;
    private int _earlyDue;
    private bool _busy;
    private bool _cutting;
    private bool _writeBackFailed;
    private int _kicks;
    private long _unflushedBytes;

    public long UnflushedBytes => Interlocked.Read(ref _unflushedBytes);

    /// <summary>Takes a write's copy; the write is acknowledged by the caller at once.</summary>
    public void Add(long sequence, long sector, OwnedCopy data)
    {
        lock (_lock)
        {
            _entries.Add(new CachedWrite(this, sequence, ++_arrivals, sector, data));
            _unflushedBytes += data.Length;
            if (options.EarlyWriteBack > 0 && FaultRandom.Unit(seed, sequence, salt: 2) < options.EarlyWriteBack)
            {
                _earlyDue++;
            }
        }
        device.Log.Add(sequence, BioOp.Write, sector, data.Length / QueueLimits.SectorSize, FaultAction.Cached);
        Kick();
    }

    /// <summary>The cached writes over a read's range, in order, each referenced until the read releases it.</summary>
    public List<CachedWrite>? Overlapping(long sector, int sectors)
    {
        List<CachedWrite>? found = null;
        lock (_lock)
        {
            foreach (CachedWrite entry in _entries)
            {
                if (entry.Overlaps(sector, sectors))
                {
                    entry.AddReference();
                    (found ??= []).Add(entry);
                }
            }
        }
        return found;
    }

    /// <summary>A flush bio: ends once every write that arrived before it is written back and the device has flushed.</summary>
    public void Flush(FaultIo io)
    {
        lock (_lock)
        {
            _flushes.Enqueue((io, _arrivals));
        }
        Kick();
    }

    /// <summary>
    /// One step at a time, whoever asks: a completion that arrives inside the step (a device
    /// that ends bios inline) only asks for another turn of the loop, so the stack stays flat.
    /// </summary>
    private void Kick()
    {
        if (Interlocked.Increment(ref _kicks) != 1)
        {
            return;
        }
        do
        {
            Step();
        }
        while (Interlocked.Decrement(ref _kicks) != 0);
    }

    private void Step()
    {
        CachedWrite? writeBack = null;
        FaultIo? flush = null;
        lock (_lock)
        {
            if (_busy || _cutting)
            {
                return;
            }
            if (_flushes.TryPeek(out (FaultIo Io, long Barrier) next))
            {
                if (_entries.Count > 0 && _entries[0].Order <= next.Barrier)
                {
                    writeBack = _entries[0];
                }
                else
                {
                    flush = _flushes.Dequeue().Io;
                }
            }
            else if (_earlyDue > 0 && _entries.Count > 0)
            {
                _earlyDue--;
                writeBack = PickEarly();
                writeBack.Early = true;
            }
            else
            {
                return;
            }
            _busy = true;
        }
        if (writeBack is not null)
        {
            WriteBack(writeBack);
        }
        else
        {
            FlushDevice(flush!);
        }
    }

    /// <summary>A random entry, or the oldest cached entry over the same sectors, so that a later write is never overwritten by an earlier one.</summary>
    private CachedWrite PickEarly()
    {
        int index = (int)(FaultRandom.Mix(seed, _arrivals + _earlyDue, salt: 3) % (ulong)_entries.Count);
        for (int j = 0; j < index; j++)
        {
            if (_entries[j].Overlaps(_entries[index].Sector, _entries[index].Sectors))
            {
                index = j;
                j = -1;
            }
        }
        return _entries[index];
    }

    private void WriteBack(CachedWrite entry)
    {
        Bio bio = BioPool.Rent(BioOp.Write, entry.Sector, device.Inner.Limits);
        entry.Data.AddTo(bio, 0, entry.Data.Length);
        bio.Private = entry;
        bio.EndIo = static b => ((CachedWrite)b.Private!).Cache.OnWrittenBack(b);
        FaultDevice.SubmitOrFail(device.Inner, bio);
    }

    private void OnWrittenBack(Bio bio)
    {
        var entry = (CachedWrite)bio.Private!;
        bool ok = bio.Status == BlkStatus.Ok;
        bio.ReleasePages(markDirty: false);
        BioPool.Return(bio);
        lock (_lock)
        {
            _entries.Remove(entry);
            _unflushedBytes -= entry.Data.Length;
            _writeBackFailed |= !ok;
            _busy = false;
        }
        FaultAction action = !ok ? FaultAction.WriteBackFailed : entry.Early ? FaultAction.WrittenBackEarly : FaultAction.WrittenBack;
        device.Log.Add(entry.Sequence, BioOp.Write, entry.Sector, entry.Sectors, action);
        entry.Release();
        Kick();
    }

    private void FlushDevice(FaultIo io)
    {
        bool failed;
        lock (_lock)
        {
            failed = _writeBackFailed;
            _writeBackFailed = false;
        }
        if (failed)
        {
            EndFlush(io, BlkStatus.IoError, Errno.EIO, WriteBackFailure);
            return;
        }
        Bio bio = BioPool.Rent(BioOp.Flush, 0, device.Inner.Limits);
        bio.Private = io;
        bio.EndIo = static b =>
        {
            var io = (FaultIo)b.Private!;
            (BlkStatus status, Errno errno, string? reason) = (b.Status, b.Error, b.FailureReason);
            BioPool.Return(b);
            ((FaultDevice)io.Device!).Cache!.EndFlush(io, status, errno, reason);
        };
        FaultDevice.SubmitOrFail(device.Inner, bio);
    }

    private void EndFlush(FaultIo io, BlkStatus status, Errno errno, string? reason)
    {
        lock (_lock)
        {
            _busy = false;
        }
        device.Log.Add(io.Sequence, BioOp.Flush, 0, 0, status == BlkStatus.Ok ? FaultAction.Flushed : FaultAction.FlushFailed, reason);
        device.Finish(io, status, errno, reason);
        Kick();
    }
}
