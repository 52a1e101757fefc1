// Follows fio's zbd.c (zbd_adjust_ddir, zbd_adjust_block, the per-job zone limits) in meaning.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>One job's side of a <see cref="ZonedDevice"/>: its range of zones, its limits and block sizes, its resets.</summary>
internal sealed class ZonedJob
{
    private readonly ZonedDevice _device;
    private readonly Action<long, long>? _discard;
    private readonly bool _firstReadWrites;
    private bool _wrote;

    public ZonedJob(ZonedDevice device, JobPlan plan, Action<long, long>? discard)
    {
        _device = device;
        _discard = discard;
        ZonePlan zones = plan.Zones!;
        RegionStart = plan.Offset;
        RegionBytes = plan.Size;
        FirstZone = device.ZoneOf(plan.Offset);
        EndZone = device.ZoneOf(plan.Offset + plan.Size);
        MinRead = plan.Bs.Read.Min;
        MinWrite = plan.Bs.Write.Min;
        Random = plan.Rw.IsRandom();
        ReadBeyondWp = zones.ReadBeyondWp;
        MaxOpenZones = zones.JobMaxOpenZones;
        ResetThreshold = zones.ResetThreshold;
        ResetFrequency = zones.ResetFrequency;
        // fio's zbd_adjust_ddir: a mixed job's first read is a write, so that there is data to read.
        _firstReadWrites = plan.Rw.IsMixed() && !ReadBeyondWp && plan.RwMixRead < 100;
    }

    public long RegionStart { get; }

    public long RegionBytes { get; }

    public int FirstZone { get; }

    /// <summary>The first zone past the job's range.</summary>
    public int EndZone { get; }

    public int MinRead { get; }

    public int MinWrite { get; }

    public bool Random { get; }

    public bool ReadBeyondWp { get; }

    /// <summary>job_max_open_zones (0 = no limit of the job's own).</summary>
    public int MaxOpenZones { get; }

    public double ResetThreshold { get; }

    public double ResetFrequency { get; }

    /// <summary>Zones this job started writing that are not full yet (the device's lock guards it).</summary>
    public int OpenZones { get; set; }

    /// <summary>Zone resets the job made: full zones written again, zone_reset_frequency's and trims (fio's nr_zone_resets).</summary>
    public long Resets { get; set; }

    /// <summary>The direction fio's zbd_adjust_ddir gives an I/O: a mixed job reads only once it has written.</summary>
    public IoDir AdjustDir(IoDir dir) => dir == IoDir.Read && _firstReadWrites && !_wrote ? IoDir.Write : dir;

    /// <summary>
    /// Moves an I/O at device offset <paramref name="offset"/> where the zones let it go (see
    /// <see cref="ZonedDevice"/>); false when there is nowhere, which ends the job as in fio.
    /// </summary>
    public bool Adjust(IoDir dir, ref long offset, ref int length)
    {
        switch (dir)
        {
            case IoDir.Write:
                _wrote = true;
                return _device.AdjustWrite(this, ref offset, ref length);
            case IoDir.Trim:
                return _device.AdjustTrim(this, ref offset);
            default:
                return ReadBeyondWp || _device.AdjustRead(this, ref offset, ref length);
        }
    }

    /// <summary>Discards a zone being reset (the job's I/O in flight ended first); without a discard (a target that has none) the reset only moves the pointer, as fio's emulation.</summary>
    public void Discard(long offset, long length) => _discard?.Invoke(offset, length);
}
