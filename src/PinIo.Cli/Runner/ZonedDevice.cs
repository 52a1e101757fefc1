// Follows fio's zbd.c (init_zone_info, zbd_convert_to_write_zone, zbd_adjust_block,
// zbd_find_zone, zbd_write_zone_get/put, __zbd_reset_zone) in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// zonemode=zbd on a target that is not zoned, as fio emulates it: zones of zonesize bytes,
/// each with a write pointer, all empty when the run starts, shared by every job on the target
/// for the whole run (a later stonewall segment sees where the earlier one wrote). A write goes
/// to its zone's write pointer (a random write too: the zone is drawn at random, the offset is
/// the pointer); a full zone is reset and written from its start; with max_open_zones only that
/// many zones are written at once, a write to another going to one of them instead. Reads stop
/// at the write pointer unless read_beyond_wp. A reset is a discard of the zone (fio's emulation
/// only moves the pointer), after the job's I/O in flight has ended. Every decision is taken
/// under one lock, which only zonemode=zbd jobs take.
/// </summary>
internal sealed class ZonedDevice
{
    private readonly Lock _lock = new();
    private readonly long[] _wp;
    private readonly ZonedJob?[] _openedBy;
    private readonly int[] _open;
    private int _openCount;
    private long _validBytes = -1;
    private long _writesToReset;

    public ZonedDevice(ZonePlan zones, long targetBytes)
    {
        ZoneSize = zones.Size;
        Capacity = zones.Capacity;
        MaxOpenZones = zones.MaxOpenZones;
        long count = (targetBytes + ZoneSize - 1) / ZoneSize;
        _wp = new long[count];
        for (long i = 0; i < count; i++)
        {
            _wp[i] = i * ZoneSize;
        }
        _openedBy = new ZonedJob?[count];
        _open = new int[Math.Max(1, MaxOpenZones)];
    }

    public long ZoneSize { get; }

    public long Capacity { get; }

    public int MaxOpenZones { get; }

    public int ZoneCount => _wp.Length;

    /// <summary>The write pointer of zone <paramref name="zone"/> (a device offset).</summary>
    public long WritePointer(int zone)
    {
        lock (_lock)
        {
            return _wp[zone];
        }
    }

    /// <summary>The zone holding device offset <paramref name="offset"/> (the count of zones past the end).</summary>
    public int ZoneOf(long offset) => (int)Math.Min(offset / ZoneSize, _wp.Length);

    /// <summary>Refuses a job whose zones differ from the device's, as fio does.</summary>
    public void Check(JobPlan plan)
    {
        ZonePlan zones = plan.Zones!;
        if (zones.Size != ZoneSize || zones.Capacity != Capacity)
        {
            throw new OptionException($"pinio: job '{plan.Name}': zonesize={zones.Size} (zonecapacity={zones.Capacity}) differs from the {ZoneSize} ({Capacity}) of the other jobs on {plan.Target.Filename}: jobs on one device share its zones");
        }
        if (zones.MaxOpenZones > 0 && zones.MaxOpenZones != MaxOpenZones)
        {
            throw new OptionException($"pinio: job '{plan.Name}': max_open_zones={zones.MaxOpenZones} differs from the {MaxOpenZones} of the other jobs on {plan.Target.Filename} (as fio: \"Different 'max_open_zones' values\")");
        }
    }

    /// <summary>A job's side of the device (<see cref="Check"/> it first).</summary>
    public ZonedJob Attach(JobPlan plan, Action<long, long>? discard)
    {
        ZonePlan zones = plan.Zones!;
        var job = new ZonedJob(this, plan, discard);
        lock (_lock)
        {
            if (zones.ResetFrequency > 0 && plan.Rw.HasWrites())
            {
                _writesToReset = WritesBetweenResets(zones.ResetFrequency);
                if (_validBytes < 0)
                {
                    _validBytes = 0;
                    for (int z = job.FirstZone; z < job.EndZone; z++)
                    {
                        _validBytes += _wp[z] - ZoneStart(z);
                    }
                }
            }
        }
        return job;
    }

    /// <summary>Moves a write to its zone's write pointer (or to another zone's); false when no zone can take it (the job ends, as fio's).</summary>
    public bool AdjustWrite(ZonedJob job, ref long offset, ref int length)
    {
        lock (_lock)
        {
            int zone = ZoneOf(offset);
            if (MaxOpenZones > 0 && !TryOpen(zone, job) && !TryPickOpen(job, offset, out zone))
            {
                return false;
            }
            long end = ZoneStart(zone) + Capacity;
            if (end - _wp[zone] < job.MinWrite || ResetDue(job))
            {
                Reset(zone, job, discard: true);
            }
            offset = _wp[zone];
            length = (int)(Math.Min(length, end - offset) / job.MinWrite * job.MinWrite);
            _wp[zone] = offset + length;
            if (_validBytes >= 0)
            {
                _validBytes += length;
            }
            if (_wp[zone] >= end)
            {
                Close(zone);
            }
            return true;
        }
    }

    /// <summary>Keeps a read below its zone's write pointer, moving it to a zone holding data when its own holds too little; false when none does.</summary>
    public bool AdjustRead(ZonedJob job, ref long offset, ref int length)
    {
        lock (_lock)
        {
            int minBs = job.MinRead;
            int zone = ZoneOf(offset);
            long zoneStart = ZoneStart(zone);
            long written = _wp[zone] - zoneStart;
            if (written < minBs || (!job.Random && offset + minBs > _wp[zone]))
            {
                zone = FindWritten(job, zone, minBs);
                if (zone < 0)
                {
                    return false;
                }
                written = _wp[zone] - ZoneStart(zone);
                if (!job.Random)
                {
                    offset = ZoneStart(zone);
                }
            }
            if (written <= length)
            {
                offset = ZoneStart(zone);
            }
            else if (job.Random)
            {
                offset = ZoneStart(zone) + ((offset - zoneStart) % (written - length) / minBs * minBs);
            }
            length = (int)(Math.Min(length, _wp[zone] - offset) / minBs * minBs);
            return true;
        }
    }

    /// <summary>A trim resets its zone (a random one goes to a zone holding data); false when no zone in the job's range holds any.</summary>
    public bool AdjustTrim(ZonedJob job, ref long offset)
    {
        lock (_lock)
        {
            int zone = ZoneOf(offset);
            if (job.Random && _wp[zone] == ZoneStart(zone))
            {
                zone = FindWritten(job, zone, 1);
                if (zone < 0)
                {
                    return false;
                }
            }
            offset = ZoneStart(zone);
            // The trim itself is the discard.
            Reset(zone, job, discard: false);
            Close(zone);
            return true;
        }
    }

    private long ZoneStart(int zone) => zone * ZoneSize;

    /// <summary>fio's zone_reset_threshold/frequency: past the threshold, every 1/frequency-th write resets its zone.</summary>
    private bool ResetDue(ZonedJob job)
    {
        if (job.ResetFrequency <= 0 || _validBytes < 0)
        {
            return false;
        }
        if (_validBytes < job.RegionBytes * job.ResetThreshold)
        {
            return false;
        }
        if (--_writesToReset > 0)
        {
            return false;
        }
        _writesToReset = WritesBetweenResets(job.ResetFrequency);
        return true;
    }

    private static long WritesBetweenResets(double frequency) => (long)Math.Min(1.0 / frequency, uint.MaxValue);

    private void Reset(int zone, ZonedJob job, bool discard)
    {
        long written = _wp[zone] - ZoneStart(zone);
        if (written == 0)
        {
            return;
        }
        if (discard)
        {
            // Under the lock, so that no job writes the zone before its old data is gone.
            job.Discard(ZoneStart(zone), ZoneSize);
        }
        if (_validBytes >= 0)
        {
            _validBytes -= written;
        }
        _wp[zone] = ZoneStart(zone);
        job.Resets++;
    }

    /// <summary>fio's zbd_write_zone_get: the zone is written already, or there is room (device-wide and for the job) to start writing it.</summary>
    private bool TryOpen(int zone, ZonedJob job)
    {
        if (_openedBy[zone] is not null)
        {
            return true;
        }
        if (_openCount >= MaxOpenZones || (job.MaxOpenZones > 0 && job.OpenZones >= job.MaxOpenZones))
        {
            return false;
        }
        _open[_openCount++] = zone;
        _openedBy[zone] = job;
        job.OpenZones++;
        return true;
    }

    /// <summary>fio's zbd_pick_write_zone: one of the zones being written, inside the job's range, from a place the offset chooses.</summary>
    private bool TryPickOpen(ZonedJob job, long offset, out int zone)
    {
        int first = (int)((offset - job.RegionStart) * _openCount / job.RegionBytes);
        for (int i = 0; i < _openCount; i++)
        {
            zone = _open[(first + i) % _openCount];
            if (zone >= job.FirstZone && zone < job.EndZone)
            {
                return true;
            }
        }
        zone = -1;
        return false;
    }

    private void Close(int zone)
    {
        if (_openedBy[zone] is not { } opener)
        {
            return;
        }
        opener.OpenZones--;
        _openedBy[zone] = null;
        int at = Array.IndexOf(_open, zone, 0, _openCount);
        Array.Copy(_open, at + 1, _open, at, _openCount - at - 1);
        _openCount--;
    }

    /// <summary>fio's zbd_find_zone: the next zone with <paramref name="minBytes"/> written (sequential), or the nearest on either side (random); -1 for none.</summary>
    private int FindWritten(ZonedJob job, int zone, long minBytes)
    {
        for (int up = zone + 1, down = zone - 1; up < job.EndZone || down >= job.FirstZone; up++, down--)
        {
            if (up < job.EndZone && ZoneStart(up) + minBytes <= _wp[up])
            {
                return up;
            }
            if (!job.Random && up >= job.EndZone)
            {
                break;
            }
            if (job.Random && down >= job.FirstZone && ZoneStart(down) + minBytes <= _wp[down])
            {
                return down;
            }
        }
        return -1;
    }
}
