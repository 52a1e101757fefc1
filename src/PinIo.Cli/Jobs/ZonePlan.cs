// Follows fio's init.c (fixup_options: zonemode), zbd.c (init_zone_info, zbd_zone_align_file_sizes,
// zbd_verify_bs) and filesetup.c (get_start_offset) in meaning.
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// A job's zones, checked against its target and block sizes: zonemode=strided's zone of
/// <see cref="Range"/> bytes visited for <see cref="Size"/> bytes then <see cref="Skip"/> bytes
/// skipped, or zonemode=zbd's emulated zoned device (zones of <see cref="Size"/> bytes, each
/// writable for <see cref="Capacity"/> bytes at its write pointer). Null for zonemode=none.
/// </summary>
internal sealed record ZonePlan
{
    public required ZoneMode Mode { get; init; }

    /// <summary>strided: bytes of I/O per zone; zbd: bytes of a zone.</summary>
    public required long Size { get; init; }

    /// <summary>strided: bytes of a zone (zonerange, by default zonesize).</summary>
    public long Range { get; init; }

    /// <summary>strided: bytes skipped after each zone.</summary>
    public long Skip { get; init; }

    /// <summary>zbd: bytes writable from a zone's start (zonecapacity, by default zonesize).</summary>
    public long Capacity { get; init; }

    public bool ReadBeyondWp { get; init; }

    /// <summary>zbd: zones all jobs on the device may write at once (0 = no limit).</summary>
    public int MaxOpenZones { get; init; }

    /// <summary>zbd: zones this job may write at once (0 = no limit).</summary>
    public int JobMaxOpenZones { get; init; }

    public double ResetThreshold { get; init; }

    public double ResetFrequency { get; init; }

    /// <summary>The most zones an emulated device keeps a write pointer for (8 bytes each).</summary>
    public const long MaxZones = 1L << 24;

    public bool IsZbd => Mode == ZoneMode.Zbd;

    /// <summary>
    /// fio's start offset: offset= (bytes, zones, or a percentage of the target) plus
    /// offset_increment for each clone before this one. A percentage, of either, is aligned up
    /// to offset_align (by default the smallest block size); without offset_increment and
    /// offset_align pinio's rounding of a percentage (down, to the grain) stands.
    /// </summary>
    public static long StartOffset(JobOptions o, long capacity, int grain, int minBs, int clone)
    {
        SizeOrPercent offset = o.Get(Opt.Offset);
        SizeOrPercent increment = o.Get(Opt.OffsetIncrement);
        if (!o.IsSet(Opt.OffsetIncrement) && !o.IsSet(Opt.OffsetAlign))
        {
            return offset.Resolve(capacity, grain);
        }
        long step = increment.IsPercent ? (long)(increment.Percent * capacity / 100) : increment.Bytes;
        long start = (offset.IsPercent ? (long)(capacity * offset.Percent / 100) : offset.Bytes) + (clone * step);
        if (offset.IsPercent || increment.IsPercent)
        {
            long align = o.Get(Opt.OffsetAlign) is > 0 and long a ? a : minBs;
            start = (start + align - 1) / align * align;
        }
        return start;
    }

    /// <summary>
    /// The options of clone <paramref name="clone"/> with offset_increment (in bytes) added into
    /// its offset, so that the target is sized (a new file created) to reach the clone's region,
    /// as fio sizes each clone's file; a percentage is resolved against the target in <see cref="StartOffset"/>.
    /// </summary>
    public static JobOptions ForClone(JobOptions o, int clone)
    {
        SizeOrPercent offset = o.Get(Opt.Offset);
        SizeOrPercent increment = o.Get(Opt.OffsetIncrement);
        if (clone == 0 || !o.IsSet(Opt.OffsetIncrement) || offset.IsPercent || increment.IsPercent)
        {
            return o;
        }
        JobOptions mine = o.Clone();
        mine.SetResolved(Opt.Offset, offset.Bytes + (clone * increment.Bytes));
        mine.SetResolved(Opt.OffsetIncrement, 0);
        return mine;
    }

    /// <summary>The zones of a job, or null for zonemode=none; refuses what fio refuses and what pinio does not run, by name.</summary>
    public static ZonePlan? Resolve(string name, JobOptions o, Target target, PerDir<BlockSizeSpec> bs, int logical)
    {
        long zoneSize = o.Get(Opt.ZoneSize);
        ZoneMode mode = o.IsSet(Opt.ZoneModeOption) ? o.Get(Opt.ZoneModeOption) : zoneSize > 0 ? ZoneMode.Strided : ZoneMode.None;
        if (mode == ZoneMode.None)
        {
            if (zoneSize > 0)
            {
                throw new OptionException($"pinio: job '{name}': zonemode=none and zonesize={zoneSize} are not compatible (as fio): drop zonesize or set zonemode=strided or zbd");
            }
            return null;
        }
        if (zoneSize == 0)
        {
            throw new OptionException($"pinio: job '{name}': zonemode={ModeName(mode)} needs zonesize= (the size of a zone)");
        }
        return mode == ZoneMode.Strided ? Strided(name, o, zoneSize, bs, logical) : Zbd(name, o, target, zoneSize, bs, logical);
    }

    private static ZonePlan Strided(string name, JobOptions o, long zoneSize, PerDir<BlockSizeSpec> bs, int logical)
    {
        long range = o.Get(Opt.ZoneRange) is > 0 and long r ? r : zoneSize;
        long skip = o.Get(Opt.ZoneSkip);
        if (range % logical != 0 || skip % logical != 0)
        {
            throw new OptionException($"pinio: job '{name}': zonerange={range} and zoneskip={skip} must be multiples of the target's logical block size {logical}");
        }
        int maxBs = Math.Max(o.Rw.HasReads() ? bs.Read.Max : 0, o.Rw.HasWrites() || o.Rw.HasTrims() ? bs.Write.Max : 0);
        if (range < maxBs)
        {
            throw new OptionException($"pinio: job '{name}': zonerange={range} is smaller than one block of bs={maxBs}");
        }
        if (o.Get(Opt.Verify) != VerifyKind.None || o.Get(Opt.VerifyPattern) is not null)
        {
            throw new OptionException($"pinio: job '{name}': verify with zonemode=strided is not supported (the zones run past the region the read-back keeps a log of): drop verify or zonemode");
        }
        return new ZonePlan { Mode = ZoneMode.Strided, Size = zoneSize, Range = range, Skip = skip };
    }

    private static ZonePlan Zbd(string name, JobOptions o, Target target, long zoneSize, PerDir<BlockSizeSpec> bs, int logical)
    {
        long capacity = o.Get(Opt.ZoneCapacity) is > 0 and long c ? c : zoneSize;
        if (zoneSize < 512 || zoneSize % logical != 0 || capacity % logical != 0)
        {
            throw new OptionException($"pinio: job '{name}': zonemode=zbd needs zonesize (and zonecapacity) of at least 512 bytes, multiples of the target's logical block size {logical}");
        }
        if (capacity > zoneSize)
        {
            throw new OptionException($"pinio: job '{name}': zonecapacity={capacity} is larger than zonesize={zoneSize}");
        }
        if (target.Capacity / zoneSize > MaxZones)
        {
            throw new OptionException($"pinio: job '{name}': zonesize={zoneSize} makes more than {MaxZones} zones of {target.Filename}: pick a larger zonesize");
        }
        if (target.Capacity < zoneSize)
        {
            throw new OptionException($"pinio: job '{name}': {target.Filename} ({target.Capacity} bytes) is smaller than zonesize={zoneSize}");
        }
        if (o.Get(Opt.ZoneSkip) != 0)
        {
            throw new OptionException($"pinio: job '{name}': zoneskip with zonemode=zbd is not supported: drop zoneskip (fio: must be zero for zbd)");
        }
        if (o.Get(Opt.Verify) != VerifyKind.None || o.Get(Opt.VerifyPattern) is not null)
        {
            throw new OptionException($"pinio: job '{name}': verify with zonemode=zbd is not supported (a zone reset loses what the read-back would check): drop verify or zonemode");
        }
        if (o.Get(Opt.IoEngine) is IoEngineKind.Dotnet or IoEngineKind.Ftruncate)
        {
            throw new OptionException($"pinio: job '{name}': zonemode=zbd resets zones with a discard, which ioengine={o.Get(Opt.IoEngine).FioName()} has not: pick psync, libaio or io_uring");
        }
        if (o.Rw.HasTrims() && (!bs.Write.IsFixed || bs.Write.Min != zoneSize))
        {
            throw new OptionException($"pinio: job '{name}': rw={o.Rw.FioName()} with zonemode=zbd resets whole zones: the trim block size must be zonesize={zoneSize} (bs=,{zoneSize}), without bsrange or bssplit");
        }
        if (o.Rw.HasWrites() && bs.Write.Max > capacity)
        {
            throw new OptionException($"pinio: job '{name}': bs={bs.Write.Max} exceeds the zone's {capacity} writable bytes (zonesize/zonecapacity)");
        }
        if (o.Get(Opt.JobMaxOpenZones) > 0 && o.Get(Opt.MaxOpenZones) == 0)
        {
            throw new OptionException($"pinio: job '{name}': job_max_open_zones needs max_open_zones (as fio: the per-job limit is kept within a global one)");
        }
        return new ZonePlan
        {
            Mode = ZoneMode.Zbd,
            Size = zoneSize,
            Capacity = capacity,
            ReadBeyondWp = o.Get(Opt.ReadBeyondWp),
            MaxOpenZones = o.Get(Opt.MaxOpenZones),
            JobMaxOpenZones = o.Rw.HasWrites() ? o.Get(Opt.JobMaxOpenZones) : 0,
            ResetThreshold = o.Get(Opt.ZoneResetThreshold),
            ResetFrequency = o.Get(Opt.ZoneResetFrequency),
        };
    }

    /// <summary>
    /// fio's zbd_zone_align_file_sizes: a writing job's region starts at a zone start (rounded
    /// up) and ends at one (rounded down); a reading job's end is rounded down to a zone start.
    /// </summary>
    public void AlignRegion(string name, bool writes, ref long offset, ref long size, List<string> notes)
    {
        long end = offset + size;
        if (writes && offset % Size != 0)
        {
            long up = (offset / Size + 1) * Size;
            if (up >= end)
            {
                throw new OptionException($"pinio: job '{name}': with zonemode=zbd the region must hold at least one whole zone of {Size} bytes");
            }
            notes.Add($"zonemode=zbd: offset rounded up from {offset} to {up}, the next zone start (as fio)");
            offset = up;
        }
        long alignedEnd = end / Size * Size;
        if (alignedEnd <= offset)
        {
            throw new OptionException($"pinio: job '{name}': with zonemode=zbd the region must hold at least one whole zone of {Size} bytes (size=1z or more)");
        }
        if (alignedEnd != end)
        {
            notes.Add($"zonemode=zbd: size rounded down from {end - offset} to {alignedEnd - offset}, to end at a zone start (as fio)");
        }
        size = alignedEnd - offset;
    }

    /// <summary>The zone options a job sets that its zonemode ignores, one note each (fio ignores them silently).</summary>
    public static void AddNotes(JobOptions o, ZonePlan? zones, List<string> notes)
    {
        string mode = zones is null ? "none" : ModeName(zones.Mode);
        if (zones is not { IsZbd: true })
        {
            foreach (OptionDef option in (OptionDef[])[Opt.ZoneCapacity, Opt.ReadBeyondWp, Opt.MaxOpenZones, Opt.JobMaxOpenZones, Opt.IgnoreZoneLimits, Opt.ZoneResetThreshold, Opt.ZoneResetFrequency])
            {
                if (o.IsSet(option))
                {
                    notes.Add($"{option.Name} applies to zonemode=zbd only: ignored with zonemode={mode} (as fio)");
                }
            }
            return;
        }
        if (o.IsSet(Opt.ZoneRange))
        {
            notes.Add("zonerange is ignored by zonemode=zbd (as fio: the zone is zonesize)");
        }
        if (o.Get(Opt.IgnoreZoneLimits))
        {
            notes.Add("ignore_zone_limits: an emulated zoned device has no open-zone limit of its own; accepted, changes nothing");
        }
        if (o.Get(Opt.JobMaxOpenZones) > 0 && !o.Rw.HasWrites())
        {
            notes.Add("job_max_open_zones is valid only for write jobs: ignored (as fio)");
        }
    }

    private static string ModeName(ZoneMode mode) => mode == ZoneMode.Strided ? "strided" : "zbd";
}
