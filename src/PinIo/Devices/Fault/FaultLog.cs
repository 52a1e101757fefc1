// Follows drivers/md/dm-dust.c (DMINFO lines for each bad-block hit): what a fault target did, and when.
using System.Diagnostics;
using System.Globalization;
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>What a <see cref="FaultDevice"/> did with a bio, or with its cache.</summary>
public enum FaultAction
{
    /// <summary>Passed on unchanged (logged only with <see cref="FaultOptions.LogEveryBio"/>).</summary>
    Passed,

    /// <summary>dm-flakey, down: ended with EIO without reaching the device.</summary>
    Failed,

    /// <summary>dm-flakey drop_writes: acknowledged, never written.</summary>
    Dropped,

    /// <summary>dm-flakey corrupt_bio_byte: one byte changed (<see cref="FaultRecord.Detail"/> says where).</summary>
    Corrupted,

    /// <summary>dm-dust: a read touched a bad block and failed with EIO.</summary>
    BadBlockRead,

    /// <summary>dm-dust: a write over a bad block failed (write failures left).</summary>
    BadBlockWriteFailed,

    /// <summary>dm-dust: a write over a bad block succeeded and cleared it.</summary>
    BadBlockCleared,

    /// <summary>Power-cut mode: a write acknowledged from the volatile cache.</summary>
    Cached,

    /// <summary>Power-cut mode: a cached write reached the device before any flush asked for it.</summary>
    WrittenBackEarly,

    /// <summary>Power-cut mode: a cached write reached the device for a flush.</summary>
    WrittenBack,

    /// <summary>Power-cut mode: writing a cached write back failed; the next flush fails.</summary>
    WriteBackFailed,

    /// <summary>Power-cut mode: a flush ended with everything before it on the device.</summary>
    Flushed,

    /// <summary>A flush failed (write-back failed, or the power was cut before it ended).</summary>
    FlushFailed,

    /// <summary><see cref="FaultDevice.Cut"/>: an unflushed write survived whole.</summary>
    CutKept,

    /// <summary><see cref="FaultDevice.Cut"/>: an unflushed write survived in part (torn); the detail lists the sectors kept.</summary>
    CutTorn,

    /// <summary><see cref="FaultDevice.Cut"/>: an unflushed write was lost.</summary>
    CutDropped,
}

/// <summary>
/// One thing the device did: <see cref="Sequence"/> is the bio's number in submission order
/// (the same number a cached write keeps when it is written back or cut), <see cref="Time"/>
/// the time since the device was made.
/// </summary>
public readonly record struct FaultRecord(long Sequence, TimeSpan Time, BioOp Op, long Sector, int Sectors, FaultAction Action, string? Detail)
{
    /// <summary>One line: sequence, time in ms, operation, sector, sectors, action and detail (the log file's format).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Sequence,8} {Time.TotalMilliseconds,10:F3}ms {Op,-5} sector {Sector} +{Sectors} {Action}{(Detail is null ? "" : " " + Detail)}");
}

/// <summary>A bounded log: the newest <see cref="Capacity"/> records, and a count of those discarded before them.</summary>
public sealed class FaultLog
{
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private FaultRecord[] _ring;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _written;

    internal FaultLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        // Grown as records come (a quiet device keeps a small log); it wraps only once full.
        _ring = new FaultRecord[Math.Min(capacity, 64)];
    }

    /// <summary>Most records kept (<see cref="FaultOptions.LogCapacity"/>); older ones are dropped and counted.</summary>
    public int Capacity => _capacity;

    /// <summary>Records made since the device was made, kept or not.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _written;
            }
        }
    }

    /// <summary>Records older than the newest <see cref="Capacity"/>, no longer kept.</summary>
    public long Discarded => Math.Max(0, Count - _capacity);

    internal TimeSpan Elapsed => _clock.Elapsed;

    internal void Add(long sequence, BioOp op, long sector, int sectors, FaultAction action, string? detail = null)
    {
        var record = new FaultRecord(sequence, _clock.Elapsed, op, sector, sectors, action, detail);
        lock (_lock)
        {
            if (_written == _ring.Length && _ring.Length < _capacity)
            {
                Array.Resize(ref _ring, (int)Math.Min(_capacity, 2L * _ring.Length));
            }
            _ring[_written % _ring.Length] = record;
            _written++;
        }
    }

    /// <summary>The records kept, oldest first.</summary>
    public IReadOnlyList<FaultRecord> Snapshot()
    {
        lock (_lock)
        {
            int kept = (int)Math.Min(_written, _ring.Length);
            var records = new FaultRecord[kept];
            long first = _written - kept;
            for (int i = 0; i < kept; i++)
            {
                records[i] = _ring[(first + i) % _ring.Length];
            }
            return records;
        }
    }

    /// <summary>How many kept records have <paramref name="action"/>.</summary>
    public int CountOf(FaultAction action) => Snapshot().Count(r => r.Action == action);

    /// <summary>Writes the records, one a line, after a line that counts them.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        IReadOnlyList<FaultRecord> records = Snapshot();
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# FaultDevice log: {records.Count} records ({Discarded} older discarded)"));
        foreach (FaultRecord record in records)
        {
            writer.WriteLine(record.ToString());
        }
    }
}
